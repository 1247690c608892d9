"""In-store operations: bookings, balking, reneging, POS checks, staffing (issue 3)."""

from __future__ import annotations

import numpy as np
import pytest

from o2osim.config import compose_scenario
from o2osim.config.schema import OperationsPlan, StationSpec
from o2osim.model import CampaignModel
from o2osim.operations import BALKED, RENEGED, SERVED, Station, simulate_store_day
from o2osim.stores import DayArrivals, StoreAgent, draw_arrivals


def busy_day(n: int, booked: np.ndarray, patience: float, balk: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    arrivals = np.sort(rng.random(n) * 600.0)  # 10 hours, ~1 arrival / 0.6 min
    station = Station([2], [0.0], rng.exponential(3.0, n), np.ones(n, dtype=bool), True)
    return simulate_store_day(arrivals, booked, np.full(n, patience), np.zeros(n),
                              np.zeros(n, dtype=bool), [station], 600.0, balk)


def make_store(market: str, store_id: int) -> StoreAgent:
    """A store of ``market`` with the default operations plan."""
    sc = compose_scenario([f"market={market}", "sim.population=1000", "sim.days=1"])
    return StoreAgent(CampaignModel(sc), store_id, sc.market.operations, OperationsPlan())


def arrival_times(store: StoreAgent, day: int, n: int, seed: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Arrival minute and opening hour (0 = the first, as the reservation book counts them)
    of each of ``n`` arrivals, by caller index, as ``store.run_day(day, ...,
    default_rng(seed))`` draws them: the draws do not depend on who asked for a booking."""
    none = np.zeros(n, dtype=bool)
    today = draw_arrivals([store], day, np.zeros(n, dtype=np.int64), none, np.zeros(n), none,
                          np.random.default_rng(seed))
    n_hours = len(store.booking_slots(weekend=day % 7 >= 5))
    minute = np.empty(n)
    minute[today.order] = today.minute
    return minute, np.minimum((minute // 60.0).astype(np.int64), n_hours - 1)


def fill_the_book(slots: np.ndarray, minute: np.ndarray, hour: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Booking requests that fill every hour with more arrivals than slots: in each such
    hour, ``slots`` customers at random among its first ``2 slots`` arrivals (in the other
    hours, half of the arrivals at random). Returns the requests, the full hours, and the
    customers who arrive in a full hour after its last request."""
    asked = np.zeros(minute.size, dtype=bool)
    full: list[int] = []
    later = []
    for h, s in enumerate(slots.tolist()):
        in_hour = np.flatnonzero(hour == h)
        in_hour = in_hour[np.argsort(minute[in_hour])]
        if in_hour.size <= s:
            asked[in_hour[rng.random(in_hour.size) < 0.5]] = True
            continue
        chosen = rng.choice(min(2 * s, in_hour.size), size=s, replace=False)
        asked[in_hour[chosen]] = True
        full.append(h)
        later.append(in_hour[chosen.max() + 1:])
    return asked, full, np.concatenate(later)


def test_booked_customers_jump_the_queue() -> None:
    n = 1000
    booked = np.arange(n) % 4 == 0
    result = busy_day(n, booked, np.inf, np.inf)
    assert result.wait_min[booked].mean() < 0.25 * result.wait_min[~booked].mean()


def test_walk_ins_balk_at_a_long_queue_and_booked_never_do() -> None:
    n = 1000
    booked = np.arange(n) % 4 == 0
    result = busy_day(n, booked, np.inf, balk=2.0)
    assert (result.status[~booked] == BALKED).sum() > 100
    assert not (result.status[booked] == BALKED).any()


def test_impatient_customers_renege() -> None:
    result = busy_day(1000, np.zeros(1000, dtype=bool), patience=1.0, balk=np.inf)
    reneged = result.status == RENEGED
    assert reneged.sum() > 100
    # Nobody who reneged waited (much) longer than their patience.
    assert result.wait_min[reneged].max() <= 1.0 + 1e-9
    assert (result.status == SERVED).sum() + reneged.sum() == 1000


def test_failed_manual_checks_are_counted_only_for_served_coupon_holders() -> None:
    rng = np.random.default_rng(4)
    n = 200
    arrivals = np.sort(rng.random(n) * 600.0)
    check = np.where(np.arange(n) % 2 == 0, 3.0, 0.0)
    fails = np.ones(n, dtype=bool)
    station = Station([3], [0.0], rng.exponential(2.0, n), np.ones(n, dtype=bool), True)
    result = simulate_store_day(arrivals, np.zeros(n, dtype=bool), np.full(n, np.inf), check,
                                fails, [station], 600.0, np.inf)
    assert result.check_failed.sum() == (check > 0).sum()


def test_bookings_are_honoured_up_to_capacity_only() -> None:
    """Everyone asks: each opening hour honours its first ``slots`` arrivals (all of them in
    an hour with fewer arrivals), so never more than the day's capacity."""
    store = make_store("local_services", 99)
    cap = store.booking_capacity(weekend=False)
    slots = store.booking_slots(weekend=False)
    n = cap + 50
    minute, hour = arrival_times(store, 0, n, seed=0)
    _, _, _, honoured = store.run_day(0, np.ones(n, dtype=bool), np.zeros(n),
                                      np.zeros(n, dtype=bool), np.random.default_rng(0))
    for h, s in enumerate(slots.tolist()):
        in_hour = np.flatnonzero(hour == h)
        first = in_hour[np.argsort(minute[in_hour])][:s]
        assert honoured[in_hour].tolist() == np.isin(in_hour, first).tolist()
    assert (np.bincount(hour, minlength=slots.size) > slots).any()  # some hour turned some away
    assert honoured.sum() <= cap


def test_staffing_multipliers_set_units_by_day_part() -> None:
    sc = compose_scenario(["market=retail_apparel", "sim.population=1000", "sim.days=1"])
    plan_ops = OperationsPlan(staff_multiplier=1.0, weekend_staff_multiplier=0.5,
                              daypart_staff_multiplier=[0.5, 1.0, 2.0])
    model = CampaignModel(sc)
    store = StoreAgent(model, 99, sc.market.operations, plan_ops)
    cashier = StationSpec(units=2, staffed=True)
    assert store.units(cashier, weekend=False) == [1, 2, 4]
    assert store.units(cashier, weekend=True) == [1, 1, 2]
    table = StationSpec(units=30, staffed=False)
    assert store.units(table, weekend=True) == [30, 30, 30]


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_booking_requests_beyond_capacity_do_not_lengthen_walk_in_waits(seed: int) -> None:
    """Common random numbers, the same customers compared: once an hour's reservation book
    is full, further requests for that hour (customers arriving after its last booking)
    are refused, come as walk-ins, and change nothing: every customer's status and wait is
    exactly as at capacity, so no walk-in waits longer (the property holds with equality).

    Every run has the same seed, hence the same arrival minutes, service times, station
    use and patience draws (``stores.draw_arrivals``); the number of requests grows from
    the book's capacity to that plus every later arrival of the full hours. A request from
    a customer arriving *before* an hour's last booking is another matter: it takes that
    booking's slot (see the next test), and then walk-ins may wait longer.
    """
    store = make_store("hotpot_chain", 98)
    day = 5  # a Saturday
    slots = store.booking_slots(weekend=True)
    n = 3 * store.booking_capacity(weekend=True)
    minute, hour = arrival_times(store, day, n, seed)
    at_capacity, full, extra = fill_the_book(slots, minute, hour,
                                             np.random.default_rng(seed + 100))
    np.random.default_rng(seed + 200).shuffle(extra)
    assert len(full) >= 6 and extra.size >= 100  # most hours full, many refused requests

    def day_of(asked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        status, wait, _, honoured = store.run_day(day, asked, np.zeros(n),
                                                  np.zeros(n, dtype=bool),
                                                  np.random.default_rng(seed))
        return status, wait, honoured

    status_0, wait_0, honoured_0 = day_of(at_capacity)
    assert honoured_0.tolist() == at_capacity.tolist()
    assert (np.bincount(hour[honoured_0], minlength=slots.size)[full] == slots[full]).all()
    walk_in = ~honoured_0
    assert (wait_0[walk_in] > 0).sum() > 50  # walk-ins queue: there is something to lengthen
    for k in (extra.size // 3, 2 * extra.size // 3, extra.size):
        asked = at_capacity.copy()
        asked[extra[:k]] = True
        status, wait, honoured = day_of(asked)
        assert honoured.tolist() == honoured_0.tolist()  # the extra requests are refused
        assert (wait[walk_in] <= wait_0[walk_in]).all()
        assert np.array_equal(wait, wait_0) and np.array_equal(status, status_0)


def test_an_earlier_request_takes_the_slot_of_its_hours_last_booking() -> None:
    """First come first booked within an hour: a request from a customer who arrives in a
    full hour before its last booking is honoured, and that last booking is refused (the
    customer comes as a walk-in with a walk-in's patience); nothing else changes, and the
    draws are common: the same minutes, services, station use and patience draws."""
    store = make_store("hotpot_chain", 98)
    ops = store.ops
    day, seed = 5, 11
    slots = store.booking_slots(weekend=True)
    n = 3 * store.booking_capacity(weekend=True)
    minute, hour = arrival_times(store, day, n, seed)
    asked, full, _ = fill_the_book(slots, minute, hour, np.random.default_rng(seed + 100))
    h = full[0]
    booked_h = np.flatnonzero(asked & (hour == h))
    last = int(booked_h[np.argmax(minute[booked_h])])
    newcomer = int(np.flatnonzero((hour == h) & ~asked & (minute < minute[last]))[0])
    none = np.zeros(n, dtype=bool)

    def today(requests: np.ndarray) -> DayArrivals:
        return draw_arrivals([store], day, np.zeros(n, dtype=np.int64), requests,
                             np.zeros(n), none, np.random.default_rng(seed))

    before = today(asked)
    asked_too = asked.copy()
    asked_too[newcomer] = True
    after = today(asked_too)
    row = np.argsort(before.order)  # row of each customer
    assert np.array_equal(after.order, before.order)
    expected = asked.copy()
    expected[[newcomer, last]] = [True, False]
    assert after.booked[row].tolist() == expected.tolist()
    ratio = after.patience_min[row] / before.patience_min[row]
    walk_in_over_booked = ops.patience_mean_min / ops.booked_patience_mean_min
    assert ratio[last] == pytest.approx(walk_in_over_booked)
    assert ratio[newcomer] == pytest.approx(1 / walk_in_over_booked)
    others = np.ones(n, dtype=bool)
    others[[newcomer, last]] = False
    assert (ratio[others] == 1.0).all()
    for a, b in zip(after.service_min + after.used, before.service_min + before.used,
                    strict=True):
        assert np.array_equal(a, b)


def test_per_store_staffing_scales_only_that_store() -> None:
    sc = compose_scenario(["market=retail_apparel", "sim.population=1000", "sim.days=1"])
    model = CampaignModel(sc)
    plan_ops = OperationsPlan(store_staff_multipliers=[2.0] + [1.0] * 19)
    cashier = StationSpec(units=2, staffed=True)
    doubled = StoreAgent(model, 0, sc.market.operations, plan_ops)
    normal = StoreAgent(model, 1, sc.market.operations, plan_ops)
    assert doubled.units(cashier, weekend=False) == [4, 4, 4]
    assert normal.units(cashier, weekend=False) == [2, 2, 2]


def test_p95_matches_numpy_percentile() -> None:
    from o2osim.stores import p95

    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 19, 20, 21, 100, 1001):
        values = rng.exponential(5.0, n)
        assert abs(p95(values) - float(np.percentile(values, 95))) < 1e-12
    assert p95(np.empty(0)) == 0.0


def test_customers_stranded_by_a_closed_station_renege() -> None:
    """A station with no unit on duty for the rest of the day: its line leaves."""
    n = 50
    arrivals = np.linspace(0.0, 100.0, n)
    station = Station([1, 0], [0.0, 50.0], np.full(n, 10.0), np.ones(n, dtype=bool), False)
    result = simulate_store_day(arrivals, np.zeros(n, dtype=bool), np.full(n, np.inf),
                                np.zeros(n), np.zeros(n, dtype=bool), [station], 100.0, np.inf)
    assert (result.status == RENEGED).sum() > 0
    assert (result.status == SERVED).sum() <= 6  # one unit, 10-min services, 50 min + overrun
    assert np.isfinite(result.wait_min).all()
