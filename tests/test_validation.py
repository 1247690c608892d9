"""Every bad value is named with its full field path, the value given and what is allowed."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from conftest import SMALL, market_presets
from o2osim.config import ConfigError, compose_scenario, validate_scenario
from o2osim.config.field_checks import Interval, ListOf
from o2osim.config.ranges import schema_leaves, with_table
from o2osim.config.schema import ChannelPlan
from o2osim.config.validate import iter_errors

MARKETS = market_presets()
PLANS = ("integrated", "fragmented")
ZEROS16 = "[" + ",".join(["0"] * 16) + "]"
NEGATIVE_WEEK = "[" + ",".join(["1"] * 15 + ["-1"]) + "]"


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("market", MARKETS)
def test_every_preset_combination_is_valid(market: str, plan: str) -> None:
    sc = compose_scenario([f"market={market}", f"plan={plan}"])
    assert validate_scenario(sc) is sc
    assert list(iter_errors(sc)) == []


def case(id_: str, overrides: str, path: str, value: str) -> object:
    return pytest.param(overrides.split(), path, value, id=id_)


CASES = [
    # [0, 1]: *_share, *_prob*, and the named levels and rates
    case("share-above-1", "market.population.online_account_share=1.5",
         "market.population.online_account_share", "1.5"),
    case("prob-negative", "market.behaviour.step_dropoff_prob=-0.1",
         "market.behaviour.step_dropoff_prob", "-0.1"),
    case("prob-inside-name", "market.behaviour.ugc_post_prob_satisfied=2",
         "market.behaviour.ugc_post_prob_satisfied", "2"),
    case("unified-id-share", "plan.integration.unified_id_share=1.2",
         "plan.integration.unified_id_share", "1.2"),
    case("max-daily-reach", "market.channels.livestream.max_daily_reach=1.5",
         "market.channels.livestream.max_daily_reach", "1.5"),
    case("interest-retention", "market.behaviour.interest_retention_per_day=1.01",
         "market.behaviour.interest_retention_per_day", "1.01"),
    case("reality-level", "market.stores.reality_level=1.2", "market.stores.reality_level",
         "1.2"),
    case("online-reality-level", "market.stores.online_reality_level=-0.5",
         "market.stores.online_reality_level", "-0.5"),
    case("promise-level", "plan.promise_level=1.1", "plan.promise_level", "1.1"),
    case("baseline-expectation", "market.experience.baseline_expectation=-0.2",
         "market.experience.baseline_expectation", "-0.2"),
    case("awareness-forget", "market.behaviour.awareness_forget_per_day=3",
         "market.behaviour.awareness_forget_per_day", "3"),
    case("wom-talk", "market.behaviour.wom_talk_prob_per_day=1.5",
         "market.behaviour.wom_talk_prob_per_day", "1.5"),
    case("wom-aware", "market.behaviour.wom_aware_prob_per_contact=-1",
         "market.behaviour.wom_aware_prob_per_contact", "-1"),
    case("satisfied-at-1-open", "market.experience.satisfied_share_at_zero_gap=1",
         "market.experience.satisfied_share_at_zero_gap", "1"),
    case("satisfied-at-0-open", "market.experience.satisfied_share_at_zero_gap=0",
         "market.experience.satisfied_share_at_zero_gap", "0"),
    case("carryover-at-1", "market.channels.lbs_ads.carryover=1.0",
         "market.channels.lbs_ads.carryover", "1"),
    case("reserve-above-half", "plan.contingency_reserve_share=0.6",
         "plan.contingency_reserve_share", "0.6"),
    # lists of three
    case("segment-shares-sum", "market.population.segment_shares=[0.5,0.5,0.5]",
         "market.population.segment_shares", "[0.5, 0.5, 0.5]"),
    case("segment-shares-two", "market.population.segment_shares=[0.5,0.5]",
         "market.population.segment_shares", "[0.5, 0.5]"),
    case("affinity-shares-negative", "market.population.affinity_shares=[1.2,-0.1,-0.1]",
         "market.population.affinity_shares", "[1.2, -0.1, -0.1]"),
    case("affinity-weights-negative", "market.channels.livestream.affinity_weights=[1,-1,1]",
         "market.channels.livestream.affinity_weights", "[1, -1, 1]"),
    case("segment-weights-length", "market.channels.livestream.segment_weights=[1,1,1,1]",
         "market.channels.livestream.segment_weights", "[1, 1, 1, 1]"),
    case("store-choice-above-1", "market.behaviour.store_choice_share=[0.2,1.5,0.6]",
         "market.behaviour.store_choice_share", "[0.2, 1.5, 0.6]"),
    case("hazard-negative", "market.behaviour.purchase_hazard_max_per_day=[0.03,-0.01,0.02]",
         "market.behaviour.purchase_hazard_max_per_day", "[0.03, -0.01, 0.02]"),
    # strictly positive
    case("cpm-zero", "market.channels.lbs_ads.cpm_cny=0", "market.channels.lbs_ads.cpm_cny",
         "0"),
    case("half-saturation-zero", "market.channels.lbs_ads.half_saturation_ipc=0",
         "market.channels.lbs_ads.half_saturation_ipc", "0"),
    case("hill-negative", "market.channels.lbs_ads.hill_shape=-1",
         "market.channels.lbs_ads.hill_shape", "-1"),
    case("lbs-radius-zero", "market.channels.local_life.lbs_radius_km=0",
         "market.channels.local_life.lbs_radius_km", "0"),
    case("basket-zero", "market.stores.basket_mean_cny=0", "market.stores.basket_mean_cny", "0"),
    case("noise-zero", "market.experience.noise_sd=0", "market.experience.noise_sd", "0"),
    case("distance-zero", "market.population.distance_km_median=0",
         "market.population.distance_km_median", "0"),
    case("distance-decay-zero", "market.behaviour.distance_decay_km=0",
         "market.behaviour.distance_decay_km", "0"),
    case("price-sensitivity-mean-1", "market.population.price_sensitivity_mean=1",
         "market.population.price_sensitivity_mean", "1"),
    # never negative: money, weights, penalties, interest, spreads
    case("basket-sigma-negative", "market.stores.basket_sigma=-0.1",
         "market.stores.basket_sigma", "-0.1"),
    case("budget-negative", "plan.channels.livestream.budget_cny=-1",
         "plan.channels.livestream.budget_cny", "-1"),
    case("integration-cost-negative", "plan.integration_cost_cny=-5",
         "plan.integration_cost_cny", "-5"),
    case("gain-weight-negative", "market.experience.gain_weight=-0.5",
         "market.experience.gain_weight", "-0.5"),
    case("loss-weight-negative", "market.experience.loss_weight=-1",
         "market.experience.loss_weight", "-1"),
    case("penalty-negative", "market.experience.penalty_stockout=-0.1",
         "market.experience.penalty_stockout", "-0.1"),
    case("interest-negative", "market.channels.livestream.interest_per_exposure=-1",
         "market.channels.livestream.interest_per_exposure", "-1"),
    case("budget-not-finite", "plan.channels.livestream.budget_cny=inf",
         "plan.channels.livestream.budget_cny", "inf"),
    # counts and day spans
    case("no-stores", "market.stores.count=0", "market.stores.count", "0"),
    case("no-contacts", "market.population.network_degree=0",
         "market.population.network_degree", "0"),
    case("repurchase-gap-zero", "market.behaviour.repurchase_gap_days=0",
         "market.behaviour.repurchase_gap_days", "0"),
    case("dormancy-zero", "market.behaviour.dormancy_days=0", "market.behaviour.dormancy_days",
         "0"),
    # enumerations
    case("channel-kind", "market.channels.lbs_ads.kind=tv", "market.channels.lbs_ads.kind",
         "'tv'"),
    case("requires", "market.channels.crm_retarget.requires=nobody",
         "market.channels.crm_retarget.requires", "'nobody'"),
    case("audience", "market.channels.crm_retarget.audience=everyone",
         "market.channels.crm_retarget.audience", "'everyone'"),
    case("coupon-kind", "plan.coupon.kind=bogo", "plan.coupon.kind", "'bogo'"),
    case("claim-where", "plan.coupon.claim_where=mall", "plan.coupon.claim_where", "'mall'"),
    case("redeem-where", "plan.coupon.redeem_where=moon", "plan.coupon.redeem_where", "'moon'"),
    # flighting
    case("flighting-length", "plan.channels.livestream.flighting=[1,1]",
         "plan.channels.livestream.flighting", "[1, 1]"),
    case("flighting-negative-week", f"plan.channels.livestream.flighting={NEGATIVE_WEEK}",
         "plan.channels.livestream.flighting", "-1]"),
    case("flighting-all-zero-with-budget", f"plan.channels.livestream.flighting={ZEROS16}",
         "plan.channels.livestream.flighting", "[0, 0"),
    # coupon
    case("coupon-above-threshold", "plan.coupon.value_cny=400", "plan.coupon.value_cny", "400"),
    case("coupon-equal-threshold", "plan.coupon.value_cny=300", "plan.coupon.value_cny", "300"),
    case("coupon-worth-nothing", "plan.coupon.value_cny=0", "plan.coupon.value_cny", "0"),
    case("percent-coupon-zero", "plan.coupon.kind=percent", "plan.coupon.percent_off", "0"),
    case("percent-coupon-whole-basket", "plan.coupon.kind=percent plan.coupon.percent_off=1",
         "plan.coupon.percent_off", "1"),
    case("validity-zero", "plan.coupon.validity_days=0", "plan.coupon.validity_days", "0"),
    case("quantity-negative", "plan.coupon.quantity_cap=-1", "plan.coupon.quantity_cap", "-1"),
    case("per-person-zero", "plan.coupon.per_person_limit=0", "plan.coupon.per_person_limit",
         "0"),
    case("steps-zero", "plan.coupon.base_steps=0", "plan.coupon.base_steps", "0"),
    # promotion calendar
    case("promo-weeks-empty", "plan.promo_weeks=[]", "plan.promo_weeks", "[]"),
    case("promo-week-0", "plan.promo_weeks=[0,5]", "plan.promo_weeks", "[0, 5]"),
    case("promo-week-17", "plan.promo_weeks=[5,17]", "plan.promo_weeks", "[5, 17]"),
    case("promo-week-twice", "plan.promo_weeks=[5,5]", "plan.promo_weeks", "[5, 5]"),
    case("lag-13", "plan.integration.calendar_lag_weeks=13",
         "plan.integration.calendar_lag_weeks", "13"),
    case("lag-negative", "plan.integration.calendar_lag_weeks=-1",
         "plan.integration.calendar_lag_weeks", "-1"),
    # simulation size
    case("population-99", "sim.population=99", "sim.population", "99"),
    case("population-huge", "sim.population=20000001", "sim.population", "20000001"),
    case("days-0", "sim.days=0", "sim.days", "0"),
    case("days-3651", "sim.days=3651", "sim.days", "3651"),
    case("seed-negative", "sim.seed=-1", "sim.seed", "-1"),
    case("market-size-0", "market.population.market_size=0",
         "market.population.market_size", "0"),
    case("market-size-huge", "market.population.market_size=100000001",
         "market.population.market_size", "100000001"),
    case("seed-above-32-bits", "sim.seed=4294967296", "sim.seed", "4294967296"),
    case("consumer-days", "sim.population=20000000 sim.days=1100", "sim.population",
         "20000000 x sim.days=1100"),
    case("consumer-days-with-replications", "sim.population=1000000 sim.replications=1000",
         "sim.population", "sim.replications=1000"),
    case("contacts", "sim.population=10000000 market.population.network_degree=60",
         "market.population.network_degree", "60 x sim.population=10000000"),
    case("degree-101", "market.population.network_degree=101",
         "market.population.network_degree", "101"),
    case("stores-too-many", "market.stores.count=5001", "market.stores.count", "5001"),
    # values that used to break or empty a run (issue 11)
    case("basket-1e308", "market.stores.basket_mean_cny=1e308",
         "market.stores.basket_mean_cny", "1e+308"),
    case("budget-1e12", "plan.channels.livestream.budget_cny=1e12",
         "plan.channels.livestream.budget_cny", "1000000000000"),
    case("cpm-huge", "market.channels.lbs_ads.cpm_cny=2e6", "market.channels.lbs_ads.cpm_cny",
         "2000000"),
    case("balk-negative", "market.operations.balk_queue_per_server=-1",
         "market.operations.balk_queue_per_server", "-1"),
    case("promise-attraction-negative", "market.behaviour.promise_attraction=-100",
         "market.behaviour.promise_attraction", "-100"),
    case("price-elasticity-1e308", "market.behaviour.price_elasticity=1e308",
         "market.behaviour.price_elasticity", "1e+308"),
    case("guidance-uplift-negative", "market.behaviour.o2o_guidance_store_uplift=-1",
         "market.behaviour.o2o_guidance_store_uplift", "-1"),
    case("service-time-zero", "market.operations.stations.cashier.service_time_mean_min=0",
         "market.operations.stations.cashier.service_time_mean_min", "0"),
    case("service-cv-zero", "market.operations.stations.cashier.service_time_cv=0",
         "market.operations.stations.cashier.service_time_cv", "0"),
    case("patience-zero", "market.operations.patience_mean_min=0",
         "market.operations.patience_mean_min", "0"),
    case("booked-patience-longer-than-a-day", "market.operations.booked_patience_mean_min=1441",
         "market.operations.booked_patience_mean_min", "1441"),
    case("scan-time-zero", "market.operations.pos_scan_time_min=0",
         "market.operations.pos_scan_time_min", "0"),
    case("unbriefed-faster", "market.operations.unbriefed_check_time_factor=0.5",
         "market.operations.unbriefed_check_time_factor", "0.5"),
    case("staff-zero", "plan.operations.staff_multiplier=0", "plan.operations.staff_multiplier",
         "0"),
    case("weekend-staff-zero", "plan.operations.weekend_staff_multiplier=0",
         "plan.operations.weekend_staff_multiplier", "0"),
    case("daypart-staff-zero", "plan.operations.daypart_staff_multiplier=[1,0,1]",
         "plan.operations.daypart_staff_multiplier", "[1, 0, 1]"),
    case("weekdays-all-zero", "market.operations.day_of_week_weights=[0,0,0,0,0,0,0]",
         "market.operations.day_of_week_weights", "[0, 0, 0, 0, 0, 0, 0]"),
    case("arrivals-all-zero", "market.operations.arrival_profile=[" + ",".join(["0"] * 24) + "]",
         "market.operations.arrival_profile", "[0, 0"),
    case("arrivals-only-while-closed",
         "market.operations.arrival_profile=[" + ",".join(["1"] * 5 + ["0"] * 19) + "]",
         "market.operations.arrival_profile", "[1, 1, 1, 1, 1, 0"),
    case("channel-reaches-no-one", "market.channels.livestream.affinity_weights=[0,0,0]",
         "market.channels.livestream.affinity_weights", "[0, 0, 0]"),
    case("dayparts-reversed", "market.operations.daypart_start_hours=[18,14]",
         "market.operations.daypart_start_hours", "[18, 14]"),
    case("penalty-above-the-scale", "market.experience.penalty_walkout=2",
         "market.experience.penalty_walkout", "2"),
    case("noise-above-the-scale", "market.experience.noise_sd=2", "market.experience.noise_sd",
         "2"),
    case("threshold-huge", "targets.roi.threshold=1e13", "targets.roi.threshold",
         "10000000000000"),
    # targets
    case("unknown-kpi", "targets.roi.kpi=roii", "targets.roi.kpi", "'roii'"),
    case("bad-op", "targets.roi.op='>'", "targets.roi.op", "'>'"),
    case("threshold-not-finite", "targets.roi.threshold=nan", "targets.roi.threshold", "nan"),
    # keys added with + that the schema does not have
    case("added-unknown-key", "+sim.foo=1", "sim.foo", "1"),
    # store operations
    case("close-before-open", "market.operations.close_hour=9",
         "market.operations.close_hour", "9"),
    case("plan-opens-after-closing", "plan.operations.open_hour=23",
         "plan.operations.close_hour", "22"),
    case("no-cashiers", "market.operations.stations.cashier.units=0",
         "market.operations.stations.cashier.units", "0"),
]


@pytest.mark.parametrize(("overrides", "path", "value"), CASES)
def test_bad_value_names_field_value_and_what_is_allowed(
        overrides: list[str], path: str, value: str) -> None:
    sc = compose_scenario([*SMALL, *overrides])
    with pytest.raises(ConfigError) as err:
        validate_scenario(sc)
    message = str(err.value)
    assert "\n" not in message
    assert err.value.path == path, message
    assert message.startswith(f"{path}: ")
    given, _, allowed = message.partition(" — ")
    assert value in given, message
    assert allowed.strip(), message


def test_unknown_plan_channel_is_named_with_the_market_channels() -> None:
    sc = compose_scenario(list(SMALL))
    sc.plan.channels["livestrem"] = ChannelPlan(budget_cny=1000.0)
    with pytest.raises(ConfigError) as err:
        validate_scenario(sc)
    assert err.value.path == "plan.channels.livestrem"
    assert "'livestrem'" in err.value.given
    assert "content_seeding" in err.value.allowed
    assert "did you mean 'livestream'?" in err.value.allowed


def test_close_names_get_a_did_you_mean() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'conversion_rate'\?"):
        validate_scenario(compose_scenario([*SMALL, "targets.conversion.kpi=convresion_rate"]))
    with pytest.raises(ConfigError, match=r"did you mean 'online'\?"):
        validate_scenario(compose_scenario([*SMALL, "market.channels.lbs_ads.kind=onlin"]))


def test_first_error_in_schema_order_wins_and_all_are_listed() -> None:
    sc = compose_scenario([*SMALL, "sim.days=0", "plan.coupon.value_cny=400",
                           "market.stores.count=0"])
    paths = [e.path for e in iter_errors(sc)]
    assert paths == ["market.stores.count", "plan.coupon.value_cny", "sim.days"]
    with pytest.raises(ConfigError) as err:
        validate_scenario(sc)
    assert err.value.path == "market.stores.count"


def test_coupon_message_reads_as_documented() -> None:
    with pytest.raises(ConfigError) as err:
        validate_scenario(compose_scenario([*SMALL, "plan.coupon.value_cny=400"]))
    assert str(err.value) == (
        "plan.coupon.value_cny: 400 is worth more than its threshold "
        "plan.coupon.threshold_cny=300 — a threshold coupon must take off more than 0 and "
        "less than its threshold")


# --------------------------------------------------------------------------- every range documented


def bounded(check: object) -> bool:
    """A range with two finite ends (for a list: each element's, or a fixed total)."""
    if isinstance(check, Interval):
        return (check.lo is not None and check.hi is not None
                and math.isfinite(check.lo) and math.isfinite(check.hi))
    if isinstance(check, ListOf):
        return bounded(check.each) or (check.total is not None and check.each.lo is not None)
    return False


def test_every_numeric_setting_has_a_range_with_two_ends() -> None:
    numeric = [leaf for leaf in schema_leaves() if leaf.numeric]
    assert len(numeric) > 100  # the walk finds the schema's numbers
    assert [leaf.pattern for leaf in numeric if not bounded(leaf.check)] == []


def test_every_schema_default_lies_in_its_range() -> None:
    outside = []
    for leaf in schema_leaves():
        check = leaf.check
        if check is None or leaf.default is None or leaf.default == "???":
            continue
        if not isinstance(leaf.default, list) or isinstance(check, ListOf):
            values = [leaf.default]
        else:
            values = leaf.default
        outside += [(leaf.pattern, v) for v in values
                    if not (isinstance(check, ListOf) and v == [] and not check.min_length)
                    and check(v)]
    assert outside == []


def test_the_ranges_table_in_docs_parameters_is_generated_from_the_schema() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "parameters.md").read_text(
        encoding="utf-8")
    assert with_table(doc) == doc, (
        "docs/parameters.md is out of date: python -m o2osim.config.ranges --write "
        "docs/parameters.md")
    for leaf in schema_leaves():
        assert f"| `{leaf.pattern}` |" in doc, leaf.pattern
