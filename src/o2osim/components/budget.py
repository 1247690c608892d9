"""Budget: the contingency reserve and its reallocation (seeds 001, 002: keep 10-15 % in
reserve; move money from low-ROI to high-ROI channels during the campaign)."""

from __future__ import annotations

import numpy as np

from o2osim.calendar import OPTIMISATION_START_DAY, days_in_campaign
from o2osim.components.base import Component, Day


class Budget(Component):
    """On the first day of the optimisation phase, release the contingency reserve.

    With ``budget_reallocation`` the reserve goes to channels in proportion to their
    *measured* ROI — revenue the measurement can trace to the channel (online orders, and
    store orders of customers with a unified ID) per CNY spent. Without it each channel
    spends its own reserve as planned. The channels (Mesa agents) spend it from then on.
    """

    name = "budget"
    reads = ("plan.contingency_reserve_share", "plan.integration.budget_reallocation")

    def step(self, day: Day) -> None:
        if day.index != OPTIMISATION_START_DAY:
            return
        channels = self.world.channels
        days_left = days_in_campaign() - OPTIMISATION_START_DAY
        pool = sum(c.reserve_cny for c in channels)
        if self.world.scenario.plan.integration.budget_reallocation and pool > 0:
            roi = np.array([c.attributed_revenue_cny / c.spent_cny if c.spent_cny > 0 else 0.0
                            for c in channels])
            share = roi / roi.sum() if roi.sum() > 0 else np.array(
                [c.reserve_cny / pool for c in channels])
            for c, s in zip(channels, share, strict=True):
                c.extra_daily_cny = pool * float(s) / days_left
                c.budget_cny = c.spent_cny + float(np.sum(c.weekly_cny[12:])) + pool * float(s)
        else:
            for c in channels:
                c.extra_daily_cny = c.reserve_cny / days_left
