"""Stores as Mesa agents; each runs its day as a simpy simulation (:mod:`o2osim.operations`).

The model hands a store the real customers arriving today (each simulated visitor
stands for ``scale`` real ones: the first is the simulated consumer, the others are the
real people they represent and take their share of the store's capacity). The store
draws arrival minutes from the market's hourly profile, staffs its stations as the plan
says for this day part and day of the week, runs the day, and keeps a ledger row.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from o2osim.config.schema import OperationsPlan, OperationsSpec, StationSpec
from o2osim.operations import BALKED, RENEGED, SERVED, Station, simulate_store_day

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


def gamma_times(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    """Gamma service times with the given mean and coefficient of variation."""
    if cv <= 0:
        return np.full(n, mean)
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, mean / shape, n)


def arrival_minutes(rng: np.random.Generator, profile: list[float], hours: Opening,
                    n: int) -> np.ndarray:
    """Sorted arrival minutes since opening, from the hourly profile over open hours."""
    edges = np.arange(25, dtype=np.float64)
    lo = np.clip(edges[:-1], hours.open_hour, hours.close_hour)
    hi = np.clip(edges[1:], hours.open_hour, hours.close_hour)
    weight = np.asarray(profile, dtype=np.float64) * (hi - lo)
    if weight.sum() <= 0:
        weight = hi - lo
    cum = np.cumsum(weight / weight.sum())
    hour = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), 23)
    t = lo[hour] + rng.random(n) * (hi[hour] - lo[hour])
    return np.sort((t - hours.open_hour) * 60.0)


def p95(values: np.ndarray) -> float:
    """95th percentile (linear interpolation, as numpy's default), 0 for no values."""
    return float(np.percentile(values, 95)) if values.size else 0.0


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
        self._booking_cap = {weekend: self.booking_capacity(weekend) for weekend in (False, True)}

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

    def booking_capacity(self, weekend: bool) -> int:
        """Bookings the store accepts today: a share of the first station's capacity."""
        first = next(iter(self.ops.stations.values()))
        units = float(np.mean(self.units(first, weekend)))
        return int(self.ops.bookable_share * units * self.hours.minutes
                   / max(first.service_time_mean_min, 1e-9))

    def run_day(self, day: int, booked: np.ndarray, check_min: np.ndarray,
                check_fails: np.ndarray, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Simulate today's arrivals (arrays per real arrival, in any order).

        Returns per arrival (in the given order): status, wait minutes, whether the
        coupon check failed, whether the booking was honoured.
        """
        n = booked.shape[0]
        weekend = day % 7 >= 5
        ops = self.ops
        honoured = booked.copy()
        cap = self._booking_cap[weekend]
        if honoured.sum() > cap:  # bookings beyond capacity are refused: they come as walk-ins
            over = np.flatnonzero(honoured)[cap:]
            honoured[over] = False
        t = arrival_minutes(rng, ops.arrival_profile, self.hours, n)
        order = rng.permutation(n)  # which arrival comes at which time
        patience = np.where(honoured, ops.booked_patience_mean_min,
                            ops.patience_mean_min) * rng.exponential(1.0, n)
        stations = [
            Station(units_by_part=units,
                    part_starts_min=self.hours.part_starts_min(),
                    service_min=gamma_times(rng, spec.service_time_mean_min,
                                            spec.service_time_cv, n),
                    used=rng.random(n) < spec.use_share,
                    checkout=spec.checkout)
            for spec, units in zip(ops.stations.values(), self._units[weekend], strict=True)
        ]
        res = simulate_store_day(t, honoured[order], patience[order], check_min[order],
                                 check_fails[order], stations, self.hours.minutes,
                                 ops.balk_queue_per_server)
        back = np.empty(n, dtype=np.int64)
        back[order] = np.arange(n)
        status, wait, failed = res.status[back], res.wait_min[back], res.check_failed[back]
        queued = status != BALKED
        waits = wait[queued]
        self.ledger.append((
            self.store_id, day, n, int((status == SERVED).sum()), int((status == BALKED).sum()),
            int((status == RENEGED).sum()),
            float(waits.mean()) if waits.size else 0.0,
            p95(waits),
            res.busy_unit_min / res.open_unit_min if res.open_unit_min > 0 else 0.0,
            int((check_min > 0).sum()), int(failed.sum())))
        return status, wait, failed, honoured
