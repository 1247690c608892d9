"""The seeds' figures come out of the mechanisms (issue: calibrated defaults, honestly).

Seed 000: today (the fragmented plan) conversion < 5 %, satisfaction < 60 %, ROI < 1.2.
The behavioural levels are calibrated on that "today" (seed 0; docs/parameters.md), with
satisfaction in 40-60 % — a chain that still has customers. The integrated plan's
results are then predictions (issue 12 item 6): the README's preset table says which of
the targets (conversion >= 15 %, satisfaction >= 85 %, ROI >= 1.8) each market meets;
here the prediction is held to what integration must do in every market — lift each
core KPI by a wide margin. The checks use the default population (100 000) and two
seeds that were not used to choose any parameter (0 was; 5 and 23 were not). Each
integration lever, removed alone from the integrated plan, must visibly worsen the KPI
it drives.
"""

from __future__ import annotations

from functools import cache

import pytest

from conftest import market_presets
from o2osim.config import compose_scenario
from o2osim.model import run_scenario

MARKETS = market_presets()


@cache
def kpis(market: str, plan: str, seed: int = 5, *overrides: str) -> dict[str, float]:
    sc = compose_scenario([f"market={market}", f"plan={plan}", f"sim.seed={seed}", *overrides])
    return run_scenario(sc).metrics["kpis"]


@pytest.mark.parametrize("seed", [5, 23])
@pytest.mark.parametrize("market", MARKETS)
def test_fragmented_plan_shows_todays_figures(market: str, seed: int) -> None:
    k = kpis(market, "fragmented", seed)
    assert k["conversion_rate"] < 0.05
    assert 0.40 <= k["satisfaction_rate"] < 0.60
    assert k["roi"] < 1.2


@pytest.mark.parametrize("seed", [5, 23])
@pytest.mark.parametrize("market", MARKETS)
def test_integrated_plan_lifts_the_core_kpis(market: str, seed: int) -> None:
    """The prediction: integration at least doubles conversion and the incremental ROI
    and lifts satisfaction by 20 points or more, in every market. Whether that reaches
    the targets is reported, not assumed (README, "What the presets give")."""
    today, plan = kpis(market, "fragmented", seed), kpis(market, "integrated", seed)
    assert plan["conversion_rate"] >= 2.0 * today["conversion_rate"]
    assert plan["satisfaction_rate"] >= today["satisfaction_rate"] + 0.20
    assert plan["roi"] >= 2.0 * today["roi"]


# lever removed from the integrated plan -> (KPI it drives, least visible drop)
LEVERS = {
    # Satisfaction counts every experience, the customer base's ordinary visits included
    # (issue 12): about half of them no coupon touches, so the drop a refused coupon
    # causes is diluted — seed 5 gives 0.6-0.9 points where the campaign-only model gave
    # more than 1 — and this lever's least visible drop is half a point.
    "coupon-not-redeemable-in-store": (
        "plan.coupon.redeem_where=online", {"coupon_redemption_rate": 0.03,
                                            "satisfaction_rate": 0.005}),
    "separate-membership": (
        "plan.integration.unified_membership=false", {"satisfaction_rate": 0.05,
                                                      "conversion_rate": 0.01}),
    "calendar-out-of-sync": (
        "plan.integration.calendar_lag_weeks=4", {"satisfaction_rate": 0.03,
                                                  "calendar_sync_rate": 0.5}),
    "promise-above-reality": (
        "plan.promise_level=0.88", {"satisfaction_rate": 0.2}),
    "no-unified-customer-id": (
        "plan.integration.unified_id_share=0.1", {"conversion_rate": 0.05,
                                                  "offline_member_online_repurchase_rate": 0.05}),
    "online-traffic-not-sent-to-stores": (
        "plan.integration.o2o_traffic_guidance=false", {"online_to_store_rate": 0.02}),
    "pos-cannot-scan-online-coupons": (
        "plan.integration.pos_coupon_integrated=false", {"coupon_redemption_rate": 0.02}),
}


@pytest.mark.parametrize("lever", list(LEVERS))
@pytest.mark.parametrize("market", MARKETS)
def test_removing_a_lever_worsens_the_kpi_it_drives(market: str, lever: str) -> None:
    override, drops = LEVERS[lever]
    base = kpis(market, "integrated")
    without = kpis(market, "integrated", 5, override)
    for kpi, least in drops.items():
        assert base[kpi] - without[kpi] >= least, (
            f"{kpi}: {base[kpi]:.3f} with the lever, {without[kpi]:.3f} without")


def test_separate_membership_and_manual_pos_add_steps() -> None:
    assert kpis("retail_apparel", "integrated")["steps_to_redeem"] == 2
    assert kpis("retail_apparel", "fragmented")["steps_to_redeem"] == 4


@pytest.mark.parametrize("market", MARKETS)
def test_half_the_staff_on_campaign_weekends_costs_satisfaction(market: str) -> None:
    base = kpis(market, "integrated")
    thin = kpis(market, "integrated", 5, "plan.operations.weekend_staff_multiplier=0.5")
    assert base["satisfaction_rate"] - thin["satisfaction_rate"] >= 0.02
    assert thin["walkout_rate"] > base["walkout_rate"]
    if market != "hotpot_chain":
        assert thin["mean_wait_min"] > base["mean_wait_min"]
    # A hotpot store's bottleneck is its tables (not staff): with the regular customers
    # queueing too (issue 12), a thinner host desk turns walk-ins away at the door
    # (balking), and those who stay wait less — the mean wait counts only those who did
    # not balk (seed 5: 3.6 min with full staff, 2.6 with half; walk-outs up).
