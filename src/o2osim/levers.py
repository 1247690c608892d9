"""Plan levers as data: a plan setting, what to do with it, and when it counts as pulled.

Declared next to what they move — the KPIs (:mod:`o2osim.kpis`) and the experience-gap
causes (:data:`o2osim.components.shopping.CAUSES`) — and read by the report's "what to
change" advice. Plain data (no code), so that a run's ``metrics.json`` can carry them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

_PULLED = {
    "is": lambda v, x: v is x,
    "==": lambda v, x: v == x,
    ">=": lambda v, x: isinstance(v, int | float) and v >= x,
    "<=": lambda v, x: isinstance(v, int | float) and v <= x,
}


@dataclass(frozen=True)
class Lever:
    """``plan.<setting>``: ``advice``; pulled when ``value <pulled_op> pulled_value``
    (``pulled_op`` empty: a lever that is never "already pulled", such as a budget)."""

    setting: str  # under plan, dotted
    advice: str
    pulled_op: str = ""
    pulled_value: Any = None

    def pulled(self, value: Any) -> bool:
        """Is the plan's ``value`` of this setting already as the advice says?"""
        if not self.pulled_op or value is None:
            return False
        return bool(_PULLED[self.pulled_op](value, self.pulled_value))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Lever:
        return cls(**d)


def on(setting: str, advice: str) -> Lever:
    """A switch: pulled when on."""
    return Lever(setting, advice, "is", True)


@dataclass(frozen=True)
class Cause:
    """An experience-gap cause as the component that counts it declares it: its words,
    where it can happen, and the plan levers that remove it (none: ``no_lever`` says
    why)."""

    name: str  # the key in satisfaction_drivers
    label: str  # what happened, in plain words
    short: str  # the satisfaction chart's label
    where: str  # "store" (visits only) or "both" (visits and online orders)
    levers: tuple[Lever, ...] = ()
    no_lever: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "short": self.short, "where": self.where,
                "levers": [lever.as_dict() for lever in self.levers],
                "no_lever": self.no_lever}

    @classmethod
    def from_dict(cls, name: str, d: dict[str, Any]) -> Cause:
        return cls(name=name, label=d["label"], short=d.get("short", d["label"]),
                   where=d.get("where", "store"),
                   levers=tuple(Lever.from_dict(x) for x in d.get("levers", ())),
                   no_lever=d.get("no_lever", ""))
