"""Purchase intent: who sets out to buy today."""

from __future__ import annotations

import numpy as np

from o2osim import coupons
from o2osim.components.base import Component, Day
from o2osim.config.schema import BehaviourSpec, PlanConfig
from o2osim.population import AWARE, Population
from o2osim.response import price_response


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


class Intent(Component):
    """Aware consumers set out to buy with the hazard of :func:`purchase_intent`, higher on
    busy days of the week (``day_of_week_weights``)."""

    name = "intent"
    reads = ("market.behaviour.purchase_hazard_max_per_day",
             "market.behaviour.interest_half_saturation",
             "market.behaviour.repurchase_gap_days", "market.operations.day_of_week_weights")
    stream = "intent"

    def step(self, day: Day) -> None:
        sc, n = self.world.scenario, self.pop.size
        ui = self.rng.random((2, n), dtype=np.float32)
        day.intenders = purchase_intent(self.pop, day.index, sc.market.behaviour, sc.plan,
                                        ui[0] / self.world.dow_weights[day.index % 7])
        day.choice_u = ui[1][day.intenders]
