"""Numbers in a report's words: counts, percentages, ratios (no unit suffix here:
:func:`o2osim.reports.scorecard.format_value` formats a KPI by its name)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def count(value: Any) -> str:
    """A count or an amount for people: thousands separated, no decimals (a mean over
    replications under 100: one decimal); ``n/a`` when it is not a finite number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(v):
        return "n/a"
    if abs(v) < 100 and not v.is_integer():  # a mean over replications
        return f"{v:,.1f}"
    return f"{v:,.0f}"


def pct(num: float, den: float) -> str:
    """``num / den`` in percent with one decimal (``n/a`` when ``den`` is not positive)."""
    return f"{100 * num / den:.1f} %" if den > 0 else "n/a"


def ratio(num: float, den: float) -> str:
    """``num / den`` with two decimals (``n/a`` when ``den`` is not positive)."""
    return f"{num / den:.2f}" if den > 0 else "n/a"


def value_of(k: Mapping[str, Any], name: str) -> float:
    """``k[name]`` as a float; 0 when it is missing or not a number."""
    value = k.get(name, 0.0)
    return float(value) if isinstance(value, int | float) else 0.0
