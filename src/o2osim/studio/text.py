"""The studio's words and numbers in a language: messages of ``studio.yaml`` and values
with their units (a lever's in its unit, a KPI's in the registry's unit)."""

from __future__ import annotations

import math
from typing import Any

from o2osim.i18n import message
from o2osim.kpis import ROI_UNIT, unit_of
from o2osim.studio.levers import LeverSpec


def s(key: str, lang: str, **fmt: Any) -> str:
    """The studio message ``key`` (``studio.<key>``) in ``lang``."""
    return message(f"studio.{key}", lang, **fmt)


def money(cny: float, lang: str) -> str:
    """An amount of CNY in million CNY (百万元)."""
    return s("unit.m_cny", lang, v=cny / 1e6)


def lever_value(spec: LeverSpec | None, value: Any, lang: str) -> str:
    """A lever's value in words: ``5.70 M CNY``, ``30%``, ``on``, ``Online and store``."""
    if spec is None or value is None:
        return "—" if value is None else str(value)
    if spec.unit == "switch":
        return s("unit.on" if value else "unit.off", lang)
    if spec.unit == "choice":
        return s(f"choice.{value}", lang)
    return s(f"unit.{spec.unit}", lang, v=spec.shown(value))


def lever_label(spec: LeverSpec, lang: str) -> str:
    """A lever's name (a budget: its channel's name)."""
    if spec.is_budget:
        return s("lever.channels_budget.name", lang, channel=s(f"channel.{spec.channel}", lang))
    return s(f"lever.{spec.setting}.name", lang)


def lever_help(spec: LeverSpec, lang: str) -> str:
    return s(f"lever.{spec.key}.help", lang)


def kpi_value(kpi: str, value: Any, lang: str) -> str:
    """A KPI's value with its unit: a share in %, CNY in million CNY, ROI as 2.41, ..."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    unit = unit_of(kpi)
    if unit == "share":
        return f"{100 * float(value):.1f}%"
    if kpi.endswith("_cny"):
        return money(float(value), lang)
    if unit == ROI_UNIT:
        return f"{float(value):.2f}"
    return f"{float(value):,.1f}".removesuffix(".0")
