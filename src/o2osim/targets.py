"""What a target means: met, how far it is missed, and what a missing value means.

A target is ``kpi op threshold`` (``conf/targets/*.yaml``, :class:`o2osim.config.schema.
TargetSpec`): ``op`` is ``">="`` (at least the threshold) or ``"<="`` (at most). This
module is the one place that judges a value against a target; the scorecard
(:mod:`o2osim.metrics`), the replications, the search and ``o2osim-compare`` all use it.

* :func:`met` — ``value >= threshold`` (or ``<=``); the threshold itself is met.
* :func:`shortfall` — how far the value is from the threshold, in the KPI's own unit
  (a share for a rate: 0.05 is five percentage points; CNY per CNY for ROI; steps); 0
  when met.
* :func:`relative_shortfall` — :func:`shortfall` as a share of the threshold (of 1 when
  the threshold is 0: then it is the shortfall itself); 0 when met.
* :func:`closeness` — how close a scenario is to meeting all its targets, the key that
  ranks scenarios: **more targets met first**, then the smaller total relative
  shortfall. A scenario meeting 8 of 9 targets ranks before one meeting 6 of 9, however
  small the six's shortfalls: each missed target is a fact a director will ask about,
  and shortfalls in different units only add up as shares of their thresholds.
  ``o2osim-compare`` ranks by it (then by cost) and names the closest scenario by it;
  the search picks its closest plan by it.

**A missing value** — absent, ``None``, a bool, anything not a real number, or NaN — is
**not met** and has **relative shortfall 1.0** (as far as a KPI of 0 is from a ``>=``
target) and shortfall NaN (no distance in the KPI's unit can be given). So a run that
lacks a KPI ranks behind a run that reaches it, but it does not swamp every other
target the way an infinite shortfall would. An infinite value is a number: ``+inf``
meets a ``>=`` target, and misses a ``<=`` one by an infinite shortfall.

This module imports nothing from o2osim but (for its type) the config schema.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, Protocol

GE, LE = ">=", "<="
"""The two rules a target can have."""
MISSING_RELATIVE_SHORTFALL = 1.0
"""The relative shortfall of a missing value (see the module docstring)."""


class TargetLike(Protocol):
    """What a target needs (:class:`o2osim.config.schema.TargetSpec` is one)."""

    kpi: str
    op: str
    threshold: float


Target = TargetLike | Mapping[str, Any]
"""A target as an object with ``kpi``, ``op``, ``threshold`` (a ``TargetSpec``) or as a
mapping with those keys (a target of ``metrics.json``; ``op`` defaults to ``>=``)."""


def _field(target: Target, name: str, default: Any = None) -> Any:
    if isinstance(target, Mapping):
        return target.get(name, default)
    return getattr(target, name, default)


def rule(target: Target) -> tuple[str, float]:
    """``(op, threshold)`` of ``target``; raises ``ValueError`` for an unknown ``op``."""
    op = str(_field(target, "op", GE) or GE)
    if op not in (GE, LE):
        raise ValueError(f"target op {op!r}: allowed {GE!r}, {LE!r}")
    return op, float(_field(target, "threshold"))


def number(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing (absent, None, a bool, not a real
    number, NaN)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    x = float(value)
    return None if math.isnan(x) else x


def met(target: Target, value: Any) -> bool:
    """True if ``value`` meets ``target`` (a missing value never does)."""
    x = number(value)
    if x is None:
        return False
    op, threshold = rule(target)
    return x >= threshold if op == GE else x <= threshold


def shortfall(target: Target, value: Any) -> float:
    """How far ``value`` is from meeting ``target``, in the KPI's unit: 0 when met, NaN
    when the value is missing."""
    x = number(value)
    if x is None:
        return math.nan
    op, threshold = rule(target)
    return max(0.0, threshold - x if op == GE else x - threshold)


def relative_shortfall(target: Target, value: Any) -> float:
    """:func:`shortfall` as a share of the threshold (of 1 when the threshold is 0): 0
    when met, :data:`MISSING_RELATIVE_SHORTFALL` (1.0) when the value is missing."""
    gap = shortfall(target, value)
    if math.isnan(gap):
        return MISSING_RELATIVE_SHORTFALL
    return gap / (abs(rule(target)[1]) or 1.0)


def total_relative_shortfall(values: Mapping[str, Any], targets: Mapping[str, Target]
                             ) -> float:
    """Sum over ``targets`` of the relative shortfall of ``values[target.kpi]`` (0 when
    every target is met)."""
    return math.fsum(relative_shortfall(t, values.get(_field(t, "kpi")))
                     for t in targets.values())


def closeness(values: Mapping[str, Any], targets: Mapping[str, Target]) -> tuple[int, float]:
    """``(targets missed, total relative shortfall)`` of ``values`` (KPI name → value)
    against ``targets``: the ranking key, smaller is closer (the module docstring); a
    scenario meeting every target has ``(0, 0.0)``. Ties are for the caller to break
    (``o2osim-compare``: the cheaper first)."""
    missed = sum(not met(t, values.get(_field(t, "kpi"))) for t in targets.values())
    return missed, total_relative_shortfall(values, targets)


def evaluate(kpis: Mapping[str, float], targets: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with its rule, the KPI's value and whether it is met — the ``targets``
    section of ``metrics.json`` (``kpi``, ``op``, ``threshold``, ``value``, ``met``,
    ``label``, ``source``). A KPI absent from ``kpis`` has value None and is not met."""
    out: dict[str, dict[str, Any]] = {}
    for name, t in targets.items():
        kpi = _field(t, "kpi")
        value = kpis.get(kpi)
        out[name] = {"kpi": kpi, "op": _field(t, "op", GE), "threshold": _field(t, "threshold"),
                     "value": value, "met": met(t, value), "label": _field(t, "label", ""),
                     "source": _field(t, "source", "")}
    return out
