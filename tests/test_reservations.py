"""The stores' reservation books (issue 3 item 2: bookings "must be honoured up to
capacity"; seed 000: hotpot 线上预约 -> 到店免排队, services booked online): slots per
opening hour from the tightest station, first come first booked, and only when the plan's
online content links to the booking (o2o_traffic_guidance)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from o2osim.components import store_visits as model_module
from o2osim.config import compose_scenario
from o2osim.model import CampaignModel
from o2osim.stores import honour_bookings


def store_of(market: str, *overrides: str):  # type: ignore[no-untyped-def]
    sc = compose_scenario([f"market={market}", "sim.population=1000", "sim.days=1",
                           *overrides])
    return CampaignModel(sc).stores


@pytest.mark.parametrize(("market", "slots_per_hour"), [
    ("hotpot_chain", 14),    # tables: 0.5 x 32 tables x 60 / 65 min = 14.8 (host desk: 30)
    ("local_services", 9),   # service chairs: 0.5 x 14 x 60 / 45 min = 9.3 (front desk: 15)
    ("retail_apparel", 8),   # fitting rooms: 0.5 x 2 x 60 / 10 min / 0.7 of visitors = 8.6
])
def test_slots_are_a_share_of_the_tightest_stations_hourly_capacity(
        market: str, slots_per_hour: int) -> None:
    store = store_of(market)[0]
    slots = store.booking_slots(weekend=False)
    assert len(slots) == int(np.ceil(store.hours.minutes / 60))
    assert set(slots.tolist()) == {slots_per_hour}
    assert store.booking_capacity(weekend=False) == slots_per_hour * len(slots)


def test_fewer_staff_in_a_day_part_means_fewer_slots_then() -> None:
    store = store_of("local_services",
                     "plan.operations.daypart_staff_multiplier=[1.0,0.5,1.0]")[0]
    slots = store.booking_slots(weekend=False)
    afternoon = (np.arange(len(slots)) * 60 + store.hours.open_hour * 60) // 60
    in_afternoon = (afternoon >= 14) & (afternoon < 18)
    assert (slots[in_afternoon] == 4).all()  # 0.5 x 7 chairs x 60 / 45 = 4.7
    assert (slots[~in_afternoon] == 9).all()


def test_each_hour_takes_its_first_requests_up_to_its_slots() -> None:
    stores = store_of("local_services")[:2]
    slots = stores[0].booking_slots(weekend=False)[0]  # 9 an hour
    # store 0: 15 requests in hour 0 and 3 in hour 1; store 1: 12 in hour 0.
    minute = np.concatenate([np.linspace(1, 59, 15), np.linspace(61, 119, 3),
                             np.linspace(1, 59, 12)])
    store = np.array([0] * 18 + [1] * 12)
    asked = np.ones(30, dtype=bool)
    asked[[2, 20]] = False  # two walk-ins among them
    honoured = honour_bookings(stores, False, store, minute, asked)
    assert not honoured[[2, 20]].any()
    first_hour_0 = np.flatnonzero(asked[:15])[:slots]
    assert honoured[:15].tolist() == np.isin(np.arange(15), first_hour_0).tolist()
    assert honoured[15:18].all()  # hour 1 has room for all three
    first_store_1 = 18 + np.flatnonzero(asked[18:])[:slots]
    assert honoured[18:].tolist() == np.isin(np.arange(18, 30), first_store_1).tolist()


@pytest.mark.parametrize("guidance", [True, False])
def test_online_bookings_need_online_content_linking_to_the_store(
        monkeypatch: pytest.MonkeyPatch, guidance: bool) -> None:
    """Without o2o_traffic_guidance no visit comes booked, whatever booking_share says."""
    booked_requests: list[int] = []
    real = model_module.run_stores_day

    def spy(stores: Any, day: int, store_of: Any, booked: np.ndarray, *rest: Any) -> Any:
        booked_requests.append(int(booked.sum()))
        return real(stores, day, store_of, booked, *rest)

    monkeypatch.setattr(model_module, "run_stores_day", spy)
    sc = compose_scenario(["market=hotpot_chain", "sim.population=3000", "sim.days=42",
                           "plan.operations.booking_share=0.6",
                           f"plan.integration.o2o_traffic_guidance={str(guidance).lower()}"])
    CampaignModel(sc).run()
    assert booked_requests  # stores were visited
    assert (sum(booked_requests) > 0) == guidance
