"""The comparison's table and verdict for one market (:mod:`o2osim.reports.markets`):
every run judged against its target set (:mod:`o2osim.targets`), the Pareto frontier of
spend and conversion, the cheapest scenario meeting every target (or the closest), the
ranking (more targets met first, then the smaller total relative shortfall, then the
cheaper: :func:`o2osim.targets.closeness`), and which scenarios a large comparison
features in its figures (:func:`featured`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from o2osim.i18n import t as t_
from o2osim.reports.formats import format_rule, format_shortfall, format_value
from o2osim.reports.funnel import FunnelStage, funnel_stages
from o2osim.reports.runs import Run
from o2osim.reports.scenarios import (
    as_overrides,
    distinguishing,
    other_differences,
    scenario_labels,
)
from o2osim.reports.scorecard import target_label
from o2osim.targets import closeness, relative_shortfall, shortfall, total_relative_shortfall
from o2osim.targets import met as meets
from o2osim.targets import number as _number

__all__ = ["meets", "relative_shortfall", "shortfall", "total_relative_shortfall"]

SPEND = "total_spend_cny"
SPEND_KPI = "total_cost_cny"
SHORTFALL = "total_relative_shortfall"
CONVERSION = "conversion_rate"
SATISFACTION = "satisfaction_rate"
FULL_LABELS = 12
"""The most scenarios a comparison draws in full: every point labelled and keyed, every
funnel drawn. A larger comparison (a sweep) labels only the scenarios that matter
(:func:`featured`) and draws at most :data:`MAX_FUNNELS` funnels."""
MAX_FUNNELS = 12
"""The most funnel panels of a large comparison (more than :data:`FULL_LABELS`)."""
MAX_FRONTIER_LABELS = 30
"""The most Pareto-frontier scenarios a large comparison labels: a longer frontier (a
sweep of one budget puts most of its points on it) is thinned evenly by spend."""


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """One target of the scorecard: ``kpi op threshold``."""

    name: str
    kpi: str
    op: str
    threshold: float
    label: str

    @property
    def rule(self) -> str:
        """``>= 15.0 %`` (the threshold exactly: :func:`o2osim.reports.formats.format_rule`)."""
        return format_rule(self.kpi, self.op, self.threshold)


def union_targets(runs: Sequence[Run]) -> tuple[dict[str, Target], list[str]]:
    """Every target any run was judged on (the first definition wins), and one note per
    target that some runs define differently."""
    targets: dict[str, Target] = {}
    other: dict[str, list[tuple[str, Target]]] = {}
    for run in runs:
        for name, t in (run.metrics.get("targets") or {}).items():
            try:
                found = Target(str(name), str(t["kpi"]), str(t["op"]), float(t["threshold"]),
                               target_label(str(name), t))
            except (KeyError, TypeError, ValueError):
                continue
            first = targets.setdefault(name, found)
            if (found.kpi, found.op, found.threshold) != (first.kpi, first.op, first.threshold):
                other.setdefault(name, []).append((run.folder, found))
    notes = [t_("compare.verdict.target_note", name=name, n=len(runs_), kpi=runs_[0][1].kpi,
                rule=runs_[0][1].rule, folder=runs_[0][0], first_kpi=targets[name].kpi,
                first_rule=targets[name].rule)
             for name, runs_ in other.items()]
    return targets, notes


def format_gap(target: Target, value: float) -> str:
    """How far ``value`` misses ``target``, in words with its unit and as a share of the
    threshold: ``1.0 percentage points short (6.7 % of the threshold)``
    (:func:`o2osim.reports.formats.format_shortfall`)."""
    return format_shortfall(target, value)


# --------------------------------------------------------------------------- the table


def _stat(run: Run, kpi: str, which: str) -> float | None:
    """The ``p05`` / ``p95`` of a KPI over a replicated run's replications."""
    if not run.replicated:
        return None
    stats = (run.metrics.get("kpi_stats") or {}).get(kpi)
    return _number(stats.get(which)) if isinstance(stats, dict) else None


def kpi_names(runs: Sequence[Run]) -> list[str]:
    """Every KPI any run records, in the order first seen."""
    names: list[str] = []
    for run in runs:
        names += [k for k in run.metrics["kpis"] if k not in names]
    return names


def _total_spend(kpis: dict[str, Any]) -> float:
    if SPEND_KPI in kpis:
        return float(kpis[SPEND_KPI])
    return float(kpis.get("spend_cny", math.nan)) + float(kpis.get("coupon_subsidy_cny", 0.0))


def _probability(run: Run, name: str, target: Target) -> float | None:
    """Share of a replicated run's replications meeting ``target`` (same definition only)."""
    t = (run.metrics.get("targets") or {}).get(name) or {}
    same = (t.get("kpi"), t.get("op"), t.get("threshold")) == (
        target.kpi, target.op, target.threshold)
    p = t.get("probability")
    return float(p) if run.replicated and same and isinstance(p, int | float) else None


def comparison_table(runs: Sequence[Run], targets: dict[str, Target],
                     ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per run of one market: identity, what distinguishes it, spend, targets met,
    every KPI. ``ids``: the scenarios' IDs (default ``S1``, ``S2``, ...; a comparison of
    several markets numbers its scenarios across them)."""
    settings = distinguishing(runs)
    others = other_differences(runs, settings)
    labels = scenario_labels(runs, settings)
    replicated = any(r.replicated for r in runs)
    names = kpi_names(runs)
    rows = []
    for i, run in enumerate(runs):
        k, m = run.metrics["kpis"], run.metrics
        row: dict[str, Any] = {
            "scenario_id": ids[i] if ids is not None else f"S{i + 1}", "scenario": labels[i],
            "run_folder": run.folder,
            "distinguishing_overrides": as_overrides(settings[i]),
            "other_config_differences": as_overrides(others[i]),
            "market": m.get("market"), "plan": m.get("plan"), "seed": m.get("seed"),
            "replications": int(m.get("replications", 1) or 1), SPEND: _total_spend(k)}
        if replicated:
            row[f"{SPEND}_p05"] = _stat(run, SPEND_KPI, "p05")
            row[f"{SPEND}_p95"] = _stat(run, SPEND_KPI, "p95")
        met = {name: meets(t, k.get(t.kpi)) for name, t in targets.items()}
        row["targets_met"] = sum(met.values())
        row.update({f"meets_{name}": v for name, v in met.items()})
        row["meets_all_targets"] = all(met.values())
        row[SHORTFALL] = total_relative_shortfall(k, targets)
        if replicated:
            row.update({f"p_meets_{name}": _probability(run, name, t)
                        for name, t in targets.items()})
            p_all = m.get("all_targets_probability") if run.replicated else None
            row["p_meets_all_targets"] = float(p_all) if isinstance(p_all, int | float) else None
        for kpi in names:
            row[kpi] = _number(k.get(kpi))
            if replicated:
                row[f"{kpi}_p05"] = _stat(run, kpi, "p05")
                row[f"{kpi}_p95"] = _stat(run, kpi, "p95")
        rows.append(row)
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("meets_all_targets") + 1, "on_pareto_frontier",
                 pareto_frontier(table[SPEND].tolist(),
                                 table[CONVERSION].tolist() if CONVERSION in table else
                                 [math.nan] * len(table)))
    return table


# --------------------------------------------------------------------------- decisions


def pareto_frontier(spend: Sequence[float], value: Sequence[float]) -> list[bool]:
    """Which points no other point beats: none costs no more and converts at least as
    much while being strictly better on one of the two (min spend, max value).
    Points with a missing coordinate are never on the frontier; equal points both are."""
    ok = [_number(s) is not None and _number(v) is not None
          for s, v in zip(spend, value, strict=True)]
    out = []
    for i in range(len(spend)):
        dominated = any(
            ok[i] and ok[j] and spend[j] <= spend[i] and value[j] >= value[i]
            and (spend[j] < spend[i] or value[j] > value[i]) for j in range(len(spend)))
        out.append(ok[i] and not dominated)
    return out


@dataclass(frozen=True)
class Verdict:
    """The cheapest scenario meeting every target, or the one closest to it."""

    best: int | None
    """Row position of the cheapest scenario meeting all targets (None: none does)."""
    closest: int | None
    """Row position of the scenario with the smallest total relative shortfall (when none
    meets all targets)."""
    missed: list[tuple[Target, float, float]]
    """For ``closest``: each missed target, its value and shortfall in the KPI's unit (NaN
    for both when the value is missing: :mod:`o2osim.targets`)."""
    statement: str


def _row_name(row: pd.Series) -> str:
    return f"{row['scenario_id']} \"{row['scenario']}\""


def cheapest_meeting_all(table: pd.DataFrame, targets: dict[str, Target]) -> Verdict:
    """Pick the cheapest row meeting every target (ties: higher conversion, then first);
    if none does, the closest by :func:`o2osim.targets.closeness` — the most targets met,
    then the smallest sum of relative shortfalls (ties: cheaper, then first), the row
    :func:`rank_order` ranks first — and say what it misses, by how much (in the KPI's
    unit and as a share of the threshold) and, when it misses several, which of them it
    comes nearest to. ``table`` (one market's) needs ``scenario_id``, ``scenario``,
    ``total_spend_cny`` and the KPIs."""
    if table.empty:
        return Verdict(None, None, [], t_("compare.verdict.none"))
    n = len(targets)
    values = [{t.kpi: row.get(t.kpi) for t in targets.values()} for _, row in table.iterrows()]
    meeting = [i for i, v in enumerate(values) if all(meets(t, v[t.kpi])
                                                      for t in targets.values())]
    spend = [_number(x) for x in table[SPEND]]
    spend_key = [math.inf if x is None else x for x in spend]
    conv = [_number(x) or 0.0 for x in table.get(CONVERSION, [0.0] * len(table))]
    if meeting:
        best = min(meeting, key=lambda i: (spend_key[i], -conv[i], i))
        row = table.iloc[best]
        text = t_("compare.verdict.best", n=n, name=_row_name(row),
                  spend=format_value(SPEND, row[SPEND]))
        p_all = row.get("p_meets_all_targets")
        if isinstance(p_all, float) and not math.isnan(p_all):
            text += t_("compare.verdict.best_p", pct=f"{100 * p_all:.0f}")
        return Verdict(best, None, [], text)

    closest = min(range(len(table)),
                  key=lambda i: (*closeness(values[i], targets), spend_key[i], i))
    row = table.iloc[closest]
    missed = []
    for t in targets.values():
        v = _number(values[closest][t.kpi])
        if not meets(t, v):
            missed.append((t, math.nan if v is None else v, shortfall(t, v)))
    parts = [t_("compare.verdict.missed_part", label=t.label, kpi=t.kpi,
                value=format_value(t.kpi, v, t), rule=t.rule,
                gap=format_gap(t, v) if math.isfinite(gap) else t_("compare.verdict.no_value"))
             for t, v, gap in missed]
    text = t_("compare.verdict.closest", n=n, met=n - len(missed), name=_row_name(row),
              spend=format_value(SPEND, row[SPEND]), missed=len(missed),
              parts=t_("compare.verdict.part_sep").join(parts))
    measured = [m for m in missed if not math.isnan(m[2])]  # a missing value is no "near"
    if len(missed) > 1 and measured:
        t, v, gap = min(measured, key=lambda m: relative_shortfall(m[0], m[1]))
        if math.isfinite(gap):
            text += t_("compare.verdict.nearest", label=t.label, gap=format_gap(t, v))
    return Verdict(None, closest, missed, text)


def rank_order(table: pd.DataFrame) -> list[int]:
    """Row positions of one market's table ranked by :func:`o2osim.targets.closeness` —
    more targets met first (``targets_met``), then the smaller total relative shortfall —
    then by spend: the scenarios meeting every target first, cheapest first; the closest
    of the others follow. A table without ``targets_met`` ranks by shortfall alone."""
    met = table["targets_met"] if "targets_met" in table else [0] * len(table)

    def key(i: int) -> tuple[float, float, float, int]:
        gap, spend = _number(table[SHORTFALL].iloc[i]), _number(table[SPEND].iloc[i])
        count = _number(met[i] if isinstance(met, list) else met.iloc[i])
        return (-(count or 0.0), math.inf if gap is None else gap,
                math.inf if spend is None else spend, i)

    return sorted(range(len(table)), key=key)


def ranked(table: pd.DataFrame) -> pd.DataFrame:
    """The rows in :func:`rank_order`."""
    return table.iloc[rank_order(table)]


BEST_ROLE, CLOSEST_ROLE, FRONTIER_ROLE, SATISFIED_ROLE = "best", "closest", "frontier", "satisfied"
"""Why :func:`featured` names a scenario; in words: :func:`role_text`."""


def role_text(roles: str) -> str:
    """:func:`featured`'s roles (``"best, frontier"``) in words of the current language:
    ``★ cheapest meeting all targets, Pareto frontier``."""
    return t_("compare.shown.sep").join(t_(f"compare.roles.{r}") for r in roles.split(", "))


def is_large(table: pd.DataFrame) -> bool:
    """True for a comparison of more than :data:`FULL_LABELS` scenarios."""
    return len(table) > FULL_LABELS


def frontier_rows(table: pd.DataFrame) -> list[int]:
    """Row positions of the Pareto frontier, cheapest first (ties: in table order)."""
    on = [i for i, f in enumerate(table["on_pareto_frontier"]) if f]
    return sorted(on, key=lambda i: (_number(table[SPEND].iloc[i]) or 0.0, i))


def featured(table: pd.DataFrame, verdict: Verdict) -> dict[int, str]:
    """The scenarios that matter, by row position, each with why (``"frontier"``, several
    joined by ``", "``; :func:`role_text` in words): the one the verdict names (:data:`BEST_ROLE` or
    :data:`CLOSEST_ROLE`), the Pareto frontier (it holds the cheapest and the most
    converting; beyond :data:`MAX_FRONTIER_LABELS`, that many spread evenly by spend,
    both ends kept) and the most satisfied (the top of the quadrant chart). The
    verdict's first, then the others in :func:`rank_order`. A large comparison labels
    these in its charts and draws their funnels (the first :data:`MAX_FUNNELS`).
    ``table`` as made by :func:`comparison_table`."""
    roles: dict[int, list[str]] = {}
    if verdict.best is not None:
        roles[verdict.best] = [BEST_ROLE]
    elif verdict.closest is not None:
        roles[verdict.closest] = [CLOSEST_ROLE]
    front = frontier_rows(table)
    last, most = len(front) - 1, MAX_FRONTIER_LABELS - 1
    picked = ({front[round(k * last / most)] for k in range(MAX_FRONTIER_LABELS)}
              if len(front) > MAX_FRONTIER_LABELS else set(front))
    for i in front:
        if i in picked or i in roles:
            roles.setdefault(i, []).append(FRONTIER_ROLE)
    if SATISFACTION in table and table[SATISFACTION].notna().any():
        roles.setdefault(int(table[SATISFACTION].reset_index(drop=True).idxmax()), []).append(
            SATISFIED_ROLE)
    first = [i for i in (verdict.best, verdict.closest) if i is not None][:1]
    order = first + [i for i in rank_order(table) if i in roles and i not in first]
    return {i: ", ".join(roles[i]) for i in order}


def labelled(table: pd.DataFrame, verdict: Verdict) -> list[int]:
    """Row positions of the scenarios the charts label and list in their key, in table
    order: all of them in a comparison of at most :data:`FULL_LABELS`, else the
    :func:`featured` ones."""
    if not is_large(table):
        return list(range(len(table)))
    return sorted(featured(table, verdict))


def funnel_rows(table: pd.DataFrame, verdict: Verdict) -> list[int]:
    """Row positions of the scenarios whose funnels are drawn: all of them, in table
    order, in a comparison of at most :data:`FULL_LABELS`; else the first
    :data:`MAX_FUNNELS` :func:`featured` ones (the verdict's first, then by rank)."""
    if not is_large(table):
        return list(range(len(table)))
    return list(featured(table, verdict))[:MAX_FUNNELS]



PURCHASED_KEY = "purchased"
"""The stage (its ``key``) of :func:`o2osim.reports.funnel.funnel_stages` whose share of the
aware is the full-channel conversion."""
PURCHASED = t_(f"figures.funnel.stages.{PURCHASED_KEY}", "en")
"""That stage's label in English (the catalogue's)."""


@dataclass(frozen=True)
class FunnelStep:
    """One stage of a scenario's funnel with the shares that explain it."""

    stage: FunnelStage
    of_population: float
    """The stage's consumers as a share of the run's simulated consumers (%)."""
    of_aware: float | None
    """For the purchased: as a share of the aware (%), the full-channel conversion."""

    @property
    def shares(self) -> str:
        """``0.8 % of the population; 2.7 % of the aware`` (the second for the purchased)."""
        text = t_("compare.funnel_shares", pop=f"{self.of_population:.1f}")
        return text + (t_("compare.funnel_shares_aware", aware=f"{self.of_aware:.1f}")
                       if self.of_aware is not None else "")


def scenario_funnel(run: Run) -> list[FunnelStep] | None:
    """The run report's funnel (:func:`o2osim.reports.funnel.funnel_stages`: exposed →
    aware → visited a store → purchased → purchased again, split online / offline) with
    each stage's share of the population, and the purchased's of the aware. None when
    ``metrics.json`` lacks the funnel KPIs (``exposed``, ``aware``, ``purchasers``)."""
    kpis = run.metrics["kpis"]
    if any(_number(kpis.get(k)) is None for k in ("exposed", "aware", "purchasers")):
        return None
    population = _number(kpis.get("population")) or _number(run.metrics.get("population"))
    conversion = _number(kpis.get("conversion_rate"))
    if conversion is None:  # a file from before the customer base: purchasers / aware
        aware = float(kpis["aware"])
        conversion = float(kpis["purchasers"]) / aware if aware else None
    return [FunnelStep(s, 100 * s.total / (population or 1),
                       100 * conversion if s.key == PURCHASED_KEY and conversion is not None
                       else None)
            for s in funnel_stages(kpis)]


FRONTIER_PART = "compare.shown.frontier_part"
"""How :func:`shown_phrase` names a part of the frontier (by default; a catalogue key)."""


def shown_phrase(table: pd.DataFrame, roles: dict[int, str], shown: Sequence[int],
                 part: str = FRONTIER_PART) -> str:
    """What the ``shown`` rows of a large comparison's :func:`featured` ``roles`` are, in
    words: ``the closest to meeting all targets and the best-ranked 11 of the 26 on the
    Pareto frontier`` (``part``: the catalogue's key naming a part of the frontier,
    ``{got}`` of ``{of}``), in the current language."""
    def count(role: str, rows: Iterable[int]) -> int:
        return sum(role in roles[i].split(", ") for i in rows)

    what = []
    of = len(frontier_rows(table))
    for role in (BEST_ROLE, CLOSEST_ROLE, FRONTIER_ROLE, SATISFIED_ROLE):
        name = t_(f"compare.shown.{role}")
        got = count(role, shown)
        if got and role == FRONTIER_ROLE:
            what.append((t_("compare.shown.the_one", name=name) if of == 1 else
                         t_("compare.shown.the_all", of=of, name=name)) if got == of else
                        t_(part, got=got, of=of))
        elif got:
            what.append(name)
    return (t_("compare.shown.sep").join(what[:-1])
            + (t_("compare.shown.and") if len(what) > 1 else "") + what[-1])


def csv_table(table: pd.DataFrame, verdict: Verdict) -> pd.DataFrame:
    """The table as written to ``comparison.csv``: rank and the cheapest-meeting-all flag
    added. Skipped runs are not rows (they are listed in the HTML and the summary)."""
    out = table.copy()
    rank = {sid: r for r, sid in enumerate(ranked(table)["scenario_id"], start=1)}
    out.insert(2, "rank", [rank[s] for s in out["scenario_id"]])
    flag = [verdict.best == i for i in range(len(out))]
    out.insert(out.columns.get_loc("on_pareto_frontier") + 1, "cheapest_meeting_all", flag)
    return out

