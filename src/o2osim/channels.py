"""Media channels as Mesa agents: spend -> impressions -> adstock -> Hill reach.

A channel's daily reach probability for a targeted consumer is

    p_c(t) = max_daily_reach * Hill(A_c(t) / targeted_c(t); K, s)
    A_c(t) = impressions_c(t) + carryover * A_c(t-1)      (geometric adstock)

with impressions = spend / CPM * 1000 (marketing-mix forms of Jin et al. 2017, Robyn,
Meridian, PyMC-Marketing). Targeting (segment, affinity, LBS radius, who the channel can
reach at all, audience) enters as a weight per *targeting cell* (see
:func:`targeting_weights`), so a day costs O(cells), not O(consumers), per channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import mesa
import numpy as np

from o2osim.calendar import Calendar
from o2osim.config.schema import ChannelPlan, ChannelSpec
from o2osim.population import ACCOUNT, KNOWN_BITS, MEMBER, UNIFIED
from o2osim.response import geometric_adstock_step, hill_saturation

REQUIRES_BIT = {"none": 0, "online_account": int(ACCOUNT), "store_member": int(MEMBER),
                "unified_id": int(UNIFIED)}


@dataclass(frozen=True)
class CellLayout:
    """Targeting cell = (segment, affinity, distance band, known bits, aware, buyer).

    ``band_edges_km`` are the distinct LBS radii of the market's channels; band ``b``
    holds consumers with ``edges[b-1] < distance <= edges[b]``.
    """

    band_edges_km: tuple[float, ...]

    @classmethod
    def for_channels(cls, channels: Mapping[str, ChannelSpec]) -> CellLayout:
        """The layout whose distance bands are the channels' distinct LBS radii."""
        radii = sorted({float(c.lbs_radius_km) for c in channels.values()
                        if c.lbs_radius_km is not None})
        return cls(tuple(radii))

    @property
    def bands(self) -> int:
        return len(self.band_edges_km) + 1

    @property
    def size(self) -> int:
        return 3 * 3 * self.bands * (1 << KNOWN_BITS) * 2 * 2

    def band_of(self, distance_km: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.asarray(self.band_edges_km, dtype=np.float32),
                               distance_km, side="left").astype(np.int16)

    def static_part(self, segment: np.ndarray, affinity: np.ndarray,
                    band: np.ndarray) -> np.ndarray:
        """Cell index without the daily bits (segment changes are applied by the caller)."""
        return ((segment.astype(np.int16) * 3 + affinity) * self.bands + band).astype(np.int16)

    def decode(self) -> dict[str, np.ndarray]:
        """Field values of every cell index (for building weight tables)."""
        idx = np.arange(self.size)
        buyer = idx % 2
        aware = (idx // 2) % 2
        known = (idx // 4) % (1 << KNOWN_BITS)
        rest = idx // (4 << KNOWN_BITS)
        band = rest % self.bands
        affinity = (rest // self.bands) % 3
        segment = rest // (self.bands * 3)
        return {"segment": segment, "affinity": affinity, "band": band, "known": known,
                "aware": aware, "buyer": buyer}


def targeting_weights(spec: ChannelSpec, layout: CellLayout) -> np.ndarray:
    """Relative exposure weight of each cell for one channel (0 = unreachable)."""
    f = layout.decode()
    w = (np.asarray(spec.segment_weights)[f["segment"]]
         * np.asarray(spec.affinity_weights)[f["affinity"]])
    if spec.lbs_radius_km is not None:
        within = layout.band_edges_km.index(float(spec.lbs_radius_km))
        w = w * (f["band"] <= within)
    bit = REQUIRES_BIT[spec.requires]
    if bit:
        w = w * ((f["known"] & bit) > 0)
    customer = ((f["known"] & int(MEMBER)) > 0) | (f["buyer"] > 0)
    if spec.audience == "aware_nonbuyers":
        w = w * ((f["aware"] > 0) & (f["buyer"] == 0))
    elif spec.audience == "customers":
        w = w * customer
    return w.astype(np.float64)


def weekly_shares(flighting: list[float]) -> np.ndarray:
    """Each campaign week's share of a channel's planned spend."""
    w = np.asarray(flighting, dtype=np.float64)
    total = w.sum()
    return w / total if total > 0 else np.zeros(w.size)


class ChannelAgent(mesa.Agent):
    """One channel of the plan: its spend schedule, adstock and reach today."""

    def __init__(self, model: mesa.Model, index: int, name: str, spec: ChannelSpec,
                 plan: ChannelPlan, reserve_share: float, layout: CellLayout,
                 calendar: Calendar) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.spec = spec
        self.budget_cny = float(plan.budget_cny)
        self.reserve_cny = self.budget_cny * reserve_share
        self.weekly_cny = ((self.budget_cny - self.reserve_cny)
                           * weekly_shares(calendar.flighting(plan)))
        self.extra_daily_cny = 0.0  # reserve released to this channel (optimisation phase)
        self.weights = targeting_weights(spec, layout)
        self.adstock_impressions = 0.0
        self.spend_today_cny = 0.0
        self.spent_cny = 0.0
        self.reach_prob = 0.0
        self.attributed_revenue_cny = 0.0  # revenue the measurement system can trace here
        # Its days, for channels_daily (o2osim.records): one element per day stepped.
        self.daily_spend_cny: list[float] = []
        self.daily_impressions: list[float] = []
        self.daily_reach: list[int] = []  # simulated consumers exposed (set by Media)

    def planned_spend_cny(self, day: int) -> float:
        week = day // 7
        if week >= self.weekly_cny.size:  # after the campaign
            return 0.0
        return float(self.weekly_cny[week]) / 7.0 + self.extra_daily_cny

    def spend_due_cny(self, day: int) -> float:
        """What the channel spends today: the plan's spend, up to what is left of its budget."""
        return min(self.planned_spend_cny(day), max(self.budget_cny - self.spent_cny, 0.0))

    def quiet(self, day: int) -> bool:
        """No money to spend today and none carried over (adstock exactly 0: before the
        first spend, or a plan without this channel): today's reach is 0 whatever the
        audience, so the day's exposures need not be drawn (:mod:`o2osim.components.media`)."""
        return self.adstock_impressions == 0.0 and self.spend_due_cny(day) <= 0.0

    def step_day(self, day: int, targeted_real: float) -> None:
        """Spend today's money and set today's reach probability."""
        spend = self.spend_due_cny(day)
        self.spend_today_cny = spend
        self.spent_cny += spend
        impressions = spend / self.spec.cpm_cny * 1000.0
        self.daily_spend_cny.append(spend)
        self.daily_impressions.append(impressions)
        self.daily_reach.append(0)
        self.adstock_impressions = geometric_adstock_step(
            self.adstock_impressions, impressions, self.spec.carryover)
        if targeted_real <= 0:
            self.reach_prob = 0.0
            return
        pressure = self.adstock_impressions / targeted_real
        self.reach_prob = float(self.spec.max_daily_reach * hill_saturation(
            pressure, self.spec.half_saturation_ipc, self.spec.hill_shape))
