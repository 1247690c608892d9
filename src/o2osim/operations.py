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

from dataclasses import dataclass

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
    """
    n = arrival_min.shape[0]
    env = simpy.Environment()
    resources = [simpy.PriorityResource(env, capacity=max(max(s.units_by_part), 1))
                 for s in stations]
    status = np.zeros(n, dtype=np.int8)
    wait = np.zeros(n)
    busy = [0.0]

    def rota(res: simpy.PriorityResource, st: Station):  # type: ignore[no-untyped-def]
        top = res.capacity
        held: list[simpy.resources.resource.PriorityRequest] = []
        bounds = [*st.part_starts_min[1:], open_min]
        for start, end, units in zip(st.part_starts_min, bounds, st.units_by_part, strict=True):
            if env.now < start:
                yield env.timeout(start - env.now)
            want_held = top - max(units, 0)
            while len(held) > want_held:
                res.release(held.pop())
            while len(held) < want_held:
                req = res.request(priority=-1)
                held.append(req)
                yield req
            if end > env.now:
                yield env.timeout(end - env.now)
        for req in held:
            res.release(req)

    def visit(i: int):  # type: ignore[no-untyped-def]
        prio = 0 if booked[i] else 1
        patience = patience_min[i]
        for k, st in enumerate(stations):
            if not st.used[i]:
                continue
            res = resources[k]
            req = res.request(priority=prio)
            if not req.triggered:  # a queue: balk, or wait as long as patience lasts
                if k == 0 and prio and len(res.queue) > balk_queue_per_server * res.capacity:
                    req.cancel()
                    status[i] = BALKED
                    return
                t0 = env.now
                got = yield req | env.timeout(patience)
                waited = env.now - t0
                wait[i] += waited
                if req not in got:
                    req.cancel()
                    status[i] = RENEGED
                    return
                patience -= waited
            else:
                yield req  # granted at once; no patience timer needed
            service = st.service_min[i] + (check_min[i] if st.checkout else 0.0)
            start = env.now
            yield env.timeout(service)
            busy[0] += max(0.0, min(start + service, open_min) - start)  # opening hours only
            res.release(req)

    def arrivals():  # type: ignore[no-untyped-def]
        for i in range(n):
            gap = arrival_min[i] - env.now
            if gap > 0:
                yield env.timeout(gap)
            env.process(visit(i))

    for res, st in zip(resources, stations, strict=True):
        if min(st.units_by_part) < res.capacity:
            env.process(rota(res, st))
    env.process(arrivals())
    env.run()
    open_unit_min = 0.0
    for st in stations:
        bounds = [*st.part_starts_min[1:], open_min]
        open_unit_min += sum(u * (e - s) for s, e, u in
                             zip(st.part_starts_min, bounds, st.units_by_part, strict=True))
    checkout_used = np.zeros(n, dtype=bool)
    for st in stations:
        if st.checkout:
            checkout_used |= st.used
    check_failed = check_fails & (status == SERVED) & checkout_used & (check_min > 0)
    return DayResult(status=status, wait_min=wait, check_failed=check_failed,
                     busy_unit_min=busy[0], open_unit_min=open_unit_min)
