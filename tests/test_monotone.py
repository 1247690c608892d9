"""Monotone responses with common random numbers (same seed, one lever moved).

Every run uses the same seed; the engine draws fixed-size random blocks per stream per
day (o2osim.rng), so two runs differ only through the lever. The checks are strictly
non-decreasing, with no tolerance: a dip is a finding, not noise to absorb.
"""

from __future__ import annotations

from functools import cache

import pytest

from o2osim.config import compose_scenario
from o2osim.model import run_scenario

BASE = ("market=retail_apparel", "plan=integrated", "sim.population=20000", "sim.days=112",
        "sim.seed=3")


@cache
def plan_budgets() -> dict[str, float]:
    """Channel budgets of the integrated plan preset (read from conf/plan/integrated.yaml)."""
    sc = compose_scenario(list(BASE))
    return {name: float(c.budget_cny) for name, c in sc.plan.channels.items()}


@cache
def kpis(*overrides: str) -> dict[str, float]:
    """KPIs of BASE plus ``overrides`` (cached: the sweeps share runs)."""
    return run_scenario(compose_scenario([*BASE, *overrides])).metrics["kpis"]


def all_budgets_times(factor: float) -> tuple[str, ...]:
    return tuple(f"plan.channels.{c}.budget_cny={b * factor:.0f}"
                 for c, b in plan_budgets().items())


UNCAPPED = "plan.coupon.quantity_cap=1000000000"
"""The integrated plan's cap (60 000 coupons = 1 200 simulated at 20 000 consumers) is
claimed in full at every value from 10 CNY of 300 (test_a_binding_cap_...): then the value
only decides who claims first, not how many, and redemptions are not monotone in it (they
dip at some seeds: 3, 4 and 8 of 3-8 measured on 2026-12-01; 4 and 5 before the engine was
reshaped, when seed 3 passed by chance). The value's own effect is tested without the cap."""


def coupon_worth(value_cny: int) -> tuple[str, ...]:
    return ("plan.coupon.threshold_cny=300", f"plan.coupon.value_cny={value_cny}", UNCAPPED)


def lbs_budget(budget_cny: float) -> tuple[str, ...]:
    return (f"plan.channels.lbs_ads.budget_cny={budget_cny:.0f}",)


SWEEPS = {
    "all-budgets-x0-0.5-1-2-4": [all_budgets_times(f) for f in (0.0, 0.5, 1.0, 2.0, 4.0)],
    "coupon-value-10-30-60-90-of-300": [coupon_worth(v) for v in (10, 30, 60, 90)],
    "lbs_ads-budget-0-2M-6M": [lbs_budget(b) for b in (0.0, 2e6, 6e6)],
}


CASES = [
    ("all-budgets-x0-0.5-1-2-4", "exposed"),
    ("all-budgets-x0-0.5-1-2-4", "aware"),
    ("coupon-value-10-30-60-90-of-300", "coupons_redeemed"),
    ("lbs_ads-budget-0-2M-6M", "exposed"),
]


@pytest.mark.parametrize(("sweep", "kpi"), CASES, ids=[f"{s}:{k}" for s, k in CASES])
def test_lever_never_lowers_kpi(sweep: str, kpi: str) -> None:
    values = [kpis(*overrides)[kpi] for overrides in SWEEPS[sweep]]
    drops = [(i, a, b) for i, (a, b) in enumerate(zip(values, values[1:], strict=False))
             if b < a]
    assert not drops, f"{kpi} along {sweep}: {values} (drops at steps {drops})"
    # The lever does something at all (otherwise the check above would be empty).
    assert values[-1] > values[0], f"{kpi} along {sweep} did not move: {values}"


def test_a_binding_cap_is_claimed_in_full_at_every_coupon_value() -> None:
    """Why the coupon-value sweep runs uncapped: with the plan's cap every value claims
    exactly the cap (in simulated coupons), so the value cannot raise the claims."""
    sc = compose_scenario(list(BASE))
    cap = sc.plan.coupon.quantity_cap
    scale = sc.market.population.market_size / sc.sim.population
    for value in (10, 90):
        claimed = kpis("plan.coupon.threshold_cny=300",
                       f"plan.coupon.value_cny={value}")["coupons_claimed"]
        assert claimed == pytest.approx(cap / scale, abs=1), (value, claimed)
