"""The campaign calendar (seed 000): 16 weeks = 4 weeks planning, 8 weeks execution,
4 weeks optimisation. One model step is one day; week ``day // 7`` (0-based) decides the
phase and the flighting.
"""

from __future__ import annotations

from o2osim.config.schema import CAMPAIGN_WEEKS

PLANNING_WEEKS = 4
EXECUTION_END_WEEK = 12  # weeks 5-12 (1-based) are the execution phase
OPTIMISATION_START_DAY = EXECUTION_END_WEEK * 7


def days_in_campaign() -> int:
    return CAMPAIGN_WEEKS * 7


def phase_of(day: int) -> str:
    """Campaign phase of a day (seed 000: 4 weeks planning, 8 execution, 4 optimisation)."""
    week = day // 7
    return ("planning" if week < PLANNING_WEEKS else "execution" if week < EXECUTION_END_WEEK
            else "optimisation")
