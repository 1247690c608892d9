"""Numbers in a report's words — the one formatting rule of the scorecard, the run report,
``o2osim-compare`` and the search's summary.

A KPI's value is formatted by its unit in the registry (:func:`o2osim.kpis.unit_of`):
shares as percentages with one decimal, ROI with two, steps whole, money in CNY, minutes
with one decimal, counts with thousands separators (:func:`format_value`).

**Beside a target, a value never prints as its threshold unless it equals it.** With a
target, :func:`format_value` shows the value with at least the decimals the threshold
needs (:func:`format_threshold` prints a threshold exactly: ``>= 15.25 %``), then adds
decimals, up to :data:`MAX_EXTRA_DECIMALS` more, until value and threshold print
differently: ROI 1.7958 against ``>= 1.80`` prints ``1.7958``, conversion 0.1496 against
``>= 15.0 %`` prints ``14.96 %``, 3.004 steps against ``<= 3`` prints ``3.004``. Rounding
never crosses a threshold printed exactly, so the printed value lies on the same side of
the printed threshold as the value does. A value closer still prints as the comparison
with the threshold (``< 15.0 %``). A value equal to its threshold prints as it (``1.80``,
met). :func:`format_shortfall` names how far a value misses, in the KPI's unit and as a
share of the threshold, with enough digits never to read 0.

The other helpers (:func:`count`, :func:`pct`, :func:`ratio`) format counts and ratios of
the report's tables that no target judges.

Words and units (``n/a``, ``CNY``, ``percentage points`` ...) are the catalogue's
(``locale/<lang>/formats.yaml``), in the current language (:func:`o2osim.i18n.using`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from o2osim.i18n import t
from o2osim.kpis import MINUTES, ROI_UNIT, SHARE, STEPS, unit_of
from o2osim.targets import GE, Target, number, relative_shortfall, rule, shortfall

MAX_EXTRA_DECIMALS = 4
"""The most decimals :func:`format_value` adds to tell a value from its threshold; a value
closer than that prints as ``< threshold`` or ``> threshold``."""
_EXACT = 1e-9
"""Relative tolerance of "this many decimals print the threshold exactly" (0.15 is
15.000000000000002 % in binary)."""


# --------------------------------------------------------------------------- KPI values


def _default_decimals(unit: str, x: float) -> int:
    """Decimals of a value of ``unit`` printed on its own."""
    if unit == SHARE or unit == MINUTES:
        return 1
    if unit == ROI_UNIT:
        return 2
    if unit == STEPS or unit.startswith("CNY"):  # after ROI: its unit starts with CNY
        return 0
    if x == 0 or float(x).is_integer() or abs(x) >= 100:  # counts (means of replications too)
        return 0
    return max(0, 2 - math.floor(math.log10(abs(x))))  # three significant digits


def _scaled(unit: str, x: float) -> float:
    """``x`` in the unit it is printed in (a share in percent)."""
    return 100 * x if unit == SHARE else x


def _render(unit: str, x: float, decimals: int) -> str:
    """``x`` of ``unit`` with ``decimals`` decimals and its unit."""
    text = f"{_scaled(unit, x):,.{decimals}f}"
    if unit in (ROI_UNIT, STEPS):
        return text.replace(",", "")
    if unit == SHARE:
        return text + " %"
    if unit.startswith("CNY"):
        return t("formats.cny", n=text)
    if unit == MINUTES:
        return t("formats.minutes", n=text)
    return text


def threshold_decimals(kpi: str, threshold: float) -> int:
    """The decimals that print ``threshold`` exactly (at least the unit's own, at most
    :data:`MAX_EXTRA_DECIMALS` more)."""
    unit = unit_of(kpi)
    shown = _scaled(unit, threshold)
    first = _default_decimals(unit, threshold)
    for d in range(first, first + MAX_EXTRA_DECIMALS + 1):
        if abs(round(shown, d) - shown) <= _EXACT * max(1.0, abs(shown)):
            return d
    return first + MAX_EXTRA_DECIMALS


def format_threshold(kpi: str, threshold: Any) -> str:
    """A target's threshold, exactly: ``15.0 %``, ``15.25 %``, ``1.80``, ``3``."""
    x = number(threshold)
    if x is None or not math.isfinite(x):
        return t("formats.n_a")
    return _render(unit_of(kpi), x, threshold_decimals(kpi, x))


def format_rule(kpi: str, op: str, threshold: Any) -> str:
    """A target's rule: ``>= 15.0 %``."""
    return f"{op} {format_threshold(kpi, threshold)}"


def _against(kpi: str, x: float, target: Target) -> tuple[str, int]:
    """``x`` as printed beside ``target`` (the module's rule) and its decimals."""
    unit = unit_of(kpi)
    threshold = rule(target)[1]
    d = max(_default_decimals(unit, x), threshold_decimals(kpi, threshold))
    if x == threshold:
        return _render(unit, x, d), d
    for extra in range(d, d + MAX_EXTRA_DECIMALS + 1):
        text = _render(unit, x, extra)
        if text != _render(unit, threshold, extra):
            return text, extra
    return f"{'<' if x < threshold else '>'} {_render(unit, threshold, d)}", d


def format_value(kpi: str, value: Any, target: Target | None = None) -> str:
    """A KPI value for people, by its unit in the registry (:func:`o2osim.kpis.unit_of`):
    shares as percentages, ROI with 2 decimals, steps whole, CNY and minutes with their
    unit, counts with thousands separators; ``n/a`` for a missing or infinite value.

    With ``target`` (a target of :mod:`o2osim.targets`), enough digits to tell the value
    from the threshold (the module docstring)."""
    x = number(value)
    if x is None or not math.isfinite(x):
        return t("formats.n_a")
    unit = unit_of(kpi)
    if target is not None and not _judgeable(target):
        target = None  # a target without a usable rule: the value on its own
    if target is None:
        if _default_decimals(unit, x) and unit not in (SHARE, MINUTES, ROI_UNIT):
            return f"{x:.3g}"  # a count under 100 that is not whole: a mean
        return _render(unit, x, _default_decimals(unit, x))
    return _against(kpi, x, target)[0]


# --------------------------------------------------------------------------- shortfalls


def format_share(share: float) -> str:
    """A share for people: whole percent from 10 % (``0.25`` → ``25 %``), one decimal
    below (``6.7 %``), more decimals until it does not read 0 (``0.3 %``, ``0.04 %``)."""
    p = 100 * share
    if p == 0 or not math.isfinite(p):
        return f"{p:.0f} %"
    d = 0 if abs(p) >= 9.95 else 1  # 9.96 % reads 10 %, not 10.0 %
    while float(f"{p:.{d}f}") == 0 and d < 8:
        d += 1
    return f"{p:.{d}f} %"


def _amount(kpi: str, gap: float, decimals: int) -> str:
    """A shortfall in the KPI's unit with ``decimals`` decimals (more until non-zero)."""
    unit = unit_of(kpi)
    scaled = _scaled(unit, gap)
    while float(f"{scaled:.{decimals}f}") == 0 and decimals < 10:
        decimals += 1
    if unit == SHARE:
        return t("formats.points", n=f"{scaled:.{decimals}f}")
    if unit == ROI_UNIT:
        return t("formats.roi_gap", n=f"{gap:.{decimals}f}")
    if unit == STEPS:
        text = f"{gap:.{decimals}f}"
        return t("formats.step" if text == "1" else "formats.steps", n=text)
    return _render(unit, gap, decimals)


def format_shortfall(target: Target, value: Any, kpi: str | None = None,
                     brief: bool = False) -> str:
    """How far ``value`` misses ``target``, in the KPI's unit and as a share of the
    threshold: ``1.0 percentage points short, 6.7 % of the threshold``, ``1 step over, 33 %
    of the threshold``; ``met`` when it does not miss, ``no value`` when it is missing.
    The amount has at least the decimals the value is printed with beside the target
    (:func:`format_value`), more until it does not read 0. ``kpi``: the KPI's name when
    ``target`` does not carry it. ``brief`` (a table's "missed by" column): the amount and
    the share only, ``1.0 percentage points (6.7 %)``."""
    name = str(kpi or _field(target, "kpi") or "")
    x = number(value)
    if x is None or not _judgeable(target):
        return t("formats.no_value")
    gap = shortfall(target, x)
    if gap == 0:
        return t("formats.met")
    op, threshold = rule(target)
    side = "short" if op == GE else "over"
    if not math.isfinite(gap):
        return t(f"formats.infinitely_{side}")
    decimals = _against(name, x, target)[1]
    amount, share = _amount(name, gap, decimals), format_share(relative_shortfall(target, x))
    if brief:
        return t("formats.brief", amount=amount, share=share) if threshold != 0 else amount
    return t(f"formats.{side}", amount=amount) + (
        t("formats.of_threshold", share=share) if threshold != 0 else "")


def _judgeable(target: Target) -> bool:
    """True when ``target`` has a rule (``>=`` / ``<=``) and a finite threshold."""
    try:
        return math.isfinite(rule(target)[1])
    except (TypeError, ValueError):
        return False


def _field(target: Target, name: str) -> Any:
    return target.get(name) if isinstance(target, Mapping) else getattr(target, name, None)


# --------------------------------------------------------------------------- counts, ratios


def count(value: Any) -> str:
    """A count or an amount for people: thousands separated, no decimals (a mean over
    replications under 100: one decimal); ``n/a`` when it is not a finite number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return t("formats.n_a")
    if not math.isfinite(v):
        return t("formats.n_a")
    if abs(v) < 100 and not v.is_integer():  # a mean over replications
        return f"{v:,.1f}"
    return f"{v:,.0f}"


def pct(num: float, den: float) -> str:
    """``num / den`` in percent with one decimal (``n/a`` when ``den`` is not positive)."""
    return f"{100 * num / den:.1f} %" if den > 0 else t("formats.n_a")


def ratio(num: float, den: float) -> str:
    """``num / den`` with two decimals (``n/a`` when ``den`` is not positive)."""
    return f"{num / den:.2f}" if den > 0 else t("formats.n_a")


def value_of(k: Mapping[str, Any], name: str) -> float:
    """``k[name]`` as a float; 0 when it is missing or not a number."""
    value = k.get(name, 0.0)
    return float(value) if isinstance(value, int | float) else 0.0
