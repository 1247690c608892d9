"""Store visits: every store's simpy day with the real customers behind today's visitors."""

from __future__ import annotations

import numpy as np

from o2osim import coupons
from o2osim.components.base import Component, Day, StoreOutcome, World
from o2osim.population import ACCOUNT
from o2osim.rng import ConsumerDraws
from o2osim.stores import STORE_COLUMNS, ArrivalDraws, run_stores_day

_CHECKS = STORE_COLUMNS.index("coupon_checks")


class StoreVisits(Component):
    """Today's store visitors queue, are served, balk or renege (:mod:`o2osim.stores`,
    :mod:`o2osim.operations`; the stores are Mesa agents keeping their own ledgers).

    Each simulated visitor stands for ``scale`` real ones (stochastic rounding); the first
    copy is the visitor, the others share the store's capacity. Coupon checks: a scan when
    the POS is joined, a slower manual check (slower still with unbriefed staff) that fails
    with ``pos_manual_fail_prob`` otherwise, for each real customer on its own (seed 000).
    Online booking needs an online account and online content that links to the store's
    reservation book
    (``o2o_traffic_guidance``; seed 000 门店预约 / 到店核销).
    """

    name = "store_visits"
    reads = ("market.operations", "plan.operations", "plan.integration.pos_coupon_integrated",
             "plan.integration.staff_briefed", "market.stores.pos_manual_fail_prob")
    stream = "store_operations"
    tallies = ("coupon_checks", "coupon_checks_failed")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.wait_samples: list[np.ndarray] = []
        """Waits (minutes) of every real arrival that did not balk, one array a day."""

    def step(self, day: Day) -> None:
        day.store_outcome = self.run(day, day.visitors)

    def run(self, day: Day, visitors: np.ndarray) -> StoreOutcome:
        sc, pop, draws = self.world.scenario, self.pop, self.draws(day)
        plan, ops, st = sc.plan, sc.market.operations, sc.market.stores
        integ, scale = plan.integration, self.world.scale
        k = visitors.size
        u = (draws.uniform(visitors, 0), draws.uniform(visitors, 1))  # booking, copies
        checking = ((pop.coupon_expiry_day[visitors] >= day.index)
                    & coupons.redeemable(plan.coupon, "store"))
        if integ.pos_coupon_integrated:
            check_time = ops.pos_scan_time_min
        else:
            check_time = ops.pos_manual_check_time_min * (
                1.0 if integ.staff_briefed else ops.unbriefed_check_time_factor)
        check_min = np.where(checking, check_time, 0.0)
        booked = (((pop.state[visitors] & ACCOUNT) > 0) & integ.o2o_traffic_guidance
                  & (u[0] < plan.operations.booking_share))
        whole = int(scale)
        copies = whole + (u[1] < scale - whole)
        copies = np.maximum(copies, 1)
        owner = np.repeat(np.arange(k), copies)  # real arrival -> visitor
        first = (np.cumsum(copies) - copies).astype(np.int64)
        # Each real customer's manual check fails on its own (a failure is not shared by
        # the copies of one simulated visitor).
        # Each real customer draws on its own key (the visitor and the copy), so its
        # arrival, patience, service and check do not move when others come or stay away.
        keys = visitors[owner].astype(np.int64) * (1 << 24) + (np.arange(owner.size)
                                                               - first[owner])
        fails = (np.zeros(owner.size, dtype=bool) if integ.pos_coupon_integrated
                 else draws.uniform(keys, 2) < st.pos_manual_fail_prob)
        stores = self.world.stores
        status, wait, failed, honoured = run_stores_day(
            stores, day.index, pop.store_id[visitors][owner].astype(np.int64), booked[owner],
            check_min[owner], fails & checking[owner],
            ArrivalDraws(ConsumerDraws(self.world.seed, "store_arrivals", day.index), keys))
        self.wait_samples.append(wait[status != 1].astype(np.float32))
        day.tally.coupon_checks += sum(int(store.ledger[-1][_CHECKS]) for store in stores)
        day.tally.coupon_checks_failed += int(failed.sum())
        # What the customer lives as waiting: the queues, plus a manual coupon check's
        # time beyond a scan (issue 3: delay at verification feeds the experience gap).
        verify_delay = np.maximum(check_min - ops.pos_scan_time_min, 0.0) * (status[first] == 0)
        return StoreOutcome(walked_out=status[first] != 0, wait_min=wait[first] + verify_delay,
                            check_failed=failed[first], booked=honoured[first])
