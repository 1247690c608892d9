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
    "coupon_checks_failed", "regular_occasions", "customers_gained", "customers_lost",
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
    prospects_aware: int = 0  # not customers at the start, ever aware of the campaign
    prospects_converted: int = 0  # of those, ordered after becoming aware
    customers_at_end: int = 0  # alive customers of the customer base at the end


@dataclass(frozen=True)
class OrderLog:
    """Every order of the run, one element per order in the order they happened (the
    engine's log: :class:`o2osim.components.shopping.OrderRows`). Each simulated order
    stands for ``scale`` real orders; ``basket_cny`` is what one of them paid."""

    consumer_id: np.ndarray  # int32: row of the consumer in the population
    day: np.ndarray  # int16: 0-based day of the run
    online: np.ndarray  # bool: ordered online (else in a store)
    store_id: np.ndarray  # int16: the store of a store order, -1 online
    basket_cny: np.ndarray  # float32: CNY paid (after coupon and member discount)
    coupon_used: np.ndarray  # bool: a coupon was redeemed in this order
    first_order: np.ndarray  # bool: the consumer's first order of the run
    last_channel: np.ndarray  # int8: channel of the last exposure before it, -1 none
    attributed: np.ndarray  # bool: measurement credits ``last_channel`` with it
    satisfied: np.ndarray  # bool: the experience of this trip satisfied the customer

    @property
    def size(self) -> int:
        return int(self.day.shape[0])


@dataclass(frozen=True)
class ConsumersAtEnd:
    """The population's arrays at the end of the run that the consumer table reads (the
    arrays themselves, not copies)."""

    segment: np.ndarray  # int8: 0 new, 1 active, 2 dormant
    affinity: np.ndarray  # int8: 0 online-heavy, 1 offline-heavy, 2 omni
    store_id: np.ndarray  # int16: nearest store
    distance_km: np.ndarray  # float32
    state: np.ndarray  # uint8 State flags (membership bits)
    exposures: np.ndarray  # (consumers, channels): paid exposures, ChannelLedger order
    band_edges_km: tuple[float, ...]  # distance bands (channels.CellLayout)
    customer_at_start: np.ndarray | None = None  # bool: an alive customer at day 0
    alive: np.ndarray | None = None  # bool: an alive customer at the end (customer base)


@dataclass(frozen=True)
class ChannelDays:
    """Each channel's day: arrays of shape (days, channels), channels in
    :attr:`RunRecord.channels` order."""

    spend_cny: np.ndarray  # real CNY spent that day
    impressions: np.ndarray  # real impressions bought (spend / CPM x 1000)
    reach: np.ndarray  # simulated consumers exposed by the channel that day
    incremental_revenue_cny: np.ndarray | None = None
    """What the channel caused that day (ground truth, real CNY), when the run knows it."""


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
    orders: OrderLog | None = None  # every order (o2osim.records: orders.parquet)
    at_end: ConsumersAtEnd | None = None  # for the consumer table (consumers.parquet)
    channel_days: ChannelDays | None = None  # for channels_daily.parquet
    baseline_revenue_cny: float | None = None
    """Revenue of the same market without the campaign, on the same random numbers
    (:mod:`o2osim.worlds`); None when the baseline was not run."""
