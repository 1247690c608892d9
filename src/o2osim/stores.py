"""Stores as Mesa agents; each runs its day as a simpy simulation (:mod:`o2osim.operations`),
or its compiled twin (:mod:`o2osim.store_day_kernel`, the same results bit for bit;
:func:`store_day_engine` picks one).

The model hands a store the real customers arriving today (each simulated visitor
stands for ``scale`` real ones: the first is the simulated consumer, the others are the
real people they represent and take their share of the store's capacity). The store
draws arrival minutes from the market's hourly profile, staffs its stations as the plan
says for this day part and day of the week, runs the day, and keeps a ledger row.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from o2osim.config.schema import OperationsPlan, OperationsSpec, StationSpec
from o2osim.operations import BALKED, RENEGED, SERVED, DayResult, Station, simulate_store_day
from o2osim.rng import ConsumerDraws

if TYPE_CHECKING:
    from o2osim.store_day_kernel import StoreShifts

ENGINE_VARIABLE = "O2OSIM_STORE_ENGINE"
"""The environment variable that picks the store-day engine: ``auto`` (the default),
``kernel`` or ``simpy``. All three give the same results bit for bit
(tests/test_store_kernel.py); ``simpy`` is the model of record, to check that a run
comes out the same."""

AUTO_KERNEL_AFTER = 50_000
"""``auto`` runs store days in simpy until this process has put this many real arrivals
through them, or until today's arrivals times the run's days left reach it, then in the
compiled kernel. Loading numba and its cached kernel costs ~0.9-1.2 s of CPU once per
process, what simpy spends on ~50-100 k arrivals (experiments/README.md, "Store-day
kernel"): runs that stay small never pay it; a run that will put more through its
stores switches on its first days (a 2 000-consumer hotpot test run: ~100 k arrivals)."""

_arrivals_so_far = [0]  # real arrivals the auto engine has sent to simpy in this process


def store_day_engine() -> Callable[..., DayResult]:
    """The store-day function :data:`ENGINE_VARIABLE` names (read when a store is built)."""
    name = os.environ.get(ENGINE_VARIABLE, "auto")
    if name == "auto":
        return _auto_store_day
    if name == "simpy":
        return simulate_store_day
    if name == "kernel":
        from o2osim.store_day_kernel import simulate_store_day_fast
        return simulate_store_day_fast
    raise ValueError(f"{ENGINE_VARIABLE}={name!r} is not a store-day engine: "
                     "use 'auto' (the default), 'kernel' or 'simpy'")


def _auto_store_day(arrival_min: np.ndarray, *args: object) -> DayResult:
    """simpy for this process's first :data:`AUTO_KERNEL_AFTER` arrivals, then the kernel
    (imported only then: numba loads only in processes that need it)."""
    if _arrivals_so_far[0] < AUTO_KERNEL_AFTER:
        _arrivals_so_far[0] += arrival_min.shape[0]
        return simulate_store_day(arrival_min, *args)  # type: ignore[arg-type]
    from o2osim.store_day_kernel import simulate_store_day_fast
    return simulate_store_day_fast(arrival_min, *args)  # type: ignore[arg-type]


def _today_engine(stores: list[StoreAgent], day: int, n: int
                  ) -> Callable[..., DayResult] | None:
    """How today's store days run: ``None`` for the compiled kernel with every store in
    one call (:func:`o2osim.store_day_kernel.simulate_stores_day_fast`), else the
    store-day function to call store by store (simpy, or any other function a store was
    built with). ``auto`` decides for the whole day on the arrivals so far and today's
    ``n`` times the days left in the run (:data:`AUTO_KERNEL_AFTER`)."""
    engine = stores[0]._simulate_day
    if engine is _auto_store_day:
        if _arrivals_so_far[0] >= AUTO_KERNEL_AFTER:
            return None
        sim = getattr(getattr(stores[0].model, "scenario", None), "sim", None)
        days_left = max(int(getattr(sim, "days", 0)) - day, 1)
        if _arrivals_so_far[0] + n * days_left >= AUTO_KERNEL_AFTER:
            _arrivals_so_far[0] = max(_arrivals_so_far[0], AUTO_KERNEL_AFTER)
            return None
        _arrivals_so_far[0] += n
        return simulate_store_day
    kernel = sys.modules.get("o2osim.store_day_kernel")
    return None if kernel is not None and engine is kernel.simulate_store_day_fast else engine


STORE_COLUMNS = ("store_id", "day", "arrivals", "served", "balked", "reneged", "mean_wait_min",
                 "p95_wait_min", "utilisation", "coupon_checks", "coupon_checks_failed")


@dataclass
class Opening:
    """Opening hours and day parts of a day, in clock hours."""

    open_hour: float
    close_hour: float
    part_starts_hour: list[float]

    @property
    def minutes(self) -> float:
        return (self.close_hour - self.open_hour) * 60.0

    def part_starts_min(self) -> list[float]:
        starts = [0.0]
        for h in self.part_starts_hour:
            m = (h - self.open_hour) * 60.0
            if 0.0 < m < self.minutes:
                starts.append(m)
        return starts

    def part_index(self) -> list[int]:
        """Which of (morning, afternoon, evening) each day part of :meth:`part_starts_min` is."""
        idx = [0]
        for k, h in enumerate(self.part_starts_hour, start=1):
            if 0.0 < (h - self.open_hour) * 60.0 < self.minutes:
                idx.append(k)
        return idx


def opening(ops: OperationsSpec, plan_ops: OperationsPlan) -> Opening:
    open_h = ops.open_hour if plan_ops.open_hour is None else plan_ops.open_hour
    close_h = ops.close_hour if plan_ops.close_hour is None else plan_ops.close_hour
    return Opening(float(open_h), float(close_h), [float(h) for h in ops.daypart_start_hours])


def gamma_times(rng: np.random.Generator | ArrivalDraws, mean: float, cv: float, n: int,
                row: int = 0) -> np.ndarray:
    """Gamma service times with the given mean and coefficient of variation (from the
    stream, or keyed by arrival: :class:`ArrivalDraws`)."""
    if cv <= 0:
        return np.full(n, mean)
    shape = 1.0 / (cv * cv)
    if isinstance(rng, ArrivalDraws):
        return rng.gamma(shape, row) * (mean / shape)
    return rng.gamma(shape, mean / shape, n)


@dataclass
class ArrivalDraws:
    """Random numbers keyed by real arrival (``keys``: one per arrival, stable across plans:
    the simulated visitor and the copy), so that an arrival's minute, patience, station use
    and service times do not move when other customers come or stay away (common random
    numbers; :class:`o2osim.rng.ConsumerDraws`)."""

    draws: ConsumerDraws
    keys: np.ndarray

    def uniform(self, row: int) -> np.ndarray:
        return self.draws.uniform(self.keys, row)

    def exponential(self, row: int) -> np.ndarray:
        return -np.log1p(-self.uniform(row))

    def gamma(self, shape: float, row: int) -> np.ndarray:
        """Gamma(shape, 1), exactly: Marsaglia & Tsang (2000) with keyed attempts, each
        arrival retrying on its own keys until accepted (shape < 1: the boost
        ``G(shape + 1) U^(1/shape)``)."""
        a = shape + 1.0 if shape < 1.0 else shape
        d = a - 1.0 / 3.0
        c = 1.0 / np.sqrt(9.0 * d)
        n = self.keys.shape[0]
        out = np.empty(n)
        todo = np.arange(n)
        attempt = 0
        while todo.size:
            keys = self.keys[todo]
            x = self.draws.normal(keys, 100 * row + attempt)
            u = self.draws.uniform(keys, 100 * row + attempt + 50)
            v = (1.0 + c * x) ** 3
            with np.errstate(invalid="ignore", divide="ignore"):
                ok = (v > 0) & (np.log(u) < 0.5 * x * x + d - d * v + d * np.log(v))
            out[todo[ok]] = d * v[ok]
            todo = todo[~ok]
            attempt += 1
        if shape < 1.0:
            out *= self.uniform(100 * row + 99) ** (1.0 / shape)
        return out


class ArrivalProfile:
    """When in the day customers arrive: the market's hourly profile over opening hours.

    Built once per store (the profile and hours do not change during a run), so a
    store-day only draws: an hour by the profile's weights, then a uniform minute in it.
    """

    def __init__(self, profile: list[float], hours: Opening) -> None:
        edges = np.arange(25, dtype=np.float64)
        lo = np.clip(edges[:-1], hours.open_hour, hours.close_hour)
        hi = np.clip(edges[1:], hours.open_hour, hours.close_hour)
        weight = np.asarray(profile, dtype=np.float64) * (hi - lo)
        if weight.sum() <= 0:
            weight = hi - lo
        self.cum = np.cumsum(weight / weight.sum())
        self.start_min = (lo - hours.open_hour) * 60.0
        self.width_min = (hi - lo) * 60.0

    def minutes(self, u_hour: np.ndarray, u_within: np.ndarray) -> np.ndarray:
        """Arrival minutes since opening (unsorted), from two uniform draws per arrival."""
        hour = np.minimum(np.searchsorted(self.cum, u_hour, side="right"), 23)
        return self.start_min[hour] + u_within * self.width_min[hour]


def arrival_minutes(rng: np.random.Generator, profile: list[float], hours: Opening,
                    n: int) -> np.ndarray:
    """Sorted arrival minutes since opening, from the hourly profile over open hours."""
    u = rng.random((2, n))
    return np.sort(ArrivalProfile(profile, hours).minutes(u[0], u[1]))


def p95(values: np.ndarray) -> float:
    """95th percentile with numpy's default linear interpolation, 0 for no values.

    Written out because ``np.percentile``'s overhead (~50 us) dominated a small store-day.
    """
    n = values.size
    if n == 0:
        return 0.0
    s = np.sort(values)
    h = (n - 1) * 0.95
    lo = int(h)
    if lo + 1 >= n:
        return float(s[lo])
    return float(s[lo] + (h - lo) * (s[lo + 1] - s[lo]))


class StoreAgent(mesa.Agent):
    """One store: its stations, today's staffing, and a ledger of its days."""

    def __init__(self, model: mesa.Model, store_id: int, ops: OperationsSpec,
                 plan_ops: OperationsPlan) -> None:
        super().__init__(model)
        self.store_id = store_id
        self.ops = ops
        self.plan_ops = plan_ops
        self.hours = opening(ops, plan_ops)
        self.ledger: list[tuple[float, ...]] = []
        self._units: dict[bool, list[list[int]]] = {
            weekend: [self.units(spec, weekend) for spec in ops.stations.values()]
            for weekend in (False, True)}
        self._part_starts_min = self.hours.part_starts_min()
        self._booking_slots = {weekend: self.booking_slots(weekend) for weekend in (False, True)}
        self._arrivals = ArrivalProfile(ops.arrival_profile, self.hours)
        self._specs = list(ops.stations.values())
        self._simulate_day = store_day_engine()
        self._shifts: dict[bool, StoreShifts] = {}  # the kernel's staffing, per kind of day

    def units(self, spec: StationSpec, weekend: bool) -> list[int]:
        """Units of a station in each day part today."""
        if not spec.staffed:
            return [spec.units] * len(self.hours.part_starts_min())
        p = self.plan_ops
        own = (p.store_staff_multipliers[self.store_id]
               if self.store_id < len(p.store_staff_multipliers) else 1.0)
        base = (spec.units * p.staff_multiplier * own
                * (p.weekend_staff_multiplier if weekend else 1.0))
        return [max(1, int(round(base * p.daypart_staff_multiplier[k])))
                for k in self.hours.part_index()]

    def booking_slots(self, weekend: bool) -> np.ndarray:
        """The store's reservation book: bookings it takes for each opening hour (hour 0
        starts at opening; the last may be part of an hour).

        ``bookable_share`` of what the store can serve in that hour, set by its tightest
        station — hotpot: the tables (32 x 60 / 65 min ~ 30 seatings an hour), not the
        host desk; services: the service chairs (appointment slots); apparel: the fitting
        rooms — with the units on duty in that hour's day part. A booking is for the hour
        the customer comes in (seed 000: 线上预约 -> 到店免排队 for hotpot and services).
        """
        minutes = self.hours.minutes
        start = np.arange(int(np.ceil(minutes / 60.0))) * 60.0
        width = np.minimum(start + 60.0, minutes) - start
        part = np.searchsorted(self._part_starts_min, start, side="right") - 1
        per_station = [np.asarray(self.units(spec, weekend), dtype=np.float64)[part] * width
                       / max(spec.service_time_mean_min, 1e-9) / max(spec.use_share, 1e-9)
                       for spec in self.ops.stations.values()]
        return np.floor(self.ops.bookable_share * np.min(per_station, axis=0)).astype(np.int64)

    def booking_capacity(self, weekend: bool) -> int:
        """Bookings the store takes in a whole day (the sum of its hourly slots)."""
        return int(self._booking_slots[weekend].sum())

    def serve(self, day: int, today: DayArrivals, s: int,
              simulate: Callable[..., DayResult] | None = None) -> DayResult:
        """Run this store's day on rows ``s`` of ``today`` with ``simulate`` (default: the
        store's engine, simpy or its compiled twin) and keep a ledger row."""
        lo, hi = int(today.bounds[s]), int(today.bounds[s + 1])
        part_starts = self._part_starts_min
        stations = [Station(units_by_part=units, part_starts_min=part_starts,
                            service_min=service[lo:hi], used=used[lo:hi], checkout=spec.checkout)
                    for spec, units, service, used in zip(
                        self._specs, self._units[day % 7 >= 5], today.service_min, today.used,
                        strict=True)]
        check_min = today.check_min[lo:hi]
        res = (simulate or self._simulate_day)(today.minute[lo:hi], today.booked[lo:hi],
                                 today.patience_min[lo:hi], check_min,
                                 today.check_fails[lo:hi], stations, self.hours.minutes,
                                 self.ops.balk_queue_per_server)
        self.keep(day, res.status, res.wait_min, res.checked, res.check_failed,
                  res.busy_unit_min, res.open_unit_min)
        return res

    def keep(self, day: int, status: np.ndarray, wait: np.ndarray, checked: np.ndarray,
             failed: np.ndarray, busy_unit_min: float, open_unit_min: float) -> None:
        """Keep the ledger row of a day whose arrivals had these outcomes."""
        counts = np.bincount(status, minlength=3)
        waits = wait[status != BALKED]
        self.ledger.append((
            self.store_id, day, status.shape[0], int(counts[SERVED]), int(counts[BALKED]),
            int(counts[RENEGED]),
            float(waits.mean()) if waits.size else 0.0,
            p95(waits),
            busy_unit_min / open_unit_min if open_unit_min > 0 else 0.0,
            int(np.count_nonzero(checked)), int(np.count_nonzero(failed))))

    def shifts(self, weekend: bool) -> StoreShifts:
        """This store's staffing on a weekday or weekend day as the compiled kernel takes
        it (built once: the plan does not change during a run)."""
        if weekend not in self._shifts:
            from o2osim.store_day_kernel import StoreShifts
            none = np.zeros(0)
            self._shifts[weekend] = StoreShifts.of(
                [Station(units, self._part_starts_min, none, none.astype(bool), spec.checkout)
                 for spec, units in zip(self._specs, self._units[weekend], strict=True)],
                self.hours.minutes)
        return self._shifts[weekend]

    def run_day(self, day: int, booked: np.ndarray, check_min: np.ndarray,
                check_fails: np.ndarray, rng: np.random.Generator | ArrivalDraws
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Simulate today's arrivals at this store alone (see :func:`run_stores_day`)."""
        return run_stores_day([self], day, np.zeros(booked.shape[0], dtype=np.int64), booked,
                              check_min, check_fails, rng)


@dataclass
class DayArrivals:
    """Today's real customers at all stores, grouped by store, each store's in arrival
    order: store ``s`` has rows ``bounds[s]:bounds[s + 1]``; row ``r`` is the caller's
    arrival ``order[r]``. Drawn for the whole day at once (one numpy call per quantity,
    not one per store: the per-store calls cost more than the simpy day of a small store).
    """

    order: np.ndarray
    bounds: np.ndarray
    minute: np.ndarray  # arrival, minutes since opening
    booked: np.ndarray  # booking honoured (bookings beyond capacity come as walk-ins)
    patience_min: np.ndarray
    check_min: np.ndarray
    check_fails: np.ndarray
    service_min: list[np.ndarray]  # per station
    used: list[np.ndarray]  # per station


def draw_arrivals(stores: list[StoreAgent], day: int, store_of: np.ndarray,
                  booked: np.ndarray, check_min: np.ndarray, check_fails: np.ndarray,
                  rng: np.random.Generator | ArrivalDraws) -> DayArrivals:
    """Arrival minutes, patience, service times and station use of today's customers.

    Bookings are honoured up to each store's slots for the hour of arrival
    (:meth:`StoreAgent.booking_slots`), first come first booked; refused ones come as
    walk-ins. Stores share the market's operations spec and opening hours.
    """
    ops, first = stores[0].ops, stores[0]
    n = store_of.shape[0]
    specs = first._specs
    if isinstance(rng, ArrivalDraws):
        u = np.stack([rng.uniform(row) for row in range(2 + len(specs))]) if n else \
            np.empty((2 + len(specs), 0))
    else:
        u = rng.random((2 + len(specs), n))
    minute = first._arrivals.minutes(u[0], u[1])
    order = np.lexsort((minute, store_of))
    store_sorted = store_of[order]
    bounds = np.searchsorted(store_sorted, np.arange(len(stores) + 1))
    honoured = honour_bookings(stores, day % 7 >= 5, store_sorted, minute[order],
                               booked[order])
    patience = np.where(honoured, ops.booked_patience_mean_min, ops.patience_mean_min) * (
        rng.exponential(2 + len(specs)) if isinstance(rng, ArrivalDraws)
        else rng.exponential(1.0, n))
    return DayArrivals(
        order=order, bounds=bounds, minute=minute[order], booked=honoured,
        patience_min=patience, check_min=check_min[order], check_fails=check_fails[order],
        service_min=[gamma_times(rng, spec.service_time_mean_min, spec.service_time_cv, n,
                                 row=j + 1) for j, spec in enumerate(specs)],
        used=[u[2 + j] < spec.use_share for j, spec in enumerate(specs)])


def honour_bookings(stores: list[StoreAgent], weekend: bool, store_sorted: np.ndarray,
                    minute_sorted: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """Which booking requests the stores' reservation books take: per store and opening
    hour, the first ``slots`` requests in arrival order (rows sorted by store, minute)."""
    slots = np.stack([st._booking_slots[weekend] for st in stores])  # store x hour
    n_hours = slots.shape[1]
    hour = np.minimum((minute_sorted // 60.0).astype(np.int64), n_hours - 1)
    cell = store_sorted * n_hours + hour  # non-decreasing: rows are sorted by store, minute
    asked_so_far = np.cumsum(asked)
    first_row = np.searchsorted(cell, cell, side="left")  # first row of each row's cell
    before_cell = np.concatenate(([0], asked_so_far))[first_row]
    return asked & (asked_so_far - before_cell <= slots.reshape(-1)[cell])


def run_stores_day(stores: list[StoreAgent], day: int, store_of: np.ndarray,
                   booked: np.ndarray, check_min: np.ndarray, check_fails: np.ndarray,
                   rng: np.random.Generator | ArrivalDraws
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every store's simpy day for today's real arrivals (arrays per arrival, any order;
    ``store_of`` is the index in ``stores``).

    Returns per arrival, in the given order: status, wait minutes, whether the coupon
    check failed, whether the booking was honoured.
    """
    today = draw_arrivals(stores, day, store_of, booked, check_min, check_fails, rng)
    n = store_of.shape[0]
    engine = _today_engine(stores, day, n)
    if engine is None:
        status_s, wait_s, failed_s = _serve_compiled(stores, day, today)
    else:
        status_s = np.empty(n, dtype=np.int8)
        wait_s = np.empty(n)
        failed_s = np.empty(n, dtype=bool)
        for s, store in enumerate(stores):
            res = store.serve(day, today, s, engine)
            rows = slice(int(today.bounds[s]), int(today.bounds[s + 1]))
            status_s[rows], wait_s[rows], failed_s[rows] = (res.status, res.wait_min,
                                                             res.check_failed)
    status = np.empty(n, dtype=np.int8)
    wait = np.empty(n)
    failed = np.empty(n, dtype=bool)
    honoured = np.empty(n, dtype=bool)
    order = today.order
    status[order], wait[order], failed[order], honoured[order] = (
        status_s, wait_s, failed_s, today.booked)
    return status, wait, failed, honoured


def _serve_compiled(stores: list[StoreAgent], day: int, today: DayArrivals
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every store's day in one call of the compiled kernel (what :meth:`StoreAgent.serve`
    does store by store, without its ~50 us of Python per store-day), each store keeping
    its ledger row; status, wait and failed check per row of ``today``."""
    from o2osim.store_day_kernel import simulate_stores_day_fast
    first, weekend = stores[0], day % 7 >= 5
    shifts = [store.shifts(weekend) for store in stores]
    status, wait, checked, failed, busy = simulate_stores_day_fast(
        today.bounds, today.minute, today.booked, today.patience_min, today.check_min,
        today.check_fails, today.service_min, today.used,
        [spec.checkout for spec in first._specs], shifts, first.hours.minutes,
        first.ops.balk_queue_per_server)
    bounds = today.bounds.tolist()
    for s, store in enumerate(stores):
        lo, hi = bounds[s], bounds[s + 1]
        store.keep(day, status[lo:hi], wait[lo:hi], checked[lo:hi], failed[lo:hi],
                   float(busy[s]), shifts[s].open_unit_min)
    return status, wait, failed
