"""The consumer journey, one day at a time, for every consumer at once.

Each function is one behavioural rule of DESIGN §2 applied to the whole population
(struct of arrays, :mod:`o2osim.population`); its docstring names the rule's source.
The order of a day is fixed by :meth:`o2osim.model.CampaignModel.step`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from o2osim import coupons
from o2osim.config.schema import BehaviourSpec, ExperienceSpec, PlanConfig, StoreSpec
from o2osim.population import (
    ACCOUNT,
    AWARE,
    BUYER,
    EVER_AWARE,
    EXPOSED,
    EXPOSED_ONLINE,
    GUIDED,
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
from o2osim.satisfaction import satisfied

STORE, ONLINE = 0, 1

OVER_PROMISE = "over_promise"
"""The promise-vs-reality cause: the campaign's promise above what the channel delivers."""


class CauseCounts(dict[str, int]):
    """Counts per experience-gap cause that add up key by key (``a + b``), so that a
    :class:`DayTally` field of this type sums over days like the plain counts do."""

    def __add__(self, other: dict[str, int]) -> CauseCounts:  # type: ignore[override]
        out = CauseCounts(self)
        for name, count in other.items():
            out[name] = out.get(name, 0) + count
        return out

    def add(self, name: str, count: int) -> None:
        self[name] = self.get(name, 0) + count


@dataclass
class DayTally:
    """What happened today, in simulated consumers / orders and real CNY."""

    exposed_online: int = 0
    exposed_offline: int = 0
    newly_aware_ads: int = 0
    newly_aware_wom: int = 0
    coupons_offered: int = 0
    coupons_offered_online: int = 0  # by online channels (the rest: offline events, store QR)
    coupons_claimed: int = 0
    coupons_claimed_online: int = 0  # from an online offer
    coupons_claimed_review: int = 0  # a review reward, without an offer
    coupons_redeemed_store: int = 0
    coupons_redeemed_online: int = 0
    coupons_refused: int = 0
    store_visits: int = 0
    walkouts: int = 0
    orders_online: int = 0
    orders_offline: int = 0
    repeat_orders_online: int = 0  # orders of consumers who had ordered before
    repeat_orders_offline: int = 0
    revenue_cny: float = 0.0
    coupon_subsidy_cny: float = 0.0
    experiences: int = 0
    satisfied: int = 0
    consistent_visits: int = 0
    ugc_posts: int = 0
    complaints: int = 0
    coupon_checks: int = 0  # real coupon checks at tills
    coupon_checks_failed: int = 0
    gap_counts: CauseCounts = field(default_factory=CauseCounts)
    """Dissatisfied experiences in which each cause occurred (co-occurrence: one
    experience can have several causes)."""
    satisfied_lost: CauseCounts = field(default_factory=CauseCounts)
    """Experiences that would have left the customer satisfied without this one cause,
    everything else (the same noise draw) unchanged: :func:`satisfied_lost_to_causes`."""


# --------------------------------------------------------------------------- awareness


def word_of_mouth(pop: Population, talkers: np.ndarray, promoters: np.ndarray,
                  detractors: np.ndarray, beh: BehaviourSpec,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Contacts reached by talk, posts (UGC) and complaints; returns (newly aware, reached).

    Each talker / poster reaches all its contacts. A reached, unaware consumer with ``m``
    reaching contacts becomes aware with ``1 - (1 - a)^m``, ``a`` =
    ``wom_aware_prob_per_contact``. With every aware consumer talking with daily chance
    ``t`` over ``k`` contacts the expected hazard is ``q F`` with ``q = t k a`` (for small
    ``a``) — the imitation term of Bass (1969); seed 001 / 003: UGC reaches friends.
    Interest of the reached rises with talk and posts and falls with complaints.
    """
    n = pop.size
    degree = pop.contacts.shape[1]
    groups = [(talkers, beh.wom_interest_per_contact), (promoters, beh.ugc_interest_per_post),
              (detractors, -beh.ugc_interest_per_post)]
    reached_parts = [pop.contacts[g].ravel() for g, _ in groups if g.size]
    if not reached_parts:
        return np.empty(0, dtype=np.int64), np.zeros(n, dtype=bool)
    reached = np.concatenate(reached_parts)
    weights = np.concatenate([np.full(g.size * degree, w, dtype=np.float64)
                              for g, w in groups if g.size])
    contacts_count = np.bincount(reached, minlength=n)
    interest_delta = np.bincount(reached, weights=weights, minlength=n)
    hit = np.flatnonzero(contacts_count)
    np.add(pop.interest, interest_delta.astype(np.float32), out=pop.interest)
    np.maximum(pop.interest, 0, out=pop.interest)
    unaware = hit[(pop.state[hit] & AWARE) == 0]
    p = 1.0 - (1.0 - beh.wom_aware_prob_per_contact) ** contacts_count[unaware]
    newly = unaware[rng.random(unaware.size) < p]
    reached_mask = contacts_count > 0
    return newly, reached_mask


def make_aware(pop: Population, idx: np.ndarray) -> None:
    pop.state[idx] |= AWARE
    pop.history[idx] |= EVER_AWARE


def forget(pop: Population, keep: np.ndarray, prob_per_day: float,
           rng: np.random.Generator) -> None:
    """Aware consumers not reached today forget the campaign with a daily chance
    (awareness decay; the forgetting term of advertising-recall models, Zielske 1959)."""
    if prob_per_day <= 0:
        return
    aware = np.flatnonzero(((pop.state & AWARE) > 0) & ~keep)
    lost = aware[rng.random(aware.size) < prob_per_day]
    pop.state[lost] &= ~AWARE


# --------------------------------------------------------------------------- coupons


def claim_coupons(pop: Population, offered: np.ndarray, day: int, plan: PlanConfig,
                  beh: BehaviourSpec, cap_left: float, rng: np.random.Generator) -> int:
    """Consumers offered the coupon claim it with a chance rising in price sensitivity
    and in the coupon's relative value, within the per-person limit and the market-wide
    quantity cap (in simulated coupons). Returns the number claimed."""
    return int(claim_coupons_at(pop, offered, day, plan, beh, cap_left, rng).size)


def claim_coupons_at(pop: Population, offered: np.ndarray, day: int, plan: PlanConfig,
                     beh: BehaviourSpec, cap_left: float, rng: np.random.Generator
                     ) -> np.ndarray:
    """:func:`claim_coupons`, returning the positions in ``offered`` of the offers that
    were claimed (so a caller can tell which kind of offer they came from)."""
    rule = plan.coupon
    pos = np.flatnonzero((pop.coupons_claimed[offered] < rule.per_person_limit)
                         & (pop.coupon_expiry_day[offered] < day))
    ok = offered[pos]
    rel = coupons.relative_discount(rule)
    p = beh.coupon_claim_prob * (1.0 - 1.0 / price_response(pop.price_sensitivity[ok], rel,
                                                             beh.price_elasticity))
    u = rng.random(ok.size)
    taken = u < p
    claim, claim_pos = ok[taken], pos[taken]
    limit = int(max(cap_left, 0))
    if claim.size > limit:  # first come, first served: keep the earliest (random order)
        keep = np.argsort(u[taken], kind="stable")[:limit]
        claim, claim_pos = claim[keep], claim_pos[keep]
    pop.coupon_expiry_day[claim] = day + rule.validity_days - 1
    pop.coupons_claimed[claim] += 1
    return claim_pos


# --------------------------------------------------------------------------- intent


def purchase_intent(pop: Population, day: int, beh: BehaviourSpec, plan: PlanConfig,
                    u: np.ndarray) -> np.ndarray:
    """Who sets out to buy today.

    Hazard = segment ceiling x Hill(interest; K, 2) x coupon pull, for aware consumers
    past the repurchase gap. Interest is a consumer-level adstock of exposures and word
    of mouth; a held coupon raises intent by the price response to its value (Blattberg
    et al. 1995). Seed 004: new / active / dormant differ in their base propensity.
    """
    hmax = np.asarray(beh.purchase_hazard_max_per_day, dtype=np.float32)[pop.segment]
    x2 = pop.interest * pop.interest
    k2 = np.float32(beh.interest_half_saturation ** 2)
    h = hmax * x2 / (x2 + k2)
    holding = pop.coupon_expiry_day >= day
    rel = coupons.relative_discount(plan.coupon)
    h = np.where(holding, h * price_response(pop.price_sensitivity, rel, beh.price_elasticity), h)
    since = day - pop.last_purchase_day.astype(np.int32)  # int16 would wrap after day 767
    ready = ((pop.state & AWARE) > 0) & (since >= beh.repurchase_gap_days)
    return np.flatnonzero(ready & (u < h))


def choose_channel(pop: Population, idx: np.ndarray, day: int, plan: PlanConfig,
                   beh: BehaviourSpec, online_promo: bool, store_promo: bool,
                   u: np.ndarray) -> np.ndarray:
    """Store (0) or online (1) for each intending consumer.

    Odds of the store = affinity share near the store x exp(-distance / decay), raised for
    consumers an online creative sent to a store (O2O guidance), shifted by where the held
    coupon and the running promotion can be used (price response). A consumer holding a
    personal online offer (mini-program push) buys online with ``crm_online_repurchase_share``.
    """
    ps = pop.price_sensitivity[idx]
    base = np.asarray(beh.store_choice_share, dtype=np.float32)[pop.affinity[idx]]
    p = base * np.exp(-pop.distance_km[idx] / np.float32(beh.distance_decay_km))
    p = np.clip(p, 1e-4, 1 - 1e-4)
    odds = p / (1 - p)
    state = pop.state[idx]
    odds = np.where((state & GUIDED) > 0, odds * np.float32(beh.o2o_guidance_store_uplift), odds)
    rule = plan.coupon
    holding = pop.coupon_expiry_day[idx] >= day
    pull = (float(coupons.redeemable(rule, "store")) - float(coupons.redeemable(rule, "online")))
    rel = coupons.relative_discount(rule)
    odds = np.where(holding, odds * price_response(ps, rel * pull, beh.price_elasticity), odds)
    knows_online_promo = (pop.history[idx] & EXPOSED_ONLINE) > 0
    promo_pull = float(store_promo) - float(online_promo) * knows_online_promo
    odds = odds * price_response(ps, plan.promo_discount_share * promo_pull, beh.price_elasticity)
    p_store = odds / (1 + odds)
    choice = np.where(u < p_store, STORE, ONLINE).astype(np.int8)
    pushed = (state & PUSHED) > 0
    # Reuse the same uniform, rescaled, for the push decision (common random numbers).
    choice = np.where(pushed & (u < beh.crm_online_repurchase_share), ONLINE, choice)
    return choice


# --------------------------------------------------------------------------- shopping


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


@dataclass
class StoreOutcome:
    """What the store's simpy day did to each simulated visitor (:mod:`o2osim.stores`)."""

    walked_out: np.ndarray  # balked or reneged
    wait_min: np.ndarray
    check_failed: np.ndarray  # online coupon check failed at the till
    booked: np.ndarray  # came with an honoured booking


def shop(pop: Population, idx: np.ndarray, channel: int, ctx: ShopContext,
         rng: np.random.Generator, tally: DayTally, store: StoreOutcome | None = None
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One shopping trip (store visit or online session) for consumers ``idx``.

    Returns (buyers, order values in CNY per simulated order, experiencers, satisfied flags).
    The experience-gap causes are those of seed 000 (体验断层 / 体验混乱): online coupon
    not honoured, price not in parity, promotion not running in store, re-registering as
    a member, benefits not recognised, staff not briefed, stock-out, queueing and
    walking out; the promise-vs-reality gap enters through the expectation
    (see :mod:`o2osim.satisfaction`). ``tally`` gets, per cause, the dissatisfied
    experiences it occurred in (``gap_counts``) and those it cost (``satisfied_lost``,
    :func:`satisfied_lost_to_causes`, on this trip's own normal draws).
    """
    plan, beh, exs, st = ctx.plan, ctx.beh, ctx.exp, ctx.stores
    integ = plan.integration
    k = idx.size
    u = rng.random((8, k))
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
    normal_draws = rng.standard_normal(k)  # drawn once: the counterfactuals reuse them
    sat = satisfied(performance, expectation, exs, normal_draws)
    if in_store:
        conv = np.where(sat, conv, conv * beh.dissatisfied_store_buy_share)
    buy = ~walkout & (u[5] < conv)
    experienced = np.ones(k, dtype=bool) if in_store else buy

    # Orders.
    b = idx[buy]
    n_buy = b.size
    basket = (st.basket_mean_cny * np.exp(st.basket_sigma * rng.standard_normal(n_buy)
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

    record_purchase(pop, b, ctx, in_store, rng)
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
                    rng: np.random.Generator) -> None:
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
                    & (rng.random(b.size) < ctx.beh.member_join_prob_in_store)]
        pop.state[joiners] |= MEMBER
        if integ.unified_membership:
            pop.state[joiners] |= ACCOUNT
            pop.state[joiners[rng.random(joiners.size) < integ.unified_id_share]] |= UNIFIED
    else:
        pop.history[b] |= ONLINE_BUYER
        members = (pop.state[b] & MEMBER) > 0
        pop.history[b[members]] |= MEMBER_BOUGHT_ONLINE
        new_accounts = b[(pop.state[b] & ACCOUNT) == 0]
        pop.state[b] |= ACCOUNT
        if integ.unified_membership:  # one membership: the new account joins the CDP
            linked = new_accounts[rng.random(new_accounts.size) < integ.unified_id_share]
            pop.state[linked] |= UNIFIED
