"""Reports read from a run's result files (never from the engine)."""

from o2osim.reports.formats import format_value
from o2osim.reports.scorecard import format_scorecard

__all__ = ["format_scorecard", "format_value"]
