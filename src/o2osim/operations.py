"""One store's day, minute by minute, in simpy (docs/model.md, "A day, in order", step 7).

A visit passes through the store's stations in order (apparel: fitting room, cashier;
hotpot: table, cashier; services: service chair, front desk). A station has units
(staff, tables, rooms, slots) and one line in which booked customers stand ahead of
walk-ins, each first come first served (what a ``simpy.PriorityResource`` with
priorities 0 / 1 does). Booked customers never balk; a walk-in who sees
``balk_queue_per_server`` or more people waiting per unit on duty at the first station
leaves at once (balking); anyone whose patience runs out while waiting leaves (reneging).
The station marked ``checkout`` verifies online coupons: a scan when the POS is joined
to the online system, a slower manual check (which may fail) when it is not.

Staffing by day part: the units on duty change at each day part's start; a unit going
off duty finishes the customer it is serving first and never interrupts anyone.

Events: every state change is a plain simpy timed event with a callback (an arrival, the
end of a service, a change of shift), the cheapest thing simpy schedules. A free unit
starts serving an arriving customer at once; a unit finishing a service takes the next
customer in line; a customer whose patience ran out before a unit reached them left at
that moment (reneged, resolved lazily when reached, which gives the same waits and
outcomes as simpy's bank_renege pattern ``yield req | env.timeout(patience)`` with
one event per visit and station instead of three or four: tests/test_erlang_c.py
checks the waits against queueing theory).

Clock: ``env.now`` is minutes since the store opened on the model's current ``day``;
the day index never changes inside a store day (one time axis, see model.py).
With exponential service, Poisson arrivals, one station and no balking or reneging,
this is an M/M/c queue and waits match Erlang C (tests/test_erlang_c.py).
"""

from __future__ import annotations

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
    checked: np.ndarray  # bool: an online coupon was verified at the till (served there)
    check_failed: np.ndarray  # bool: that verification failed
    busy_unit_min: float  # unit-minutes spent serving within opening hours, all stations
    open_unit_min: float  # unit-minutes available, all stations


def open_unit_minutes(stations: list[Station], open_min: float) -> float:
    """Unit-minutes on duty over opening hours, all stations (utilisation's denominator)."""
    total = 0.0
    for st in stations:
        bounds = [*st.part_starts_min[1:], open_min]
        total += sum(u * (e - s) for s, e, u in
                     zip(st.part_starts_min, bounds, st.units_by_part, strict=True))
    return total


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
    Customers still in a line when the day's events run out (a station with no unit
    on duty for the rest of the day) have left: reneged.
    """
    n = arrival_min.shape[0]
    n_st = len(stations)
    env = simpy.Environment()
    timeout = env.timeout
    # Plain lists: element access in the event loop is several times faster than numpy.
    status = [SERVED] * n
    wait = [0.0] * n
    entered = [0.0] * n
    deadline = [0.0] * n
    patience_left = np.asarray(patience_min, dtype=np.float64).tolist()
    is_booked = np.asarray(booked, dtype=bool).tolist()
    used = [np.asarray(st.used, dtype=bool).tolist() for st in stations]
    service_min = [np.asarray(st.service_min, dtype=np.float64).tolist() for st in stations]
    if any(st.checkout for st in stations):
        check = np.asarray(check_min, dtype=np.float64).tolist()
        service_min = [[s + c for s, c in zip(times, check, strict=True)] if st.checkout
                       else times for st, times in zip(stations, service_min, strict=True)]
    # route[k][i]: the first station at or after k that customer i uses (-1: none left).
    route = [[-1] * n]
    for k in range(n_st - 1, -1, -1):
        route.insert(0, [k if u else j for u, j in zip(used[k], route[0], strict=True)])
    booked_line: list[deque[int]] = [deque() for _ in stations]
    walk_in_line: list[deque[int]] = [deque() for _ in stations]
    on_duty = [st.units_by_part[0] if st.units_by_part else 0 for st in stations]
    serving = [0] * n_st  # units busy with a customer (may exceed on_duty after a shift change)
    busy_min = [0.0]

    def begin(i: int, k: int, now: float) -> None:
        """A unit of station ``k`` starts serving customer ``i`` now."""
        waited = now - entered[i]
        wait[i] += waited
        patience_left[i] -= waited
        service = service_min[k][i]
        serving[k] += 1
        if now < open_min:  # utilisation counts opening hours only
            end = now + service
            busy_min[0] += (end if end < open_min else open_min) - now
        timeout(service, i).callbacks.append(finishers[k])

    def take_next(k: int) -> None:
        """Units of station ``k`` that are on duty and free take the next in line."""
        bq, wq = booked_line[k], walk_in_line[k]
        now = env.now
        while serving[k] < on_duty[k] and (bq or wq):
            i = bq.popleft() if bq else wq.popleft()
            if now > deadline[i]:  # gave up before being reached
                status[i] = RENEGED
                wait[i] += patience_left[i]
                continue
            begin(i, k, now)

    def join(i: int, k: int) -> None:
        """Customer ``i`` joins station ``k`` (the next one on their route), or leaves."""
        if k < 0:
            return
        now = env.now
        entered[i] = now
        deadline[i] = now + patience_left[i]
        if serving[k] < on_duty[k]:  # a free unit means nobody is waiting here
            begin(i, k, now)
        else:
            (booked_line[k] if is_booked[i] else walk_in_line[k]).append(i)

    def finisher(k: int):  # type: ignore[no-untyped-def]
        """The callback for the end of a service at station ``k`` (event value: customer)."""
        after = route[k + 1]

        def finish(event: simpy.Event) -> None:
            i = event.value
            serving[k] -= 1
            join(i, after[i])
            take_next(k)
        return finish

    finishers = [finisher(k) for k in range(n_st)]

    def change_shift(k: int, units: int, _event: simpy.Event) -> None:
        on_duty[k] = units
        take_next(k)

    first_station = route[0]
    balking = bool(stations) and balk_queue_per_server < np.inf

    def still_waiting(now: float) -> int:
        """People in the first station's line whose patience has not run out."""
        return sum(1 for q in (booked_line[0], walk_in_line[0]) for i in q
                   if deadline[i] >= now)

    def arrive(i: int, _event: simpy.Event) -> None:
        """A customer walks in: a walk-in facing too long a line for the units on duty
        now (``balk_queue_per_server`` per unit) leaves at once (balks)."""
        if (balking and used[0][i] and not is_booked[i]
                and len(booked_line[0]) + len(walk_in_line[0])
                >= (balk_at := balk_queue_per_server * max(on_duty[0], 1))
                and still_waiting(env.now) >= balk_at):
            status[i] = BALKED
            return
        join(i, first_station[i])

    for i, at in enumerate(np.asarray(arrival_min, dtype=np.float64).tolist()):
        timeout(at).callbacks.append(partial(arrive, i))
    for k, st in enumerate(stations):
        if len(set(st.units_by_part)) > 1:
            for start, units in zip(st.part_starts_min[1:], st.units_by_part[1:], strict=True):
                timeout(start).callbacks.append(partial(change_shift, k, units))
    env.run()
    last_min = env.now
    for line in (*booked_line, *walk_in_line):  # nobody left to serve them today
        for i in line:
            status[i] = RENEGED
            wait[i] += min(patience_left[i], last_min - entered[i])
    status_arr = np.asarray(status, dtype=np.int8)
    checkout_used = np.zeros(n, dtype=bool)
    for st in stations:
        if st.checkout:
            checkout_used |= st.used
    checked = (status_arr == SERVED) & checkout_used & (check_min > 0)
    return DayResult(status=status_arr, wait_min=np.asarray(wait), checked=checked,
                     check_failed=check_fails & checked,
                     busy_unit_min=busy_min[0],
                     open_unit_min=open_unit_minutes(stations, open_min))
