"""How a config value reads when typed: the scalars' spelling shared by error messages
(:func:`o2osim.config.field_checks.show`) and by the overrides that name scenarios
(:func:`o2osim.reports.scenarios.override_value`). Imports nothing from o2osim: any floor
may use it."""

from __future__ import annotations

from typing import Any


def scalar_text(value: Any) -> str | None:
    """``null``, ``true`` / ``false``, a whole float without its ``.0`` (below 1e15), any
    other float as Python writes it; None for values that are not such scalars."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return None
