"""One store's day compiled with numba: the verified fast twin of the simpy engine.

:func:`simulate_store_day_fast` returns exactly what
:func:`o2osim.operations.simulate_store_day` returns on the same inputs — status,
wait_min, checked, check_failed, busy_unit_min and open_unit_min, bit for bit — and is
what the stores run once a process has simulated enough arrivals to repay loading numba
(:func:`o2osim.stores.store_day_engine`; ``O2OSIM_STORE_ENGINE`` = ``auto``, the
default, ``kernel`` or ``simpy``). The simpy engine stays the model of record: it is the
one the docs describe and the one checked against queueing theory (tests/test_erlang_c.py) and a
textbook ``simpy.PriorityResource`` model (tests/test_simpy_reference.py).

Exactly the same because it replays the same events in the same order with the same
float operations. simpy pops events by (time, priority, event id); every event here is
a timeout of normal priority, and ids count up in the order timeouts are created:
the arrivals first (in input order), then the shift changes (station by station, day
part by day part, for stations whose units change), then the ends of service as they
are scheduled. The kernel numbers events the same way, takes the arrivals as a stream
in (time, number) order and keeps the rest in a binary heap keyed by (time, number);
it runs whichever is first, so events at the same instant — a zero-length service, an arrival
at a shift change — run in simpy's order. The callbacks do what the simpy engine's do,
in the same order: the same lines (booked ahead of walk-ins, each first come first
served, as arrays with head pointers), lazy reneging, balking on the people still
waiting at the first station, the same sums for waits and busy unit-minutes (no
fastmath, so no reordering), and the same end-of-day handling of those left in line.

Tested by tests/test_store_kernel.py: random store days (thousands of arrivals, 1-3
stations, shift changes both ways, a station with no unit in a day part, booked and
walk-in, balking on and off, short patience, coupon checks, partial station use, ties
at the same minute) give arrays equal to the simpy engine's with ``np.array_equal`` and
floats ``==``; and a small model run gives identical store ledgers and metrics with both
engines.

Speed (experiments/README.md, "Store-day kernel"; ``time.process_time``, 2026-12-07,
this project's 2-core machine under load): a hotpot day of 400 arrivals at 3 stations
costs 4.8-8.4 ms in simpy (12-21 us per arrival) and 0.09-0.16 ms here (0.22-0.40 us),
34-68x; over every store-day of a 100 k-consumer run 28-30x (hotpot, ~230 arrivals a
store-day) and 14-16x (retail, ~90: a fixed ~50-60 us per call — building arrays,
numba's dispatch, ``open_unit_minutes`` — weighs on small days). Once per process:
importing numba ~0.35 s and loading the cached kernel ~0.55-0.6 s of CPU (+~100 MB
RSS); compiling it when there is no cache (first run, or after an edit) 8.5-12 s.
Hence the ``auto`` engine.

The model runs all of a day's stores in one call (:func:`simulate_stores_day_fast`:
each store's :func:`_store_day` looped in numba, each store's staffing arrays built
once per run, :class:`StoreShifts`), which removes that fixed cost per store-day. And
once this module is loaded, :meth:`o2osim.rng.ConsumerDraws.uniform` hashes in numba
(:func:`_keyed_uniform`: integer arithmetic, the same numbers; transcendental functions
stay in numpy, whose SIMD versions may differ from libm's in the last bit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from o2osim import rng
from o2osim.operations import BALKED, RENEGED, SERVED, DayResult, Station, open_unit_minutes

_LEFT = -1  # route: no station left


@njit(cache=True)
def _keyed_uniform(idx: np.ndarray, key: np.uint64) -> np.ndarray:
    """:meth:`o2osim.rng.ConsumerDraws.uniform` in one pass: the same SplitMix64 hash of
    ``idx + 1`` (integers modulo 2**64) and the same exact 53-bit float."""
    out = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        z = (np.uint64(idx[j]) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15) + key
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        out[j] = np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return out


rng.compiled_uniform[0] = _keyed_uniform  # numba is loaded now: every keyed draw uses it


@njit(cache=True)
def _push(ht: np.ndarray, hs: np.ndarray, hp: np.ndarray, size: int, t: float, s: int,
          p: int) -> int:
    """Push (time ``t``, sequence ``s``) with payload ``p``; returns the new size."""
    j = size
    while j > 0:
        up = (j - 1) >> 1
        if ht[up] < t or (ht[up] == t and hs[up] < s):
            break
        ht[j] = ht[up]
        hs[j] = hs[up]
        hp[j] = hp[up]
        j = up
    ht[j] = t
    hs[j] = s
    hp[j] = p
    return size + 1


@njit(cache=True)
def _pop(ht: np.ndarray, hs: np.ndarray, hp: np.ndarray, size: int) -> int:
    """Remove the root (the caller read it); returns the new size."""
    size -= 1
    t, s, p = ht[size], hs[size], hp[size]
    j = 0
    while True:
        c = 2 * j + 1
        if c >= size:
            break
        if c + 1 < size and (ht[c + 1] < ht[c] or (ht[c + 1] == ht[c] and hs[c + 1] < hs[c])):
            c += 1
        if t < ht[c] or (t == ht[c] and s < hs[c]):
            break
        ht[j] = ht[c]
        hs[j] = hs[c]
        hp[j] = hp[c]
        j = c
    ht[j] = t
    hs[j] = s
    hp[j] = p
    return size


@njit(cache=True)
def _begin(i: int, k: int, now: float, seq: int, wait: np.ndarray, patience_left: np.ndarray,
           entered: np.ndarray, serving: np.ndarray, service_min: np.ndarray,
           open_min: float, busy: float, ht: np.ndarray, hs: np.ndarray, hp: np.ndarray,
           size: int) -> tuple[int, float]:
    """A unit of station ``k`` starts serving customer ``i`` now (the simpy engine's
    ``begin``); returns the heap's size and the busy unit-minutes so far."""
    waited = now - entered[i]
    wait[i] += waited
    patience_left[i] -= waited
    serving[k] += 1
    if now < open_min:  # utilisation counts opening hours only
        end = now + service_min[k, i]
        busy += (end if end < open_min else open_min) - now
    n = wait.shape[0]
    return _push(ht, hs, hp, size, now + service_min[k, i], seq, k * n + i), busy


@njit(cache=True)
def _store_day(arrival_min: np.ndarray, booked: np.ndarray, patience_min: np.ndarray,
               service_min: np.ndarray, used: np.ndarray, units0: np.ndarray,
               shift_station: np.ndarray, shift_min: np.ndarray, shift_units: np.ndarray,
               open_min: float, balk_queue_per_server: float, balking: bool,
               check_min: np.ndarray, check_fails: np.ndarray, checkout: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The event loop: status and wait per arrival, busy unit-minutes.

    ``service_min`` (stations x arrivals) includes the checkout's coupon check. Sequence
    numbers: arrival ``i`` is ``i``, shift change ``j`` is ``n + j``, ends of service
    follow in the order they are scheduled; a payload is the arrival, the shift change,
    or ``station * n + arrival``. An arrival due at the heap's first time goes first:
    its number is lower.
    """
    n = arrival_min.shape[0]
    n_st = service_min.shape[0]
    n_shift = shift_station.shape[0]
    status = np.zeros(n, dtype=np.int8)
    wait = np.zeros(n)
    entered = np.zeros(n)
    deadline = np.zeros(n)
    patience_left = patience_min.copy()
    route = np.full((n_st + 1, n), _LEFT, dtype=np.int64)
    for k in range(n_st - 1, -1, -1):
        for i in range(n):
            route[k, i] = k if used[k, i] else route[k + 1, i]
    line = np.empty((2 * n_st, n), dtype=np.int64)  # booked k: row k; walk-in k: n_st + k
    head = np.zeros(2 * n_st, dtype=np.int64)
    tail = np.zeros(2 * n_st, dtype=np.int64)
    on_duty = units0.copy()
    serving = np.zeros(n_st, dtype=np.int64)
    busy = 0.0
    # The arrivals, whose sequence numbers come before all others, are a stream in
    # (time, number) order; the heap holds the rest: shifts and services under way.
    arrival_t = 0.0 + arrival_min
    stream = np.arange(n)
    for i in range(1, n):
        if arrival_t[i] < arrival_t[i - 1]:
            stream = np.argsort(arrival_t, kind="mergesort")  # stable: ties by number
            break
    cap = n + n_shift + 1  # pending: one event per customer at most, plus the shifts
    ht = np.empty(cap)
    hs = np.empty(cap, dtype=np.int64)
    hp = np.empty(cap, dtype=np.int64)
    size = 0
    for j in range(n_shift):
        size = _push(ht, hs, hp, size, 0.0 + shift_min[j], n + j, j)
    seq = n + n_shift
    now = 0.0
    a = 0  # next in the arrival stream
    while a < n or size > 0:
        if a < n and (size == 0 or arrival_t[stream[a]] <= ht[0]):
            s = p = stream[a]
            now = arrival_t[p]
            a += 1
        else:
            now, s, p = ht[0], hs[0], hp[0]
            size = _pop(ht, hs, hp, size)
        if s < n:  # an arrival: balk, or join the first station on the route
            i = p
            if balking and used[0, i] and not booked[i]:
                balk_at = balk_queue_per_server * max(on_duty[0], 1)
                if tail[0] - head[0] + tail[n_st] - head[n_st] >= balk_at:
                    still = 0
                    for row in (0, n_st):
                        for q in range(head[row], tail[row]):
                            if deadline[line[row, q]] >= now:
                                still += 1
                    if still >= balk_at:
                        status[i] = BALKED
                        continue
            k = route[0, i]
            free = _LEFT  # no station's units are freed by an arrival
        elif s < n + n_shift:  # a change of shift
            free = shift_station[p]
            on_duty[free] = shift_units[p]
            k = _LEFT
        else:  # an end of service: on to the next station on the route
            free = p // n
            i = p - free * n
            serving[free] -= 1
            k = route[free + 1, i]
        if k != _LEFT:  # customer i joins station k
            entered[i] = now
            deadline[i] = now + patience_left[i]
            if serving[k] < on_duty[k]:
                size, busy = _begin(i, k, now, seq, wait, patience_left, entered, serving,
                                    service_min, open_min, busy, ht, hs, hp, size)
                seq += 1
            else:
                row = k if booked[i] else n_st + k
                line[row, tail[row]] = i
                tail[row] += 1
        if free != _LEFT:  # free units of station `free` take the next in line
            while serving[free] < on_duty[free]:
                if head[free] < tail[free]:
                    row = free
                elif head[n_st + free] < tail[n_st + free]:
                    row = n_st + free
                else:
                    break
                c = line[row, head[row]]
                head[row] += 1
                if now > deadline[c]:  # gave up before being reached
                    status[c] = RENEGED
                    wait[c] += patience_left[c]
                    continue
                size, busy = _begin(c, free, now, seq, wait, patience_left, entered, serving,
                                    service_min, open_min, busy, ht, hs, hp, size)
                seq += 1
    for row in range(2 * n_st):  # nobody left to serve them today
        for q in range(head[row], tail[row]):
            c = line[row, q]
            status[c] = RENEGED
            left = now - entered[c]
            wait[c] += left if left < patience_left[c] else patience_left[c]
    checked = np.zeros(n, dtype=np.bool_)  # served, with a coupon, through a checkout
    for i in range(n):
        if status[i] == SERVED and check_min[i] > 0:
            for k in range(n_st):
                if checkout[k] and used[k, i]:
                    checked[i] = True
    return status, wait, checked, check_fails & checked, busy


@njit(cache=True)
def _stores_day(bounds: np.ndarray, arrival_min: np.ndarray, booked: np.ndarray,
                patience_min: np.ndarray, service_min: np.ndarray, used: np.ndarray,
                units0: np.ndarray, shift_lo: np.ndarray, shift_station: np.ndarray,
                shift_min: np.ndarray, shift_units: np.ndarray, open_min: float,
                balk_queue_per_server: float, balking: bool, check_min: np.ndarray,
                check_fails: np.ndarray, checkout: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every store's day in one call: store ``s`` is rows ``bounds[s]:bounds[s + 1]``
    (its arrivals in arrival order), its units at opening ``units0[s]`` and its shift
    changes ``shift_lo[s]:shift_lo[s + 1]``; each runs :func:`_store_day` as one call per
    store would (the same operations on the same values: the same results), without the
    Python work around each call. Returns the per-arrival arrays and busy unit-minutes
    per store."""
    n = arrival_min.shape[0]
    n_stores = bounds.shape[0] - 1
    status = np.empty(n, dtype=np.int8)
    wait = np.empty(n)
    checked = np.empty(n, dtype=np.bool_)
    failed = np.empty(n, dtype=np.bool_)
    busy = np.empty(n_stores)
    for s in range(n_stores):
        lo, hi = bounds[s], bounds[s + 1]
        a, b = shift_lo[s], shift_lo[s + 1]
        st, w, c, f, b_s = _store_day(
            arrival_min[lo:hi], booked[lo:hi], patience_min[lo:hi], service_min[:, lo:hi],
            used[:, lo:hi], units0[s], shift_station[a:b], shift_min[a:b], shift_units[a:b],
            open_min, balk_queue_per_server, balking, check_min[lo:hi], check_fails[lo:hi],
            checkout)
        status[lo:hi] = st
        wait[lo:hi] = w
        checked[lo:hi] = c
        failed[lo:hi] = f
        busy[s] = b_s
    return status, wait, checked, failed, busy


_NO_SHIFTS = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64))


def shift_changes(stations: list[Station]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Station, minute and units of each change of shift, in the simpy engine's order."""
    k_: list[int] = []
    t_: list[float] = []
    u_: list[int] = []
    for k, st in enumerate(stations):
        if len(set(st.units_by_part)) > 1:
            k_ += [k] * (len(st.units_by_part) - 1)
            t_ += st.part_starts_min[1:]
            u_ += st.units_by_part[1:]
    if not k_:
        return _NO_SHIFTS
    return (np.array(k_, dtype=np.int64), np.array(t_, dtype=np.float64),
            np.array(u_, dtype=np.int64))


def simulate_store_day_fast(
    arrival_min: np.ndarray,
    booked: np.ndarray,
    patience_min: np.ndarray,
    check_min: np.ndarray,
    check_fails: np.ndarray,
    stations: list[Station],
    open_min: float,
    balk_queue_per_server: float,
) -> DayResult:
    """:func:`o2osim.operations.simulate_store_day`, compiled: same arguments, same result."""
    n = arrival_min.shape[0]
    service = np.empty((len(stations), n))
    used = np.empty((len(stations), n), dtype=np.bool_)
    units0 = []
    for k, st in enumerate(stations):
        service[k] = st.service_min
        if st.checkout:
            service[k] += check_min
        used[k] = st.used
        units0.append(st.units_by_part[0] if st.units_by_part else 0)
    status, wait, checked, failed, busy = _store_day(  # contiguous, typed: one signature
        np.ascontiguousarray(arrival_min, dtype=np.float64),
        np.ascontiguousarray(booked, dtype=np.bool_),
        np.ascontiguousarray(patience_min, dtype=np.float64), service, used,
        np.array(units0, dtype=np.int64), *shift_changes(stations), float(open_min),
        float(balk_queue_per_server), bool(stations) and balk_queue_per_server < np.inf,
        np.ascontiguousarray(check_min, dtype=np.float64),
        np.ascontiguousarray(check_fails, dtype=np.bool_),
        np.array([st.checkout for st in stations], dtype=np.bool_))
    return DayResult(status=status, wait_min=wait, checked=checked, check_failed=failed,
                     busy_unit_min=busy, open_unit_min=open_unit_minutes(stations, open_min))


@dataclass(frozen=True)
class StoreShifts:
    """A store's staffing on one kind of day (weekday or weekend) as the kernel takes it:
    units at opening, the changes of shift (:func:`shift_changes`), and the unit-minutes
    on duty (``open_unit_minutes``). Built once per store and kind of day."""

    units0: np.ndarray
    changes: tuple[np.ndarray, np.ndarray, np.ndarray]
    open_unit_min: float

    @classmethod
    def of(cls, stations: list[Station], open_min: float) -> StoreShifts:
        return cls(np.array([st.units_by_part[0] if st.units_by_part else 0
                             for st in stations], dtype=np.int64),
                   shift_changes(stations), open_unit_minutes(stations, open_min))


def simulate_stores_day_fast(
    bounds: np.ndarray,
    arrival_min: np.ndarray,
    booked: np.ndarray,
    patience_min: np.ndarray,
    check_min: np.ndarray,
    check_fails: np.ndarray,
    service_min: list[np.ndarray],
    used: list[np.ndarray],
    checkout: list[bool],
    shifts: list[StoreShifts],
    open_min: float,
    balk_queue_per_server: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`simulate_store_day_fast` for every store of a day in one compiled call:
    store ``s`` is rows ``bounds[s]:bounds[s + 1]`` of the per-arrival arrays (and of
    each station's ``service_min`` and ``used``) with staffing ``shifts[s]``. Returns
    status, wait_min, checked, check_failed per arrival and busy unit-minutes per store,
    equal to what one call per store returns (tests/test_store_kernel.py)."""
    n_st = len(service_min)
    service = np.empty((n_st, arrival_min.shape[0]))
    for k in range(n_st):
        service[k] = service_min[k]
        if checkout[k]:
            service[k] += check_min
    used_ = (np.stack(used) if n_st else np.empty((0, arrival_min.shape[0]))).astype(np.bool_)
    lo = np.zeros(len(shifts) + 1, dtype=np.int64)
    lo[1:] = np.cumsum([sh.changes[0].shape[0] for sh in shifts])
    units0 = (np.stack([sh.units0 for sh in shifts]) if shifts
              else np.zeros((0, n_st), dtype=np.int64))
    changes = [np.concatenate([sh.changes[j] for sh in shifts]) if shifts else _NO_SHIFTS[j]
               for j in range(3)]
    return _stores_day(
        np.ascontiguousarray(bounds, dtype=np.int64),
        np.ascontiguousarray(arrival_min, dtype=np.float64),
        np.ascontiguousarray(booked, dtype=np.bool_),
        np.ascontiguousarray(patience_min, dtype=np.float64), service, used_, units0, lo,
        changes[0].astype(np.int64), changes[1].astype(np.float64),
        changes[2].astype(np.int64), float(open_min), float(balk_queue_per_server),
        n_st > 0 and balk_queue_per_server < np.inf,
        np.ascontiguousarray(check_min, dtype=np.float64),
        np.ascontiguousarray(check_fails, dtype=np.bool_),
        np.array(checkout, dtype=np.bool_))
