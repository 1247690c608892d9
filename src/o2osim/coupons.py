"""Coupon rules (seed 000: claim online -> scan in store <= 3 steps; 满x减y or a share off).

Pure functions of the plan's :class:`~o2osim.config.schema.CouponRule`, and the
:class:`CouponBook`: the market-wide quantity cap and the claims against it, the one place
every claim goes through (offers of exposures, the store's QR code, review and referral
rewards). Redemption happens on a shopping trip (:mod:`o2osim.components.shopping`).
"""

from __future__ import annotations

import numpy as np

from o2osim.config.schema import BehaviourSpec, CouponRule, PlanConfig
from o2osim.population import Population
from o2osim.response import price_response
from o2osim.rng import ConsumerDraws


def steps_to_redeem_in_store(plan: PlanConfig) -> int:
    """Steps a customer takes to use an online coupon in a store.

    The rule's own steps (claim online -> scan = 2), plus one to re-register as a member
    when memberships are separate, plus one for a manual check at the till when the POS
    cannot scan online coupons (seed 000 体验混乱: 线下需重新注册会员; 优惠券线下不可用).
    """
    return (plan.coupon.base_steps
            + (0 if plan.integration.unified_membership else 1)
            + (0 if plan.integration.pos_coupon_integrated else 1))


def redeemable(rule: CouponRule, channel: str) -> bool:
    """Can the coupon be used in ``channel`` ("online" or "store")?"""
    return rule.redeem_where in (channel, "both")


def claimable(rule: CouponRule, channel: str) -> bool:
    """Can the coupon be claimed in ``channel`` ("online" or "store")?"""
    return rule.claim_where in (channel, "both")


def relative_discount(rule: CouponRule) -> float:
    """Discount as a share of what is paid: y / x for 满x减y, the percentage otherwise."""
    if rule.kind == "percent":
        return float(rule.percent_off)
    return float(rule.value_cny) / float(rule.threshold_cny)


def apply_coupon(rule: CouponRule, basket_cny: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Basket and discount of redeeming orders.

    满x减y: a basket below the threshold is topped up to it (customers add items to
    qualify — the purpose of a threshold coupon), then ``value_cny`` comes off.
    Percentage: ``percent_off`` of the basket comes off.
    """
    if rule.kind == "percent":
        return basket_cny, basket_cny * np.float32(rule.percent_off)
    topped = np.maximum(basket_cny, np.float32(rule.threshold_cny))
    return topped, np.full_like(basket_cny, np.float32(rule.value_cny))


def completes_steps(steps: int, dropoff_prob: float) -> float:
    """Chance of getting through ``steps`` steps after claiming (each step loses some)."""
    return float((1.0 - dropoff_prob) ** max(steps - 1, 0))


OFFER, STORE_QR, REVIEW, REFERRAL = range(4)
"""Kinds of claim (:meth:`CouponBook.claim_at`): an exposure's offer, the store's QR code,
a review reward, a referral reward."""


class CouponBook:
    """The plan's coupon in circulation: what is left of the quantity cap (in simulated
    coupons) and the claims against it, drawn from one random stream (``coupon``).

    A consumer offered the coupon claims it with a chance rising in price sensitivity and
    in the coupon's relative value (``coupon_claim_prob x (1 - 1 / price response)``;
    Blattberg et al. 1995), within the per-person limit and the cap, first come first
    served. The stream restarts each day (:meth:`begin_day`; :mod:`o2osim.rng`).
    """

    def __init__(self, plan: PlanConfig, beh: BehaviourSpec, scale: float, seed: int) -> None:
        self.rule = plan.coupon
        self.beh = beh
        self.cap_left = plan.coupon.quantity_cap / scale
        self.seed = seed
        self.draws = ConsumerDraws(seed, "coupon", 0)

    def begin_day(self, day: int) -> None:
        """Today's claims draw from the coupon stream of ``day``."""
        self.draws = ConsumerDraws(self.seed, "coupon", day)

    def claim_at(self, pop: Population, offered: np.ndarray, day: int,
                 kind: int = 0) -> np.ndarray:
        """Claims among ``offered`` (valid from ``day``); returns the positions in
        ``offered`` of the offers that were claimed. ``kind`` (:data:`OFFER` ...) keys the
        draws: a consumer's chance of claiming one kind of offer today does not depend on
        who else was offered it (:class:`o2osim.rng.ConsumerDraws`)."""
        rule, beh = self.rule, self.beh
        pos = np.flatnonzero((pop.coupons_claimed[offered] < rule.per_person_limit)
                             & (pop.coupon_expiry_day[offered] < day))
        ok = offered[pos]
        rel = relative_discount(rule)
        p = beh.coupon_claim_prob * (
            1.0 - 1.0 / price_response(pop.price_sensitivity[ok], rel, beh.price_elasticity))
        u = self.draws.uniform(ok, kind)
        taken = u < p
        claim, claim_pos = ok[taken], pos[taken]
        limit = int(max(self.cap_left, 0))
        if claim.size > limit:  # first come, first served: keep the earliest (random order)
            keep = np.argsort(u[taken], kind="stable")[:limit]
            claim, claim_pos = claim[keep], claim_pos[keep]
        pop.coupon_expiry_day[claim] = day + rule.validity_days - 1
        pop.coupons_claimed[claim] += 1
        self.cap_left -= claim_pos.size
        return claim_pos

    def claim(self, pop: Population, offered: np.ndarray, day: int, kind: int = 0) -> int:
        """:meth:`claim_at`, returning the number claimed."""
        return int(self.claim_at(pop, offered, day, kind).size)
