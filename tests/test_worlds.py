"""The baseline world (o2osim.worlds): the market without the campaign, in a canonical
form that plans differing only in idle settings share (and a process runs once)."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import FOUR_WEEKS, market_presets
from o2osim.config import compose_scenario
from o2osim.model import CampaignModel, run_scenario
from o2osim.worlds import baseline, baseline_key, is_baseline, outcome, variant

SMALL = ("sim.population=3000", "market.population.market_size=30000", "sim.days=35",
         "sim.seed=4", *FOUR_WEEKS)


def _outcome(sc):  # type: ignore[no-untyped-def]
    model = CampaignModel(sc)
    model.run()
    return outcome(model)


@pytest.mark.parametrize("plan", ["fragmented", "integrated"])
@pytest.mark.parametrize("market", market_presets())
def test_the_canonical_baseline_gives_the_plain_baselines_outcome(market: str,
                                                                  plan: str) -> None:
    """Every setting the canonical form resets is idle without the campaign: the outcome
    (revenue, orders, subsidies, spend, margin) is identical, not merely close."""
    sc = compose_scenario([f"market={market}", f"plan={plan}", *SMALL])
    plain = variant(sc, (), offers=False)
    assert baseline(sc) != plain  # something was reset
    assert _outcome(baseline(sc)) == _outcome(plain)


def test_plans_differing_only_in_campaign_settings_share_a_baseline() -> None:
    sc = compose_scenario(["plan=integrated", *SMALL])
    bolder = compose_scenario(["plan=integrated", "plan.promise_level=0.9",
                               "plan.coupon.value_cny=80", "plan.promo_weeks=[3]", *SMALL])
    other_ids = compose_scenario(["plan=integrated", "plan.integration.unified_id_share=0.2",
                                  *SMALL])
    assert baseline_key(sc) == baseline_key(bolder)
    assert baseline_key(sc) != baseline_key(other_ids)
    assert run_scenario(sc).baseline == run_scenario(bolder).baseline


def test_a_plan_without_campaign_is_its_own_baseline() -> None:
    sc = variant(compose_scenario(["plan=integrated", *SMALL]), (), offers=False)
    assert is_baseline(sc)
    res = run_scenario(sc)
    assert res.metrics["kpis"]["incremental_revenue_cny"] == 0.0
    assert res.metrics["kpis"]["roi"] == 0.0
    assert res.metrics["kpis"]["baseline_revenue_cny"] == res.metrics["kpis"]["revenue_cny"] > 0
    assert dataclasses.replace(sc) == sc
