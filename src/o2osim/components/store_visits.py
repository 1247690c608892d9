"""Store visits: every store's simpy day with the real customers the market sends it today.

Scale (issue 11). ``sim.population`` simulated consumers stand for ``market_size`` real
ones, ``scale`` real per simulated. The queues must see the real market's arrivals — their
mean and their variance — whatever ``scale`` is, and never more people than the market
has. Real arrivals at a store are a sum of many independent, rare visit decisions, so
they are Poisson with the expected real demand ``Lambda = scale x sum(p_i)`` (``p_i``:
today's probability that simulated consumer ``i`` of that store comes, from the intent
hazard and the channel choice; Le Cam's theorem). Given one simulated visitor comes, the
other arrivals are still that Poisson process (Palm / Slivnyak), so:

* ``scale >= 1``: every simulated visitor is one real customer, and
  ``Poisson((scale - 1) x sum(p_i))`` *other* real customers (the market's people the
  simulation does not follow) arrive beside them, in the mix of bookings and coupon checks
  that the expected visitors have. Total: mean ``Lambda``, variance ``Lambda``. The others'
  ``sum(p_i)`` is the market's, shared equally by the stores: consumers are assigned to
  stores uniformly at random with the same traits everywhere, so in the real market every
  store expects the same demand, while a sample of ``n`` consumers gives a store
  ``n / stores +- sqrt(n / stores)`` of them and its own noisy dynamics — a sampling
  accident that, scaled by ``scale``, made small simulations' busiest stores queue more
  (local_services x integrated, 10 000 consumers: walk-outs +0.12 points, before pooling).
* ``scale < 1`` (more simulated consumers than real ones): each simulated visitor is a real
  customer with probability ``scale`` (Poisson thinning: ``Poisson(Lambda)`` again); the
  others live the day of a random real customer of the same store with the same booking
  request and coupon check (the experience of a typical arrival: PASTA). In a cell
  without such a customer one visitor is made real (possible only on a thin day).

Before issue 11 each simulated visitor brought ``scale`` copies of itself to the same store
on the same day: arrivals over-dispersed by ``scale`` (queues, walk-outs and satisfaction
depended on ``sim.population``), and copies floored at 1 above ``market_size`` (store traffic
grew with the population).

Coupon checks: a scan when the POS is joined, a slower manual check (slower still with
unbriefed staff) that fails with ``pos_manual_fail_prob`` otherwise, for each real
customer on its own (seed 000). Online booking needs an online account and online content
that links to the store's reservation book (``o2o_traffic_guidance``; seed 000 门店预约 /
到店核销).
"""

from __future__ import annotations

import numpy as np

from o2osim import coupons
from o2osim.components.base import Component, Day, StoreOutcome, World
from o2osim.components.channel_choice import visit_probability
from o2osim.components.customer_base import acquisition_per_day, occasion_probability
from o2osim.components.intent import eligible, intent_hazard
from o2osim.operations import BALKED, SERVED
from o2osim.population import ACCOUNT, AWARE, EXPOSED_ONLINE, GUIDED, PUSHED
from o2osim.rng import ConsumerDraws
from o2osim.stores import STORE_COLUMNS, ArrivalDraws, run_stores_day

_CHECKS = STORE_COLUMNS.index("coupon_checks")
CLASSES = 4
"""Arrival classes: ``2 x may book + checks a coupon`` (what a customer brings to the till
and the reservation book)."""
OTHERS_KEY = 1 << 40
"""Keys of the real customers the simulation does not follow start here (simulated
visitors are keyed by their index, always below it)."""
_CELL_KEY = 1 << 24  # others of one store, class and day: at most 16.7 M


def _one_per_empty_cell(cell: np.ndarray, real: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each borrowing cell with no real visitor, its visitor with the smallest draw
    ``u`` (made real so the others of the cell can live its day; scale < 1). Before
    this, every visitor of such a cell was made real — on a thin day at scale 0.01,
    60 % of visitors instead of ~1 % (found by the BG/NBD recovery study)."""
    empty = np.flatnonzero(~np.isin(cell, cell[real]))
    if empty.size == 0:
        return empty
    order = empty[np.lexsort((u[empty], cell[empty]))]
    first = np.concatenate(([True], cell[order][1:] != cell[order][:-1]))
    return order[first]


class StoreVisits(Component):
    """Today's real store customers queue, are served, balk or renege
    (:mod:`o2osim.stores`, :mod:`o2osim.operations`; the stores are Mesa agents keeping
    their own ledgers). Who the real customers are: this module's docstring."""

    name = "store_visits"
    reads = ("market.operations", "plan.operations", "plan.integration.pos_coupon_integrated",
             "plan.integration.staff_briefed", "market.stores.pos_manual_fail_prob",
             "market.population.market_size", "sim.population")
    stream = "store_operations"
    tallies = ("coupon_checks", "coupon_checks_failed")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.wait_samples: list[np.ndarray] = []
        """Waits (minutes) of every real arrival that did not balk, one array a day."""
        self._first_week = -1
        self._first_sums = np.zeros(CLASSES)
        self._v: np.ndarray | None = None  # visit probabilities (_visit_probabilities)
        self._v_key = np.zeros(0, dtype=np.uint8)
        self._v_promos = (False, False)

    def step(self, day: Day) -> None:
        day.store_outcome = self.run(day, day.visitors)

    def expected_visitors(self, day: Day) -> np.ndarray:
        """Expected simulated store visitors today in the whole market, per arrival class
        (``CLASSES``): ``sum(p_i)`` of intent hazard x day-of-week weight x probability of
        choosing the store (:func:`~o2osim.components.intent.intent_hazard`,
        :func:`~o2osim.components.channel_choice.visit_probability`), over the consumers
        who could set out to buy — the campaign's intenders and the customer base's
        regular occasions (:mod:`o2osim.components.customer_base`).

        The organic first purchases of consumers who never bought are a small part (an
        acquisition hazard of a few per cent a year: ~2 % of the day's demand) spread
        over half the market, so their visit probabilities are summed once a week (the
        promotion calendar's unit) and reused; everyone else's every day."""
        sc, pop = self.world.scenario, self.pop
        beh, plan = sc.market.behaviour, sc.plan
        dow = float(self.world.dow_weights[day.index % 7])
        acq = acquisition_per_day(sc.market.customer_base)
        # Intent = campaign or regular occasion: 1 - (1 - h_c)(1 - h_r), summed without a
        # union: the regular candidates' h_r, plus the campaign candidates' h_c (1 - h_r).
        reg = np.flatnonzero(pop.extra["alive"])
        idx = np.flatnonzero((pop.state & AWARE) > 0)
        idx = idx[eligible(pop, idx, day.index, beh)]
        p_reg = occasion_probability(pop, reg, dow, acq)
        p_cam = (np.minimum(intent_hazard(pop, idx, day.index, beh, plan) * dow, 1.0)
                 * (1.0 - occasion_probability(pop, idx, dow, acq)))
        v = self._visit_probabilities(day)
        out = self._first_purchases(day, v) * (-np.expm1(-acq * dow))
        for who, p in ((reg, p_reg), (idx, p_cam)):
            out += self._visit_sums(who, p, day, v)
        return out

    def _visit_probabilities(self, day: Day) -> np.ndarray:
        """Every consumer's :func:`~o2osim.components.channel_choice.visit_probability`
        today, kept from day to day and recomputed only for consumers whose inputs
        changed: the state bits it reads (sent to a store, pushed an online offer, knows
        the online promotion, holds a coupon today) — the rest (affinity, distance, price
        sensitivity, plan) is fixed in a run — and for everyone when the promotions
        change. The same float32 operations element by element as on the day's
        subsets, so the same values bit for bit; ~4x less CPU than recomputing ~30-80 k
        consumers a day at 100 000."""
        sc, pop = self.world.scenario, self.pop
        key = ((pop.state & (GUIDED | PUSHED)) | (pop.history & EXPOSED_ONLINE)
               | (pop.coupon_expiry_day >= day.index).view(np.uint8))
        promos = (day.online_promo, day.store_promo)
        if self._v is None or self._v_promos != promos:
            changed = np.arange(pop.size)
        else:
            changed = np.flatnonzero(key != self._v_key)
        if changed.size:
            v = visit_probability(pop, changed, day.index, sc.plan, sc.market.behaviour,
                                  day.online_promo, day.store_promo)
            if self._v is None:
                self._v = np.empty(pop.size, dtype=v.dtype)
            self._v[changed] = v
        self._v_key, self._v_promos = key, promos
        return self._v

    def _visit_sums(self, who: np.ndarray, p: np.ndarray, day: Day,
                    v: np.ndarray) -> np.ndarray:
        """``sum(p_i x visit probability_i)`` of consumers ``who`` per arrival class
        (``v``: every consumer's visit probability today)."""
        return np.bincount(self._classes(who, day), weights=(p * v[who]).astype(np.float64),
                           minlength=CLASSES)

    def _first_purchases(self, day: Day, v: np.ndarray) -> np.ndarray:
        """The visit probabilities of the consumers who never bought and may make an
        organic first purchase, summed per class: once a week (docstring above)."""
        week = day.index // 7
        if self._first_week != week:
            pop = self.pop
            who = np.flatnonzero((pop.extra["occasion_level"] > 0) & ~pop.extra["alive"])
            self._first_sums = self._visit_sums(who, np.ones(who.size), day, v)
            self._first_week = week
        return self._first_sums.copy()

    def _classes(self, idx: np.ndarray, day: Day) -> np.ndarray:
        """Arrival class of consumers ``idx``: may book (an online account, and online
        content that links to the reservation book), checks a store coupon."""
        pop, plan = self.pop, self.world.scenario.plan
        may_book = ((pop.state[idx] & ACCOUNT) > 0) & plan.integration.o2o_traffic_guidance
        checking = ((pop.coupon_expiry_day[idx] >= day.index)
                    & coupons.redeemable(plan.coupon, "store"))
        return 2 * may_book.astype(np.int64) + checking

    def run(self, day: Day, visitors: np.ndarray) -> StoreOutcome:
        sc, pop, draws = self.world.scenario, self.pop, self.draws(day)
        plan, ops, st = sc.plan, sc.market.operations, sc.market.stores
        integ, scale = plan.integration, self.world.scale
        k = visitors.size
        u = (draws.uniform(visitors, 0), draws.uniform(visitors, 1))  # booking, real?
        cls = self._classes(visitors, day)
        store = pop.store_id[visitors].astype(np.int64)
        asks = (cls >= 2) & (u[0] < plan.operations.booking_share)
        cell = store * 2 * CLASSES + 2 * cls + asks  # borrowing cells: store, class, asks
        if scale >= 1.0:
            real = np.ones(k, dtype=bool)
        else:
            real = u[1] < scale
            real[_one_per_empty_cell(cell, real, u[1])] = True
        others = (self._others(day, draws) if scale > 1.0
                  else (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)))
        o_cell, o_keys = others
        o_store, o_cls = o_cell // CLASSES, o_cell % CLASSES
        o_asks = (o_cls >= 2) & (draws.uniform(o_keys, 0) < plan.operations.booking_share)
        who = np.flatnonzero(real)
        a_store = np.concatenate((store[who], o_store))
        a_asks = np.concatenate((asks[who], o_asks))
        a_checking = np.concatenate((cls[who] % 2, o_cls % 2)).astype(bool)
        keys = np.concatenate((visitors[who].astype(np.int64), o_keys))
        if integ.pos_coupon_integrated:
            check_time = ops.pos_scan_time_min
        else:
            check_time = ops.pos_manual_check_time_min * (
                1.0 if integ.staff_briefed else ops.unbriefed_check_time_factor)
        a_check_min = np.where(a_checking, check_time, 0.0)
        # Each real customer's manual check fails on its own, on its own key, so its
        # arrival, patience, service and check do not move when others come or stay away.
        fails = (np.zeros(keys.size, dtype=bool) if integ.pos_coupon_integrated
                 else draws.uniform(keys, 2) < st.pos_manual_fail_prob)
        stores = self.world.stores
        status, wait, failed, honoured = run_stores_day(
            stores, day.index, a_store, a_asks, a_check_min, fails & a_checking,
            ArrivalDraws(ConsumerDraws(self.world.seed, "store_arrivals", day.index), keys))
        self.wait_samples.append(wait[status != BALKED].astype(np.float32))
        day.tally.coupon_checks += sum(int(store.ledger[-1][_CHECKS]) for store in stores)
        day.tally.coupon_checks_failed += int(failed.sum())
        row = self._rows(real, cell, draws, visitors)
        v_status, v_wait, v_honoured = status[row], wait[row], honoured[row]
        own_fail = np.zeros(k, dtype=bool) if integ.pos_coupon_integrated else (
            draws.uniform(visitors, 2) < st.pos_manual_fail_prob)
        v_failed = np.where(real, failed[row], own_fail & (cls % 2 > 0) & (v_status == SERVED))
        # What the customer lives as waiting: the queues, plus a manual coupon check's
        # time beyond a scan (issue 3: delay at verification feeds the experience gap).
        check_min = np.where(cls % 2 > 0, check_time, 0.0)
        verify_delay = np.maximum(check_min - ops.pos_scan_time_min, 0.0) * (v_status == SERVED)
        return StoreOutcome(walked_out=v_status != SERVED, wait_min=v_wait + verify_delay,
                            check_failed=v_failed, booked=v_honoured)

    def _others(self, day: Day, draws: ConsumerDraws) -> tuple[np.ndarray, np.ndarray]:
        """The real customers beside the simulated visitors (``scale > 1``): per store and
        class, ``Poisson((scale - 1) x the market's expected simulated visitors / stores)``
        (the module docstring says why the market's); their cells
        (``store x CLASSES + class``) and keys."""
        stores = len(self.world.stores)
        lam = np.tile((self.world.scale - 1.0) * self.expected_visitors(day) / stores, stores)
        n = self.rng(day).poisson(lam)
        cell = np.repeat(np.arange(lam.size, dtype=np.int64), n)
        first = np.cumsum(n) - n
        keys = OTHERS_KEY + cell * _CELL_KEY + (np.arange(cell.size) - first[cell])
        return cell, keys

    @staticmethod
    def _rows(real: np.ndarray, cell: np.ndarray, draws: ConsumerDraws,
              visitors: np.ndarray) -> np.ndarray:
        """Row of the arrival whose day each simulated visitor lives: its own for a real
        one, otherwise a random real visitor of its cell (``scale < 1``; the real visitors
        are rows ``0 .. real.sum() - 1`` in visitor order)."""
        row = np.full(real.size, -1, dtype=np.int64)
        who = np.flatnonzero(real)
        row[who] = np.arange(who.size)
        lent = np.flatnonzero(~real)
        if lent.size:
            order = np.argsort(cell[who], kind="stable")
            sorted_cells = cell[who][order]
            lo = np.searchsorted(sorted_cells, cell[lent], side="left")
            hi = np.searchsorted(sorted_cells, cell[lent], side="right")
            pick = lo + (draws.uniform(visitors[lent], 3) * (hi - lo)).astype(np.int64)
            row[lent] = order[np.minimum(pick, hi - 1)]
        return row
