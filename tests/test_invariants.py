"""Invariants that hold for every valid config (DESIGN §4), on random configs (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2osim.config import compose_scenario, validate_scenario
from o2osim.model import run_scenario

CHANNELS = ("content_seeding", "livestream", "local_life", "lbs_ads", "crm_retarget",
            "member_push", "offline_events")


@st.composite
def scenarios(draw: st.DrawFn) -> list[str]:
    threshold = draw(st.integers(50, 600))
    overrides = [
        f"market={draw(st.sampled_from(['retail_apparel', 'hotpot_chain', 'local_services']))}",
        f"plan={draw(st.sampled_from(['fragmented', 'integrated']))}",
        f"sim.population={draw(st.integers(500, 3000))}",
        f"sim.days={draw(st.integers(7, 70))}",
        f"sim.seed={draw(st.integers(0, 10_000))}",
        f"plan.coupon.threshold_cny={threshold}",
        f"plan.coupon.value_cny={draw(st.integers(1, threshold - 1))}",
        f"plan.coupon.redeem_where={draw(st.sampled_from(['online', 'store', 'both']))}",
        f"plan.coupon.claim_where={draw(st.sampled_from(['online', 'store', 'both']))}",
        f"plan.coupon.validity_days={draw(st.integers(1, 60))}",
        f"plan.coupon.quantity_cap={draw(st.integers(0, 200_000))}",
        f"plan.coupon.per_person_limit={draw(st.integers(1, 3))}",
        f"plan.integration.unified_id_share={draw(st.floats(0, 1))}",
        f"plan.integration.calendar_lag_weeks={draw(st.integers(0, 8))}",
        f"plan.operations.booking_share={draw(st.floats(0, 1))}",
        f"plan.operations.staff_multiplier={draw(st.floats(0.2, 3))}",
    ]
    for lever in ("unified_membership", "pos_coupon_integrated", "o2o_traffic_guidance",
                  "price_parity", "staff_briefed", "budget_reallocation"):
        overrides.append(f"plan.integration.{lever}={str(draw(st.booleans())).lower()}")
    for ch in draw(st.lists(st.sampled_from(CHANNELS), unique=True, max_size=4)):
        overrides.append(f"plan.channels.{ch}.budget_cny={draw(st.integers(0, 10_000_000))}")
    return overrides


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants_hold_for_random_valid_configs(overrides: list[str]) -> None:
    sc = validate_scenario(compose_scenario(overrides))
    result = run_scenario(sc)
    k, daily, stores = result.metrics["kpis"], result.daily, result.stores
    scale = result.metrics["scale_real_per_simulated"]
    assert k["spend_cny"] <= k["budget_cny"] * (1 + 1e-9) + 1e-6
    assert (daily["spend_cny"] >= 0).all()
    assert k["purchasers"] <= k["aware"] <= k["population"]
    assert k["exposed"] <= k["population"]
    assert k["coupons_redeemed"] <= k["coupons_claimed"]
    assert k["coupons_claimed"] <= sc.plan.coupon.quantity_cap / scale + 1
    assert k["revenue_cny"] == pytest.approx(daily["revenue_cny"].sum(), rel=1e-9)
    assert k["orders_online"] + k["orders_offline"] >= k["purchasers"]
    for name, value in k.items():
        if name.endswith("_rate"):
            assert 0.0 <= value <= 1.0, name
    assert k["roi"] >= 0
    assert list(daily["day"]) == list(range(sc.sim.days))
    assert (stores["served"] + stores["balked"] + stores["reneged"] == stores["arrivals"]).all()
    assert (stores["coupon_checks_failed"] <= stores["coupon_checks"]).all()
    assert ((stores["utilisation"] >= 0) & (stores["utilisation"] <= 1 + 1e-9)).all()
