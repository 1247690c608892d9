"""The worlds a run is compared with, as scenarios: the same market, seed and structural
integration, with channels or the whole campaign taken away (docs/ground-truth.md), and
what one world produced (:class:`Outcome`).

The **baseline** is the market without the campaign — every channel's budget 0 (no
media), no campaign coupon (quantity cap 0, so no claim of any kind: offers, store QR
codes, review and referral rewards), no campaign promotion (no promotion weeks), no
review / referral reward; the plan's structural integration (memberships, unified ID
share, POS, price parity, staffing, bookings, opening hours) and the market are kept. The
customer base still buys (:mod:`o2osim.components.customer_base`): the baseline's revenue
is what the market would have had anyway, and every run's ROI is measured against it
(``kpis.roi``, docs/kpis.md). Config only: nothing here runs a model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from o2osim.config.schema import ScenarioConfig

OUTCOMES = ("revenue_cny", "orders", "margin_cny")


@dataclass(frozen=True)
class Outcome:
    """What one world produced (real CNY; orders in simulated orders)."""

    revenue_cny: float
    orders: float
    orders_online: float
    orders_offline: float
    coupon_subsidy_cny: float
    spend_cny: float
    margin_cny: float
    """Gross margin on the orders (``market.stores.gross_margin_share`` x revenue) minus
    the coupon value the seller pays (``coupon_subsidy_cny``); media not deducted."""

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, k) for k in OUTCOMES], dtype=np.float64)


def outcome(model: Any) -> Outcome:
    """The outcome of a finished :class:`o2osim.model.CampaignModel`."""
    t, sc = model.totals, model.scenario
    return Outcome(
        revenue_cny=float(t.revenue_cny), orders=float(t.orders_online + t.orders_offline),
        orders_online=float(t.orders_online), orders_offline=float(t.orders_offline),
        coupon_subsidy_cny=float(t.coupon_subsidy_cny),
        spend_cny=float(sum(c.spent_cny for c in model.channels)),
        margin_cny=float(sc.market.stores.gross_margin_share * t.revenue_cny
                         - t.coupon_subsidy_cny))


def funded_channels(sc: ScenarioConfig) -> list[str]:
    """The channels the plan gives money to, in the market's order (the players)."""
    return [name for name in sc.market.channels
            if name in sc.plan.channels and sc.plan.channels[name].budget_cny > 0]


def variant(sc: ScenarioConfig, funded: Iterable[str] | None, offers: bool = True
            ) -> ScenarioConfig:
    """The scenario with only ``funded`` channels keeping their budget (None: all), and
    without the campaign's coupon, promotion and rewards when ``offers`` is False (the
    baseline, module docstring). Same market, seed and structural integration."""
    plan = sc.plan
    keep = set(plan.channels) if funded is None else set(funded)
    channels = {name: ch if name in keep else dataclasses.replace(ch, budget_cny=0.0)
                for name, ch in plan.channels.items()}
    plan = dataclasses.replace(plan, channels=channels)
    if not offers:
        plan = dataclasses.replace(
            plan, coupon=dataclasses.replace(plan.coupon, quantity_cap=0), promo_weeks=[],
            review_reward=False, referral_reward=False)
    return dataclasses.replace(sc, plan=plan)


def baseline(sc: ScenarioConfig) -> ScenarioConfig:
    """The market without the campaign (module docstring)."""
    return variant(sc, (), offers=False)


def is_baseline(sc: ScenarioConfig) -> bool:
    """Is ``sc`` already its own baseline (no media, no coupon, no promotion, no reward)?
    Then its run is the baseline's and nothing more need run."""
    return baseline(sc) == sc
