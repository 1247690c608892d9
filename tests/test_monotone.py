"""Monotone responses with common random numbers (same seed, one lever moved)."""

from __future__ import annotations

from functools import cache

import pytest

from o2osim.config import compose_scenario
from o2osim.model import run_scenario

BASE = ["market=retail_apparel", "plan=integrated", "sim.population=20000", "sim.seed=3"]
CHANNELS = {"content_seeding": 4.5e6, "livestream": 4.5e6, "local_life": 1.8e6,
            "lbs_ads": 3.0e6, "crm_retarget": 1.5e6, "member_push": 0.9e6,
            "offline_events": 1.8e6}


@cache
def kpis(*overrides: str) -> dict[str, float]:
    return run_scenario(compose_scenario([*BASE, *overrides])).metrics["kpis"]


def scaled(factor: float) -> tuple[str, ...]:
    return tuple(f"plan.channels.{c}.budget_cny={b * factor:.0f}" for c, b in CHANNELS.items())


@pytest.mark.parametrize("kpi", ["exposed", "aware"])
def test_more_budget_never_lowers_reach(kpi: str) -> None:
    values = [kpis(*scaled(f))[kpi] for f in (0.0, 0.5, 1.0, 2.0, 4.0)]
    assert values == sorted(values), values
    assert values[-1] > values[0]


def test_more_budget_on_one_channel_never_lowers_reach() -> None:
    values = [kpis(f"plan.channels.lbs_ads.budget_cny={b}")["exposed"] for b in (0, 2e6, 6e6)]
    assert values == sorted(values), values


def test_bigger_coupon_never_lowers_redemptions() -> None:
    values = [kpis("plan.coupon.threshold_cny=300", f"plan.coupon.value_cny={v}")[
        "coupons_redeemed"] for v in (10, 30, 60, 90)]
    assert values == sorted(values), values
    assert values[-1] > values[0]
