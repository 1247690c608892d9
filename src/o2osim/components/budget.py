"""Budget: the contingency reserve and its reallocation (seeds 001, 002: keep 10-15 % in
reserve; move money from low-ROI to high-ROI channels during the campaign)."""

from __future__ import annotations

import numpy as np

from o2osim.components.base import Component, Day


class Budget(Component):
    """On the day the calendar releases it (by default the first day of the optimisation
    phase: :attr:`o2osim.calendar.Calendar.release_day`), release the contingency reserve
    over the campaign's remaining days.

    With ``budget_reallocation`` the reserve goes to channels in proportion to their
    *measured* ROI — revenue the measurement can trace to the channel (online orders, and
    store orders of customers with a unified ID) per CNY spent. Without it each channel
    spends its own reserve as planned. The channels (Mesa agents) spend it from then on.
    """

    name = "budget"
    reads = ("plan.contingency_reserve_share", "plan.integration.budget_reallocation",
             "plan.calendar")

    def step(self, day: Day) -> None:
        calendar = self.world.calendar
        if day.index != calendar.release_day:
            return
        channels = self.world.channels
        days_left = calendar.days - day.index
        week = day.index // 7
        pool = sum(c.reserve_cny for c in channels)
        if self.world.scenario.plan.integration.budget_reallocation and pool > 0:
            roi = np.array([c.attributed_revenue_cny / c.spent_cny if c.spent_cny > 0 else 0.0
                            for c in channels])
            if self.world.reserve_weights is not None:  # the ground truth's hindsight
                roi = np.maximum(np.asarray(self.world.reserve_weights, dtype=np.float64), 0.0)
            share = roi / roi.sum() if roi.sum() > 0 else np.array(
                [c.reserve_cny / pool for c in channels])
            for c, s in zip(channels, share, strict=True):
                c.extra_daily_cny = pool * float(s) / days_left
                c.budget_cny = c.spent_cny + float(np.sum(c.weekly_cny[week:])) + pool * float(s)
        else:
            for c in channels:
                c.extra_daily_cny = c.reserve_cny / days_left
