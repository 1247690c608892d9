"""Every bad value is named with its field, the value and what is allowed."""

from __future__ import annotations

import pytest

from o2osim.config import ConfigError, compose_scenario, validate_scenario

MARKETS = ("retail_apparel", "hotpot_chain", "local_services")


@pytest.mark.parametrize("plan", ["fragmented", "integrated"])
@pytest.mark.parametrize("market", MARKETS)
def test_every_preset_is_valid(market: str, plan: str) -> None:
    validate_scenario(compose_scenario([f"market={market}", f"plan={plan}"]))


CASES = {
    "probability-above-1": ("market.behaviour.step_dropoff_prob=1.2", "step_dropoff_prob"),
    "negative-probability": ("plan.integration.unified_id_share=-0.1", "unified_id_share"),
    "shares-not-summing": ("market.population.segment_shares=[0.5,0.5,0.5]", "segment_shares"),
    "carryover-at-1": ("market.channels.lbs_ads.carryover=1.0", "carryover"),
    "cpm-zero": ("market.channels.lbs_ads.cpm_cny=0", "cpm_cny"),
    "negative-budget": ("plan.channels.livestream.budget_cny=-1", "budget_cny"),
    "flighting-length": ("plan.channels.livestream.flighting=[1,1]", "flighting"),
    "coupon-above-threshold": ("plan.coupon.value_cny=300", "value_cny"),
    "percent-coupon-1": ("plan.coupon.kind=percent", "percent_off"),
    "bad-where": ("plan.coupon.redeem_where=mall", "redeem_where"),
    "bad-kind": ("market.channels.lbs_ads.kind=tv", "kind"),
    "promo-week-17": ("plan.promo_weeks=[5,17]", "promo_weeks"),
    "lag-13": ("plan.integration.calendar_lag_weeks=13", "calendar_lag_weeks"),
    "tiny-population": ("sim.population=10", "sim.population"),
    "market-smaller-than-population": ("market.population.market_size=500", "market_size"),
    "unknown-kpi": ("targets.roi.kpi=roii", "targets.roi.kpi"),
    "bad-op": ("targets.roi.op='>'", "targets.roi.op"),
    "close-before-open": ("market.operations.close_hour=9", "close_hour"),
    "zero-units": ("market.operations.stations.cashier.units=0", "units"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_value_names_field_and_value(case: str) -> None:
    override, field = CASES[case]
    with pytest.raises(ConfigError) as err:
        validate_scenario(compose_scenario(["sim.population=1000", override]))
    message = str(err.value)
    assert field in message
    assert "\n" not in message
    assert " — " in message  # "<field>: <value> — <allowed>"
