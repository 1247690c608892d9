"""Coupon rules (DESIGN §2 "Coupons"; seed 000: claim online -> scan in store <= 3 steps).

Pure functions of the plan's :class:`~o2osim.config.schema.CouponRule`; the daily claim and
redemption draws happen in :mod:`o2osim.journey`.
"""

from __future__ import annotations

import numpy as np

from o2osim.config.schema import CouponRule, PlanConfig


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
