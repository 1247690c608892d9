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
