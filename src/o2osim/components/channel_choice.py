"""Channel choice: store or online, for each consumer who sets out to buy."""

from __future__ import annotations

import weakref

import numpy as np

from o2osim import coupons
from o2osim.components.base import ONLINE, STORE, Component, Day
from o2osim.config.schema import BehaviourSpec, PlanConfig
from o2osim.population import EXPOSED_ONLINE, GUIDED, PUSHED, Population
from o2osim.response import price_response


def choose_channel(pop: Population, idx: np.ndarray, day: int, plan: PlanConfig,
                   beh: BehaviourSpec, online_promo: bool, store_promo: bool,
                   u: np.ndarray) -> np.ndarray:
    """Store (0) or online (1) for each intending consumer: the store with the
    probability of :func:`store_share`; a consumer holding a personal online offer
    (mini-program push) buys online with ``crm_online_repurchase_share``."""
    p_store = store_share(pop, idx, day, plan, beh, online_promo, store_promo)
    choice = np.where(u < p_store, STORE, ONLINE).astype(np.int8)
    pushed = (pop.state[idx] & PUSHED) > 0
    # Reuse the same uniform, rescaled, for the push decision (common random numbers).
    choice = np.where(pushed & (u < beh.crm_online_repurchase_share), ONLINE, choice)
    return choice


_BASE_ODDS: list[tuple[weakref.ref, weakref.ref, tuple, np.ndarray]] = []


def base_odds(pop: Population, beh: BehaviourSpec) -> np.ndarray:
    """Every consumer's odds of the store from affinity and distance alone (float32), the
    part of :func:`store_share` that never changes in a run: computed once per population
    and kept for the last few (~30 % of ``store_share``'s CPU, called every day for every
    alive regular customer by the stores' expected visitors). The same float32 operations
    element by element as on a subset, so the same values bit for bit."""
    params = (tuple(beh.store_choice_share), float(beh.distance_decay_km))
    for affinity, distance, key, odds in _BASE_ODDS:
        if affinity() is pop.affinity and distance() is pop.distance_km and key == params:
            return odds
    base = np.asarray(beh.store_choice_share, dtype=np.float32)[pop.affinity]
    p = base * np.exp(-pop.distance_km / np.float32(beh.distance_decay_km))
    p = np.clip(p, 1e-4, 1 - 1e-4)
    odds = p / (1 - p)
    _BASE_ODDS.insert(0, (weakref.ref(pop.affinity), weakref.ref(pop.distance_km), params,
                          odds))
    del _BASE_ODDS[4:]
    return odds


def store_share(pop: Population, idx: np.ndarray, day: int, plan: PlanConfig,
                beh: BehaviourSpec, online_promo: bool, store_promo: bool) -> np.ndarray:
    """Probability that each of the intending consumers ``idx`` goes to the store, before
    the push rule of :func:`choose_channel`.

    Odds of the store = affinity share near the store x exp(-distance / decay), raised for
    consumers an online creative sent to a store (O2O guidance), shifted by where the held
    coupon and the running promotion can be used (price response).
    """
    ps = pop.price_sensitivity[idx]
    odds = base_odds(pop, beh)[idx]
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
    return odds / (1 + odds)


def visit_probability(pop: Population, idx: np.ndarray, day: int, plan: PlanConfig,
                      beh: BehaviourSpec, online_promo: bool, store_promo: bool) -> np.ndarray:
    """Probability that an intending consumer of ``idx`` ends up at the store once the push
    rule is applied: ``u < p_store`` and not (pushed and ``u < crm share``), i.e.
    ``max(p_store - crm share, 0)`` for a pushed consumer (:func:`choose_channel`)."""
    p_store = store_share(pop, idx, day, plan, beh, online_promo, store_promo)
    pushed = (pop.state[idx] & PUSHED) > 0
    return np.where(pushed, np.maximum(p_store - beh.crm_online_repurchase_share, 0.0), p_store)


class ChannelChoice(Component):
    """Today's intenders split into store visitors and online shoppers."""

    name = "channel_choice"
    stream = "channel_choice"
    reads = ("market.behaviour.store_choice_share", "market.behaviour.distance_decay_km",
             "market.behaviour.o2o_guidance_store_uplift", "plan.coupon.redeem_where",
             "plan.promo_discount_share", "market.behaviour.crm_online_repurchase_share")

    def step(self, day: Day) -> None:
        sc = self.world.scenario
        choice = choose_channel(self.pop, day.intenders, day.index, sc.plan,
                                sc.market.behaviour, day.online_promo, day.store_promo,
                                self.draws(day).uniform(day.intenders))
        day.visitors = day.intenders[choice == STORE]
        day.online = day.intenders[choice == ONLINE]
