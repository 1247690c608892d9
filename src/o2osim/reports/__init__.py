"""Reports read from a run's result files (never from the engine)."""

from o2osim.reports.scorecard import format_scorecard, format_value

__all__ = ["format_scorecard", "format_value"]
