"""The campaign calendar, from the plan (``plan.calendar``; seed 000: 16 weeks = 4 weeks
planning, 8 weeks execution, 4 weeks optimisation).

One model step is one day; week ``day // 7`` (0-based) decides the phase, the flighting
and the promotions. Days after the campaign (``sim.days`` longer than the calendar) are
the ``after`` phase: no spend, no promotion, consumers go on buying and coming back.
Everything that depends on the calendar reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: importing o2osim.config here would run its package
    # __init__, whose validation imports this module (a cycle when this is imported first)
    from o2osim.config.schema import ChannelPlan, PlanConfig

PHASES = ("planning", "execution", "optimisation", "after")
DEFAULT_WEIGHTS = {"planning": 0.0, "execution": 1.0, "optimisation": 0.5}
"""Default flighting weight of a week by phase (seed 000: spend starts with execution,
tapers in optimisation); a channel's ``flighting`` overrides it."""


@dataclass(frozen=True)
class Calendar:
    """The weeks of a campaign's phases."""

    planning_weeks: int = 4
    execution_weeks: int = 8
    optimisation_weeks: int = 4
    reserve_release_week: int | None = None  # 1-based; None: first optimisation week

    @classmethod
    def of(cls, plan: PlanConfig) -> Calendar:
        c = plan.calendar
        return cls(c.planning_weeks, c.execution_weeks, c.optimisation_weeks,
                   c.reserve_release_week)

    @property
    def weeks(self) -> int:
        """Weeks of the campaign."""
        return self.planning_weeks + self.execution_weeks + self.optimisation_weeks

    @property
    def days(self) -> int:
        """Days of the campaign."""
        return 7 * self.weeks

    @property
    def optimisation_start_day(self) -> int:
        return 7 * (self.planning_weeks + self.execution_weeks)

    def phase_of_week(self, week: int) -> str:
        """Phase of a 1-based campaign week."""
        if week <= self.planning_weeks:
            return "planning"
        if week <= self.planning_weeks + self.execution_weeks:
            return "execution"
        return "optimisation" if week <= self.weeks else "after"

    def phase_of(self, day: int) -> str:
        """Phase of a day (0-based)."""
        return self.phase_of_week(day // 7 + 1)

    def weeks_of(self, phase: str) -> tuple[int, int]:
        """First and last 1-based week of a phase (last < first: the phase is empty)."""
        bounds = np.cumsum([0, self.planning_weeks, self.execution_weeks,
                            self.optimisation_weeks])
        k = PHASES.index(phase)
        if phase == "after":
            return self.weeks + 1, self.weeks  # open-ended
        return int(bounds[k]) + 1, int(bounds[k + 1])

    @property
    def release_day(self) -> int | None:
        """Day the contingency reserve is released, None if never."""
        if self.reserve_release_week is not None:
            return 7 * (self.reserve_release_week - 1)
        return self.optimisation_start_day if self.optimisation_weeks > 0 else None

    def flighting(self, channel: ChannelPlan) -> list[float]:
        """A channel's weekly weights: its own ``flighting``, or the phases' defaults."""
        if channel.flighting is not None:
            return [float(w) for w in channel.flighting]
        return [DEFAULT_WEIGHTS[self.phase_of_week(w)] for w in range(1, self.weeks + 1)]

    def promo_weeks(self, plan: PlanConfig) -> list[int]:
        """The 1-based weeks of the online promotion: the plan's, or the execution weeks."""
        if plan.promo_weeks is not None:
            return [int(w) for w in plan.promo_weeks]
        first, last = self.weeks_of("execution")
        return list(range(first, last + 1))
