"""The scorecard: each target of a run, its rule, the value reached, MET or MISSED.

Reads only the ``metrics`` dict a run writes to ``metrics.json``. Plain text, no
colour, and columns wrap to fit the terminal width. Values are printed by the one rule
of :mod:`o2osim.reports.formats`: a value that misses its target never reads as the
threshold (``>= 1.80   1.796   MISSED``). Its words come from the catalogue
(``locale/<lang>/scorecard.yaml``, :mod:`o2osim.i18n`); Chinese characters count two
columns of the terminal (:func:`cells`).
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from typing import Any

from o2osim.i18n import current, kpi_label, t, using
from o2osim.reports.formats import format_rule, format_value

GAP = "  "
MIN_WRAP_WIDTH = 8
FEW_REPLICATIONS = 10
"""Below this many replications the probabilities are called rough: a share of R runs
moves in steps of 1/R and its exact 90 % interval is wider than ±15 points."""


def cells(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(width - cells(text), 0)


def _cut(line: str, width: int) -> int:
    """How many characters of ``line`` fit in ``width`` columns (at least one)."""
    used = 0
    for i, c in enumerate(line):
        used += cells(c)
        if used > width:
            return max(i, 1)
    return len(line)


def wrap(text: str, width: int, after: str = " _") -> list[str]:
    """Lines of at most ``width`` terminal columns, broken after the characters of
    ``after`` (spaces and underscores: KPI names; the comparison's dotted keys: spaces and
    dots); a piece still too long is hard-broken."""
    lines: list[str] = []
    line = ""
    breaks = re.escape(after)
    for piece in re.findall(f"[^{breaks}]*[{breaks}]*", text):
        if line and cells((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
        while cells(line.rstrip()) > width:
            n = _cut(line, width)
            lines.append(line[:n])
            line = line[n:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _wrap_note(note: str, width: int) -> list[str]:
    """A note in lines of ``width`` columns, the later ones indented by two; text with
    wide (Chinese) characters may break between any two of them, or after its
    punctuation."""
    if cells(note) == len(note):
        return textwrap.wrap(note, width, subsequent_indent="  ", break_on_hyphens=False)
    first, *rest = wrap(note, width - 2, after=" ，、；：")
    return [first, *("  " + line.lstrip() for line in rest)]


def target_label(name: str, target: dict[str, Any], lang: str | None = None) -> str:
    """A target as people read it: in English its own ``label`` (conf/targets), in
    another language the catalogue's name of its KPI (:func:`o2osim.i18n.kpi_label`;
    the label when the catalogue has none)."""
    own = str(target.get("label") or name)
    if (lang or current()) == "en":
        return own
    named = kpi_label(str(target.get("kpi", "")), lang)
    return own if named == target.get("kpi") else named




def _column_widths(rows: list[list[str]], wrappable: tuple[int, ...], width: int) -> list[int]:
    """Natural widths, with the wrappable columns shrunk in proportion when too wide."""
    natural = [max(cells(r[c]) for r in rows) for c in range(len(rows[0]))]
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
    text = t("scorecard.all_together", n=n, met=round(p * reps), reps=reps, p=f"{p:.2f}")
    ci = metrics.get("all_targets_probability_ci90")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        close = text[-1]  # the parenthesis of the sentence, in its language
        text = text[:-1] + t("scorecard.all_together_ci", lo=f"{100 * ci[0]:.0f}",
                             hi=f"{100 * ci[1]:.0f}") + close
    return text


def few_replications_warning(metrics: dict[str, Any]) -> str | None:
    """A plain warning when the probabilities rest on fewer than
    :data:`FEW_REPLICATIONS` replications."""
    reps = replications_of(metrics)
    if reps <= 1 or reps >= FEW_REPLICATIONS:
        return None
    return t("scorecard.few_replications", reps=reps)


def _result(target: dict[str, Any], metrics: dict[str, Any]) -> str:
    """MET / MISSED, with the share of replications meeting it when replicated."""
    word = t("scorecard.met") if target["met"] else t("scorecard.missed")
    if metrics.get("replications", 1) > 1 and "probability" in target:
        return f"{word} p={target['probability']:.2f}"
    return word


def format_scorecard(metrics: dict[str, Any], width: int = 80, lang: str | None = None
                     ) -> str:
    """The scorecard of a run as a plain-text table at most ``width`` columns wide
    (when the columns can wrap that far), in ``lang`` (default: the current language,
    :func:`o2osim.i18n.using`)."""
    with using(lang):
        return _format_scorecard(metrics, width)


def _format_scorecard(metrics: dict[str, Any], width: int) -> str:
    facts = [f"o2osim {metrics.get('version', '')}".strip()]
    facts += [f"{k} {metrics[k]}" for k in ("market", "plan", "seed") if k in metrics]
    facts += [t(key, n=f"{metrics[k]:,}") for k, key in (("population", "scorecard.consumers"),
                                                         ("days", "scorecard.days"))
              if k in metrics]
    header = " | ".join(facts)
    targets: dict[str, dict[str, Any]] = metrics.get("targets", {})
    if not targets:
        return header + "\n" + t("scorecard.no_targets")
    rows = [[t(f"scorecard.header.{h}") for h in ("target", "kpi", "rule", "value",
                                                   "result")]]
    for name, tg in targets.items():
        rows.append([target_label(name, tg), tg["kpi"],
                     format_rule(tg["kpi"], tg["op"], tg["threshold"]),
                     format_value(tg["kpi"], tg["value"], tg), _result(tg, metrics)])
    widths = _column_widths(rows, (0, 1), width)
    out = [header, ""]
    for i, row in enumerate(rows):
        lines = [wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(c) for c in lines)):
            parts = [ljust(c[n] if n < len(c) else "", w) for c, w in zip(lines, widths,
                                                                          strict=True)]
            out.append(GAP.join(parts).rstrip())
        if i == 0:
            out.append(GAP.join("-" * w for w in widths))
    missed = [name for name, tg in targets.items() if not tg["met"]]
    out.append("")
    notes = [t("scorecard.all_met") if not missed else
             t("scorecard.n_missed", missed=len(missed), total=len(targets),
               names=", ".join(missed) if current() == "en" else "，".join(
                   target_label(name, targets[name]) for name in missed))]
    together = all_targets_sentence(metrics)
    if together:
        notes.append(together)
        warning = few_replications_warning(metrics)
        if warning:
            notes.append(t("scorecard.warning") + warning)
        notes.append(t("scorecard.value_note", reps=replications_of(metrics)))
    for note in notes:
        out += _wrap_note(note, max(width, 20))
    kpis = metrics.get("kpis", {})
    shown = [(kpi_label(kpi), format_value(kpi, kpis[kpi])) for kpi in CONTEXT if kpi in kpis]
    if shown:
        out.append("")
        pad = max(cells(label) for label, _ in shown)
        out += [f"{ljust(label, pad)}  {value}" for label, value in shown]
    return "\n".join(out)


CONTEXT = ("purchasers", "revenue_cny", "total_cost_cny", "mean_wait_min", "p95_wait_min",
           "walkout_rate", "coupon_check_failure_rate")
"""KPIs printed under the targets, by their catalogue names (:func:`o2osim.i18n.kpi_label`):
money and the in-store queues (issue 3)."""
