"""One store's day, minute by minute, in simpy (DESIGN §2 "In-store operations").

A visit passes through the store's stations in order (apparel: fitting room, cashier;
hotpot: table, cashier; services: service chair, front desk). Each station is a
``simpy.PriorityResource`` whose units are staff, tables, rooms or slots. Booked
customers queue ahead of walk-ins (priority 0 vs 1) and never balk; a walk-in who sees
``balk_queue_per_server`` or more people waiting per unit at the first station leaves
at once (balking); anyone whose patience runs out while waiting leaves (reneging,
``got = yield req | env.timeout(patience)`` as in simpy's bank_renege example).
The station marked ``checkout`` verifies online coupons: a scan when the POS is joined
to the online system, a slower manual check (which may fail) when it is not.

Staffing by day part: a staffed station has as many units as its busiest day part; in
quieter parts a "rota" process holds the surplus units (priority -1, so it takes each
unit as soon as it frees and never interrupts a customer).

Clock: ``env.now`` is minutes since the store opened on the model's current ``day``;
the day index never changes inside a store day (one time axis, see model.py).
With exponential service, Poisson arrivals, one station and no balking or reneging,
this is an M/M/c queue and waits match Erlang C (tests/test_erlang_c.py).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy

SERVED, BALKED, RENEGED = 0, 1, 2


@dataclass
class Station:
    """A station as the store runs it today (units per day part, service times)."""

    units_by_part: list[int]  # units in each day part
    part_starts_min: list[float]  # start of each day part, minutes since opening
    service_min: np.ndarray  # pre-drawn service time of each arrival here
    used: np.ndarray  # bool: does each arrival use this station
    checkout: bool


@dataclass
class DayResult:
    status: np.ndarray  # SERVED / BALKED / RENEGED per arrival
    wait_min: np.ndarray  # minutes spent waiting in queues
    check_failed: np.ndarray  # bool: coupon verification failed at the till
    busy_unit_min: float  # unit-minutes spent serving within opening hours, all stations
    open_unit_min: float  # unit-minutes available, all stations


class _Line:
    """The queue of one station: bookings first, then walk-ins, each first come first
    served (what a ``PriorityResource`` with priorities 0 / 1 does), plus the servers
    waiting for work."""

    def __init__(self) -> None:
        self.booked: deque[int] = deque()
        self.walk_in: deque[int] = deque()
        self.idle: list[tuple[int, simpy.Event]] = []

    def waiting(self, now: float, deadline: list[float]) -> int:
        """People still in line (those whose patience ran out have left)."""
        return sum(1 for q in (self.booked, self.walk_in) for i in q if deadline[i] >= now)


def simulate_store_day(
    arrival_min: np.ndarray,
    booked: np.ndarray,
    patience_min: np.ndarray,
    check_min: np.ndarray,
    check_fails: np.ndarray,
    stations: list[Station],
    open_min: float,
    balk_queue_per_server: float,
) -> DayResult:
    """Run one store's day. Arrays are per arrival, sorted by ``arrival_min``.

    ``check_min`` is the extra time at checkout for verifying an online coupon (0 when
    the arrival has none); ``check_fails`` marks arrivals whose check will fail.

    Each unit of a station is a simpy process that takes the next customer in line,
    serves them and hands them on; a customer whose patience ran out before a unit
    reached them has left at that moment (reneged). This is the same queue as one
    process per customer holding a ``PriorityResource`` request with a patience
    timeout (simpy's bank_renege pattern), with about half the events per visit.
    """
    n = arrival_min.shape[0]
    env = simpy.Environment()
    # Plain lists: element access in the event loop is several times faster than numpy.
    status = [SERVED] * n
    wait = [0.0] * n
    entered = [0.0] * n
    deadline = [0.0] * n
    patience_left = np.asarray(patience_min, dtype=np.float64).tolist()
    is_booked = np.asarray(booked, dtype=bool).tolist()
    used = [np.asarray(st.used, dtype=bool).tolist() for st in stations]
    service_min = [np.asarray(st.service_min, dtype=np.float64).tolist() for st in stations]
    check = np.asarray(check_min, dtype=np.float64).tolist()
    lines = [_Line() for _ in stations]
    varying = [len(set(st.units_by_part)) > 1 for st in stations]
    fixed = [None if varying[k] else st.units_by_part[0] for k, st in enumerate(stations)]

    def units_now(k: int, now: float) -> int:
        """Units on duty at station ``k`` now (by day part)."""
        st = stations[k]
        return st.units_by_part[max(bisect_right(st.part_starts_min, now) - 1, 0)]

    busy = [0.0]
    n_st = len(stations)

    def hand_on(i: int, k: int) -> None:
        while k < n_st and not used[k][i]:
            k += 1
        if k == n_st:
            return
        line = lines[k]
        now = env.now
        entered[i] = now
        deadline[i] = now + patience_left[i]
        (line.booked if is_booked[i] else line.walk_in).append(i)
        for j, (unit, ev) in enumerate(line.idle):
            if unit < (fixed[k] if fixed[k] is not None else units_now(k, now)):
                line.idle.pop(j)
                ev.succeed()
                break

    def unit_process(k: int, unit: int):  # type: ignore[no-untyped-def]
        st, line = stations[k], lines[k]
        starts = st.part_starts_min
        times = service_min[k]
        cap = fixed[k]
        timeout = env.timeout
        extra = check if st.checkout else None
        booked_q, walk_in_q = line.booked, line.walk_in
        while True:
            now = env.now
            if unit >= (cap if cap is not None else units_now(k, now)):
                later = [s for p, s in enumerate(starts)
                         if s > now and unit < st.units_by_part[p]]
                if not later:
                    return
                yield timeout(later[0] - now)
                continue
            if booked_q:
                i = booked_q.popleft()
            elif walk_in_q:
                i = walk_in_q.popleft()
            else:
                ev = env.event()
                line.idle.append((unit, ev))
                yield ev
                continue
            if now > deadline[i]:  # gave up before being reached
                status[i] = RENEGED
                wait[i] += patience_left[i]
                continue
            waited = now - entered[i]
            wait[i] += waited
            patience_left[i] -= waited
            service = times[i] + (extra[i] if extra is not None else 0.0)
            yield timeout(service)
            busy[0] += max(0.0, min(now + service, open_min) - now)  # opening hours only
            hand_on(i, k + 1)

    def wake_at_part_starts(k: int):  # type: ignore[no-untyped-def]
        """Units coming on duty look at the line (idle ones are woken to re-check)."""
        for start in stations[k].part_starts_min[1:]:
            yield env.timeout(start - env.now)
            idle, lines[k].idle = lines[k].idle, []
            for _, ev in idle:
                ev.succeed()

    first = stations[0] if stations else None
    balk_at = (balk_queue_per_server * max(first.units_by_part)
               if first is not None and balk_queue_per_server < np.inf else None)

    def arrive(i: int, _event: simpy.Event) -> None:
        """A customer walks in: a walk-in facing too long a line leaves (balks)."""
        if (balk_at is not None and used[0][i] and not is_booked[i]
                and lines[0].waiting(env.now, deadline) >= balk_at):
            status[i] = BALKED
            return
        hand_on(i, 0)

    # Arrivals are plain timed callbacks (no process each): the cheapest simpy event.
    for i, at in enumerate(np.asarray(arrival_min, dtype=np.float64).tolist()):
        env.timeout(at).callbacks.append(partial(arrive, i))

    for k, st in enumerate(stations):
        for unit in range(max(max(st.units_by_part), 1)):
            env.process(unit_process(k, unit))
        if varying[k]:
            env.process(wake_at_part_starts(k))
    env.run()
    open_unit_min = 0.0
    for st in stations:
        bounds = [*st.part_starts_min[1:], open_min]
        open_unit_min += sum(u * (e - s) for s, e, u in
                             zip(st.part_starts_min, bounds, st.units_by_part, strict=True))
    status_arr = np.asarray(status, dtype=np.int8)
    checkout_used = np.zeros(n, dtype=bool)
    for st in stations:
        if st.checkout:
            checkout_used |= st.used
    check_failed = check_fails & (status_arr == SERVED) & checkout_used & (check_min > 0)
    return DayResult(status=status_arr, wait_min=np.asarray(wait), check_failed=check_failed,
                     busy_unit_min=busy[0], open_unit_min=open_unit_min)
