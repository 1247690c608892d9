"""KPIs of a run and the scorecard against the targets (definitions: docs/kpis.md)."""

from __future__ import annotations

KPI_NAMES: tuple[str, ...] = (
    "conversion_rate",
    "satisfaction_rate",
    "roi",
    "online_to_store_rate",
    "offline_member_online_repurchase_rate",
    "coupon_claim_rate",
    "coupon_redemption_rate",
    "repurchase_rate",
    "steps_to_redeem",
    "calendar_sync_rate",
    "unified_profile_rate",
    "cross_channel_consistency_rate",
    "population",
    "exposed",
    "aware",
    "purchasers",
    "store_visits",
    "orders_online",
    "orders_offline",
    "revenue_cny",
    "spend_cny",
    "budget_cny",
    "coupon_subsidy_cny",
    "total_cost_cny",
    "coupons_claimed",
    "coupons_redeemed",
    "walkouts",
    "complaints",
)
"""Every KPI written under ``"kpis"`` in ``metrics.json``; targets may name any of them."""
