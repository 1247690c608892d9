"""A store's day (issue 3 item 1): customers arrive at times drawn from the market's hourly
profile within opening hours (the plan can change the hours), and the stores' days run on
the model's one time axis — the store day of model day ``d`` is day ``d`` in the ledger."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import market_presets
from o2osim.config import compose_scenario
from o2osim.model import CampaignModel
from o2osim.stores import ArrivalProfile, opening


@pytest.mark.parametrize("market", market_presets())
def test_arrivals_follow_the_hourly_profile_within_opening_hours(market: str) -> None:
    ops = compose_scenario([f"market={market}"]).market.operations
    plan_ops = compose_scenario([f"market={market}"]).plan.operations
    hours = opening(ops, plan_ops)
    n = 200_000
    u = np.random.default_rng(1).random((2, n))
    minutes = ArrivalProfile(ops.arrival_profile, hours).minutes(u[0], u[1])
    assert minutes.min() >= 0 and minutes.max() <= hours.minutes
    clock_hour = (hours.open_hour + minutes / 60).astype(int)
    share = np.bincount(clock_hour, minlength=24) / n
    weight = np.asarray(ops.arrival_profile, dtype=float)
    weight[: int(hours.open_hour)] = 0
    weight[int(np.ceil(hours.close_hour)):] = 0
    expected = weight / weight.sum()
    # Multinomial: each hour's share within 5 standard errors of its profile weight.
    se = np.sqrt(expected * (1 - expected) / n)
    assert (np.abs(share - expected) <= 5 * se + 1e-12).all()
    if market == "hotpot_chain":  # lunch and dinner peaks (seed 000 hotpot journey)
        assert share[12] > 3 * share[15] and share[18] > 3 * share[15]


def test_the_plans_opening_hours_bound_the_day() -> None:
    sc = compose_scenario(["market=hotpot_chain", "plan.operations.open_hour=17",
                           "plan.operations.close_hour=21"])
    hours = opening(sc.market.operations, sc.plan.operations)
    assert (hours.open_hour, hours.close_hour, hours.minutes) == (17.0, 21.0, 240.0)
    u = np.random.default_rng(2).random((2, 10_000))
    minutes = ArrivalProfile(sc.market.operations.arrival_profile, hours).minutes(u[0], u[1])
    assert minutes.min() >= 0 and minutes.max() <= 240
    model = CampaignModel(compose_scenario(["market=hotpot_chain", "sim.population=1000",
                                            "sim.days=1", "plan.operations.open_hour=17",
                                            "plan.operations.close_hour=21"]))
    assert len(model.stores[0].booking_slots(weekend=False)) == 4  # four opening hours


def test_every_store_day_is_the_models_day() -> None:
    sc = compose_scenario(["market=local_services", "sim.population=3000", "sim.days=10"])
    model = CampaignModel(sc)
    for expected_day in range(sc.sim.days):
        assert model.day == expected_day
        model.step()
        for store in model.stores:
            assert store.ledger[-1][1] == expected_day  # (store_id, day, ...)
    ledger = model.store_ledger()
    assert sorted(ledger["day"].unique()) == list(range(sc.sim.days))
    assert (ledger.groupby("day")["store_id"].nunique() == sc.market.stores.count).all()
