"""Purchase intent: who sets out to buy today."""

from __future__ import annotations

import numpy as np

from o2osim import coupons
from o2osim.components.base import Component, Day, World
from o2osim.config.schema import BehaviourSpec, PlanConfig
from o2osim.population import AWARE, Population
from o2osim.response import price_response


def purchase_intent(pop: Population, day: int, beh: BehaviourSpec, plan: PlanConfig,
                    u: np.ndarray, dow_weight: float = 1.0) -> np.ndarray:
    """Who sets out to buy today.

    Hazard = segment ceiling x Hill(interest; K, 2) x coupon pull x day-of-week weight,
    for aware consumers past the repurchase gap. Interest is a consumer-level adstock of
    exposures and word of mouth; a held coupon raises intent by the price response to its
    value (Blattberg et al. 1995). Seed 004: new / active / dormant differ in their base
    propensity. ``u`` holds one uniform per consumer; the hazard is computed for the
    candidates (aware and past the gap) only.
    """
    last_ok = day - beh.repurchase_gap_days  # bought on or before this day: past the gap
    lpd = pop.last_purchase_day
    past_gap = lpd <= (np.int16(last_ok) if last_ok < 32767 else np.int32(last_ok))
    cand = np.flatnonzero(past_gap & ((pop.state & AWARE) > 0))
    hmax = np.asarray(beh.purchase_hazard_max_per_day, dtype=np.float32)[pop.segment[cand]]
    x = pop.interest[cand]
    x2 = x * x
    k2 = np.float32(beh.interest_half_saturation ** 2)
    h = hmax * x2 / (x2 + k2)
    holding = pop.coupon_expiry_day[cand] >= day
    if holding.any():
        rel = coupons.relative_discount(plan.coupon)
        pull = price_response(pop.price_sensitivity[cand[holding]], rel, beh.price_elasticity)
        h[holding] *= pull.astype(np.float32)
    return cand[u[cand] / np.float32(dow_weight) < h]


class Intent(Component):
    """Aware consumers set out to buy with the hazard of :func:`purchase_intent`, higher on
    busy days of the week (``day_of_week_weights``)."""

    name = "intent"
    reads = ("market.behaviour.purchase_hazard_max_per_day",
             "market.behaviour.interest_half_saturation",
             "market.behaviour.repurchase_gap_days", "market.operations.day_of_week_weights")
    stream = "intent"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._u = np.empty(world.pop.size, dtype=np.float32)

    def step(self, day: Day) -> None:
        sc = self.world.scenario
        u = self.rng(day).random(self.pop.size, dtype=np.float32, out=self._u)
        day.intenders = purchase_intent(self.pop, day.index, sc.market.behaviour, sc.plan, u,
                                        float(self.world.dow_weights[day.index % 7]))
