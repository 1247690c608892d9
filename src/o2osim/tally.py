"""What a day produced, counted: the tally every component writes to.

A :class:`DayTally` is made each morning; the components add to it (each writes the fields
it names in its ``tallies``); at night it is added into the run's totals field by field.
Counts are in simulated consumers / orders / coupons, money in real CNY.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


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
    coupons_claimed_referral: int = 0  # a referral reward, without an offer
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
    referrals: int = 0  # contacts referred by a satisfied customer, each one once
    coupon_checks: int = 0  # real coupon checks at tills
    coupon_checks_failed: int = 0
    regular_occasions: int = 0  # purchase occasions of the customer base (no campaign needed)
    customers_gained: int = 0  # buyers who became alive customers (first or brought back)
    customers_lost: int = 0  # alive customers who dropped out for good
    gap_counts: CauseCounts = field(default_factory=CauseCounts)
    """Dissatisfied experiences in which each cause occurred (co-occurrence: one
    experience can have several causes)."""
    satisfied_lost: CauseCounts = field(default_factory=CauseCounts)
    """Experiences that would have left the customer satisfied without this one cause,
    everything else (the same noise draw) unchanged
    (:func:`o2osim.components.shopping.satisfied_lost_to_causes`)."""

    def add(self, other: DayTally) -> None:
        """Add ``other`` into this tally, field by field (per-cause counts key by key)."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
