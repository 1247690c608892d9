"""Purchase intent: who sets out to buy today."""

from __future__ import annotations

import numpy as np

from o2osim import coupons
from o2osim.components.base import Component, Day
from o2osim.config.schema import BehaviourSpec, PlanConfig
from o2osim.population import AWARE, Population
from o2osim.response import price_response
from o2osim.rng import ConsumerDraws


def purchase_intent(pop: Population, day: int, beh: BehaviourSpec, plan: PlanConfig,
                    rng: np.random.Generator, draws: ConsumerDraws, dow_weight: float = 1.0,
                    dow_max: float = 1.0) -> np.ndarray:
    """Who sets out to buy today.

    Hazard = segment ceiling x Hill(interest; K, 2) x coupon pull x day-of-week weight,
    for aware consumers past the repurchase gap. Interest is a consumer-level adstock of
    exposures and word of mouth; a held coupon raises intent by the price response to its
    value (Blattberg et al. 1995). Seed 004: new / active / dormant differ in their base
    propensity.

    Drawn as one uniform ``u_i`` per consumer, ``u_i < hazard_i``, but only materialised
    where it can matter: one random byte per consumer picks ``u_i``'s 1/256 slice
    (:func:`o2osim.rng.below`); without a coupon the hazard is at most the market's
    ``max(purchase_hazard_max_per_day) x max(day-of-week weight)``, so only consumers
    below that bound, and coupon holders, are looked at. The slices and the candidates
    below the bound depend on the market only (common random numbers across plans); a
    coupon holder above it — who holds a coupon depends on the plan — gets the rest of its
    uniform keyed by consumer (:class:`o2osim.rng.ConsumerDraws`), the same in every plan.
    """
    n = pop.size
    bound = float(np.max(beh.purchase_hazard_max_per_day)) * dow_max
    levels = min(int(np.ceil(bound * 256.0)), 256)
    r = np.frombuffer(rng.bytes(n), dtype=np.uint8)
    low = np.flatnonzero(r < levels)
    v_low = rng.random(low.size)
    holding = np.flatnonzero(pop.coupon_expiry_day >= day)
    high = holding[r[holding] >= levels]
    v_high = draws.uniform(high)
    cand = np.concatenate((low, high))
    u = (r[cand] + np.concatenate((v_low, v_high))) * (1.0 / 256.0)
    ok = eligible(pop, cand, day, beh)
    cand, u = cand[ok], u[ok]
    return np.sort(cand[u < intent_hazard(pop, cand, day, beh, plan) * dow_weight])


def eligible(pop: Population, idx: np.ndarray, day: int, beh: BehaviourSpec) -> np.ndarray:
    """Which of consumers ``idx`` can set out to buy today: aware and past the repurchase
    gap."""
    ok = (pop.state[idx] & AWARE) > 0
    ok &= pop.last_purchase_day[idx] <= day - beh.repurchase_gap_days
    return ok


def intent_hazard(pop: Population, idx: np.ndarray, day: int, beh: BehaviourSpec,
                  plan: PlanConfig) -> np.ndarray:
    """Today's purchase-intent hazard of the eligible consumers ``idx`` before the
    day-of-week weight (float32): segment ceiling x Hill(interest; K, 2) x coupon pull
    (:func:`purchase_intent`)."""
    hmax = np.asarray(beh.purchase_hazard_max_per_day, dtype=np.float32)[pop.segment[idx]]
    x = pop.interest[idx]
    x2 = x * x
    k2 = np.float32(beh.interest_half_saturation ** 2)
    h = hmax * x2 / (x2 + k2)
    held = pop.coupon_expiry_day[idx] >= day
    if held.any():
        rel = coupons.relative_discount(plan.coupon)
        pull = price_response(pop.price_sensitivity[idx[held]], rel, beh.price_elasticity)
        h[held] *= pull.astype(np.float32)
    return h


class Intent(Component):
    """Aware consumers set out to buy with the hazard of :func:`purchase_intent`, higher on
    busy days of the week (``day_of_week_weights``)."""

    name = "intent"
    reads = ("market.behaviour.purchase_hazard_max_per_day",
             "market.behaviour.interest_half_saturation",
             "market.behaviour.repurchase_gap_days", "market.operations.day_of_week_weights",
             "plan.coupon")
    stream = "intent"

    def step(self, day: Day) -> None:
        sc, dow = self.world.scenario, self.world.dow_weights
        day.intenders = purchase_intent(self.pop, day.index, sc.market.behaviour, sc.plan,
                                        self.rng(day), self.draws(day),
                                        float(dow[day.index % 7]),
                                        float(dow.max()))
