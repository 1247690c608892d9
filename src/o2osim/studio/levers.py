"""The plan levers a trainee can move in the studio: each a plan setting with its unit,
its range and the control that moves it.

Plain data. A lever's words (its name and what it does) are in
``locale/<lang>/studio.yaml`` under ``lever.<key>``; its unit is one of :data:`UNITS`. The
ranges lie inside what :mod:`o2osim.config.validate` accepts, so a lever at either end is
a valid plan; combinations (a coupon worth more than its threshold) are still checked by
:func:`o2osim.config.validate_scenario` before a model is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GROUPS = ("channels", "coupon", "integration", "experience", "operations")
"""The groups of controls, in the order the page shows them."""

UNITS = ("m_cny", "cny", "share", "level", "weeks", "days", "multiplier", "switch", "choice")
"""How a lever's value reads: million CNY, CNY, a share shown as %, a 0-1 level, weeks,
days, a multiplier, on / off, one of a few choices."""


@dataclass(frozen=True)
class LeverSpec:
    """``plan.<setting>`` moved by a control: a slider from ``lo`` to ``hi`` by ``step``
    (in the unit's display scale: million CNY for ``m_cny``), a switch, or a choice."""

    setting: str
    group: str
    unit: str
    lo: float = 0.0
    hi: float = 1.0
    step: float = 1.0
    choices: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The lever's key in the catalogue and in a card (``channels.lbs_ads.budget_cny``
        reads ``lever.channels_budget`` with the channel's own name)."""
        return "channels_budget" if self.is_budget else self.setting

    @property
    def is_budget(self) -> bool:
        return self.setting.startswith("channels.")

    @property
    def channel(self) -> str:
        return self.setting.split(".")[1] if self.is_budget else ""

    def shown(self, value: Any) -> Any:
        """The plan's value in the control's scale (budgets in million CNY)."""
        return value / 1e6 if self.unit == "m_cny" else value

    def stored(self, shown: Any) -> Any:
        """The control's value in the plan's unit (million CNY back to CNY; whole numbers
        for whole-number settings)."""
        if self.unit == "m_cny":
            return round(float(shown) * 1e6, 2)
        if self.unit in ("weeks", "days"):
            return int(round(float(shown)))
        if self.unit in ("switch", "choice"):
            return shown
        return float(shown)

    def check(self, value: Any) -> str | None:
        """Why ``value`` (in the plan's unit) cannot be set, or None."""
        if self.unit == "switch":
            return None if isinstance(value, bool) else "true or false"
        if self.unit == "choice":
            return None if value in self.choices else ", ".join(self.choices)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"a number from {self.lo} to {self.hi}"
        shown = self.shown(value)
        if not self.lo - 1e-9 <= shown <= self.hi + 1e-9:
            scale = " million CNY" if self.unit == "m_cny" else ""
            return f"from {self.lo:g} to {self.hi:g}{scale}"
        return None


COUPON = (
    LeverSpec("coupon.kind", "coupon", "choice", choices=("threshold", "percent")),
    LeverSpec("coupon.threshold_cny", "coupon", "cny", 0, 1000, 10),
    LeverSpec("coupon.value_cny", "coupon", "cny", 0, 300, 5),
    LeverSpec("coupon.percent_off", "coupon", "share", 0, 0.5, 0.01),
    LeverSpec("coupon.claim_where", "coupon", "choice", choices=("online", "store", "both")),
    LeverSpec("coupon.redeem_where", "coupon", "choice", choices=("online", "store", "both")),
    LeverSpec("coupon.validity_days", "coupon", "days", 1, 60, 1),
)
INTEGRATION = (
    LeverSpec("integration.unified_membership", "integration", "switch"),
    LeverSpec("integration.unified_id_share", "integration", "share", 0, 1, 0.01),
    LeverSpec("integration.pos_coupon_integrated", "integration", "switch"),
    LeverSpec("integration.calendar_lag_weeks", "integration", "weeks", 0, 8, 1),
    LeverSpec("integration.o2o_traffic_guidance", "integration", "switch"),
    LeverSpec("integration.price_parity", "integration", "switch"),
    LeverSpec("integration.staff_briefed", "integration", "switch"),
    LeverSpec("integration.budget_reallocation", "integration", "switch"),
    LeverSpec("integration_cost_cny", "integration", "m_cny", 0, 3, 0.05),
)
EXPERIENCE = (
    LeverSpec("promise_level", "experience", "level", 0.4, 1.0, 0.01),
    LeverSpec("review_reward", "experience", "switch"),
    LeverSpec("referral_reward", "experience", "switch"),
)
OPERATIONS = (
    LeverSpec("operations.staff_multiplier", "operations", "multiplier", 0.5, 2.0, 0.05),
    LeverSpec("operations.weekend_staff_multiplier", "operations", "multiplier", 0.5, 2.0,
              0.05),
    LeverSpec("operations.booking_share", "operations", "share", 0, 1, 0.05),
)
BUDGET_MAX_M_CNY = 12.0
"""The top of a channel's budget slider, in million CNY (the presets' largest is 5.7)."""


def budget_lever(channel: str) -> LeverSpec:
    return LeverSpec(f"channels.{channel}.budget_cny", "channels", "m_cny", 0,
                     BUDGET_MAX_M_CNY, 0.1)


def levers_for(channels: Iterable[str]) -> tuple[LeverSpec, ...]:
    """Every lever of a market whose channels are ``channels``, in the page's order."""
    return (*(budget_lever(c) for c in channels), *COUPON, *INTEGRATION, *EXPERIENCE,
            *OPERATIONS)


def by_setting(channels: Iterable[str]) -> dict[str, LeverSpec]:
    return {lever.setting: lever for lever in levers_for(channels)}


def get(plan: Any, setting: str) -> Any:
    """The value of ``plan.<setting>`` on a :class:`~o2osim.config.schema.PlanConfig`
    (a channel absent from the plan has budget 0)."""
    node = plan
    parts = setting.split(".")
    if parts[0] == "channels":
        channel = plan.channels.get(parts[1])
        return 0.0 if channel is None else float(channel.budget_cny)
    for part in parts:
        node = getattr(node, part)
    return node


def put(plan: Any, setting: str, value: Any) -> None:
    """Set ``plan.<setting>`` in place (a channel absent from the plan is added)."""
    from o2osim.config.schema import ChannelPlan

    parts = setting.split(".")
    if parts[0] == "channels":
        channel = plan.channels.setdefault(parts[1], ChannelPlan(0.0))
        channel.budget_cny = float(value)
        return
    node = plan
    for part in parts[:-1]:
        node = getattr(node, part)
    setattr(node, parts[-1], value)


def values_of(plan: Any, channels: Iterable[str]) -> dict[str, Any]:
    """Every lever's value in ``plan``, by setting."""
    return {lever.setting: get(plan, lever.setting) for lever in levers_for(channels)}


def budget_total_cny(values: Mapping[str, Any]) -> float:
    """What the plan commits: the channel budgets plus the integration cost (CNY)."""
    return float(sum(v for k, v in values.items() if k.startswith("channels."))
                 + values.get("integration_cost_cny", 0.0))
