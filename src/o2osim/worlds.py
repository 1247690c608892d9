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

from o2osim.config.schema import ChannelPlan, PlanConfig, ScenarioConfig

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
    """The market without the campaign (module docstring), in a canonical form: the
    plan's settings that cannot matter once there is no media, no coupon and no
    promotion are put back to the schema's defaults, so that plans differing only in
    them share one baseline (:func:`baseline_key`). Each is idle without the campaign:
    the flighting of a zero budget; the coupon rule when its cap is 0 (nobody holds a
    coupon); the promotion's depth and the calendar lag with no promotion week; the
    promise and price parity, which act only on consumers the content reached; staff
    briefing and the POS, which act only on campaign visits and coupon checks; the
    reserve and its reallocation with nothing to spend; the fixed integration cost
    (not revenue). Kept: memberships and the unified ID share, O2O guidance (bookings),
    operations, the calendar. ``tests/test_worlds.py`` checks the canonical baseline
    gives exactly the plain one's outcome for every preset."""
    plain = variant(sc, (), offers=False)
    default = PlanConfig(name="baseline")
    plan, integ = plain.plan, plain.plan.integration
    plan = dataclasses.replace(
        plan, name="baseline", description="",
        channels={n: ChannelPlan(0.0) for n in plan.channels},
        coupon=dataclasses.replace(default.coupon, quantity_cap=0),
        promo_discount_share=default.promo_discount_share,
        contingency_reserve_share=default.contingency_reserve_share,
        integration_cost_cny=default.integration_cost_cny,
        promise_level=default.promise_level,
        integration=dataclasses.replace(
            integ, price_parity=default.integration.price_parity,
            staff_briefed=default.integration.staff_briefed,
            pos_coupon_integrated=default.integration.pos_coupon_integrated,
            calendar_lag_weeks=default.integration.calendar_lag_weeks,
            budget_reallocation=default.integration.budget_reallocation))
    return dataclasses.replace(plain, plan=plan)


def baseline_key(sc: ScenarioConfig) -> str:
    """What decides a baseline's outcome, as text: the market, the canonical plan and the
    run's seed, population and days (not the targets or how results are written)."""
    base = baseline(sc)
    return repr((base.market, base.plan, sc.sim.seed, sc.sim.population, sc.sim.days))


def is_baseline(sc: ScenarioConfig) -> bool:
    """Is ``sc`` already its own baseline (no media, no coupon, no promotion, no reward)?
    Then its run is the baseline's and nothing more need run."""
    return variant(sc, (), offers=False) == sc
