"""The compiled store day (``store_day_kernel``) against the simpy engine it replaces.

``simulate_store_day_fast`` claims to return exactly what
``operations.simulate_store_day`` returns: every array equal and every float equal to
the last bit. Random days stress what could break the claim — events at the same
instant (arrival minutes, part starts, patience and service times on a grid of whole or
half minutes, services of zero length), shift changes up and down and a station with no
unit in a day part, booked and walk-in, balking on and off, patience short enough that
many renege, coupon checks, stations not everyone uses — and one model run must give
the same store ledgers and metrics with either engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FOUR_WEEKS
from o2osim import stores
from o2osim.config import compose_scenario
from o2osim.model import RunResult, run_scenario
from o2osim.operations import BALKED, RENEGED, SERVED, DayResult, Station, simulate_store_day
from o2osim.store_day_kernel import simulate_store_day_fast

OPEN_MIN = 600.0
FIELDS = ("status", "wait_min", "checked", "check_failed")


def random_day(seed: int) -> tuple:
    """A store day of 1 000-4 000 arrivals drawn at random from ``seed``: the arguments of
    ``simulate_store_day``. Odd seeds put times on a grid (ties); a few seeds draw
    stations with up to four day parts whose units go down to 0 and back up."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1_000, 4_001))
    grid = seed % 2 == 1

    def snap(x: np.ndarray) -> np.ndarray:
        return np.round(x * 2) / 2 if grid else x

    arrival = np.sort(snap(rng.random(n) * OPEN_MIN))
    booked = rng.random(n) < rng.uniform(0.0, 0.5)
    patience = snap(rng.exponential(rng.uniform(1.0, 15.0), n))
    check = np.where(rng.random(n) < 0.4, snap(rng.exponential(1.0, n)), 0.0)
    fails = rng.random(n) < 0.3
    n_st = int(rng.integers(1, 4))
    n_parts = int(rng.integers(1, 5))
    starts = [0.0, *sorted(snap(rng.random(n_parts - 1) * OPEN_MIN).tolist())]
    checkout = int(rng.integers(-1, n_st))  # -1: no checkout station
    stations = []
    rate = n / OPEN_MIN  # arrivals per minute
    for k in range(n_st):
        load = rng.uniform(0.5, 1.5)  # offered load per unit on duty
        units = rng.integers(0, 5, n_parts).tolist()
        if n_parts == 1:
            units[0] = max(units[0], 1)
        stations.append(Station(
            units_by_part=units, part_starts_min=starts,
            service_min=snap(rng.gamma(2.0, load * max(np.mean(units), 0.5) / rate / 2, n)),
            used=rng.random(n) < (1.0 if k == 0 else rng.uniform(0.3, 1.0)),
            checkout=k == checkout))
    balk = float(rng.choice([np.inf, 0.5, 1.0, 2.0, 3.0]))
    return arrival, booked, patience, check, fails, stations, OPEN_MIN, balk


def assert_same(fast: DayResult, ref: DayResult) -> None:
    for name in FIELDS:
        a, b = getattr(fast, name), getattr(ref, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert fast.busy_unit_min == ref.busy_unit_min
    assert fast.open_unit_min == ref.open_unit_min


@pytest.mark.parametrize("seed", range(40))
def test_kernel_equals_simpy_engine(seed: int) -> None:
    args = random_day(seed)
    ref = simulate_store_day(*args)
    assert_same(simulate_store_day_fast(*args), ref)


def test_random_days_reach_every_branch() -> None:
    """The random days are not all easy: together they balk, renege (lazily and at the
    end of the day), serve, check coupons, and tie events at the same minute."""
    counts = np.zeros(3, dtype=np.int64)
    checked = ties = 0
    for seed in range(40):
        args = random_day(seed)
        res = simulate_store_day_fast(*args)
        counts += np.bincount(res.status, minlength=3)
        checked += int(res.check_failed.sum())
        ties += args[0].size - np.unique(args[0]).size
    assert counts[SERVED] > 10_000 and counts[BALKED] > 10_000 and counts[RENEGED] > 10_000
    assert checked > 1_000 and ties > 10_000


def test_tie_order_follows_simpy() -> None:
    """At one instant, simpy runs timeouts in the order they were scheduled: an end of
    service created during the day comes after an arrival or a shift change due then,
    and a zero-length service ends after everything already due at that minute."""
    arrival = np.array([0.0, 0.0, 5.0, 5.0, 5.0])
    service = np.array([5.0, 0.0, 0.0, 1.0, 1.0])
    station = Station([1, 2], [0.0, 5.0], service, np.ones(5, dtype=bool), checkout=True)
    args = (arrival, np.zeros(5, dtype=bool), np.full(5, 10.0), np.zeros(5),
            np.zeros(5, dtype=bool), [station], 20.0, np.inf)
    ref = simulate_store_day(*args)
    assert ref.wait_min.tolist() == [0.0, 5.0, 0.0, 0.0, 0.0]
    assert_same(simulate_store_day_fast(*args), ref)


def test_an_empty_day() -> None:
    station = Station([2], [0.0], np.zeros(0), np.zeros(0, dtype=bool), checkout=True)
    none = np.zeros(0)
    args = (none, none.astype(bool), none, none, none.astype(bool), [station], 600.0, 1.0)
    assert_same(simulate_store_day_fast(*args), simulate_store_day(*args))


SMALL_BUSY = ("market=hotpot_chain", "sim.population=2000",
              "market.population.market_size=50000", "sim.days=35", *FOUR_WEEKS,
              "market.stores.count=3", "plan.operations.staff_multiplier=0.5",
              "market.operations.stations.table.units=8")
"""A small hotpot run whose stores queue: walk-ins balk at the host, diners renege."""


def _run(engine: str) -> RunResult:
    """The small busy run (and its baseline without the campaign) on one engine."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(stores.ENGINE_VARIABLE, engine)
        return run_scenario(compose_scenario(list(SMALL_BUSY)))


@pytest.fixture(scope="module")
def simpy_run() -> RunResult:
    return _run("simpy")


@pytest.mark.parametrize("engine", ["kernel", "auto"])
def test_a_run_is_the_same_with_either_engine(engine: str, simpy_run: RunResult,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Ledgers, daily series and metrics equal; ``auto`` switches from simpy to the
    kernel part way through (its threshold lowered to a few days' arrivals)."""
    monkeypatch.setattr(stores, "AUTO_KERNEL_AFTER", 1_000)
    monkeypatch.setattr(stores, "_arrivals_so_far", [0])
    run, ref = _run(engine), simpy_run
    totals = ref.stores[["arrivals", "balked", "reneged"]].sum()
    assert totals["arrivals"] > 4 * 1_000 and totals["balked"] > 50 and totals["reneged"] > 50
    if engine == "auto":
        assert 1_000 <= stores._arrivals_so_far[0] < totals["arrivals"] / 2
    assert run.stores.equals(ref.stores) and run.daily.equals(ref.daily)
    assert repr(run.metrics) == repr(ref.metrics)  # repr: NaN equals NaN
    assert repr(run.baseline) == repr(ref.baseline)


def test_an_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(stores.ENGINE_VARIABLE, "fortran")
    with pytest.raises(ValueError, match="O2OSIM_STORE_ENGINE.*fortran.*auto.*kernel.*simpy"):
        stores.store_day_engine()
