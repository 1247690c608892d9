"""What to change: the plan levers behind each target and behind each experience-gap
cause, and the advice the report gives for a missed target.

Two tables, one data structure (:class:`Lever`: a plan setting, what to do with it, and
when it counts as already pulled):

* :data:`LEVERS` — by KPI, the levers that move it (docs/model.md, "What the
  integration levers do");
* :data:`CAUSES` — by experience-gap cause (the keys of ``satisfaction_drivers`` in
  ``metrics.json``, recorded by :func:`o2osim.journey.shop`), its words and the levers
  that remove it.

:func:`advice` (a missed target's levers not pulled yet, values with units) and
:func:`satisfaction_levers` (causes ranked by the satisfied customers they cost) read
only these tables and the run's plan settings, so feeding the tables from the engine's
components changes nothing else here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from o2osim.reports.formats import count


class Lever(NamedTuple):
    """A plan lever: ``setting`` under ``plan.`` (dotted), the ``advice`` for it, and
    ``pulled(value)``, true when the plan's value already pulls it (None: never pulled —
    more always helps, or the report decides, as for ``promise_level``)."""

    setting: str
    advice: str
    pulled: Callable[[Any], bool] | None = None


def is_on(value: Any) -> bool:
    """Pulled when the switch is on."""
    return value is True


def equals(wanted: Any) -> Callable[[Any], bool]:
    """Pulled when the setting is ``wanted``."""
    return lambda value: value == wanted


def at_least(bound: float) -> Callable[[Any], bool]:
    """Pulled when the setting is at least ``bound``."""
    return lambda value: value >= bound


LEVERS: dict[str, list[Lever]] = {
    "conversion_rate": [
        Lever("integration.unified_id_share",
              "raise it: retargeting aware non-buyers needs a unified customer ID",
              at_least(0.9)),
        Lever("coupon.redeem_where", "set it to both: online coupons usable in store",
              equals("both")),
        Lever("integration.o2o_traffic_guidance", "turn it on: send online traffic to stores",
              is_on),
        Lever("promise_level",
              "bring it down to what stores deliver: disappointed visitors do not buy"),
    ],
    "satisfaction_rate": [
        Lever("promise_level", "promise what the store delivers (market.stores.reality_level)"),
        Lever("integration.price_parity", "keep online and store prices equal", is_on),
        Lever("integration.staff_briefed", "brief store staff on the campaign rules", is_on),
        Lever("integration.calendar_lag_weeks",
              "set it to 0: run the store promotion with the online one", equals(0)),
        Lever("integration.unified_membership", "one membership: no re-registration in store",
              is_on),
        Lever("operations.weekend_staff_multiplier", "staff the weekend peaks"),
    ],
    "roi": [
        Lever("integration.budget_reallocation",
              "move the reserve to the channels with the best measured ROI", is_on),
        Lever("channels", "cut spend on saturated channels; lift conversion (above)"),
    ],
    "online_to_store_rate": [
        Lever("integration.o2o_traffic_guidance", "turn it on", is_on),
        Lever("coupon.claim_where", "let store coupons be claimed (both)", equals("both")),
        Lever("channels.lbs_ads.budget_cny", "more location-based ads near stores"),
    ],
    "offline_member_online_repurchase_rate": [
        Lever("integration.unified_membership", "one membership across channels", is_on),
        Lever("channels.member_push.budget_cny", "fund mini-program pushes to members"),
    ],
    "steps_to_redeem": [
        Lever("integration.unified_membership", "no re-registration step in store", is_on),
        Lever("integration.pos_coupon_integrated", "let the till scan online coupons", is_on),
    ],
    "calendar_sync_rate": [Lever("integration.calendar_lag_weeks", "set it to 0", equals(0))],
    "unified_profile_rate": [Lever("integration.unified_id_share", "raise it", at_least(0.9))],
    "cross_channel_consistency_rate": [
        Lever("coupon.redeem_where", "both", equals("both")),
        Lever("integration.price_parity", "keep prices equal", is_on),
        Lever("integration.staff_briefed", "brief staff", is_on),
    ],
}
"""By KPI, the levers behind its target (docs/model.md, "What the integration levers
do"). A KPI not listed has no known plan lever (:func:`advice` says so)."""


@dataclass(frozen=True)
class Cause:
    """An experience-gap cause (``satisfaction_drivers`` keys) in plain words, with the
    plan levers that remove it (docs/model.md, "What the integration levers do") and
    where it can happen (a store visit only, or an online order too)."""

    label: str
    levers: tuple[Lever, ...]
    store_only: bool = True
    short: str = ""
    """The satisfaction chart's label (empty: :attr:`label`)."""


STAFFING: tuple[Lever, ...] = (
    Lever("operations.staff_multiplier", "add staff at every station (shorter queues)"),
    Lever("operations.weekend_staff_multiplier", "add staff on Saturdays and Sundays"),
    Lever("operations.booking_share", "take more visits by online booking (no queue for them)"),
)
"""Queue levers: never pulled, more staff shortens queues further."""

CAUSES: dict[str, Cause] = {
    "walked_out": Cause("walk-outs from the queue", STAFFING, short="walked out of the queue"),
    "long_wait": Cause("waits longer than customers accept", STAFFING, short="waited too long"),
    "coupon_refused": Cause(
        "coupons not accepted (not usable there, or the till check failed)",
        (Lever("integration.pos_coupon_integrated", "let the till scan online coupons", is_on),
         Lever("coupon.redeem_where", "set it to both: online coupons usable in store",
               equals("both"))),
        store_only=False, short="coupon not accepted"),
    "over_promise": Cause(
        "over-promise: the campaign promised more than the visit delivered",
        (Lever("promise_level", "promise what the stores deliver"),),
        store_only=False, short="over-promise"),
    "price_mismatch": Cause(
        "store prices above online prices",
        (Lever("integration.price_parity", "keep online and store prices equal", is_on),),
        short="store price above online"),
    "promo_missing": Cause(
        "online promotion not running in the store",
        (Lever("integration.calendar_lag_weeks",
               "set it to 0: run the store promotion with the online one", equals(0)),),
        short="promotion missing in store"),
    "staff_unbriefed": Cause(
        "store staff not briefed on the campaign",
        (Lever("integration.staff_briefed", "brief store staff on the campaign rules", is_on),),
        short="staff not briefed"),
    "reregistration": Cause(
        "re-registering as a store member",
        (Lever("integration.unified_membership", "one membership: no re-registration in store",
               is_on),),
        short="re-registering as member"),
    "benefit_not_recognised": Cause(
        "member benefits not recognised",
        (Lever("integration.unified_membership", "one membership across channels", is_on),
         Lever("integration.unified_id_share",
               "raise it: more members recognised in both channels", at_least(0.9))),
        store_only=False, short="member benefits not recognised"),
    "stockout": Cause("stock-outs", (), short="out of stock"),
}
"""Every cause ``o2osim.journey.shop`` records, with the levers behind it (a cause with
no lever: :data:`NO_PLAN_LEVER`)."""

NO_PLAN_LEVER = "no plan lever: stock is the market's (`market.stores.stockout_prob`)"
"""What the report says for a cause with no lever (stock-outs)."""
NO_KNOWN_LEVER = "no plan lever is known for this KPI (see docs/model.md)"
"""What :func:`advice` says for a KPI that :data:`LEVERS` does not list."""


def cause_label(cause: str) -> str:
    """A cause in plain words (unknown causes: their key with spaces)."""
    return CAUSES[cause].label if cause in CAUSES else cause.replace("_", " ")


def cause_short(cause: str) -> str:
    """A cause's label on the satisfaction chart."""
    known = CAUSES.get(cause)
    return known.short if known and known.short else cause_label(cause)


def cause_lever_texts(cause: str, plan: Mapping[str, Any] | None,
                      reality_level: float | None = None) -> list[str]:
    """The levers that remove ``cause`` for the satisfaction table: those not pulled yet
    (``already pulled`` when none is left), :data:`NO_PLAN_LEVER` for a cause without
    levers, nothing for an unknown cause."""
    known = CAUSES.get(cause)
    if known is None:
        return []
    if not known.levers:
        return [NO_PLAN_LEVER]
    return lever_texts(known.levers, plan, reality_level) or ["already pulled"]


def cause_where(cause: str) -> str:
    """What a cause's experiences are: store visits, or store visits and online orders."""
    known = CAUSES.get(cause)
    return "store visits" if known and known.store_only else "visits or online orders"


def format_setting(setting: str, value: Any) -> str | None:
    """A plan setting's value for people: ``3,000,000 CNY``, ``30 %``, ``×1.00``, ``0.72``,
    ``on`` / ``off``, ``1 week``; None for a section (a dict) or nothing."""
    name = setting.rsplit(".", 1)[-1]
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
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
        return f"{value:.0f} week" + ("" if value == 1 else "s")
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
    for setting, text, pulled in levers:
        value = plan_value(plan, setting) if plan else None
        if plan and pulled is not None and value is not None and pulled(value):
            continue  # already pulled
        if (setting == "promise_level" and isinstance(value, int | float)
                and reality_level is not None and value <= reality_level + 1e-9):
            continue  # promises no more than the stores deliver
        shown = format_setting(setting, value)
        parts.append(f"`plan.{setting}`" + (f" (now {shown})" if shown else "") + f": {text}")
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
            return "; ".join(f"{r.label} cost {count(r.lost)} satisfied experiences — "
                             + (" / ".join(r.levers) if r.levers else "every lever behind "
                                "it is already pulled") for r in ranked)
    if kpi not in LEVERS:
        return NO_KNOWN_LEVER
    parts = lever_texts(LEVERS[kpi], plan, reality_level)
    return "; ".join(parts) if parts else "every lever behind it is already pulled"


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
    dissatisfied (a counterfactual on the same draws, :mod:`o2osim.journey`), so the
    ranking says which fix wins back most customers. Staffing levers are never
    "pulled": more staff shortens queues further.
    """
    lost = drivers.get("satisfied_lost_to_gap") or {}
    co = drivers.get("dissatisfied_with_gap") or {}
    out = []
    for cause, n in sorted(lost.items(), key=lambda kv: (-float(kv[1]), kv[0])):
        if not float(n) > 0:
            continue
        known = CAUSES.get(cause)
        texts = lever_texts(known.levers, plan, reality_level) if known else []
        if known and not known.levers:
            texts = [NO_PLAN_LEVER]
        if cause == "over_promise" and reality_level is not None and texts:
            texts[0] += f" (stores deliver {reality_level:.2f}: `market.stores.reality_level`)"
        out.append(RankedCause(cause, cause_label(cause), float(n),
                               float(co.get(cause, 0.0)), texts))
    return out


