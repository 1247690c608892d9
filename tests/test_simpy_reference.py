"""The store day's callback engine against a textbook simpy model of the same day.

``operations.simulate_store_day`` claims the waits and outcomes of a
``simpy.PriorityResource`` per station (booked customers priority 0 ahead of walk-ins
priority 1, first come first served within a class) with simpy's bank-renege pattern
``yield req | env.timeout(patience)`` (simpy documentation, "Bank Renege" example). Here
that model is written the plain way, one simpy process per customer, and both are run on
the same pre-drawn arrivals, services, patience and coupon-check times: every customer
must get the same status and wait. Times are continuous random draws, so two events at
the same instant (whose order the two implementations might break differently) have
probability zero. Staffing is constant all day (no shift changes).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import pytest
import simpy

from o2osim.operations import BALKED, RENEGED, SERVED, Station, simulate_store_day

OPEN_MIN = 600.0


@dataclass
class Day:
    """Pre-drawn inputs of one store day (per arrival, sorted by arrival minute)."""

    arrival_min: np.ndarray
    booked: np.ndarray
    patience_min: np.ndarray
    check_min: np.ndarray
    stations: list[Station]
    balk_queue_per_server: float


def draw_day(seed: int, n: int, units: list[int], service_mean_min: list[float],
             use_share: list[float], balk_queue_per_server: float,
             patience_mean_min: float = 8.0) -> Day:
    """A day of ``n`` arrivals uniform over opening hours at stations in series (the last
    is the checkout); a quarter come booked (patience twice as long), a third carry an
    online coupon whose check adds a minute or so at the till."""
    rng = np.random.default_rng(seed)
    arrival = np.sort(rng.random(n) * OPEN_MIN)
    booked = rng.random(n) < 0.25
    patience = np.where(booked, 2 * patience_mean_min, patience_mean_min) * rng.exponential(
        1.0, n)
    check = np.where(rng.random(n) < 1 / 3, rng.exponential(1.0, n), 0.0)
    stations = [Station(units_by_part=[u], part_starts_min=[0.0],
                        service_min=rng.exponential(mean, n), used=rng.random(n) < share,
                        checkout=k == len(units) - 1)
                for k, (u, mean, share) in enumerate(zip(units, service_mean_min, use_share,
                                                         strict=True))]
    return Day(arrival, booked, patience, check, stations, balk_queue_per_server)


def engine_day(day: Day) -> tuple[np.ndarray, np.ndarray]:
    """Statuses and waits from ``operations.simulate_store_day``."""
    n = day.arrival_min.size
    result = simulate_store_day(day.arrival_min, day.booked, day.patience_min, day.check_min,
                                np.zeros(n, dtype=bool), day.stations, OPEN_MIN,
                                day.balk_queue_per_server)
    return result.status, result.wait_min


def reference_day(day: Day) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Statuses, waits and the station each reneging customer left from (-1: none) in the
    textbook simpy model: one process per customer, a ``PriorityResource`` per station,
    ``req | timeout(patience left)`` at each station (reneging when the timeout wins),
    then ``timeout(service)``. A walk-in who arrives to find ``balk_queue_per_server`` x
    units or more people in the first station's queue leaves at once (a customer who has
    reneged is no longer in it)."""
    env = simpy.Environment()
    stations = day.stations
    resources = [simpy.PriorityResource(env, capacity=st.units_by_part[0]) for st in stations]
    balk_at = day.balk_queue_per_server * stations[0].units_by_part[0]
    n = day.arrival_min.size
    status = np.full(n, SERVED, dtype=np.int8)
    wait = np.zeros(n)
    reneged_at = np.full(n, -1)

    def customer(i: int) -> Generator[simpy.Event, object, None]:
        yield env.timeout(float(day.arrival_min[i]))
        booked = bool(day.booked[i])
        if not booked and stations[0].used[i] and len(resources[0].queue) >= balk_at:
            status[i] = BALKED
            return
        patience_left = float(day.patience_min[i])
        for k, (station, resource) in enumerate(zip(stations, resources, strict=True)):
            if not station.used[i]:
                continue
            entered = env.now
            with resource.request(priority=0 if booked else 1) as req:
                if math.isinf(patience_left):
                    yield req
                    got_unit = True
                else:
                    result = yield req | env.timeout(patience_left)
                    got_unit = req in result
                waited = env.now - entered
                wait[i] += waited
                patience_left -= waited
                if not got_unit:
                    status[i] = RENEGED
                    reneged_at[i] = k
                    return
                service = float(station.service_min[i])
                if station.checkout:
                    service += float(day.check_min[i])
                yield env.timeout(service)

    for i in range(n):
        env.process(customer(i))
    env.run()
    return status, wait, reneged_at


def assert_same_day(day: Day) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both implementations give every customer the same status and wait; returns the
    engine's statuses and waits and the reference's reneging stations."""
    status, wait = engine_day(day)
    ref_status, ref_wait, reneged_at = reference_day(day)
    differ = np.flatnonzero((status != ref_status) | ~np.isclose(wait, ref_wait, rtol=1e-9,
                                                                  atol=1e-9))
    assert differ.size == 0, (
        f"{differ.size} customers differ, first {differ[:5].tolist()}: engine "
        f"{status[differ[:5]].tolist()} {wait[differ[:5]].tolist()}, reference "
        f"{ref_status[differ[:5]].tolist()} {ref_wait[differ[:5]].tolist()}")
    return status, wait, reneged_at


LOADS = {
    # name: (arrivals, units, service means, use shares); utilisation = arrivals/600 x
    # share x mean / units at each station
    "light": (300, [3, 2], [2.5, 1.0], [1.0, 0.9]),  # 0.42, 0.23
    "heavy": (1_500, [3, 2], [1.5, 0.8], [1.0, 0.9]),  # 1.25 (overloaded), 0.90
    "skips-first": (1_200, [4, 2], [2.0, 1.0], [0.7, 1.0]),  # 0.70, 1.0
}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("load", ["light", "heavy"])
def test_single_station_matches_priority_resource(load: str, seed: int) -> None:
    """Proves one station, booked and walk-in customers, reneging, no balking: the engine's
    per-customer statuses and waits are those of a simpy ``PriorityResource`` with the
    bank-renege pattern (a non-preemptive priority M/M/c queue with impatience, e.g.
    Kleinrock 1976, Queueing Systems vol. 2, ch. 3 for the priority discipline)."""
    n, units, means, shares = LOADS[load]
    day = draw_day(seed, n, units[:1], means[:1], shares[:1], balk_queue_per_server=np.inf)
    status, wait, _ = assert_same_day(day)
    assert (status == SERVED).any()
    if load == "heavy":
        assert (status == RENEGED).sum() > 50
        assert (wait[day.booked] > 0).any() and (wait[~day.booked] > 0).any()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("load", ["light", "heavy", "skips-first"])
def test_two_stations_in_series_match_priority_resources(load: str, seed: int) -> None:
    """Proves two stations in series (some customers skip one), booked priority at both,
    patience spent over the whole visit, coupon checks lengthening the checkout service,
    no balking: the same statuses and waits as the textbook simpy model."""
    n, units, means, shares = LOADS[load]
    day = draw_day(seed, n, units, means, shares, balk_queue_per_server=np.inf)
    status, _, reneged_at = assert_same_day(day)
    if load != "light":
        assert (reneged_at == 0).sum() > 20
        # some reneged at the second station, after being served at the first
        assert (reneged_at == 1).sum() > 5
        assert ((reneged_at == 1) & day.stations[0].used).any()


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("load", "balk"), [("heavy", 1.0), ("heavy", 2.5),
                                            ("skips-first", 0.5)])
def test_balking_matches_the_reference(load: str, balk: float, seed: int) -> None:
    """Proves balking (walk-ins who find ``balk`` x units or more people still waiting at
    the first station leave; booked customers and those skipping it never balk) together
    with reneging at two stations: the same statuses and waits as the simpy model."""
    n, units, means, shares = LOADS[load]
    day = draw_day(seed, n, units, means, shares, balk_queue_per_server=balk)
    status, _, _ = assert_same_day(day)
    balked = status == BALKED
    assert balked.sum() > 20
    assert not balked[day.booked | ~day.stations[0].used].any()
    assert (status == RENEGED).sum() > 0


def test_no_reneging_with_infinite_patience() -> None:
    """Proves the no-impatience limit (patience = inf, the plain ``yield req``): everyone
    is served, in the same order and with the same waits as the simpy model."""
    n, units, means, shares = LOADS["heavy"]
    day = draw_day(4, n, units, means, shares, balk_queue_per_server=np.inf)
    day.patience_min = np.full(n, np.inf)
    status, wait, _ = assert_same_day(day)
    assert (status == SERVED).all() and wait.max() > 60.0
