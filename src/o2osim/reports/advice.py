"""What to change: the plan levers behind a missed target and behind each experience-gap
cause, and the advice the report gives.

Nothing here is a table of its own. The levers of a KPI are declared with the KPI
(:data:`o2osim.kpis.KPIS`); the experience-gap causes — their words, where they happen and
the levers that remove them — are declared by the component that counts them
(:data:`o2osim.components.shopping.CAUSES`) and reach the report through the run's
``metrics.json`` (``satisfaction_drivers.causes``), so a new cause or lever needs no edit
here. A run written before those were recorded shows its causes by key.

:func:`advice` (a missed target's levers not pulled yet, values with units) and
:func:`satisfaction_levers` (causes ranked by the satisfied customers they cost) read the
run's plan settings to leave out what is already pulled.

The words are the registry's (English); in another language the catalogue's translation
of each lever and cause (``locale/<lang>/registry.yaml``, :func:`o2osim.i18n.declared`) and
of this module's own words (``locale/<lang>/advice.yaml``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from o2osim.i18n import declared, t
from o2osim.kpis import BY_NAME
from o2osim.levers import Cause, Lever
from o2osim.reports.formats import count

NO_KNOWN_LEVER = t("advice.no_known_lever", "en")
"""What :func:`advice` says in English for a KPI without levers in :data:`o2osim.kpis.KPIS`
(the catalogue's words)."""



def causes_of(drivers: Mapping[str, Any] | None) -> dict[str, Cause]:
    """The causes a run's ``satisfaction_drivers`` declares, by key."""
    declared = (drivers or {}).get("causes") or {}
    return {name: Cause.from_dict(name, d) for name, d in declared.items()
            if isinstance(d, Mapping) and "label" in d}


def cause_label(cause: str, drivers: Mapping[str, Any] | None) -> str:
    """A cause in plain words (undeclared causes: their key with spaces)."""
    known = causes_of(drivers).get(cause)
    return (declared(f"registry.cause.{cause}.label", known.label) if known
            else cause.replace("_", " "))


def cause_short(cause: str, drivers: Mapping[str, Any] | None) -> str:
    """A cause's label on the satisfaction chart."""
    known = causes_of(drivers).get(cause)
    if known and known.short:
        return declared(f"registry.cause.{cause}.short", known.short)
    return cause_label(cause, drivers)


def cause_lever_texts(cause: str, drivers: Mapping[str, Any] | None,
                      plan: Mapping[str, Any] | None,
                      reality_level: float | None = None) -> list[str]:
    """The levers that remove ``cause`` for the satisfaction table: those not pulled yet
    (``already pulled`` when none is left), the cause's own words when it has no plan
    lever (stock-outs), nothing for an undeclared cause."""
    known = causes_of(drivers).get(cause)
    if known is None:
        return []
    if not known.levers:
        return [_no_lever(known)]
    return lever_texts(known.levers, plan, reality_level) or [t("advice.already_pulled")]


def _no_lever(known: Cause) -> str:
    """Why a cause has no plan lever, in the current language."""
    if not known.no_lever:
        return t("advice.no_plan_lever")
    return declared(f"registry.cause.{known.name}.no_lever", known.no_lever)


def cause_where(cause: str, drivers: Mapping[str, Any] | None) -> str:
    """What a cause's experiences are: store visits, or store visits and online orders."""
    known = causes_of(drivers).get(cause)
    return t("advice.where.store" if known and known.where == "store" else "advice.where.both")


def format_setting(setting: str, value: Any) -> str | None:
    """A plan setting's value for people: ``3,000,000 CNY``, ``30 %``, ``×1.00``, ``0.72``,
    ``on`` / ``off``, ``1 week``; None for a section (a dict) or nothing."""
    name = setting.rsplit(".", 1)[-1]
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return t("advice.setting.on" if value else "advice.setting.off")
    if isinstance(value, str):
        return value
    if not isinstance(value, int | float) or not math.isfinite(value):
        return str(value)
    if name.endswith("_cny"):
        return f"{value:,.0f} CNY"
    if name.endswith("_share"):
        return f"{100 * value:.0f} %"
    if name.endswith("_multiplier"):
        return f"×{value:.2f}"
    if name.endswith("_weeks"):
        return t("advice.setting.week" if value == 1 else "advice.setting.weeks",
                 n=f"{value:.0f}")
    if float(value).is_integer() and not name.endswith("_level"):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def plan_value(plan: Mapping[str, Any], dotted: str) -> Any:
    """The plan's setting at ``dotted`` (``integration.price_parity``), None when absent."""
    node: Any = plan
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def lever_texts(levers: Sequence[Lever], plan: Mapping[str, Any] | None,
                 reality_level: float | None = None) -> list[str]:
    """``plan.x`` (now value): advice — for the levers not pulled yet (all of them without
    a plan).

    The promise is pulled when it does not exceed what stores deliver (``reality_level``,
    the market's): expectation-disconfirmation (Oliver 1980) has no shortfall then.
    """
    parts = []
    for lever in levers:
        setting = lever.setting
        text = declared(f"registry.lever.{setting}", lever.advice)
        value = plan_value(plan, setting) if plan else None
        if plan and lever.pulled(value):
            continue  # already pulled
        if (setting == "promise_level" and isinstance(value, int | float)
                and reality_level is not None and value <= reality_level + 1e-9):
            continue  # promises no more than the stores deliver
        shown = format_setting(setting, value)
        parts.append(f"`plan.{setting}`" + (t("advice.now", value=shown) if shown else "")
                     + f": {text}")
    return parts


def advice(kpi: str, plan: Mapping[str, Any] | None,
           drivers: Mapping[str, Any] | None = None, reality_level: float | None = None) -> str:
    """The levers of a missed target that the plan has not pulled yet, with their values
    formatted with units (``plan.x`` settings in backticks).

    For satisfaction with the run's ``satisfaction_drivers``, the levers come from the
    causes that cost satisfied customers, biggest first (:func:`satisfaction_levers`).
    """
    if kpi == "satisfaction_rate" and drivers and drivers.get("satisfied_lost_to_gap"):
        ranked = satisfaction_levers(drivers, plan, reality_level)
        if ranked:
            return t("advice.lever_sep").join(
                t("advice.cost", label=r.label, n=count(r.lost))
                + (" / ".join(r.levers) if r.levers else t("advice.all_pulled"))
                for r in ranked)
    known = BY_NAME.get(kpi)
    if known is None or not known.levers:
        return t("advice.no_known_lever")
    parts = lever_texts(known.levers, plan, reality_level)
    return t("advice.lever_sep").join(parts) if parts else t("advice.all_pulled")


@dataclass
class RankedCause:
    """A cause that cost satisfied experiences, and the levers (texts) that remove it."""

    cause: str
    label: str
    lost: float
    co_occurred: float
    levers: list[str]


def satisfaction_levers(drivers: Mapping[str, Any], plan: Mapping[str, Any] | None,
                        reality_level: float | None = None) -> list[RankedCause]:
    """The causes that cost satisfied experiences (``satisfied_lost_to_gap`` > 0), the
    biggest first, each with its plan levers not pulled yet and their current values.

    A cause's count is the experiences that one cause alone turned from satisfied into
    dissatisfied (a counterfactual on the same draws, :mod:`o2osim.components.shopping`), so the
    ranking says which fix wins back most customers. Staffing levers are never
    "pulled": more staff shortens queues further.
    """
    lost = drivers.get("satisfied_lost_to_gap") or {}
    co = drivers.get("dissatisfied_with_gap") or {}
    causes = causes_of(drivers)
    out = []
    for cause, n in sorted(lost.items(), key=lambda kv: (-float(kv[1]), kv[0])):
        if not float(n) > 0:
            continue
        known = causes.get(cause)
        texts = lever_texts(known.levers, plan, reality_level) if known else []
        if known and not known.levers:
            texts = [_no_lever(known)]
        if cause == "over_promise" and reality_level is not None and texts:
            texts[0] += t("advice.stores_deliver", level=f"{reality_level:.2f}")
        out.append(RankedCause(cause, cause_label(cause, drivers), float(n),
                               float(co.get(cause, 0.0)), texts))
    return out


