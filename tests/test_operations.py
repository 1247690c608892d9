"""In-store operations: bookings, balking, reneging, POS checks, staffing (issue 3)."""

from __future__ import annotations

import numpy as np

from o2osim.config import compose_scenario
from o2osim.config.schema import OperationsPlan, OperationsSpec, StationSpec
from o2osim.model import CampaignModel
from o2osim.operations import BALKED, RENEGED, SERVED, Station, simulate_store_day
from o2osim.stores import StoreAgent


def busy_day(n: int, booked: np.ndarray, patience: float, balk: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    arrivals = np.sort(rng.random(n) * 600.0)  # 10 hours, ~1 arrival / 0.6 min
    station = Station([2], [0.0], rng.exponential(3.0, n), np.ones(n, dtype=bool), True)
    return simulate_store_day(arrivals, booked, np.full(n, patience), np.zeros(n),
                              np.zeros(n, dtype=bool), [station], 600.0, balk)


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
    sc = compose_scenario(["market=local_services", "sim.population=1000", "sim.days=1"])
    ops: OperationsSpec = sc.market.operations
    model = CampaignModel(sc)
    store = StoreAgent(model, 99, ops, OperationsPlan())
    cap = store.booking_capacity(weekend=False)
    n = cap + 50
    rng = np.random.default_rng(0)
    _, _, _, honoured = store.run_day(0, np.ones(n, dtype=bool), np.zeros(n),
                                      np.zeros(n, dtype=bool), rng)
    assert honoured.sum() == cap


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


def test_booking_requests_beyond_capacity_do_not_lengthen_walk_in_waits() -> None:
    """Bookings are honoured only up to capacity: extra requests come as walk-ins and the
    queue walk-ins face is the same (common random numbers)."""
    sc = compose_scenario(["market=hotpot_chain", "sim.population=1000", "sim.days=1"])
    model = CampaignModel(sc)
    store = StoreAgent(model, 98, sc.market.operations, OperationsPlan())
    cap = store.booking_capacity(weekend=True)
    n = 3 * cap
    results = []
    for requested in (cap, 2 * cap, n):
        booked = np.arange(n) < requested
        status, wait, _, honoured = store.run_day(5, booked, np.zeros(n),
                                                  np.zeros(n, dtype=bool),
                                                  np.random.default_rng(7))
        assert honoured.sum() == cap
        results.append(wait[~honoured].mean())
    assert results[1] <= results[0] + 1e-9 and results[2] <= results[0] + 1e-9


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
