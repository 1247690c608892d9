"""The scorecard: each target of a run, its rule, the value reached, MET or MISSED.

Reads only the ``metrics`` dict a run writes to ``metrics.json``. Plain text, no
colour, and columns wrap to fit the terminal width. Values are printed by the one rule
of :mod:`o2osim.reports.formats`: a value that misses its target never reads as the
threshold (``>= 1.80   1.796   MISSED``).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from o2osim.reports.formats import format_rule, format_value

GAP = "  "
MIN_WRAP_WIDTH = 8
FEW_REPLICATIONS = 10
"""Below this many replications the probabilities are called rough: a share of R runs
moves in steps of 1/R and its exact 90 % interval is wider than ±15 points."""


def wrap(text: str, width: int, after: str = " _") -> list[str]:
    """Lines of at most ``width`` characters, broken after the characters of ``after``
    (spaces and underscores: KPI names; the comparison's dotted keys: spaces and dots);
    a piece still too long is hard-broken."""
    lines: list[str] = []
    line = ""
    breaks = re.escape(after)
    for piece in re.findall(f"[^{breaks}]*[{breaks}]*", text):
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


def replications_of(metrics: dict[str, Any]) -> int:
    """Number of replications behind ``metrics`` (1 for a single run)."""
    try:
        return max(int(metrics.get("replications", 1) or 1), 1)
    except (TypeError, ValueError):
        return 1


def all_targets_sentence(metrics: dict[str, Any]) -> str | None:
    """The chance of meeting every target together, in words (replicated runs only):
    ``All 9 targets together: met in 1 of 3 replications (p=0.33, 90 % interval ...)``."""
    reps = replications_of(metrics)
    p = metrics.get("all_targets_probability")
    if reps <= 1 or not isinstance(p, int | float):
        return None
    n = len(metrics.get("targets", {}))
    text = (f"All {n} targets together: met in {round(p * reps)} of {reps} replications "
            f"(p={p:.2f}")
    ci = metrics.get("all_targets_probability_ci90")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        text += f", 90 % interval {100 * ci[0]:.0f} % - {100 * ci[1]:.0f} %"
    return text + ")"


def few_replications_warning(metrics: dict[str, Any]) -> str | None:
    """A plain warning when the probabilities rest on fewer than
    :data:`FEW_REPLICATIONS` replications."""
    reps = replications_of(metrics)
    if reps <= 1 or reps >= FEW_REPLICATIONS:
        return None
    return (f"Probabilities from only {reps} replications are rough: each is a share of "
            f"{reps} runs. Use sim.replications=20 or more before relying on them.")


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
                     format_rule(t["kpi"], t["op"], t["threshold"]),
                     format_value(t["kpi"], t["value"], t), _result(t, metrics)])
    widths = _column_widths(rows, (0, 1), width)
    out = [header, ""]
    for i, row in enumerate(rows):
        cells = [wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(c) for c in cells)):
            parts = [(c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths,
                                                                          strict=True)]
            out.append(GAP.join(parts).rstrip())
        if i == 0:
            out.append(GAP.join("-" * w for w in widths))
    missed = [name for name, t in targets.items() if not t["met"]]
    out.append("")
    notes = ["All targets met" if not missed else
             f"{len(missed)} of {len(targets)} targets missed: {', '.join(missed)}"]
    together = all_targets_sentence(metrics)
    if together:
        notes.append(together)
        warning = few_replications_warning(metrics)
        if warning:
            notes.append("WARNING: " + warning)
        notes.append(f"Value: the mean over the {replications_of(metrics)} replications; "
                     "p: the share of them that met the target.")
    for note in notes:
        out += textwrap.wrap(note, max(width, 20), subsequent_indent="  ",
                             break_on_hyphens=False)
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
