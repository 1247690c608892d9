"""Coupon claims: the offers today's exposures carried, and the store's QR code (seed 001
门店二维码: visitors scan to claim a coupon for a next purchase). Every claim goes through
the :class:`o2osim.coupons.CouponBook` (per-person limit, quantity cap)."""

from __future__ import annotations

import numpy as np

from o2osim import coupons
from o2osim.components.base import Component, Day


class OfferClaims(Component):
    """Consumers offered the coupon by an exposure today claim it (or not)."""

    name = "offer_claims"
    owns = ("coupon_expiry_day", "coupons_claimed")
    reads = ("plan.coupon", "market.behaviour.coupon_claim_prob")
    stream = "coupon"  # the coupon book's
    tallies = ("coupons_offered", "coupons_offered_online", "coupons_claimed",
               "coupons_claimed_online")

    def step(self, day: Day) -> None:
        t, offered = day.tally, day.offered
        t.coupons_offered, t.coupons_offered_online = offered.size, day.offered_online
        at = self.world.coupons.claim_at(self.pop, offered, day.index, coupons.OFFER)
        t.coupons_claimed = at.size
        t.coupons_claimed_online = int(np.count_nonzero(at < day.offered_online))


class StoreQRClaims(Component):
    """Today's store visitors may claim the coupon at the store's QR code, when the rule
    lets it be claimed in store and the campaign has a coupon at all (a quantity cap of
    0 — the baseline without the campaign — puts up no QR code: nothing is offered)."""

    name = "store_qr_claims"
    owns = ("coupon_expiry_day", "coupons_claimed")
    reads = ("plan.coupon.claim_where",)
    stream = "coupon"  # the coupon book's
    tallies = ("coupons_offered", "coupons_claimed")

    def step(self, day: Day) -> None:
        plan = self.world.scenario.plan
        if (day.visitors.size and coupons.claimable(plan.coupon, "store")
                and plan.coupon.quantity_cap > 0):
            day.tally.coupons_offered += day.visitors.size
            day.tally.coupons_claimed += self.world.coupons.claim(
                self.pop, day.visitors, day.index, coupons.STORE_QR)
