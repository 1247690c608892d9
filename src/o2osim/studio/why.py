"""Why a target was missed, in plain words, from the run's own counts and the model's
own levers.

Nothing here is a table of its own: the levers of a KPI are those its registry entry
declares (:data:`o2osim.kpis.KPIS`), the satisfaction causes and the satisfied experiences
each one cost come from the run's ``satisfaction_drivers`` (a counterfactual on the same
draws, :mod:`o2osim.components.shopping`), and a lever counts as pulled by the rule it
declares (:class:`o2osim.levers.Lever`), as the report's advice does
(:mod:`o2osim.reports.advice`). A cause's words and a lever's advice are the registry's,
translated where the report's are (:func:`o2osim.i18n.declared`, ``registry.yaml``); the
lines around them are the studio's (``studio.yaml``: ``why.*``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from o2osim.i18n import declared, kpi_label, message
from o2osim.kpis import BY_NAME
from o2osim.levers import Cause, Lever


@dataclass
class Reason:
    """One missed target: its words, and the lines that explain it."""

    target: str
    title: str
    gap: str
    lines: list[str] = field(default_factory=list)


def _s(key: str, lang: str, **fmt: Any) -> str:
    return message(f"studio.{key}", lang, **fmt)


def lever_name(setting: str, lang: str) -> str:
    """A plan setting's name in ``lang`` (a channel's budget: the channel's name)."""
    if setting.startswith("channels."):
        return _s(f"channel.{setting.split('.')[1]}", lang)
    if setting == "channels":
        return _s("group.channels", lang)
    return _s(f"lever.{setting}.name", lang)


def _pulled(lever: Lever, value: Any, reality: float) -> bool:
    if lever.setting == "promise_level":
        return isinstance(value, int | float) and value <= reality + 1e-9
    return lever.pulled(value)


def lever_lines(lever_list: tuple[Lever, ...], value_of: Callable[[str], Any], lang: str,
                show: Callable[[str, Any], str], reality: float,
                is_open: Callable[[str], bool] = lambda s: True) -> list[str]:
    """One line per lever not pulled yet: its name, current value and what to do."""
    lines = []
    for lever in lever_list:
        value = value_of(lever.setting)
        if _pulled(lever, value, reality):
            continue
        advice = declared(f"registry.lever.{lever.setting}", lever.advice, lang)
        if lever.setting == "promise_level":
            advice += _s("why.reality", lang, reality=f"{reality:.2f}")
        line = _s("why.lever", lang, name=lever_name(lever.setting, lang),
                  value=show(lever.setting, value), advice=advice)
        lines.append(line + ("" if is_open(lever.setting) else " " + _s("why.locked", lang)))
    return lines


def reasons(metrics: Mapping[str, Any], value_of: Callable[[str], Any], lang: str,
            show: Callable[[str, Any], str], show_kpi: Callable[[str, Any], str],
            reality: float, is_open: Callable[[str], bool] = lambda s: True,
            only: tuple[str, ...] | None = None) -> list[Reason]:
    """A :class:`Reason` for each missed target of ``metrics`` (``only``: these targets).

    ``value_of(setting)``: the plan's value; ``show(setting, value)``: a setting's value
    in words; ``show_kpi(kpi, value)``: a KPI's value with its unit; ``reality``: what the
    market's stores deliver (the promise is pulled at or below it)."""
    out = []
    drivers = metrics.get("satisfaction_drivers") or {}
    causes = {name: Cause.from_dict(name, d)
              for name, d in (drivers.get("causes") or {}).items()}
    for name, t in metrics["targets"].items():
        if t["met"] or (only is not None and name not in only):
            continue
        rule = f"{t['op']} {show_kpi(t['kpi'], t['threshold'])}"
        reason = Reason(name, kpi_label(t["kpi"], lang),
                        _s("why.gap", lang, value=show_kpi(t["kpi"], t["value"]), rule=rule))
        lost = {c: float(n) for c, n in (drivers.get("satisfied_lost_to_gap") or {}).items()
                if float(n) > 0}
        if t["kpi"] == "satisfaction_rate" and lost:
            total = sum(lost.values())
            for cause, n in sorted(lost.items(), key=lambda kv: (-kv[1], kv[0])):
                known = causes.get(cause)
                label = declared(f"registry.cause.{cause}.label",
                                 known.label if known else cause.replace("_", " "), lang)
                reason.lines.append(_s("why.cause", lang, cause=label, lost=f"{n:,.0f}",
                                       share=n / total))
                if known is not None and not known.levers:
                    why_not = declared(f"registry.cause.{cause}.no_lever", known.no_lever, lang)
                    reason.lines.append("  " + _s("why.no_lever", lang, reason=why_not))
                elif known is not None:
                    found = lever_lines(known.levers, value_of, lang, show, reality, is_open)
                    reason.lines += ["  " + x for x in found] or ["  " + _s("why.all_pulled",
                                                                           lang)]
        else:
            kpi = BY_NAME.get(t["kpi"])
            found = lever_lines(kpi.levers if kpi else (), value_of, lang, show, reality,
                                is_open)
            reason.lines += found or [_s("why.all_pulled", lang)]
        out.append(reason)
    return out
