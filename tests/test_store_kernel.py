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
from o2osim import model, stores
from o2osim.config import compose_scenario
from o2osim.model import RunResult, run_scenario
from o2osim.operations import BALKED, RENEGED, SERVED, DayResult, Station, simulate_store_day
from o2osim.store_day_kernel import StoreShifts, simulate_store_day_fast, simulate_stores_day_fast

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


@pytest.mark.parametrize("seed", range(6))
def test_all_stores_in_one_call_equal_one_call_per_store(seed: int) -> None:
    """``simulate_stores_day_fast`` (every store of a day in one compiled call, as the
    model runs them) equals ``simulate_store_day_fast`` store by store: random days of the
    same stations with each store's own staffing (and an empty store) laid end to end."""
    days = [random_day(1_000 * seed + j) for j in range(3)]
    n_st = len(days[0][5])
    days = [d for d in days if len(d[5]) == n_st]
    empty = Station([1] * len(days[0][5][0].units_by_part), days[0][5][0].part_starts_min,
                    np.zeros(0), np.zeros(0, dtype=bool), False)
    days.insert(1, (np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0),
                    np.zeros(0, dtype=bool), [empty] * n_st, OPEN_MIN, days[0][7]))
    checkout = [st.checkout for st in days[0][5]]
    for d in days:  # one market: the same checkout station and balking everywhere
        for st, c in zip(d[5], checkout, strict=True):
            st.checkout = c
    balk = days[0][7]
    bounds = np.cumsum([0] + [d[0].size for d in days])
    cat = [np.concatenate([d[j] for d in days]) for j in range(5)]
    status, wait, checked, failed, busy = simulate_stores_day_fast(
        bounds, *cat, [np.concatenate([d[5][k].service_min for d in days]) for k in range(n_st)],
        [np.concatenate([d[5][k].used for d in days]) for k in range(n_st)], checkout,
        [StoreShifts.of(d[5], OPEN_MIN) for d in days], OPEN_MIN, balk)
    for s, d in enumerate(days):
        rows = slice(bounds[s], bounds[s + 1])
        ref = simulate_store_day(*d[:7], balk)
        assert_same(DayResult(status[rows], wait[rows], checked[rows], failed[rows],
                              float(busy[s]), StoreShifts.of(d[5], OPEN_MIN).open_unit_min),
                    ref)


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
    """The small busy run (and its baseline without the campaign) on one engine. The
    process's kept baselines (keyed without the engine) are set aside, so that the
    baseline is run on this engine too, not handed over from another engine's run."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(stores.ENGINE_VARIABLE, engine)
        mp.setattr(model, "_BASELINES", {})
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


def test_auto_switches_on_the_runs_projected_arrivals(simpy_run: RunResult,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``auto`` also switches once today's arrivals times the days left would take the
    process past ``AUTO_KERNEL_AFTER`` (a threshold here of 80 % of the run's arrivals:
    simpy on the first days, the kernel once the projection crosses it), with results
    equal to simpy's."""
    total = int(simpy_run.stores["arrivals"].sum())
    monkeypatch.setattr(stores, "AUTO_KERNEL_AFTER", int(0.8 * total))
    monkeypatch.setattr(stores, "_arrivals_so_far", [0])
    decided: list[bool] = []  # the kernel, every store in one call
    real = stores._today_engine

    def spy(*args: object) -> object:
        engine = real(*args)  # type: ignore[arg-type]
        decided.append(engine is None)
        return engine

    monkeypatch.setattr(stores, "_today_engine", spy)
    run = _run("auto")
    first = decided.index(True)
    assert 0 < first and all(decided[first:])
    simpy_days = run.stores[run.stores["day"] < first]["arrivals"].sum()
    assert simpy_days < 0.8 * total  # switched on the projection, before the count
    assert run.stores.equals(simpy_run.stores) and run.daily.equals(simpy_run.daily)
    assert repr(run.metrics) == repr(simpy_run.metrics)


def test_an_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(stores.ENGINE_VARIABLE, "fortran")
    with pytest.raises(ValueError, match="O2OSIM_STORE_ENGINE.*fortran.*auto.*kernel.*simpy"):
        stores.store_day_engine()


def test_compiled_keyed_uniform_equals_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the kernel is loaded, ``ConsumerDraws.uniform`` hashes in numba: the same
    numbers bit for bit as its numpy passes, for consumer indices, the others' keys
    (``1 << 40`` and up), the extremes, and index arrays of other integer types."""
    from o2osim import rng
    from o2osim.components.store_visits import OTHERS_KEY

    draws = rng.ConsumerDraws(6, "store_arrivals", 17)
    gen = np.random.default_rng(0)
    cases = [np.arange(0), np.arange(1_000), gen.integers(0, 2**63 - 1, 5_000),
             OTHERS_KEY + gen.integers(0, 1 << 34, 3_000), np.array([0, 2**63 - 1]),
             np.arange(500, dtype=np.int32), np.arange(500, dtype=np.uint32)]
    assert rng.compiled_uniform[0] is not None
    fast = [draws.uniform(idx, d) for idx in cases for d in (0, 7, 1_000_001)]
    monkeypatch.setattr(rng, "compiled_uniform", [None])
    slow = [draws.uniform(idx, d) for idx in cases for d in (0, 7, 1_000_001)]
    for a, b in zip(fast, slow, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_kept_visit_probabilities_equal_recomputed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store visits keep every consumer's visit probability from day to day and
    recompute only those whose inputs changed: each day they equal
    ``visit_probability`` computed afresh for everyone, bit for bit, while consumers are
    sent to stores, pushed offers, hold and lose coupons and promotions start and end."""
    from o2osim.components.channel_choice import visit_probability
    from o2osim.components.store_visits import StoreVisits

    kept = StoreVisits._visit_probabilities
    days: list[int] = []
    changed: list[int] = []

    def check(self: StoreVisits, day):  # type: ignore[no-untyped-def]
        before = None if self._v is None else self._v.copy()
        v = kept(self, day)
        sc, pop = self.world.scenario, self.pop
        fresh = visit_probability(pop, np.arange(pop.size), day.index, sc.plan,
                                  sc.market.behaviour, day.online_promo, day.store_promo)
        assert v.dtype == fresh.dtype and np.array_equal(v, fresh)
        days.append(day.index)
        if before is not None:
            changed.append(int(np.count_nonzero(before != v)))
        return v

    monkeypatch.setattr(StoreVisits, "_visit_probabilities", check)
    run_scenario(compose_scenario(["market=hotpot_chain", "plan=integrated",
                                   "sim.population=2000", "sim.days=35", *FOUR_WEEKS,
                                   "sim.baseline=false"]))
    assert len(days) == 35 and sum(1 for c in changed if c > 0) > 10
