"""The scorecard: each target of a run, its rule, the value reached, MET or MISSED.

Reads only the ``metrics`` dict a run writes to ``metrics.json``. Plain text, no
colour, and columns wrap to fit the terminal width.
"""

from __future__ import annotations

import math
import re
from typing import Any

GAP = "  "
MIN_WRAP_WIDTH = 8


def format_value(kpi: str, value: Any) -> str:
    """A KPI value for people: rates as percentages, ROI with 2 decimals, steps whole."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "n/a"
    if kpi.endswith("_rate"):
        return f"{100 * value:.1f} %"
    if kpi == "roi":
        return f"{value:.2f}"
    if kpi.startswith("steps_"):
        return f"{value:.0f}"
    if kpi.endswith("_cny"):
        return f"{value:,.0f} CNY"
    if kpi.endswith("_min"):
        return f"{value:.1f} min"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}"


def _wrap(text: str, width: int) -> list[str]:
    """Break after spaces and underscores (KPI names), hard-break what is still too long."""
    lines: list[str] = []
    line = ""
    for piece in re.findall(r"[^ _]*[ _]*", text):
        if line and len((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
        while len(line.rstrip()) > width:
            lines.append(line[:width])
            line = line[width:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _column_widths(rows: list[list[str]], wrappable: tuple[int, ...], width: int) -> list[int]:
    """Natural widths, with the wrappable columns shrunk in proportion when too wide."""
    natural = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    fixed = sum(w for c, w in enumerate(natural) if c not in wrappable)
    room = width - fixed - len(GAP) * (len(natural) - 1)
    wanted = sum(natural[c] for c in wrappable)
    if wanted <= room:
        return natural
    return [max(MIN_WRAP_WIDTH, room * w // wanted) if c in wrappable else w
            for c, w in enumerate(natural)]


def _result(t: dict[str, Any], metrics: dict[str, Any]) -> str:
    """MET / MISSED, with the share of replications meeting it when replicated."""
    word = "MET" if t["met"] else "MISSED"
    if metrics.get("replications", 1) > 1 and "probability" in t:
        return f"{word} p={t['probability']:.2f}"
    return word


def format_scorecard(metrics: dict[str, Any], width: int = 80) -> str:
    """The scorecard of a run as a plain-text table at most ``width`` columns wide
    (when the columns can wrap that far)."""
    facts = [f"o2osim {metrics.get('version', '')}".strip()]
    facts += [f"{k} {metrics[k]}" for k in ("market", "plan", "seed") if k in metrics]
    facts += [f"{metrics[k]:,} {unit}" for k, unit in (("population", "consumers"),
                                                          ("days", "days")) if k in metrics]
    header = " | ".join(facts)
    targets: dict[str, dict[str, Any]] = metrics.get("targets", {})
    if not targets:
        return header + "\nNo targets."
    rows = [["Target", "KPI", "Rule", "Value", "Result"]]
    for name, t in targets.items():
        rows.append([t.get("label") or name, t["kpi"],
                     f"{t['op']} {format_value(t['kpi'], t['threshold'])}",
                     format_value(t["kpi"], t["value"]), _result(t, metrics)])
    widths = _column_widths(rows, (0, 1), width)
    out = [header, ""]
    for i, row in enumerate(rows):
        cells = [_wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(c) for c in cells)):
            parts = [(c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths,
                                                                          strict=True)]
            out.append(GAP.join(parts).rstrip())
        if i == 0:
            out.append(GAP.join("-" * w for w in widths))
    missed = [name for name, t in targets.items() if not t["met"]]
    out.append("")
    out.append("All targets met" if not missed else
               f"{len(missed)} of {len(targets)} targets missed: {', '.join(missed)}")
    kpis = metrics.get("kpis", {})
    shown = [(label, format_value(kpi, kpis[kpi])) for kpi, label in CONTEXT if kpi in kpis]
    if shown:
        out.append("")
        pad = max(len(label) for label, _ in shown)
        out += [f"{label.ljust(pad)}  {value}" for label, value in shown]
    return "\n".join(out)


CONTEXT = (
    ("purchasers", "Purchasers (simulated consumers)"),
    ("revenue_cny", "Revenue"),
    ("total_cost_cny", "Total cost (media + coupons + integration)"),
    ("mean_wait_min", "Mean wait in store"),
    ("p95_wait_min", "95th-percentile wait in store"),
    ("walkout_rate", "Store walk-outs (balked or reneged)"),
    ("coupon_check_failure_rate", "Coupon checks failed at the till"),
)
"""KPIs printed under the targets: money and the in-store queues (issue 3)."""
