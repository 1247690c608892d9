"""Which runs a comparison may judge against each other: the same market and the same
targets (docs/compare.md, "One market at a time").

A plan is chosen for a market: a verdict, a Pareto frontier or a ranking over scenarios
of different markets would compare worlds, not plans. So ``o2osim-compare`` splits the
runs it reads into **groups**: runs of one market — the same preset with the same
settings (every ``market.*`` value of the resolved config) — judged by one target set
(every target's KPI, rule and threshold). Each group gets its own verdict, frontier and
ranking (:mod:`o2osim.reports.compare_table`); mixing markets in one command is allowed
and the summary and the page say so (:func:`mixing_sentence`).

A run without ``.hydra`` knows only its market's name: it joins the runs of that name
when they all share one market config, and forms its own group ("settings not
recorded") when they do not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from o2osim.i18n import t
from o2osim.reports.compare_table import (
    Target,
    Verdict,
    cheapest_meeting_all,
    comparison_table,
    union_targets,
)
from o2osim.reports.formats import format_rule
from o2osim.reports.runs import Run
from o2osim.reports.scenarios import override_value, short_keys

MARKET_PREFIX = "market."
"""The resolved config's keys that describe the market."""

TargetSet = tuple[tuple[str, str, str, float], ...]
"""A run's targets as ``(name, kpi, op, threshold)``, sorted by name."""


@dataclass(frozen=True)
class MarketGroup:
    """Runs judged against each other: one market, one target set."""

    number: int
    """1, 2, ... in the order the groups' first runs were given."""
    market: str
    """The market: its preset's name (``metrics.json`` ``market``), with the settings
    that tell it from another config of that preset when the comparison has several."""
    label: str
    """The group as people read it: ``hotpot_chain``, ``hotpot_chain (stores.reality_level
    =0.6)``, ``hotpot_chain · targets strict`` — unique within the comparison."""
    runs: tuple[int, ...]
    """Positions of its runs in the comparison's run list, in that order."""
    notes: tuple[str, ...] = ()
    """What sets it apart from a group of the same market (another target set)."""

    @property
    def slug(self) -> str:
        """A file-name-safe tag for its figures: ``2-hotpot_chain``."""
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", self.market.split(" ")[0]).strip("_")[:40]
        safe = safe or "market"
        return f"{self.number}-{safe}"


def market_name(run: Run) -> str:
    """The run's market preset (``metrics.json``, else Hydra's choice), ``?`` if unknown."""
    name = run.metrics.get("market") or run.choices.get("market")
    return str(name) if name is not None else "?"


def market_settings(run: Run) -> tuple[tuple[str, str], ...] | None:
    """The run's market config, ``((key, value), ...)`` sorted; None without ``.hydra``."""
    if not run.has_hydra_config:
        return None
    return tuple(sorted((k[len(MARKET_PREFIX):], override_value(v)) for k, v in
                        run.config.items() if k.startswith(MARKET_PREFIX)))


def target_set(run: Run) -> TargetSet:
    """The run's targets as :data:`TargetSet` (a target without a usable rule is left
    out, as :func:`o2osim.reports.compare_table.union_targets` leaves it out)."""
    out = []
    for name, target in (run.metrics.get("targets") or {}).items():
        try:
            threshold = float(target["threshold"])
            out.append((str(name), str(target["kpi"]), str(target.get("op") or ">="),
                        threshold))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return tuple(sorted(out, key=lambda x: x[0]))  # names are unique


def _variant_labels(name: str, variants: list[tuple[tuple[str, str], ...] | None]
                    ) -> list[str]:
    """A label per market config of one preset: the name, with the settings that tell
    the configs apart when there are several."""
    if len(variants) == 1:
        return [name]
    known = [v for v in variants if v is not None]
    keys = sorted({k for v in known for k, _ in v})
    differ = [k for k in keys if len({dict(v).get(k) for v in known}) > 1]
    short = short_keys(differ)
    labels = []
    for v in variants:
        if v is None:
            labels.append(f"{name} (settings not recorded)")
            continue
        values = dict(v)
        shown = " ".join(f"{short[k]}={values.get(k, '~')}" for k in differ)
        labels.append(f"{name} ({shown})" if shown else name)
    return labels


def _target_notes(label: str, mine: TargetSet, others: list[tuple[str, TargetSet]]
                  ) -> tuple[str, ...]:
    """How the targets of a group differ from those of the same market's other groups."""
    notes = []
    rules = {n: (k, op, x) for n, k, op, x in mine}
    for other_label, theirs in others:
        their = {n: (k, op, x) for n, k, op, x in theirs}
        diffs = []
        for name in sorted(set(rules) | set(their)):
            a, b = rules.get(name), their.get(name)
            if a == b:
                continue
            here = f"{a[0]} {format_rule(a[0], a[1], a[2])}" if a else "no such target"
            there = f"{b[0]} {format_rule(b[0], b[1], b[2])}" if b else "no such target"
            diffs.append(f"{name} ({here} here; {there} there)")
        if diffs:
            notes.append(f"{label} is judged by other targets than {other_label}: "
                         + "; ".join(diffs) + ".")
    return tuple(notes)


def market_groups(runs: Sequence[Run]) -> list[MarketGroup]:
    """The runs split by market and target set (the module docstring), groups in the
    order of their first run, runs in the order given."""
    names = [market_name(r) for r in runs]
    settings = [market_settings(r) for r in runs]
    by_name: dict[str, list[tuple[tuple[str, str], ...] | None]] = {}
    for name, s in zip(names, settings, strict=True):
        variants = by_name.setdefault(name, [])
        if s not in variants:
            variants.append(s)
    for name, variants in by_name.items():  # unknown settings join the one known config
        known = [v for v in variants if v is not None]
        if len(known) == 1 and None in variants:
            variants.remove(None)
            settings = [known[0] if n == name and s is None else s
                        for n, s in zip(names, settings, strict=True)]
    market_label: dict[tuple[str, Any], str] = {}
    for name, variants in by_name.items():
        for v, label in zip(variants, _variant_labels(name, variants), strict=True):
            market_label[(name, v)] = label
    keys: list[tuple[str, Any, TargetSet]] = []
    members: dict[tuple[str, Any, TargetSet], list[int]] = {}
    for i, run in enumerate(runs):
        key = (names[i], settings[i], target_set(run))
        if key not in members:
            keys.append(key)
        members.setdefault(key, []).append(i)
    labels = {}
    for key in keys:
        base = market_label[(key[0], key[1])]
        siblings = [k for k in keys if k[:2] == key[:2]]
        if len(siblings) == 1:
            labels[key] = base
            continue
        presets = [runs[members[k][0]].choices.get("targets") for k in siblings]
        unique = None not in presets and len(set(presets)) == len(presets)
        tag = (f"targets {runs[members[key][0]].choices.get('targets')}" if unique
               else f"target set {siblings.index(key) + 1}")
        labels[key] = f"{base} · {tag}"
    groups = []
    for n, key in enumerate(keys, start=1):
        others = [(labels[k], k[2]) for k in keys if k[:2] == key[:2] and k != key]
        groups.append(MarketGroup(n, market_label[(key[0], key[1])], labels[key],
                                  tuple(members[key]),
                                  _target_notes(labels[key], key[2], others)))
    return groups


def mixing_sentence(groups: Sequence[MarketGroup], sizes: Sequence[int] | None = None
                    ) -> str | None:
    """None for one group; else the sentence that says the comparison mixes markets (or
    target sets) and that each is judged on its own."""
    if len(groups) <= 1:
        return None
    counts = sizes if sizes is not None else [len(g.runs) for g in groups]
    markets = len({g.market for g in groups})
    n_markets = (t("compare.markets.market_one") if markets == 1
                 else t("compare.markets.market_many", n=markets))
    what = (t("compare.markets.n_markets", n=markets) if markets == len(groups) else
            t("compare.markets.groups", groups=len(groups), markets=n_markets))
    listed = t("compare.shown.sep").join(
        t("compare.markets.listed", label=g.label,
          scenarios=t("compare.markets.scenario_one") if c == 1
          else t("compare.markets.scenario_many", n=c))
        for g, c in zip(groups, counts, strict=True))
    return t("compare.markets.mixing", what=what, listed=listed)


@dataclass
class MarketComparison:
    """One group's part of a comparison: its runs, table, targets and verdict."""

    group: MarketGroup
    runs: list[Run]
    table: pd.DataFrame
    """:func:`~o2osim.reports.compare_table.comparison_table` of its runs (IDs numbered
    across the whole comparison)."""
    targets: dict[str, Target]
    verdict: Verdict
    notes: list[str]

    @property
    def tag(self) -> str:
        """Its figures' file-name tag (:attr:`MarketGroup.slug`)."""
        return self.group.slug


def compare_markets(runs: Sequence[Run]) -> list[MarketComparison]:
    """The comparison of ``runs``, one part per :func:`market_groups` group: each judged by
    its own targets, with its own table (its Pareto frontier) and verdict. Scenario IDs
    ``S1``, ``S2``, ... follow the order the runs were given, across the groups."""
    parts = []
    for group in market_groups(runs):
        members = [runs[i] for i in group.runs]
        targets, notes = union_targets(members)
        table = comparison_table(members, targets, [f"S{i + 1}" for i in group.runs])
        parts.append(MarketComparison(group, members, table, targets,
                                      cheapest_meeting_all(table, targets),
                                      [*group.notes, *notes]))
    return parts
