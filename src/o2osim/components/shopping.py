"""Shopping: a store visit or an online session — the experience, the order, what the
visit cost in satisfaction, and the lifecycle after a purchase.

The experience-gap causes are those of seed 000 (体验断层 / 体验混乱); satisfaction
follows expectation-disconfirmation (Oliver 1980) with shortfalls weighing more
(Anderson & Sullivan 1993; :mod:`o2osim.satisfaction`). :data:`CAUSES` describes every
cause this component counts, for the reports (written into ``metrics.json``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from o2osim import coupons
from o2osim.components.base import (
    ONLINE,
    STORE,
    Component,
    Day,
    StoreOutcome,
    Trip,
    World,
    sorted_member,
)
from o2osim.config.schema import BehaviourSpec, ExperienceSpec, PlanConfig, StoreSpec
from o2osim.levers import Cause, Lever, on
from o2osim.population import (
    ACCOUNT,
    BUYER,
    EXPOSED,
    EXPOSED_ONLINE,
    MEMBER,
    MEMBER_BOUGHT_ONLINE,
    ONLINE_BUYER,
    PUSHED,
    STORE_BUYER,
    UNIFIED,
    VISITED,
    VISITED_AFTER_ONLINE,
    Population,
)
from o2osim.response import price_response
from o2osim.rng import ConsumerDraws
from o2osim.satisfaction import satisfied
from o2osim.tally import DayTally

OVER_PROMISE = "over_promise"
"""The promise-vs-reality cause: the campaign's promise above what the channel delivers."""

_STAFFING = (
    Lever("operations.staff_multiplier", "add staff at every station (shorter queues)"),
    Lever("operations.weekend_staff_multiplier", "add staff on Saturdays and Sundays"),
    Lever("operations.booking_share", "take more visits by online booking (no queue for them)"),
)
_ONE_MEMBERSHIP = "integration.unified_membership"

CAUSES: tuple[Cause, ...] = (
    Cause("walked_out", "walk-outs from the queue", "walked out of the queue", "store",
          _STAFFING),
    Cause("long_wait", "waits longer than customers accept", "waited too long", "store",
          _STAFFING),
    Cause("coupon_refused", "coupons not accepted (not usable there, or the till check "
          "failed)", "coupon not accepted", "both",
          (on("integration.pos_coupon_integrated", "let the till scan online coupons"),
           Lever("coupon.redeem_where", "set it to both: online coupons usable in store",
                 "==", "both"))),
    Cause(OVER_PROMISE, "over-promise: the campaign promised more than the visit delivered",
          "over-promise", "both", (Lever("promise_level", "promise what the stores deliver"),)),
    Cause("price_mismatch", "store prices above online prices", "store price above online",
          "store", (on("integration.price_parity", "keep online and store prices equal"),)),
    Cause("promo_missing", "online promotion not running in the store",
          "promotion missing in store", "store",
          (Lever("integration.calendar_lag_weeks", "set it to 0: run the store promotion with "
                 "the online one", "==", 0),)),
    Cause("staff_unbriefed", "store staff not briefed on the campaign", "staff not briefed",
          "store", (on("integration.staff_briefed", "brief store staff on the campaign rules"),)),
    Cause("reregistration", "re-registering as a store member", "re-registering as member",
          "store", (on(_ONE_MEMBERSHIP, "one membership: no re-registration in store"),)),
    Cause("benefit_not_recognised", "member benefits not recognised",
          "member benefits not recognised", "both",
          (on(_ONE_MEMBERSHIP, "one membership across channels"),
           Lever("integration.unified_id_share", "raise it: more members recognised in both "
                 "channels", ">=", 0.9))),
    Cause("stockout", "stock-outs", "out of stock", "store",
          no_lever="no plan lever: stock is the market's (`market.stores.stockout_prob`)"),
)
"""Every experience-gap cause :func:`shop` counts, in words, with the levers that remove
it (seed 000 体验断层 / 体验混乱; docs/model.md, "What the integration levers do"). The
record carries them into ``metrics.json`` (``satisfaction_drivers.causes``), where the
report's "what to change" reads them."""


@dataclass
class ShopContext:
    """Everything a shopping trip needs to know about today and the scenario."""

    day: int
    online_promo: bool
    store_promo: bool
    plan: PlanConfig
    beh: BehaviourSpec
    exp: ExperienceSpec
    stores: StoreSpec
    scale: float  # real consumers per simulated consumer
    steps_store: int
    wait_tolerance_min: float
    booked_wait_tolerance_min: float


def shop(pop: Population, idx: np.ndarray, channel: int, ctx: ShopContext,
         rng: ConsumerDraws, tally: DayTally, store: StoreOutcome | None = None,
         orders: OrderRows | None = None, regular: np.ndarray | None = None
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One shopping trip (store visit or online session) for consumers ``idx``.

    Returns (buyers, order values in CNY per simulated order, experiencers, satisfied flags).
    The experience-gap causes are those of seed 000 (体验断层 / 体验混乱): online coupon
    not honoured, price not in parity, promotion not running in store, re-registering as
    a member, benefits not recognised, staff not briefed, stock-out, queueing and
    walking out; the promise-vs-reality gap enters through the expectation
    (see :mod:`o2osim.satisfaction`). ``tally`` gets, per cause, the dissatisfied
    experiences it occurred in (``gap_counts``) and those it cost (``satisfied_lost``,
    :func:`satisfied_lost_to_causes`, on this trip's own normal draws). ``orders``, when
    given, gets one row per order (it draws nothing and changes no state). ``regular``
    (bool per consumer, None: none) marks the customer base's regular purchase occasions
    (:mod:`o2osim.components.customer_base`): the customer came to buy and does, unless
    they walk out or meet a stock-out without buying a substitute — the occasion is the
    BG/NBD transaction; what the visit was like acts on whether they stay a customer.
    """
    plan, beh, exs, st = ctx.plan, ctx.beh, ctx.exp, ctx.stores
    integ = plan.integration
    k = idx.size
    u = {row: rng.uniform(idx, 10 * channel + row) for row in (2, 3, 4, 5)}
    state = pop.state[idx]
    hist = pop.history[idx]
    ps = pop.price_sensitivity[idx]
    in_store = channel == STORE
    where = "store" if in_store else "online"

    # Expectation: the campaign's promise for those who saw its content.
    expectation = np.where((hist & EXPOSED) > 0, plan.promise_level, exs.baseline_expectation)
    reality = st.reality_level if in_store else st.online_reality_level
    penalty = np.zeros(k)
    gaps: dict[str, np.ndarray] = {}  # cause -> where it happened
    cause_penalty: dict[str, np.ndarray] = {}  # cause -> its share of the penalty

    if store is not None:
        # Queueing beyond what the customer accepts (less with a booking: "no queue").
        walkout = store.walked_out
        tolerance = np.where(store.booked, ctx.booked_wait_tolerance_min, ctx.wait_tolerance_min)
        excess_h = np.maximum(store.wait_min - tolerance, 0.0) / 60.0
        gaps["long_wait"] = excess_h > 0
        gaps["walked_out"] = walkout
        cause_penalty["long_wait"] = exs.penalty_wait_per_hour * excess_h
        cause_penalty["walked_out"] = exs.penalty_walkout * walkout
        penalty += cause_penalty["long_wait"]
        verified = ~store.check_failed
    else:
        walkout = np.zeros(k, dtype=bool)
        verified = np.ones(k, dtype=bool)

    # Coupon: held, usable here, verified, and the steps got through.
    holding = pop.coupon_expiry_day[idx] >= ctx.day
    usable = coupons.redeemable(plan.coupon, where)
    refused = holding & ~walkout & ~(usable & verified)
    steps = ctx.steps_store if in_store else plan.coupon.base_steps
    completes = u[2] < coupons.completes_steps(steps, beh.step_dropoff_prob)
    used = holding & ~walkout & ~refused & completes
    gaps["coupon_refused"] = refused
    cause_penalty["coupon_refused"] = exs.penalty_coupon_refused * refused
    penalty += cause_penalty["coupon_refused"]

    # Member benefits: recognised where the membership is known.
    mine, other = (MEMBER, ACCOUNT) if in_store else (ACCOUNT, MEMBER)
    linked = ((state & UNIFIED) > 0) & integ.unified_membership
    recognised = ((state & mine) > 0) | (((state & other) > 0) & linked)
    not_recognised = ((state & other) > 0) & ~recognised
    gaps["benefit_not_recognised"] = not_recognised
    cause_penalty["benefit_not_recognised"] = exs.penalty_benefit_not_recognised * not_recognised
    penalty += cause_penalty["benefit_not_recognised"]
    if in_store and not integ.unified_membership:
        rereg = ((state & ACCOUNT) > 0) & ((state & MEMBER) == 0)
        gaps["reregistration"] = rereg
        cause_penalty["reregistration"] = exs.penalty_reregistration * rereg
        penalty += cause_penalty["reregistration"]

    # Promotion and price as the online content showed them.
    saw_online = (hist & EXPOSED_ONLINE) > 0
    promo_here = ctx.store_promo if in_store else ctx.online_promo
    if in_store:
        promo_missing = saw_online & ctx.online_promo & (not ctx.store_promo)
        mismatch = saw_online & (not integ.price_parity)
        campaign_visit = ((hist & EXPOSED) > 0) | holding
        unbriefed = campaign_visit & (not integ.staff_briefed) & (u[3] < exs.unbriefed_error_prob)
        stockout = u[4] < st.stockout_prob
    else:
        promo_missing = mismatch = unbriefed = stockout = np.zeros(k, dtype=bool)
    for name, flag, pen in (("promo_missing", promo_missing, exs.penalty_promo_missing),
                            ("price_mismatch", mismatch, exs.penalty_price_mismatch),
                            ("staff_unbriefed", unbriefed, exs.penalty_staff_unbriefed),
                            ("stockout", stockout, exs.penalty_stockout)):
        gaps[name] = flag
        cause_penalty[name] = pen * flag
        penalty += cause_penalty[name]

    # Member discount: with the coupon only if the rule lets them stack.
    member_benefit = recognised & (plan.coupon.stacks_with_member_benefit | ~used)

    # Conversion: base x price response to what this trip really offered.
    rel = coupons.relative_discount(plan.coupon)
    relative = (plan.promo_discount_share * promo_here
                + rel * used - rel * (holding & ~used)
                - st.store_price_premium_share * mismatch
                + st.member_discount_share * member_benefit)
    base = beh.store_conversion_prob if in_store else beh.online_conversion_prob
    conv = base * price_response(ps, relative, beh.price_elasticity)
    conv = np.where(stockout, conv * beh.stockout_substitute_share, conv)
    conv = np.minimum(conv, 0.95)

    # Experience: in a store it forms during the visit, before the till, and a
    # disappointing visit loses the sale; online it is the order's delivery.
    performance = reality - penalty - exs.penalty_walkout * walkout
    normal_draws = rng.normal(idx, channel)  # drawn once: the counterfactuals reuse them
    sat = satisfied(performance, expectation, exs, normal_draws)
    if in_store:
        conv = np.where(sat, conv, conv * beh.dissatisfied_store_buy_share)
    if regular is not None:
        conv = np.where(regular, np.where(stockout, beh.stockout_substitute_share, 1.0), conv)
    buy = ~walkout & (u[5] < conv)
    experienced = np.ones(k, dtype=bool) if in_store else buy

    # Orders.
    b = idx[buy]
    n_buy = b.size
    basket = (st.basket_mean_cny * np.exp(st.basket_sigma * rng.normal(b, 2 + channel)
                                          - 0.5 * st.basket_sigma**2)).astype(np.float32)
    used_b = used[buy]
    discount = np.zeros(n_buy, dtype=np.float32)
    if used_b.any():
        topped, disc = coupons.apply_coupon(plan.coupon, basket[used_b])
        basket[used_b] = topped
        discount[used_b] = disc
    basket *= np.where(member_benefit[buy], 1 - st.member_discount_share, 1).astype(np.float32)

    # Bookkeeping on the population.
    pop.coupon_expiry_day[idx[used]] = -1
    if in_store:
        pop.history[idx] |= VISITED
        pop.history[idx[saw_online]] |= VISITED_AFTER_ONLINE
        tally.store_visits += k
        tally.walkouts += int(walkout.sum())
        tally.coupons_redeemed_store += int(used.sum())
        tally.orders_offline += n_buy
        consistent = ~(refused | promo_missing | mismatch | unbriefed | not_recognised)
        tally.consistent_visits += int(consistent.sum())
    else:
        tally.coupons_redeemed_online += int(used.sum())
        tally.orders_online += n_buy
    tally.coupons_refused += int(refused.sum())
    tally.revenue_cny += float(basket.sum(dtype=np.float64)) * ctx.scale
    tally.coupon_subsidy_cny += float(discount.sum(dtype=np.float64)) * ctx.scale
    repeat = int(np.count_nonzero(pop.orders[b]))  # before this order is recorded
    if in_store:
        tally.repeat_orders_offline += repeat
    else:
        tally.repeat_orders_online += repeat
    unsat = experienced & ~sat
    gaps[OVER_PROMISE] = expectation > reality
    for name, flag in gaps.items():
        tally.gap_counts.add(name, int((flag & unsat).sum()))
    lost = satisfied_lost_to_causes(performance, expectation, reality, cause_penalty, sat,
                                    exs, normal_draws)
    for name, would_be in lost.items():
        tally.satisfied_lost.add(name, int((would_be & experienced).sum()))

    first = pop.orders[b] == 0  # before this order is recorded
    record_purchase(pop, b, ctx, in_store, rng)
    if orders is not None:
        orders.add(pop, ctx.day, b, in_store, basket, used_b, first, sat[buy])
    return b, basket, idx[experienced], sat[experienced]


def satisfied_lost_to_causes(performance: np.ndarray, expectation: np.ndarray,
                             reality: float, cause_penalty: dict[str, np.ndarray],
                             sat: np.ndarray, exs: ExperienceSpec,
                             normal_draws: np.ndarray) -> dict[str, np.ndarray]:
    """For each experience-gap cause, which experiences it cost: dissatisfied as they
    happened, satisfied with only that cause taken away.

    A counterfactual with common random numbers: the same expectation-disconfirmation
    rule (Oliver 1980; shortfalls weigh more, Anderson & Sullivan 1993;
    :func:`o2osim.satisfaction.satisfied`) and the same normal draw of each customer,
    with the cause's penalty added back to the perceived performance — or, for the
    over-promise (:data:`OVER_PROMISE`; seed 000: online content promising more than the
    store delivers), with the expectation lowered to the channel's reality,
    ``min(expectation, reality)``. An experience can count for several causes (each one
    alone would have tipped it), and a dissatisfied experience may count for none
    (no single cause would have). Draws nothing: the run's results are unchanged.
    """
    unsat = ~sat
    lost = {name: unsat & (pen > 0)
            & satisfied(performance + pen, expectation, exs, normal_draws)
            for name, pen in cause_penalty.items()}
    over = expectation > reality
    lost[OVER_PROMISE] = unsat & over & satisfied(
        performance, np.minimum(expectation, reality), exs, normal_draws)
    return lost


def record_purchase(pop: Population, b: np.ndarray, ctx: ShopContext, in_store: bool,
                    rng: ConsumerDraws) -> None:
    """Lifecycle and membership after a purchase (seed 004 lifecycle; seed 001 门店二维码
    入会: store buyers join at the till; one membership when the plan unifies it)."""
    integ = ctx.plan.integration
    pop.state[b] |= BUYER
    pop.state[b] &= ~PUSHED
    pop.segment[b] = 1
    pop.last_purchase_day[b] = ctx.day
    pop.orders[b] = np.minimum(pop.orders[b].astype(np.int16) + 1, 255).astype(np.uint8)
    if in_store:
        pop.history[b] |= STORE_BUYER
        joiners = b[((pop.state[b] & MEMBER) == 0)
                    & (rng.uniform(b, 6) < ctx.beh.member_join_prob_in_store)]
        pop.state[joiners] |= MEMBER
        if integ.unified_membership:
            pop.state[joiners] |= ACCOUNT
            pop.state[joiners[rng.uniform(joiners, 7) < integ.unified_id_share]] |= UNIFIED
    else:
        pop.history[b] |= ONLINE_BUYER
        members = (pop.state[b] & MEMBER) > 0
        pop.history[b[members]] |= MEMBER_BOUGHT_ONLINE
        new_accounts = b[(pop.state[b] & ACCOUNT) == 0]
        pop.state[b] |= ACCOUNT
        if integ.unified_membership:  # one membership: the new account joins the CDP
            linked = new_accounts[rng.uniform(new_accounts, 8) < integ.unified_id_share]
            pop.state[linked] |= UNIFIED


def measured_channel(pop: Population, buyers: np.ndarray, in_store: bool
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The last channel of each buyer and whether measurement can see the order there:
    online orders always, store orders only with a unified ID (seed 000 效果难衡)."""
    ch = pop.last_channel[buyers]
    seen = ch >= 0
    if in_store:
        seen &= (pop.state[buyers] & UNIFIED) > 0
    return ch, seen


class OrderRows:
    """The run's order log: each trip's columns as arrays, joined once at the end
    (:meth:`columns`; :class:`o2osim.record.OrderLog`), so logging costs a few array
    copies per trip and no Python per order."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, ...]] = []

    def add(self, pop: Population, day: int, buyers: np.ndarray, in_store: bool,
            basket: np.ndarray, coupon_used: np.ndarray, first: np.ndarray,
            satisfied: np.ndarray) -> None:
        """One trip's orders (after the purchase is recorded: a buyer who joined the
        unified ID at the till is seen, as :meth:`Shopping.attribute_revenue` sees him)."""
        n = buyers.size
        if n == 0:
            return
        ch, seen = measured_channel(pop, buyers, in_store)
        store_id = pop.store_id[buyers] if in_store else np.full(n, -1, dtype=np.int16)
        self._parts.append((buyers.astype(np.int32), np.full(n, day, dtype=np.int16),
                            np.full(n, not in_store), store_id, basket, coupon_used,
                            first, ch, seen, satisfied))

    def columns(self) -> dict[str, np.ndarray]:
        """The log as columns (:class:`o2osim.record.OrderLog`'s fields)."""
        names = ("consumer_id", "day", "online", "store_id", "basket_cny", "coupon_used",
                 "first_order", "last_channel", "attributed", "satisfied")
        dtypes = (np.int32, np.int16, bool, np.int16, np.float32, bool, bool, np.int8, bool,
                  bool)
        if not self._parts:
            return {n: np.empty(0, dtype=d) for n, d in zip(names, dtypes, strict=True)}
        return {n: np.concatenate([p[i] for p in self._parts]).astype(d, copy=False)
                for i, (n, d) in enumerate(zip(names, dtypes, strict=True))}


class Shopping(Component):
    """Today's store visitors (after their simpy day) and online shoppers shop.

    Revenue is credited to the last channel where measurement can see the order: online
    orders always, store orders only with a unified ID (seed 000 效果难衡).
    """

    name = "shopping"
    causes = CAUSES
    owns = ("coupon_expiry_day", "state: BUYER, ACCOUNT, MEMBER, UNIFIED, PUSHED",
            "history: VISITED, VISITED_AFTER_ONLINE, STORE_BUYER, ONLINE_BUYER, "
            "MEMBER_BOUGHT_ONLINE", "segment", "last_purchase_day", "orders")
    reads = ("market.experience", "market.stores", "market.behaviour", "plan.coupon",
             "plan.integration", "plan.promise_level", "plan.promo_discount_share")
    stream = "shop"
    tallies = ("store_visits", "walkouts", "coupons_redeemed_store", "coupons_redeemed_online",
               "coupons_refused", "orders_online", "orders_offline", "repeat_orders_online",
               "repeat_orders_offline", "revenue_cny", "coupon_subsidy_cny", "experiences",
               "satisfied", "consistent_visits", "gap_counts", "satisfied_lost")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.steps_store = coupons.steps_to_redeem_in_store(world.scenario.plan)
        self.orders = OrderRows()  # the order log (o2osim.records: orders.parquet)

    def context(self, day: Day) -> ShopContext:
        market, plan = self.world.scenario.market, self.world.scenario.plan
        ops = market.operations
        return ShopContext(day=day.index, online_promo=day.online_promo,
                           store_promo=day.store_promo, plan=plan, beh=market.behaviour,
                           exp=market.experience, stores=market.stores, scale=self.world.scale,
                           steps_store=self.steps_store,
                           wait_tolerance_min=ops.wait_tolerance_min,
                           booked_wait_tolerance_min=ops.booked_wait_tolerance_min)

    def step(self, day: Day) -> None:
        ctx, t, rng = self.context(day), day.tally, self.draws(day)
        for who, channel in ((day.visitors, STORE), (day.online, ONLINE)):
            if who.size == 0:
                continue
            buyers, values, exp_idx, sat = shop(self.pop, who, channel, ctx, rng, t,
                                                day.store_outcome if channel == STORE else None,
                                                self.orders, sorted_member(who, day.regulars))
            self.attribute_revenue(buyers, values, channel)
            t.experiences += exp_idx.size
            t.satisfied += int(sat.sum())
            day.trips.append(Trip(channel=channel, buyers=buyers, experienced=exp_idx,
                                  satisfied=sat))

    def attribute_revenue(self, buyers: np.ndarray, values: np.ndarray, channel: int) -> None:
        """Credit revenue to the last channel where measurement can see the order."""
        ch, seen = measured_channel(self.pop, buyers, channel == STORE)
        if not seen.any():
            return
        channels = self.world.channels
        credit = np.bincount(ch[seen], weights=values[seen], minlength=len(channels))
        for c, v in zip(channels, credit, strict=True):
            c.attributed_revenue_cny += float(v) * self.world.scale
