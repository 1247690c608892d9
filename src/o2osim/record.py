"""The typed record of a run: what the engine produced, for everything downstream.

Metrics, reports, replications, search and compare read a :class:`RunRecord` (or the
files written from it); none of them imports the model. The model makes the record at
the end of a run (:meth:`o2osim.model.CampaignModel.record`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from o2osim.config.schema import ScenarioConfig
from o2osim.levers import Cause
from o2osim.tally import DayTally

if TYPE_CHECKING:
    import pandas as pd

DAILY_COLUMNS = (
    "day", "week", "phase", "online_promo", "store_promo", "spend_cny", "exposed_online",
    "exposed_offline", "aware", "ever_aware", "newly_aware_ads", "newly_aware_wom",
    "coupons_offered", "coupons_claimed", "coupons_redeemed", "coupons_refused", "store_visits",
    "walkouts", "orders_online", "orders_offline", "revenue_cny", "coupon_subsidy_cny",
    "experiences", "satisfied", "ugc_posts", "complaints", "coupon_checks",
    "coupon_checks_failed",
)
"""Columns of ``daily.csv``, in order (definitions: docs/kpis.md)."""


@dataclass(frozen=True)
class ChannelLedger:
    """One channel over the run (real CNY)."""

    name: str
    kind: str  # online / offline
    budget_cny: float  # as planned
    spend_cny: float
    attributed_revenue_cny: float  # what last-touch measurement credits it with


@dataclass(frozen=True)
class ConsumerCounts:
    """The population at the end of the run, counted (simulated consumers)."""

    population: int
    ever_aware: int
    exposed: int
    exposed_online: int
    aware_wom_only: int  # aware without a paid exposure
    purchasers: int
    repurchasers: int  # two orders or more
    store_visitors: int
    store_visitors_after_online: int
    purchasers_online: int
    purchasers_offline: int
    members: int
    members_bought_online: int
    known: int  # with an online account or a store membership
    unified: int


@dataclass
class RunRecord:
    """Everything a run produced (counts in simulated consumers, money in real CNY)."""

    scenario: ScenarioConfig
    scale: float  # real consumers per simulated consumer
    steps_to_redeem: int  # steps to use an online coupon in a store
    totals: DayTally
    daily: pd.DataFrame  # DAILY_COLUMNS, one row per day
    stores: pd.DataFrame  # one row per store and day (o2osim.stores.STORE_COLUMNS)
    waits_min: np.ndarray  # wait of every real store arrival that did not balk
    channels: list[ChannelLedger]
    consumers: ConsumerCounts
    causes: tuple[Cause, ...] = ()
    """The experience-gap causes the components count (``satisfaction_drivers`` keys)."""
