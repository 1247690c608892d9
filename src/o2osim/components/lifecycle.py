"""Lifecycle: new, active, dormant (seed 004: each lifecycle segment needs its own
channel strategy) and the fading of purchase interest."""

from __future__ import annotations

import numpy as np

from o2osim.components.base import Component, Day

NEW, ACTIVE, DORMANT = 0, 1, 2
"""``Population.segment`` codes."""


class Lifecycle(Component):
    """Active customers without a purchase for ``dormancy_days`` become dormant; every
    consumer's interest (a consumer-level adstock of exposures and talk) keeps
    ``interest_retention_per_day`` of itself each day (geometric decay)."""

    name = "lifecycle"
    owns = ("segment", "interest")
    reads = ("market.behaviour.dormancy_days", "market.behaviour.interest_retention_per_day")

    def step(self, day: Day) -> None:
        pop, beh = self.pop, self.world.scenario.market.behaviour
        last_active = day.index - beh.dormancy_days  # bought before this day: lapsed
        if last_active > -32000:  # NEVER (-32000) buyers are never active
            lpd = pop.last_purchase_day
            lapsed = lpd < (np.int16(last_active) if last_active < 32767
                            else np.int32(last_active))
            lapsed &= pop.segment == ACTIVE
            pop.segment[lapsed] = DORMANT
        pop.interest *= np.float32(beh.interest_retention_per_day)
