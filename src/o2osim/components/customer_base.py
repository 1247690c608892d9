"""The customer base that lives without the campaign (docs/model.md, "The customer base").

The generative story of Pareto/NBD (Schmittlein, Morrison & Colombo 1987) in its BG/NBD
form (Fader, Hardie & Lee 2005), in days:

* each consumer has a lasting purchase rate ``lambda_i ~ Gamma(r, alpha)`` and a dropout
  chance ``p_i ~ Beta(a, b)`` (``market.customer_base``), drawn once;
* while *alive*, a customer has a purchase occasion on a day with probability
  ``1 - exp(-lambda_i x w_d)`` (``w_d`` the market's day-of-week weight, mean 1) — a
  regular purchase, made online or in a store like any other, whether or not the
  campaign exists;
* after each repeat purchase the customer drops out for good with probability ``p_i``
  (BG/NBD; a first purchase starts a relationship and has no dropout); a dissatisfied
  experience multiplies that chance (``dissatisfied_dropout_multiplier``; Bolton 1998,
  satisfaction lengthens relationships), and a dissatisfied store visit without an order
  carries the extra part of it;
* the market's active customers (``population.segment_shares``) are alive at day 0;
  consumers who never bought make an organic first purchase at
  ``acquisition_per_year``; dormant ones have lapsed and buy again only if the campaign
  brings them back.

The campaign acts on top: a purchase it causes (:mod:`o2osim.components.intent`) turns a
new or lapsed consumer into an alive customer with their own ``lambda_i`` and ``p_i``, so
its effect lasts after the media stop; coupons held are used on regular purchases too
(a subsidy that causes nothing); and satisfaction changes who stays.

Two phases: :class:`RegularDemand` (the day's regular purchase occasions, joined to the
campaign's intenders before the channel choice) and :class:`Retention` (after shopping:
who became a customer, who dropped out).
"""

from __future__ import annotations

import numpy as np

from o2osim.components.base import Component, Day, World, sorted_member
from o2osim.components.lifecycle import ACTIVE, NEW
from o2osim.config.schema import CustomerBaseSpec
from o2osim.population import EVER_AWARE, Population
from o2osim.rng import stream

DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.0


def levels(rate_per_day: np.ndarray, dow_max: float) -> np.ndarray:
    """Upper bounds of daily occasion probabilities ``1 - exp(-rate x dow_max)``, in
    1/256 slices (at least 1, so that a positive rate is never cut off; at most 255, so a
    rate above ~5 a day has an occasion on 255 days in 256)."""
    bound = -np.expm1(-np.asarray(rate_per_day, dtype=np.float64) * dow_max)
    return np.clip(np.ceil(bound * 256.0), 1, 255).astype(np.uint8)


def refresh_levels(pop: Population, idx: np.ndarray, dow_max: float) -> None:
    """Recompute the occasion bounds of consumers ``idx`` after their state changed:
    alive customers by their own rate, lapsed ones none."""
    alive = pop.extra["alive"][idx]
    pop.extra["occasion_level"][idx] = np.where(
        alive, levels(pop.extra["base_rate_per_day"][idx], dow_max), 0)


def acquisition_per_day(spec: CustomerBaseSpec) -> float:
    """The daily hazard of an organic first purchase, from ``acquisition_per_year``."""
    return float(-np.log1p(-min(spec.acquisition_per_year, 1 - 1e-9)) / DAYS_PER_YEAR)


def occasion_probability(pop: Population, idx: np.ndarray, dow_weight: float,
                         acquisition: float) -> np.ndarray:
    """Today's probability of a regular occasion for consumers ``idx``: an alive customer
    by their own rate, a consumer who never bought (occasion bound set, not alive) by the
    organic acquisition hazard, anyone else 0 (what :class:`RegularDemand` draws)."""
    alive = pop.extra["alive"][idx]
    rate = np.where(alive, pop.extra["base_rate_per_day"][idx], acquisition)
    rate = np.where(pop.extra["occasion_level"][idx] > 0, rate, 0.0)
    return -np.expm1(-rate * dow_weight)


class RegularDemand(Component):
    """Today's regular purchase occasions of the alive customers, and the organic first
    purchases of consumers who never bought (module docstring). They join the campaign's
    intenders (``Day.intenders``) and are listed in ``Day.regulars``: a regular occasion
    ends in an order unless the visit fails (walk-out, stock-out;
    :func:`o2osim.components.shopping.shop`).

    Drawn as one uniform ``u_i`` per consumer and day, materialised only below each
    consumer's own bound (a random byte per consumer picks ``u_i``'s 1/256 slice; the rest
    keyed by consumer, :class:`o2osim.rng.ConsumerDraws`): the same numbers in every plan
    (common random numbers for the ground truth's counterfactual worlds)."""

    name = "regular_demand"
    owns = ("base_rate_per_day", "dropout_prob", "alive", "customer_at_start",
            "bought_aware", "occasion_level")
    reads = ("market.customer_base", "market.operations.day_of_week_weights")
    stream = "regular_demand"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        spec = world.scenario.market.customer_base
        pop, n = self.pop, self.pop.size
        rng = stream(world.seed, "customer_base")
        rate = rng.gamma(spec.rate_shape_r, 1.0 / spec.rate_scale_alpha_weeks, n)
        pop.add_property("base_rate_per_day", np.float32)[:] = rate / DAYS_PER_WEEK
        pop.add_property("dropout_prob", np.float32)[:] = rng.beta(spec.dropout_a,
                                                                   spec.dropout_b, n)
        alive = pop.add_property("alive", bool)
        alive[:] = pop.segment == ACTIVE
        pop.add_property("customer_at_start", bool)[:] = alive
        pop.add_property("bought_aware", bool)
        self.dow_max = float(np.max(world.dow_weights))
        self.acquisition_per_day = acquisition_per_day(spec)
        # Each consumer's bound on today's occasion probability, in 1/256 slices: alive
        # customers by their rate, consumers who never bought by the acquisition hazard.
        self.level = pop.add_property("occasion_level", np.uint8)
        self.level[pop.segment == NEW] = levels(np.full(
            int(np.count_nonzero(pop.segment == NEW)), self.acquisition_per_day), self.dow_max)
        refresh_levels(pop, np.flatnonzero(alive), self.dow_max)

    def step(self, day: Day) -> None:
        pop, rng = self.pop, self.rng(day)
        weight = float(self.world.dow_weights[day.index % 7])
        r = np.frombuffer(rng.bytes(pop.size), dtype=np.uint8)
        cand = np.flatnonzero(r < self.level)
        u = (r[cand] + self.draws(day).uniform(cand)) * (1.0 / 256.0)
        occasions = cand[u < occasion_probability(pop, cand, weight, self.acquisition_per_day)]
        day.regulars = occasions
        if occasions.size:
            day.intenders = np.union1d(day.intenders, occasions)
        day.tally.regular_occasions += int(occasions.size)


class Retention(Component):
    """After the day's shopping: buyers who were not customers become alive customers
    (a first purchase, or a lapsed customer brought back); alive customers who bought
    again drop out with their chance ``p_i``, multiplied after a dissatisfied experience;
    an alive customer dissatisfied by a store visit without an order drops out with the
    extra part, ``p_i x (multiplier - 1)`` (module docstring). Buyers who were ever aware of
    the campaign are marked (``bought_aware``: the conversion KPI)."""

    name = "retention"
    owns = ("alive", "bought_aware", "occasion_level")
    reads = ("market.customer_base.dissatisfied_dropout_multiplier",)
    stream = "retention"
    tallies = ("customers_gained", "customers_lost")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.multiplier = world.scenario.market.customer_base.dissatisfied_dropout_multiplier
        self.dow_max = float(np.max(world.dow_weights))

    def step(self, day: Day) -> None:
        pop, draws = self.pop, self.draws(day)
        alive, p = pop.extra["alive"], pop.extra["dropout_prob"]
        changed: list[np.ndarray] = []
        for trip in day.trips:
            buyers = trip.buyers
            sat_exp = trip.satisfied
            pos = np.searchsorted(trip.experienced, buyers)
            sat_b = sat_exp[pos] if buyers.size else np.zeros(0, dtype=bool)
            pop.extra["bought_aware"][buyers[(pop.history[buyers] & EVER_AWARE) > 0]] = True
            was_alive = alive[buyers]
            repeat, sat_r = buyers[was_alive], sat_b[was_alive]
            chance = p[repeat] * np.where(sat_r, 1.0, self.multiplier)
            dropped = repeat[draws.uniform(repeat, trip.channel) < chance]
            gained = buyers[~was_alive]
            # Dissatisfied visitors who did not buy (store trips only: online, only buyers
            # form an experience).
            bought = sorted_member(trip.experienced, buyers)
            upset = trip.experienced[~sat_exp & ~bought]
            upset = upset[alive[upset]]
            extra = p[upset] * (self.multiplier - 1.0)
            dropped = np.concatenate((dropped, upset[draws.uniform(upset, 2 + trip.channel)
                                                     < extra]))
            alive[gained] = True
            alive[dropped] = False
            day.tally.customers_gained += int(gained.size)
            day.tally.customers_lost += int(dropped.size)
            changed += [gained, dropped]
        if changed:
            refresh_levels(pop, np.concatenate(changed), self.dow_max)
