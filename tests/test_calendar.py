"""The campaign calendar is the plan's (issue 11, item 2): phases, default flighting,
promotion weeks and the release of the reserve derive from ``plan.calendar``; ``sim.days``
must cover it; days after it simulate what follows the campaign."""

from __future__ import annotations

import numpy as np
import pytest

from o2osim.calendar import Calendar
from o2osim.config import ConfigError, compose_scenario, validate_scenario
from o2osim.model import CampaignModel, run_scenario

FOUR = ("plan.calendar.planning_weeks=1", "plan.calendar.execution_weeks=2",
        "plan.calendar.optimisation_weeks=1")


def test_the_default_calendar_is_the_seeds_16_weeks() -> None:
    plan = compose_scenario([]).plan
    cal = Calendar.of(plan)
    assert (cal.weeks, cal.days, cal.optimisation_start_day, cal.release_day) == (16, 112, 84, 84)
    assert cal.flighting(next(iter(plan.channels.values()))) == [0] * 4 + [1] * 8 + [0.5] * 4
    assert cal.promo_weeks(plan) == list(range(5, 13))
    assert [cal.phase_of(d) for d in (0, 27, 28, 83, 84, 111, 112)] == [
        "planning", "planning", "execution", "execution", "optimisation", "optimisation",
        "after"]


def test_a_four_week_campaign_spends_promotes_and_releases_by_its_own_weeks() -> None:
    sc = compose_scenario([*FOUR, "sim.days=28", "sim.population=3000"])
    validate_scenario(sc)
    model = CampaignModel(sc)
    model.run()
    daily = model.record().daily
    assert list(daily.groupby("week")["phase"].first()) == [
        "planning", "execution", "execution", "optimisation"]
    spend = daily.groupby("week")["spend_cny"].sum()
    assert spend[1] == 0 and (spend[[2, 3, 4]] > 0).all()
    assert list(daily.groupby("week")["online_promo"].any()) == [False, True, True, False]
    # the reserve (12 % of each budget) is released on day 21 and spent by day 27
    total_budget = sum(ch.budget_cny for ch in sc.plan.channels.values())
    assert daily["spend_cny"].sum() == pytest.approx(total_budget, rel=1e-9)
    before = daily.loc[daily["day"] < 21, "spend_cny"].sum()
    assert before == pytest.approx(total_budget * (1 - sc.plan.contingency_reserve_share)
                                   * 2 / 2.5, rel=1e-9)  # weeks 2-3 of weights 1, 1, 0.5


def test_the_reserve_can_be_released_in_another_week() -> None:
    sc = compose_scenario([*FOUR, "plan.calendar.reserve_release_week=3", "sim.days=28",
                           "sim.population=2000"])
    validate_scenario(sc)
    daily = run_scenario(sc).daily
    total_budget = sum(ch.budget_cny for ch in sc.plan.channels.values())
    assert daily["spend_cny"].sum() == pytest.approx(total_budget, rel=1e-9)
    week2 = daily.loc[daily["week"] == 2, "spend_cny"].sum()
    planned = total_budget * (1 - sc.plan.contingency_reserve_share) / 2.5
    assert week2 == pytest.approx(planned, rel=1e-9)  # nothing released yet
    assert daily.loc[daily["week"] == 3, "spend_cny"].sum() > planned * 1.1


def test_days_after_the_campaign_simulate_what_follows_it() -> None:
    sc = compose_scenario([*FOUR, "sim.days=56", "sim.population=3000"])
    validate_scenario(sc)
    daily = run_scenario(sc).daily
    after = daily[daily["day"] >= 28]
    assert set(after["phase"]) == {"after"}
    assert after["spend_cny"].sum() == 0 and not after["online_promo"].any()
    assert (after["orders_online"] + after["orders_offline"]).sum() > 0  # they go on buying


@pytest.mark.parametrize(("overrides", "field", "shown"), [
    (["sim.days=28"], "sim.days", "28"),
    (["sim.days=111"], "sim.days", "111"),
    ([*FOUR, "sim.days=27"], "sim.days", "27"),
    ([*FOUR, "sim.days=28", "plan.channels.livestream.flighting=[1,1,1,1,1,1,1,1]"],
     "plan.channels.livestream.flighting", "8 weeks"),
    ([*FOUR, "sim.days=28", "plan.promo_weeks=[2,5]"], "plan.promo_weeks", "[2, 5]"),
    ([*FOUR, "sim.days=28", "plan.calendar.reserve_release_week=1"],
     "plan.calendar.reserve_release_week", "1"),
    (["plan.calendar.execution_weeks=0"], "plan.calendar.execution_weeks", "0"),
])
def test_a_calendar_that_does_not_fit_is_refused(overrides: list[str], field: str,
                                                 shown: str) -> None:
    with pytest.raises(ConfigError) as err:
        validate_scenario(compose_scenario(overrides))
    assert err.value.path == field and shown in str(err.value)


def test_an_explicit_flighting_of_the_calendars_length_is_used() -> None:
    sc = compose_scenario([*FOUR, "sim.days=28", "sim.population=2000",
                           "plan.contingency_reserve_share=0",
                           "plan.channels.livestream.flighting=[0,0,0,1]"])
    validate_scenario(sc)
    model = CampaignModel(sc)
    live = next(c for c in model.channels if c.name == "livestream")
    assert np.allclose(live.weekly_cny, [0, 0, 0, sc.plan.channels["livestream"].budget_cny])


def test_the_command_refuses_a_run_shorter_than_the_campaign(o2osim, tmp_path) -> None:
    proc = o2osim("sim.days=28", "hydra.run.dir=out")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("o2osim: error: sim.days: 28 ")
    assert "112 days" in lines[0] and "plan.calendar" in lines[0]
    assert not (tmp_path / "out").exists() and not (tmp_path / "outputs").exists()
