"""Compare finished runs: which scenario meets the targets, and at what cost.

::

    o2osim-compare results/sweeps/2026-11-22_16-30-10            # every job of a sweep
    o2osim-compare results/runs/a results/runs/b --out results/comparisons/ab
    python -m o2osim.reports.compare results/sweeps/            # a folder of sweeps

Each argument is a run folder (``metrics.json``, ``.hydra/``) or a folder holding run
folders at any depth (a Hydra multirun, or a folder of sweeps). The comparison goes to
a new folder (``--out DIR``, or ``results/comparisons/<date>_<time>/``):
``comparison.csv`` (one row per scenario), ``comparison.html`` (one self-contained
page) and the PNG figures. A folder that already holds anything is never written into.

Reads only result files, like the run report. The scenario's cost is
``total_spend_cny`` = ``total_cost_cny`` of ``metrics.json`` (media spend + coupon
subsidies + the plan's integration cost). Every run is judged against one set of
targets (the union of the runs' targets; the first run's definition wins), on its
KPI means. A comparison of more than :data:`FULL_LABELS` scenarios (a sweep) labels in
its figures only the scenarios that matter (:func:`featured`); its tables keep every
one. Column and figure meanings: docs/compare.md.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import json
import math
import numbers
import os
import re
import shutil
import sys
import tempfile
import textwrap
import typing
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from o2osim.reports.figures_common import (  # noqa: E402
    place_labels,
    plain_text,
    save_figure,
)
from o2osim.reports.funnel import COLOURS as CHANNEL_COLOURS  # noqa: E402
from o2osim.reports.funnel import FUNNEL_LEGEND, FunnelStage, funnel_stages  # noqa: E402
from o2osim.reports.scorecard import format_value  # noqa: E402
from o2osim.results import (  # noqa: E402
    INCOMPLETE_PREFIX,
    RESULT_MARKERS,
    write_csv_atomic,
    write_text_atomic,
)

PROG = "o2osim-compare"
EXIT_BAD_INPUT = 2
DEFAULT_ROOT = Path("results") / "comparisons"
SPEND = "total_spend_cny"
SPEND_KPI = "total_cost_cny"
SHORTFALL = "total_relative_shortfall"
CONVERSION = "conversion_rate"
SATISFACTION = "satisfaction_rate"
IGNORED_KEYS = ("sim.workers", "hydra")
"""Settings that never change results (docs/kpis.md: same whatever the number of workers;
``hydra.*``, ``hydra/launcher=...``: where and how a job ran): never a difference."""
PRECISION_KEYS = ("sim.replications",)
"""Settings that change how precisely a scenario is measured, not the scenario: shown in
their own column (``replications``), never in a scenario's name, and used to tell apart
runs whose names would otherwise repeat."""
GROUPS = ("market", "plan", "targets")
"""Hydra config groups of a scenario (``.hydra/hydra.yaml`` ``runtime.choices``)."""
IDENTITY = (("market", "market"), ("plan", "plan"), ("sim.seed", "seed"),
            ("sim.population", "population"), ("sim.days", "days"),
            ("sim.replications", "replications"))
"""Settings recorded in ``metrics.json`` itself: used when a run has no ``.hydra``."""
LABEL_CHARS = 50
"""Width of a line of a funnel panel's title (characters; three lines at most)."""
KEY_CHARS = 60
"""Width of a line of the scenario key printed beside a chart (characters)."""
FULL_LABELS = 12
"""The most scenarios a comparison draws in full: every point labelled and keyed, every
funnel drawn. A larger comparison (a sweep) labels only the scenarios that matter
(:func:`featured`) and draws at most :data:`MAX_FUNNELS` funnels."""
MAX_FUNNELS = 12
"""The most funnel panels of a large comparison (more than :data:`FULL_LABELS`)."""
MAX_FRONTIER_LABELS = 30
"""The most Pareto-frontier scenarios a large comparison labels: a longer frontier (a
sweep of one budget puts most of its points on it) is thinned evenly by spend."""
COLOURS = {"met": "#2a9d8f", "missed": "#8d99ae", "best": "#e9a400", "frontier": "#3b7dd8",
           "target": "#c0392b"}


_UMASK = os.umask(0)
os.umask(_UMASK)


class CompareError(Exception):
    """Bad input: reported as one line ``o2osim-compare: error: ...``, exit code 2."""


# --------------------------------------------------------------------------- finding runs


@dataclass
class Run:
    """One finished run as read from its folder."""

    folder: str
    """The run folder as shown to people (the path given, joined with sub-folders)."""
    metrics: dict[str, Any]
    overrides: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    """The resolved config flattened to dotted keys; without ``.hydra``, only the
    ``sim.*`` identity recorded in ``metrics.json``."""
    choices: dict[str, str] = field(default_factory=dict)
    """The preset chosen for each config group (``market``, ``plan``, ``targets``)."""
    has_hydra_config: bool = False
    """False when ``config`` holds only the identity recorded in ``metrics.json``."""

    @property
    def replicated(self) -> bool:
        """True when the run averages several replications."""
        return int(self.metrics.get("replications", 1) or 1) > 1


@dataclass(frozen=True)
class Skipped:
    """A folder that could not be compared, and why."""

    folder: str
    reason: str


def _natural_key(name: str) -> list[Any]:
    """Sort ``2`` before ``10`` (Hydra job folders are numbered)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def is_run_folder(path: Path) -> bool:
    """True if ``path`` holds a run (``metrics.json`` or Hydra's ``.hydra``)."""
    return any((path / marker).exists() for marker in RESULT_MARKERS)


def find_run_folders(path: Path, shown: str) -> list[tuple[Path, str]]:
    """Run folders at or below ``path`` (not inside a run folder), as (path, shown name).

    Hidden folders are not searched; each real folder is visited once.
    """
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def visit(folder: Path, name: str) -> None:
        real = folder.resolve()
        if real in seen:
            return
        seen.add(real)
        if is_run_folder(folder):
            found.append((folder, name))
            return
        children = [c for c in folder.iterdir() if c.is_dir() and not c.name.startswith(".")]
        for child in sorted(children, key=lambda c: _natural_key(c.name)):
            visit(child, f"{name}/{child.name}")

    visit(path, shown)
    return found


def _read_yaml(path: Path) -> Any:
    """The content of a YAML file, or None when it is missing or unreadable."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """A nested dict as ``{"a.b.c": leaf}``; lists are leaves."""
    if not isinstance(node, dict):
        return {prefix: node} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def load_run(path: Path, shown: str) -> Run | Skipped:
    """Read one run folder; a folder without usable results is :class:`Skipped`."""
    metrics_path = path / "metrics.json"
    if not metrics_path.is_file():
        if any(path.glob(INCOMPLETE_PREFIX + "*")):
            return Skipped(shown, "no metrics.json yet: the run is still running or was "
                           f"killed ({INCOMPLETE_PREFIX}* folder inside)")
        return Skipped(shown, "no metrics.json: the run crashed or is still running")
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Skipped(shown, f"metrics.json cannot be read ({type(exc).__name__})")
    if not isinstance(metrics, dict) or not isinstance(metrics.get("kpis"), dict):
        return Skipped(shown, "metrics.json has no kpis")
    hydra_dir = path / ".hydra"
    overrides = _read_yaml(hydra_dir / "overrides.yaml")
    config = _read_yaml(hydra_dir / "config.yaml")
    hydra_cfg = _read_yaml(hydra_dir / "hydra.yaml")
    choices: dict[str, str] = {}
    if isinstance(hydra_cfg, dict):
        runtime = (hydra_cfg.get("hydra") or {}).get("runtime") or {}
        found = runtime.get("choices") if isinstance(runtime, dict) else None
        choices = {str(k): str(v) for k, v in (found or {}).items()
                   if not str(k).startswith("hydra")}
    flat = flatten(config) if isinstance(config, dict) else {}
    has_config = bool(flat)
    if not has_config:  # a run written without Hydra: its identity is in metrics.json
        flat = {key: metrics[name] for key, name in IDENTITY[2:] if name in metrics}
        choices = choices or {key: str(metrics[name]) for key, name in IDENTITY[:2]
                              if name in metrics}
    return Run(shown, metrics, [str(o) for o in overrides or []], flat, choices, has_config)


def collect(paths: Sequence[str]) -> tuple[list[Run], list[Skipped]]:
    """The runs under ``paths`` (in the order given, sweeps in job order), and the folders
    skipped. Raises :class:`CompareError` for a path that does not exist."""
    for given in paths:
        if not Path(given).exists():
            raise CompareError(f"{given!r}: no such file or folder — give run folders "
                               "(holding metrics.json) or folders holding them (sweeps)")
    runs: list[Run] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_file():
            if path.name != "metrics.json":
                raise CompareError(f"{given!r}: is a file — give run folders or sweep folders")
            path = path.parent
        folders = find_run_folders(path, str(path))
        if not folders:
            skipped.append(Skipped(str(path), "holds no run folder (no metrics.json or .hydra)"))
        for folder, shown in folders:
            if folder.resolve() in seen:
                continue
            seen.add(folder.resolve())
            loaded = load_run(folder, shown)
            if isinstance(loaded, Run):
                runs.append(loaded)
            else:
                skipped.append(loaded)
    return runs, skipped


# --------------------------------------------------------------------------- what differs


def format_setting(value: Any) -> str:
    """A config value as it would be typed in an override (``true``, ``[1,2]``, ``0.5``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_setting(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{format_setting(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if re.fullmatch(r"[\w./:+-]+", text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def override_key(line: str) -> str:
    """The key an override sets: ``plan`` for ``plan=x``, ``a.b`` for ``+a.b=1``."""
    return line.partition("=")[0].lstrip("+~").strip()


def setting_value(run: Run, key: str) -> str | None:
    """What ``run`` used for ``key``: a group's preset, or the config value (None: unknown)."""
    if key in run.choices:
        return run.choices[key]
    if key in run.config:
        return format_setting(run.config[key])
    below = {k[len(key) + 1:]: v for k, v in run.config.items() if k.startswith(key + ".")}
    return format_setting(below) if below else None


def _covered(key: str, by: Sequence[str]) -> bool:
    """True if ``key`` is one of ``by`` or lies below one (``a.b.c`` below ``a.b``)."""
    return any(key == b or key.startswith(b + ".") for b in by)


def _ignored(key: str) -> bool:
    """True for a key that never tells scenarios apart: :data:`IGNORED_KEYS` (``hydra.*``
    and group overrides such as ``hydra/launcher``) and :data:`PRECISION_KEYS`."""
    return _covered(key.split("/", 1)[0], IGNORED_KEYS) or _covered(key, PRECISION_KEYS)


def distinguishing(runs: Sequence[Run]) -> list[dict[str, str]]:
    """Per run, the settings whose value differs between the runs, ``{key: value}``.

    Candidates are the keys of every run's overrides (in the order typed), the config
    groups and the identity ``metrics.json`` records (seed, population, days,
    replications); a run's value is read from its resolved config (a run that did not
    override a key shows its default). A run without ``.hydra`` knows only its identity:
    its other values are unknown and never count as a difference. Keys in
    :data:`IGNORED_KEYS` (``sim.workers``, ``hydra.*``) and :data:`PRECISION_KEYS`
    (``sim.replications``: the ``replications`` column) never distinguish.
    """
    keys: list[str] = []
    for run in runs:
        for line in run.overrides:
            key = override_key(line)
            if key and key not in keys:
                keys.append(key)
    keys += [k for k in (*GROUPS, *(key for key, _ in IDENTITY[2:])) if k not in keys]
    keys = [k for k in keys if not _ignored(k)]
    values = {k: [setting_value(r, k) for r in runs] for k in keys}

    def differs(key: str) -> bool:
        known = {v for r, v in zip(runs, values[key], strict=True)
                 if r.has_hydra_config or v is not None}
        return len(known) > 1

    differ = [k for k in keys if differs(k)]
    return [{k: v for k in differ if (v := values[k][i]) is not None} for i in range(len(runs))]


def other_differences(runs: Sequence[Run], settings: Sequence[dict[str, str]]
                      ) -> list[dict[str, str]]:
    """Per run, the config keys that differ between runs the distinguishing ``settings``
    do not tell apart (e.g. a preset edited between two runs). A key under a
    distinguishing key (``plan.coupon.value_cny`` under ``plan``) counts only where runs
    with the same value of that key differ. ``~key``: absent in this run. Keys that never
    distinguish (``sim.workers``, ``sim.replications``) are not differences either."""
    have = [i for i, r in enumerate(runs) if r.has_hydra_config]
    if len(have) < 2:
        return [{} for _ in runs]
    explained = list(dict.fromkeys(k for s in settings for k in s))
    keys = list(dict.fromkeys(k for i in have for k in runs[i].config))

    def differs(key: str) -> bool:
        if _ignored(key):
            return False
        by = [d for d in explained if _covered(key, [d])]
        seen: dict[tuple[str | None, ...], str | None] = {}
        for i in have:
            group = tuple(settings[i].get(d) for d in by)
            value = format_setting(runs[i].config[key]) if key in runs[i].config else None
            if seen.setdefault(group, value) != value:
                return True
        return False

    differ = [k for k in keys if differs(k)]
    return [{k: format_setting(runs[i].config[k]) if k in runs[i].config else "~"
             for k in differ} if i in have else {} for i in range(len(runs))]


def as_overrides(settings: dict[str, str]) -> str:
    """``{"plan": "x", "sim.seed": "3"}`` → ``plan=x sim.seed=3`` (absent keys as ``~key``)."""
    return " ".join(f"~{k}" if v == "~" else f"{k}={v}" for k, v in settings.items())


def short_keys(keys: Sequence[str]) -> dict[str, str]:
    """Each dotted key as its last two parts (``livestream.budget_cny`` for
    ``plan.channels.livestream.budget_cny``), or whole where two keys would shorten alike."""
    short = {k: ".".join(k.split(".")[-2:]) for k in keys}
    return {k: v if list(short.values()).count(v) == 1 else k for k, v in short.items()}


def folder_tails(folders: Sequence[str]) -> list[str]:
    """For each folder, its shortest tail (two parts at least) that no other folder ends
    with: ``sweep/1``, ``a/rep/1``, ``b/rep/1`` for ``/x/sweep/1``, ``/x/a/rep/1`` and
    ``/x/b/rep/1``."""
    parts = [Path(f).parts for f in folders]
    out = []
    for i, p in enumerate(parts):
        n = next((n for n in range(2, len(p) + 1)
                  if all(q[-n:] != p[-n:] for j, q in enumerate(parts) if j != i)), len(p))
        out.append(str(Path(*p[-n:])) if p else folders[i])
    return out


def _disambiguate(labels: list[str], extra: Sequence[str]) -> list[str]:
    """``labels`` with ``extra[i]`` (unless empty) appended in brackets where a label
    repeats."""
    repeated = {b for b in labels if labels.count(b) > 1}
    return [f"{b} ({x})" if b in repeated and x else b
            for b, x in zip(labels, extra, strict=True)]


def scenario_labels(runs: Sequence[Run], settings: Sequence[dict[str, str]]) -> list[str]:
    """A short unique label per run: its distinguishing settings with their keys shortened
    (:func:`short_keys`), else ``market × plan``. Labels that would repeat get the number
    of replications appended where that differs, then the shortest folder tails that
    tell them apart (:func:`folder_tails`)."""
    names = short_keys(list(dict.fromkeys(k for s in settings for k in s)))
    labels = [" ".join(f"{names[k]}={v}" for k, v in s.items()) if s else
              f"{r.metrics.get('market', '?')} × {r.metrics.get('plan', '?')}"
              for r, s in zip(runs, settings, strict=True)]
    reps = [int(r.metrics.get("replications", 1) or 1) for r in runs]
    groups = {b: {n for b2, n in zip(labels, reps, strict=True) if b2 == b} for b in labels}
    labels = _disambiguate(labels, [f"{n} replication{'s' if n != 1 else ''}"
                                    if len(groups[b]) > 1 else ""
                                    for b, n in zip(labels, reps, strict=True)])
    repeated = [i for i, b in enumerate(labels) if labels.count(b) > 1]
    tails = dict(zip(repeated, folder_tails([runs[i].folder for i in repeated]), strict=True))
    return _disambiguate(labels, [tails.get(i, "") for i in range(len(runs))])


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
        """``>= 15.0 %``."""
        return f"{self.op} {format_value(self.kpi, self.threshold)}"


def union_targets(runs: Sequence[Run]) -> tuple[dict[str, Target], list[str]]:
    """Every target any run was judged on (the first definition wins), and one note per
    target that some runs define differently."""
    targets: dict[str, Target] = {}
    other: dict[str, list[tuple[str, Target]]] = {}
    for run in runs:
        for name, t in (run.metrics.get("targets") or {}).items():
            try:
                found = Target(str(name), str(t["kpi"]), str(t["op"]), float(t["threshold"]),
                               str(t.get("label") or name))
            except (KeyError, TypeError, ValueError):
                continue
            first = targets.setdefault(name, found)
            if (found.kpi, found.op, found.threshold) != (first.kpi, first.op, first.threshold):
                other.setdefault(name, []).append((run.folder, found))
    notes = [f"target {name} is defined differently by {len(runs_)} run(s) (e.g. "
             f"{runs_[0][1].kpi} {runs_[0][1].rule} in {runs_[0][0]}); every run is judged "
             f"by {targets[name].kpi} {targets[name].rule}, the first run's definition"
             for name, runs_ in other.items()]
    return targets, notes


def _number(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing, not a number or NaN."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return None if math.isnan(float(value)) else float(value)


def meets(target: Target, value: Any) -> bool:
    """True if ``value`` meets ``target`` (a missing value never does)."""
    x = _number(value)
    if x is None:
        return False
    return x >= target.threshold if target.op == ">=" else x <= target.threshold


def shortfall(target: Target, value: float) -> float:
    """How far ``value`` is from meeting ``target``, in the KPI's units (0 when met)."""
    gap = target.threshold - value if target.op == ">=" else value - target.threshold
    return max(0.0, float(gap))


def relative_shortfall(target: Target, value: Any) -> float:
    """:func:`shortfall` as a share of the threshold (of 1 when the threshold is 0)."""
    x = _number(value)
    if x is None:
        return math.inf
    return shortfall(target, x) / (abs(target.threshold) or 1.0)


def format_gap(target: Target, gap: float) -> str:
    """A shortfall in words with its unit: ``15.1 percentage points short``."""
    kpi = target.kpi
    if kpi.endswith("_rate"):
        amount = f"{100 * gap:.1f} percentage points"
    elif kpi == "roi":
        amount = f"{gap:.2f} CNY of revenue per CNY of cost"
    elif kpi.startswith("steps_"):
        amount = f"{gap:g} step" + ("" if gap == 1 else "s")
    else:
        amount = format_value(kpi, gap)
    return f"{amount} {'short' if target.op == '>=' else 'over'}"


# --------------------------------------------------------------------------- the table


def _stat(run: Run, kpi: str, which: str) -> float | None:
    """The ``p05`` / ``p95`` of a KPI over a replicated run's replications."""
    if not run.replicated:
        return None
    stats = (run.metrics.get("kpi_stats") or {}).get(kpi)
    return _number(stats.get(which)) if isinstance(stats, dict) else None


def _kpi_names(runs: Sequence[Run]) -> list[str]:
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


def comparison_table(runs: Sequence[Run], targets: dict[str, Target]) -> pd.DataFrame:
    """One row per run: identity, what distinguishes it, spend, targets met, every KPI."""
    settings = distinguishing(runs)
    others = other_differences(runs, settings)
    labels = scenario_labels(runs, settings)
    replicated = any(r.replicated for r in runs)
    kpi_names = _kpi_names(runs)
    rows = []
    for i, run in enumerate(runs):
        k, m = run.metrics["kpis"], run.metrics
        row: dict[str, Any] = {
            "scenario_id": f"S{i + 1}", "scenario": labels[i], "run_folder": run.folder,
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
        for kpi in kpi_names:
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
    """For ``closest``: each missed target, its value and shortfall."""
    statement: str


def _row_name(row: pd.Series) -> str:
    return f"{row['scenario_id']} \"{row['scenario']}\""


def cheapest_meeting_all(table: pd.DataFrame, targets: dict[str, Target]) -> Verdict:
    """Pick the cheapest row meeting every target (ties: higher conversion, then first);
    if none does, the row with the smallest sum of relative shortfalls (ties: fewer
    targets missed, then cheaper, then first), and say what it misses, by how much, and
    (when it misses several) which of them it comes nearest to, relative to the threshold.
    ``table`` needs ``scenario_id``, ``scenario``, ``total_spend_cny`` and the KPIs."""
    if table.empty:
        return Verdict(None, None, [], "No scenario to compare.")
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
        text = (f"Cheapest scenario meeting all {n} targets: {_row_name(row)}, total spend "
                f"{format_value(SPEND, row[SPEND])}.")
        p_all = row.get("p_meets_all_targets")
        if isinstance(p_all, float) and not math.isnan(p_all):
            text += f" It met all of them together in {100 * p_all:.0f} % of its replications."
        return Verdict(best, None, [], text)

    def badness(i: int) -> tuple[float, int, float, int]:
        gaps = [relative_shortfall(t, values[i][t.kpi]) for t in targets.values()]
        return (math.fsum(gaps), sum(g > 0 for g in gaps), spend_key[i], i)

    closest = min(range(len(table)), key=badness)
    row = table.iloc[closest]
    missed = []
    for t in targets.values():
        v = _number(values[closest][t.kpi])
        if not meets(t, v):
            missed.append((t, math.nan if v is None else v,
                           math.inf if v is None else shortfall(t, v)))
    parts = [f"{t.label} ({t.kpi} {format_value(t.kpi, v)}, needs {t.rule}: "
             + (f"{format_gap(t, gap)})" if math.isfinite(gap) else "no value)")
             for t, v, gap in missed]
    text = (f"No scenario meets all {n} targets. Closest (smallest total shortfall relative "
            f"to the thresholds): {_row_name(row)}, total spend "
            f"{format_value(SPEND, row[SPEND])}, which misses {len(missed)}: "
            + "; ".join(parts) + ".")
    if len(missed) > 1:
        t, _, gap = min(missed, key=lambda m: m[2] / (abs(m[0].threshold) or 1.0))
        if math.isfinite(gap):
            share = gap / (abs(t.threshold) or 1.0)
            text += (f" Its nearest miss: {t.label}, {format_gap(t, gap)} ({100 * share:.0f} % "
                     "of the threshold).")
    return Verdict(None, closest, missed, text)


def total_relative_shortfall(row: pd.Series | dict[str, Any],
                             targets: dict[str, Target]) -> float:
    """Sum over the targets of how far the row is from each, relative to its threshold
    (0 when every target is met; infinite when a KPI is missing)."""
    return math.fsum(relative_shortfall(t, row.get(t.kpi)) for t in targets.values())


def rank_order(table: pd.DataFrame) -> list[int]:
    """Row positions ranked by total relative shortfall, then by spend: the scenarios
    meeting every target first, cheapest first; the closest of the others follow."""
    def key(i: int) -> tuple[float, float, int]:
        gap, spend = _number(table[SHORTFALL].iloc[i]), _number(table[SPEND].iloc[i])
        return (math.inf if gap is None else gap, math.inf if spend is None else spend, i)

    return sorted(range(len(table)), key=key)


def ranked(table: pd.DataFrame) -> pd.DataFrame:
    """The rows in :func:`rank_order`."""
    return table.iloc[rank_order(table)]


BEST_ROLE, CLOSEST_ROLE = "★ cheapest meeting all targets", "◆ closest to meeting all targets"
FRONTIER_ROLE, SATISFIED_ROLE = "Pareto frontier", "most satisfied"


def is_large(table: pd.DataFrame) -> bool:
    """True for a comparison of more than :data:`FULL_LABELS` scenarios."""
    return len(table) > FULL_LABELS


def frontier_rows(table: pd.DataFrame) -> list[int]:
    """Row positions of the Pareto frontier, cheapest first (ties: in table order)."""
    on = [i for i, f in enumerate(table["on_pareto_frontier"]) if f]
    return sorted(on, key=lambda i: (_number(table[SPEND].iloc[i]) or 0.0, i))


def featured(table: pd.DataFrame, verdict: Verdict) -> dict[int, str]:
    """The scenarios that matter, by row position, each with why (``"Pareto frontier"``,
    several joined by ``", "``): the one the verdict names (:data:`BEST_ROLE` or
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


# --------------------------------------------------------------------------- figures


@contextmanager
def _quiet_glyphs() -> Iterator[None]:
    """Labels from configs may hold characters the default font lacks: draw boxes, quietly."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph .* missing")
        yield


def _error(table: pd.DataFrame, col: str, scale: float) -> Any:
    """Asymmetric error bars (mean − p05, p95 − mean) or None when not replicated."""
    lo, hi = f"{col}_p05", f"{col}_p95"
    if lo not in table or table[lo].isna().all():
        return None
    mean = table[col] * scale
    low = (mean - table[lo].fillna(table[col]) * scale).clip(lower=0)
    high = (table[hi].fillna(table[col]) * scale - mean).clip(lower=0)
    return [low.to_numpy(), high.to_numpy()]


def _point_colours(table: pd.DataFrame) -> list[str]:
    return [COLOURS["met"] if m else COLOURS["missed"] for m in table["meets_all_targets"]]


def _legend_points(ax: Any) -> None:
    ax.scatter([], [], color=COLOURS["met"], label="meets all targets")
    ax.scatter([], [], color=COLOURS["missed"], label="misses a target")


def _mark_verdict(ax: Any, xs: Any, ys: Any, table: pd.DataFrame, verdict: Verdict) -> None:
    """Star the cheapest scenario meeting every target; in a large comparison, when none
    does, ring the closest with a gold diamond."""
    if verdict.best is not None:
        ax.scatter([xs.iloc[verdict.best]], [ys.iloc[verdict.best]], s=320, marker="*",
                   color=COLOURS["best"], edgecolor="black", zorder=5,
                   label="cheapest meeting all targets")
    elif verdict.closest is not None and is_large(table):
        ax.scatter([xs.iloc[verdict.closest]], [ys.iloc[verdict.closest]], s=150, marker="D",
                   facecolor="none", edgecolor=COLOURS["best"], linewidth=2, zorder=5,
                   label="closest to meeting all targets")


KEY_SECTIONS = ((BEST_ROLE, "★ Cheapest meeting all targets"),
                (CLOSEST_ROLE, "◆ Closest to meeting all targets"),
                (SATISFIED_ROLE, "Most satisfied"),
                (FRONTIER_ROLE, "On the Pareto frontier, cheapest first"))
"""The sections of a large comparison's key: which :func:`featured` role, its heading."""


def _key_entry(table: pd.DataFrame, i: int) -> str:
    """``S3  plan=integrated``, wrapped to :data:`KEY_CHARS`."""
    return textwrap.fill(f"{table['scenario_id'].iloc[i]}  {table['scenario'].iloc[i]}",
                         KEY_CHARS, subsequent_indent="    ")


def key_text(table: pd.DataFrame, verdict: Verdict) -> str:
    """The key printed beside a chart: every scenario's ID and name; in a large
    comparison only the :func:`featured` ones, under a heading saying why
    (:data:`KEY_SECTIONS`; a scenario with two reasons is under both), and where the
    others are."""
    if not is_large(table):
        return "Scenarios\n" + "\n".join(_key_entry(table, i) for i in range(len(table)))
    roles = featured(table, verdict)
    front = frontier_rows(table)
    lines = [f"Labelled: {len(roles)} of {len(table)} scenarios"]
    for role, heading in KEY_SECTIONS:
        rows = [i for i in (front if role == FRONTIER_ROLE else roles)
                if role in roles.get(i, "").split(", ")]
        if role == FRONTIER_ROLE and len(rows) < len(front):
            heading += f" ({len(rows)} of {len(front)}, evenly spread by spend)"
        if rows:
            lines += ["", heading, *(_key_entry(table, i) for i in rows)]
    lines += ["", textwrap.fill(f"The other {len(table) - len(roles)} are unlabelled points: "
                                "every scenario is listed in comparison.csv and in the "
                                "ranked table of comparison.html.", KEY_CHARS)]
    return "\n".join(lines)


def _key(ax: Any, table: pd.DataFrame, verdict: Verdict) -> Any:
    """:func:`key_text` beside the plot (right of the axes)."""
    return ax.text(1.02, 1.0, plain_text(key_text(table, verdict)), transform=ax.transAxes,
                   va="top", ha="left", fontsize=7, family="monospace")


def point_labels(table: pd.DataFrame, xs: Any, ys: Any
                 ) -> list[tuple[float, float, str]]:
    """One label per drawn position, ``(x, y, "S1, S3")``: scenarios drawn exactly on top
    of each other share a label; points with a missing coordinate get none."""
    at: dict[tuple[float, float], list[str]] = {}
    for sid, x, y in zip(table["scenario_id"], xs, ys, strict=True):
        if _number(x) is not None and _number(y) is not None:
            at.setdefault((float(x), float(y)), []).append(str(sid))
    return [(x, y, ", ".join(ids)) for (x, y), ids in at.items()]


def _legend_below(ax: Any) -> Any:
    return ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=2,
                     frameon=False)


def _lay_out(fig: Any, ax: Any, table: pd.DataFrame, xs: Any, ys: Any,
             verdict: Verdict) -> list[Any]:
    """Lay the figure out with the key and legend outside the axes, then label the
    :func:`labelled` points without overlaps (:func:`place_labels`, once the layout is
    final). Returns the artists drawn outside the axes (for :func:`save_figure`)."""
    outside = [_key(ax, table, verdict), _legend_below(ax)]
    for artist in outside:
        artist.set_in_layout(False)
    fig.tight_layout()
    rows = labelled(table, verdict)
    labels = point_labels(table.iloc[rows], xs.iloc[rows], ys.iloc[rows])
    for label in place_labels(ax, [x for x, _, _ in labels], [y for _, y, _ in labels],
                              [t for _, _, t in labels]):
        label.set_in_layout(False)
    return outside


def _target_label(ax: Any, t: Target, at: float, vertical: bool, along: float = 0.5) -> None:
    """Name a target line on the line itself, ``conversion target ≥ 15.0 %`` (a rate, in
    percent), at ``along`` (share of the axes) of its length."""
    text = plain_text(f"{t.name} target {t.rule}".replace(">=", "≥").replace("<=", "≤"))
    style = {"color": COLOURS["target"], "fontsize": 7, "zorder": 2.5,
             "bbox": {"facecolor": "white", "edgecolor": "none", "pad": 1.0}}
    if vertical:
        ax.text(at, along, text, rotation=90, ha="center", va="center",
                transform=ax.get_xaxis_transform(), **style)
    else:
        ax.text(along, at, text, ha="center", va="center", transform=ax.get_yaxis_transform(),
                **style)


def _scatter(ax: Any, table: pd.DataFrame, xs: Any, ys: Any, errors: tuple[Any, Any],
             verdict: Verdict) -> None:
    """The scenarios as points coloured by whether they meet every target, with the 90 %
    interval of the replications as error bars when replicated. In a large comparison
    only the :func:`labelled` scenarios get full points and error bars; the others are
    small and pale."""
    rows = labelled(table, verdict)
    xerr, yerr = ([e[0][rows], e[1][rows]] if e is not None else None for e in errors)
    if xerr is not None or yerr is not None:
        ax.errorbar(xs.iloc[rows], ys.iloc[rows], xerr=xerr, yerr=yerr, fmt="none",
                    ecolor="#555", elinewidth=0.8, capsize=3,
                    label="90 % interval of the replications"
                    + (" (labelled scenarios)" if is_large(table) else ""))
    colours = _point_colours(table)
    others = sorted(set(range(len(table))) - set(rows))
    if others:
        ax.scatter(xs.iloc[others], ys.iloc[others], c=[colours[i] for i in others], s=16,
                   zorder=2.9, alpha=0.75, linewidth=0)
    ax.scatter(xs.iloc[rows], ys.iloc[rows], c=[colours[i] for i in rows], s=50, zorder=3,
               edgecolor="black", linewidth=0.5)
    _legend_points(ax)


def draw_spend_conversion(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict
                          ) -> tuple[Any, list[Any]]:
    """Total spend vs full-channel conversion, the Pareto frontier and the target line(s):
    the figure, laid out, and its artists outside the axes."""
    fig, ax = plt.subplots(figsize=(8, 5))
    xs, ys = table[SPEND] / 1e6, table[CONVERSION] * 100
    _scatter(ax, table, xs, ys, (_error(table, SPEND, 1e-6), _error(table, CONVERSION, 100)),
             verdict)
    front = table[table["on_pareto_frontier"]].sort_values([SPEND, CONVERSION])
    ax.plot(front[SPEND] / 1e6, front[CONVERSION] * 100, color=COLOURS["frontier"],
            linestyle="--", marker="o", markerfacecolor="none", markersize=11, zorder=2,
            label="Pareto frontier (nothing cheaper converts more)")
    lines = [t for t in targets.values() if t.kpi == CONVERSION]
    for t in lines:
        ax.axhline(t.threshold * 100, color=COLOURS["target"], linestyle=":",
                   label=plain_text(f"target: {t.label} {t.rule}"))
        _target_label(ax, t, t.threshold * 100, vertical=False, along=0.85)
    _mark_verdict(ax, xs, ys, table, verdict)
    ax.set_xlim(*_span(list(xs), min_pad=0.05 * max(abs(_number(x) or 0) for x in xs) or 1))
    ax.set_ylim(*_span([*ys, *(t.threshold * 100 for t in lines)]))
    ax.set_xlabel("total spend (million CNY: media + coupons + integration)")
    ax.set_ylabel("full-channel conversion (purchasers / aware, %)")
    ax.set_title("Spend vs full-channel conversion")
    return fig, _lay_out(fig, ax, table, xs, ys, verdict)


def draw_quadrants(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict
                   ) -> tuple[Any, list[Any]]:
    """Satisfaction vs conversion, split into quadrants by the two targets: the figure,
    laid out, and its artists outside the axes."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    xs, ys = table[CONVERSION] * 100, table[SATISFACTION] * 100
    _scatter(ax, table, xs, ys, (_error(table, CONVERSION, 100),
                                 _error(table, SATISFACTION, 100)), verdict)
    x_t = next((t for t in targets.values() if t.kpi == CONVERSION), None)
    y_t = next((t for t in targets.values() if t.kpi == SATISFACTION), None)
    xlo, xhi = _quadrant_span(list(xs), x_t)
    ylo, yhi = _quadrant_span(list(ys), y_t)
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    if x_t is not None:
        ax.axvline(x_t.threshold * 100, color=COLOURS["target"], linestyle=":",
                   label=plain_text(f"target: {x_t.label} {x_t.rule}"))
        _target_label(ax, x_t, x_t.threshold * 100, vertical=True)
    if y_t is not None:
        ax.axhline(y_t.threshold * 100, color=COLOURS["target"], linestyle="-.",
                   label=plain_text(f"target: {y_t.label} {y_t.rule}"))
        _target_label(ax, y_t, y_t.threshold * 100, vertical=False)
    _mark_verdict(ax, xs, ys, table, verdict)
    if x_t is not None and y_t is not None:
        _quadrant_names(ax, x_t.threshold * 100, y_t.threshold * 100, (xlo, xhi, ylo, yhi))
    ax.set_xlabel("full-channel conversion (purchasers / aware, %)")
    ax.set_ylabel("customer satisfaction (satisfied experiences, %)")
    ax.set_title("Satisfaction vs conversion: which targets each scenario meets")
    return fig, _lay_out(fig, ax, table, xs, ys, verdict)


def _span(values: Sequence[float], min_pad: float = 1.0) -> tuple[float, float]:
    """Axis limits around ``values`` with room for labels: 15 % of their range on each
    side, ``min_pad`` at least; never below 0."""
    finite = [float(v) for v in values if _number(v) is not None] or [0.0, 1.0]
    lo, hi = min(finite), max(finite)
    pad = max((hi - lo) * 0.15, min_pad)
    return max(0.0, lo - pad), hi + pad


def _quadrant_span(values: list[float], target: Target | None) -> tuple[float, float]:
    """Axis limits (%) around ``values`` and a ``>=`` target's threshold, with the side
    meeting the target at least a fifth of the axis (room to name its quadrants), yet not
    past 100 % for that reason alone."""
    if target is None:
        return _span(values)
    line = target.threshold * 100
    lo, hi = _span([*values, line])
    if target.op == ">=":
        hi = max(hi, min(line + 0.25 * (line - lo), 100.0))
    return lo, hi


def _quadrant_names(ax: Any, x: float, y: float, box: tuple[float, float, float, float]) -> None:
    """Shade the quadrant meeting both targets and name the four in their corners."""
    xlo, xhi, ylo, yhi = box
    ax.axvspan(x, xhi, ymin=(y - ylo) / (yhi - ylo), ymax=1, color=COLOURS["met"], alpha=0.08,
               zorder=0)
    style = {"fontsize": 8, "color": "#555", "alpha": 0.9}
    ax.text(xhi, yhi, "both targets met ", ha="right", va="top", **style)
    ax.text(xlo, yhi, " satisfied, converting too few", ha="left", va="top", **style)
    ax.text(xhi, ylo, "converting, not satisfied ", ha="right", va="bottom", **style)
    ax.text(xlo, ylo, " neither target met", ha="left", va="bottom", **style)


# --------------------------------------------------------------------------- funnels

PURCHASED = "Purchased"
"""The stage of :func:`o2osim.reports.report.funnel_stages` whose share of the aware is the
full-channel conversion."""


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
        text = f"{self.of_population:.1f} % of the population"
        return text + (f"; {self.of_aware:.1f} % of the aware" if self.of_aware is not None
                       else "")


def scenario_funnel(run: Run) -> list[FunnelStep] | None:
    """The run report's funnel (:func:`o2osim.reports.report.funnel_stages`: exposed →
    aware → visited a store → purchased → purchased again, split online / offline) with
    each stage's share of the population, and the purchased's of the aware. None when
    ``metrics.json`` lacks the funnel KPIs (``exposed``, ``aware``, ``purchasers``)."""
    kpis = run.metrics["kpis"]
    if any(_number(kpis.get(k)) is None for k in ("exposed", "aware", "purchasers")):
        return None
    population = _number(kpis.get("population")) or _number(run.metrics.get("population"))
    aware = float(kpis["aware"])
    return [FunnelStep(s, 100 * s.total / (population or 1),
                       100 * s.total / aware if s.label == PURCHASED and aware else None)
            for s in funnel_stages(kpis)]


def _funnel_panel(ax: Any, steps: list[FunnelStep] | None, best: bool) -> None:
    """One scenario's funnel: stacked bars (online / offline segments, % of the
    population), each with its count and shares."""
    if steps is None:
        ax.text(0.5, 0.5, "funnel KPIs missing", ha="center", transform=ax.transAxes)
        return
    for y, step in enumerate(steps[::-1]):
        ax.barh(y, step.of_population, height=0.7, color="none", edgecolor="#999",
                linewidth=0.5)  # the stage, whatever its split
        left = 0.0
        total = step.stage.total or 1.0
        for _, colour, count in step.stage.segments:
            width = step.of_population * count / total
            ax.barh(y, width, left=left, height=0.7, color=CHANNEL_COLOURS[colour])
            left += width
        text = f" {step.stage.total:,.0f} · {step.of_population:.1f} %"
        if step.of_aware is not None:
            text += f"\n of the population;\n {step.of_aware:.1f} % of the aware"
        ax.text(step.of_population, y, text, va="center", fontsize=6.5,
                fontweight="bold" if step.of_aware is not None else "normal")
    ax.set_yticks(range(len(steps)), [s.stage.label for s in steps[::-1]])
    if best:
        for spine in ax.spines.values():
            spine.set_edgecolor(COLOURS["best"])
            spine.set_linewidth(2.5)


def _funnel_title(table: pd.DataFrame, i: int, verdict: Verdict,
                  roles: dict[int, str] | None) -> str:
    """A funnel panel's title: the scenario's ID and name (three lines at most), then
    ``★ cheapest meeting all targets`` for the verdict's. ``roles`` (a large comparison's
    :func:`featured`): the rank and why the scenario is shown instead."""
    title = textwrap.shorten(f"{table['scenario_id'].iloc[i]} {table['scenario'].iloc[i]}",
                             3 * LABEL_CHARS, placeholder=" …")
    title = textwrap.fill(title, LABEL_CHARS)
    if roles is not None:
        rank = rank_order(table).index(i) + 1
        return title + f"\nrank {rank} · {roles[i]}"
    return title + ("\n★ cheapest meeting all targets" if verdict.best == i else "")


FRONTIER_PART = "the best-ranked {got} of the {of} on the Pareto frontier"
"""How :func:`shown_phrase` names a part of the frontier (by default)."""


def shown_phrase(table: pd.DataFrame, roles: dict[int, str], shown: Sequence[int],
                 part: str = FRONTIER_PART) -> str:
    """What the ``shown`` rows of a large comparison's :func:`featured` ``roles`` are, in
    words: ``the closest to meeting all targets and the best-ranked 11 of the 26 on the
    Pareto frontier`` (``part``: how a part of the frontier is named, ``{got}`` of
    ``{of}``)."""
    def count(role: str, rows: Iterable[int]) -> int:
        return sum(role in roles[i].split(", ") for i in rows)

    what = []
    of = len(frontier_rows(table))
    for role, name in ((BEST_ROLE, "the cheapest meeting all targets"),
                       (CLOSEST_ROLE, "the closest to meeting all targets"),
                       (FRONTIER_ROLE, "on the Pareto frontier"),
                       (SATISFIED_ROLE, "the most satisfied")):
        got = count(role, shown)
        if got and role == FRONTIER_ROLE:
            what.append(f"the {'one' if of == 1 else of} {name}" if got == of else
                        part.format(got=got, of=of))
        elif got:
            what.append(name)
    return ", ".join(what[:-1]) + (" and " if len(what) > 1 else "") + what[-1]


def draw_funnels(table: pd.DataFrame, runs: Sequence[Run], verdict: Verdict
                 ) -> tuple[Any, list[Any]]:
    """The funnels of the :func:`funnel_rows` scenarios (every one, or in a large
    comparison at most :data:`MAX_FUNNELS`) side by side on one scale, as a share of each
    one's simulated consumers, split online / offline as in the run report: the figure,
    laid out, and its artists outside the panels."""
    shown = funnel_rows(table, verdict)
    roles = featured(table, verdict) if is_large(table) else None
    n = len(shown)
    cols = 2 if n == 4 else min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 2.6 * rows + 0.9),
                             squeeze=False, sharex=True)
    funnels = [scenario_funnel(runs[i]) for i in shown]
    top = max((s.of_population for f in funnels if f for s in f), default=100.0) or 100.0
    for panel, (i, steps) in enumerate(zip(shown, funnels, strict=True)):
        ax = axes[panel // cols][panel % cols]
        best = verdict.best == i
        _funnel_panel(ax, steps, best)
        ax.set_title(plain_text(_funnel_title(table, i, verdict, roles)), fontsize=8,
                     fontweight="bold" if best else "normal")
        ax.tick_params(labelsize=7)
        ax.set_xlim(0, top * 1.6)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    for j in range(max(0, n - cols), n):  # the lowest panel of each column
        axes[j // cols][j % cols].set_xlabel("% of the population (simulated consumers)",
                                             fontsize=7)
        axes[j // cols][j % cols].tick_params(labelbottom=True)
    from matplotlib.patches import Patch

    legend = fig.legend(handles=[Patch(color=CHANNEL_COLOURS[k], label=v)  # the report's
                                 for k, v in FUNNEL_LEGEND.items()],
                        loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7,
                        frameon=False)
    names = next(([s.stage.label.lower() for s in f] for f in funnels if f), [])
    text = "Funnels side by side: " + " → ".join(names)
    if roles is not None:
        text = (f"{n} of {len(table)} scenarios: {shown_phrase(table, roles, shown)}, "
                f"in rank order\n{text}")
    title = fig.suptitle(plain_text(text), fontsize=10, y=1.0, va="bottom")
    return fig, [legend, title]  # both drawn outside the panels


TITLES = {"spend_vs_conversion": "Spend vs full-channel conversion",
          "satisfaction_vs_conversion": "Satisfaction vs conversion",
          "funnels": "Funnels side by side"}


def write_figures(folder: Path, table: pd.DataFrame, runs: Sequence[Run],
                  targets: dict[str, Target], verdict: Verdict) -> dict[str, Path]:
    """Write the PNG figures into ``folder`` (``<name>.png``, drawn and saved one at a
    time); return them by name. A large comparison's are palette PNGs (smaller)."""
    draws: dict[str, Callable[[], tuple[Any, list[Any]]]] = {}
    if CONVERSION in table and SPEND in table:
        draws["spend_vs_conversion"] = lambda: draw_spend_conversion(table, targets, verdict)
    if CONVERSION in table and SATISFACTION in table:
        draws["satisfaction_vs_conversion"] = lambda: draw_quadrants(table, targets, verdict)
    draws["funnels"] = lambda: draw_funnels(table, runs, verdict)
    out: dict[str, Path] = {}
    with _quiet_glyphs():
        for name, draw in draws.items():
            fig, outside = draw()
            out[name] = save_figure(fig, folder / f"{name}.png", outside=outside,
                                    palette=is_large(table))
    return out


# --------------------------------------------------------------------------- HTML

CAPTIONS = {
    "spend_vs_conversion": (
        "Spend vs full-channel conversion. Each point is a scenario, labelled with its ID "
        "(names in the key beside the chart); the dashed line joins the Pareto frontier (no "
        "other scenario is cheaper and converts more); the dotted line is the conversion "
        "target; the star is the cheapest scenario meeting every target."),
    "satisfaction_vs_conversion": (
        "Satisfaction vs conversion. The two target lines split the chart into quadrants, "
        "named in their corners; the shaded top-right quadrant meets both targets."),
    "funnels": (
        "The run report's funnel for each scenario, on one scale: every bar is the share of "
        "the scenario's population (simulated consumers) that got that far, split by where "
        "it happened (online blue, offline green, both purple); the count comes first. The "
        "purchased are also given as a share of the aware — that is the full-channel "
        "conversion, not their share of the population. A gold frame marks the cheapest "
        "scenario meeting every target."),
}
STYLE = ("body{font-family:sans-serif;max-width:80em;margin:2em auto;color:#222;padding:0 1em}"
         "table{border-collapse:collapse;font-size:.85em}"
         "td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;"
         "vertical-align:top}th{background:#f4f4f4}tr.best td{background:#fff4cc}"
         ".met{color:#1b7a6e}.missed{color:#b03a2e}small{color:#666}"
         ".scroll{overflow-x:auto}img{max-width:100%}.verdict{font-size:1.1em;"
         "padding:.6em;background:#f4f8fc;border-left:4px solid #3b7dd8}"
         "tr.closest td{background:#eef3fb}"
         "code{font-size:.95em}")


def large_scope(table: pd.DataFrame, verdict: Verdict) -> tuple[str, dict[str, str]]:
    """What a large comparison's figures show and leave out, in words: a paragraph for
    the top of the page, and by figure name a sentence to end its caption with."""
    roles, funnels = featured(table, verdict), funnel_rows(table, verdict)
    n, k = len(table), len(roles)
    every = shown_phrase(table, roles, list(roles),
                         "{got} of the {of} on the Pareto frontier (evenly spread by spend)")
    charts = (f"Only the {k} scenarios that matter are labelled and listed in the key "
              f"({every}); the other {n - k} are the small pale points."
              + (" The gold diamond rings the closest to meeting all targets."
                 if verdict.best is None and verdict.closest is not None else ""))
    drawn = (f"{len(funnels)} of the {n} scenarios are drawn: "
             f"{shown_phrase(table, roles, funnels)}, in rank order.")
    top = (f"{n} scenarios. The charts below label only the {k} that matter ({every}) and "
           "the funnels figure draws "
           f"{len(funnels)} of them; the ranked table after the figures lists every "
           "scenario (so does comparison.csv) and Funnels as numbers gives every funnel.")
    return top, {"spend_vs_conversion": charts, "satisfaction_vs_conversion": charts,
                 "funnels": drawn + " Every scenario's funnel is in Funnels as numbers."}


def _e(value: Any) -> str:
    """Any value as escaped HTML text."""
    return html.escape("" if value is None else str(value), quote=True)


def _interval(row: pd.Series, kpi: str) -> str:
    lo, hi = row.get(f"{kpi}_p05"), row.get(f"{kpi}_p95")
    if not isinstance(lo, float) or math.isnan(lo) or not isinstance(hi, float) or math.isnan(hi):
        return ""
    return f"<br><small>90 %: {_e(format_value(kpi, lo))} – {_e(format_value(kpi, hi))}</small>"


def _target_cell(row: pd.Series, name: str, t: Target) -> str:
    ok = bool(row[f"meets_{name}"])
    mark = f"<span class='{'met' if ok else 'missed'}'>{'✓ met' if ok else '✗ missed'}</span>"
    text = f"{_e(format_value(t.kpi, row.get(t.kpi)))} {mark}{_interval(row, t.kpi)}"
    p = row.get(f"p_meets_{name}")
    if isinstance(p, float) and not math.isnan(p):
        text += f"<br><small>met in {100 * p:.0f} % of replications</small>"
    return text


def _mark(row_index: int, verdict: Verdict) -> tuple[str, str]:
    """The class and the marker of a table row the verdict names (``best``: the cheapest
    scenario meeting every target; ``closest``: when none does, the closest)."""
    if verdict.best == row_index:
        return "best", "★ cheapest meeting all targets"
    if verdict.closest == row_index:
        return "closest", "◆ closest to meeting all targets"
    return "", ""


def _scenario_cell(row: pd.Series) -> str:
    """The scenario's short name, and its full overrides below when they read otherwise."""
    cell = f"<code>{_e(row['scenario'])}</code>"
    full = row.get("distinguishing_overrides")
    if full and full != row["scenario"]:
        cell += f"<br><small>overrides: <code>{_e(full)}</code></small>"
    return cell


def _scenario_table(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict) -> str:
    """The ranked table: one row per scenario (``data-scenario`` its ID), the row the
    verdict names marked; a replications column when the runs differ in it."""
    show_reps = table["replications"].nunique() > 1
    head = (["Rank", "ID", "Scenario", *(["Replications"] if show_reps else []),
             "Total spend (CNY)"]
            + [f"{t.label} ({t.rule})" for t in targets.values()]
            + ["Targets met", "All targets", "Pareto frontier", "Run folder"])
    lines = ["<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead>"]
    position = {sid: i for i, sid in enumerate(table["scenario_id"])}
    for rank, (_, row) in enumerate(ranked(table).iterrows(), start=1):
        css, marker = _mark(position[row["scenario_id"]], verdict)
        cells = [str(rank), _e(row["scenario_id"]),
                 (f"<strong class='marker'>{_e(marker)}</strong><br>" if marker else "")
                 + _scenario_cell(row), *([str(int(row["replications"]))] if show_reps else []),
                 _e(format_value(SPEND, row[SPEND])) + _interval(row, SPEND)]
        cells += [_target_cell(row, name, t) for name, t in targets.items()]
        all_met = bool(row["meets_all_targets"])
        p_all = row.get("p_meets_all_targets")
        cells += [f"{int(row['targets_met'])} of {len(targets)}",
                  f"<span class='{'met' if all_met else 'missed'}'>"
                  f"{'✓ yes' if all_met else '✗ no'}</span>"
                  + (f"<br><small>all met in {100 * p_all:.0f} % of replications</small>"
                     if isinstance(p_all, float) and not math.isnan(p_all) else ""),
                  "yes" if row["on_pareto_frontier"] else "no",
                  f"<code>{_e(row['run_folder'])}</code>"]
        attr = f" class='{css}'" if css else ""
        lines.append(f"<tr{attr} data-scenario='{_e(row['scenario_id'])}'>"
                     + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return ("<div class='scroll'><table id='scenario-table'>" + "\n".join(lines)
            + "</table></div>")


def _funnel_table(table: pd.DataFrame, runs: Sequence[Run]) -> str:
    """The funnel of every scenario as numbers: a row per stage, a column per scenario;
    each cell the count, its share of the population (the purchased: of the aware too)
    and its online / offline split."""
    funnels = [scenario_funnel(run) for run in runs]
    stages = next((f for f in funnels if f), None)
    if stages is None:
        return "<p>No run records the funnel KPIs.</p>"
    head = ["Stage", *table["scenario_id"]]
    lines = ["<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead>"]
    for n, stage in enumerate(stages):
        cells = [_e(stage.stage.label)]
        for steps in funnels:
            if not steps:
                cells.append("—")
                continue
            step = steps[n]
            split = " · ".join(f"{_e(name)} {count:,.0f}"
                               for name, _, count in step.stage.segments)
            cells.append(f"{step.stage.total:,.0f}<br><small>{_e(step.shares)}</small>"
                         f"<br><small>{split}</small>")
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return ("<div class='scroll'><table id='funnel-table'>" + "\n".join(lines)
            + "</table></div>")


def _kpi_table(table: pd.DataFrame, kpi_names: Sequence[str], units: dict[str, str]) -> str:
    head = ["KPI", "unit"] + list(table["scenario_id"])
    lines = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for kpi in kpi_names:
        unit = units.get(kpi, "share" if kpi.endswith("_rate") else "")
        cells = [f"<code>{_e(kpi)}</code>", _e(unit)]
        cells += [_e(format_value(kpi, row.get(kpi))) + _interval(row, kpi)
                  for _, row in table.iterrows()]
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "<div class='scroll'><table>" + "\n".join(lines) + "</table></div>"


def to_html(table: pd.DataFrame, runs: Sequence[Run], skipped: Sequence[Skipped],
            targets: dict[str, Target], verdict: Verdict, notes: Sequence[str],
            figs: dict[str, Path]) -> str:
    """The comparison as one self-contained HTML page (figures inlined as base64 PNG)."""
    units: dict[str, str] = {}
    for run in runs:
        units.update({str(k): str(v) for k, v in (run.metrics.get("units") or {}).items()})
    parts = [f"<h1>o2osim comparison of {len(table)} scenario"
             f"{'s' if len(table) != 1 else ''}</h1>",
             f"<p class='verdict' id='verdict'>{_e(verdict.statement)}</p>",
             "<p>Total spend = media spend + coupon subsidies + the plan's integration cost "
             "(<code>total_cost_cny</code>), CNY for the whole market. Targets are judged on "
             "each scenario's KPI means. A scenario is named by the settings that differ "
             "between the runs (long keys shortened to their last two parts; the number of "
             "replications and <code>sim.workers</code> are not part of a name). Ranked by "
             "total relative shortfall (the sum over the targets "
             "of how far the scenario is from each, as a share of its threshold; 0 when all "
             "are met), then by total spend.</p>"]
    captions = dict(CAPTIONS)
    if is_large(table):
        top, more = large_scope(table, verdict)
        parts.append(f"<p class='scope' id='scope'>{_e(top)}</p>")
        captions = {name: f"{text} {more[name]}" for name, text in captions.items()}
    parts += [f"<p><strong>Note:</strong> {_e(n)}</p>" for n in notes]
    if skipped:
        parts.append("<h2>Skipped</h2><ul>" + "".join(
            f"<li><code>{_e(s.folder)}</code>: {_e(s.reason)}</li>" for s in skipped) + "</ul>")
    figures = [f"<h2>{_e(TITLES.get(name, name))}</h2><figure><img alt='{_e(name)}' "
               f"src='data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}'>"
               f"<figcaption>{_e(captions.get(name, ''))}</figcaption></figure>"
               for name, path in figs.items()]
    ranking = ["<h2>Scenarios, ranked</h2>", _scenario_table(table, targets, verdict)]
    # a large comparison's long table comes after the figures that sum it up
    parts += figures + ranking if is_large(table) else ranking + figures
    parts += ["<h2>Funnels as numbers</h2>", "<p>Simulated consumers at each stage, their "
              "share of the population (the purchased also as a share of the aware: the "
              "full-channel conversion) and where it happened.</p>", _funnel_table(table, runs)]
    parts += ["<h2>Every KPI</h2>", "<p>Means; the 90 % interval of the replications under "
              "each value of a replicated run. Definitions: docs/kpis.md.</p>",
              _kpi_table(table, _kpi_names(runs), units)]
    if table["other_config_differences"].str.len().gt(0).any():
        parts.append("<h2>Other configuration differences</h2><p>Settings that differ between "
                     "the runs although no override names them (for example a preset edited "
                     "between runs); <code>~key</code>: the run has no such setting.</p><ul>"
                     + "".join(f"<li>{_e(r['scenario_id'])}: <code>"
                               f"{_e(r['other_config_differences'])}</code></li>"
                               for _, r in table.iterrows() if r["other_config_differences"])
                     + "</ul>")
    parts.append("<p><small>Columns and figures: docs/compare.md. Written by o2osim-compare "
                 "from the run folders' result files.</small></p>")
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            "<title>o2osim comparison</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


# --------------------------------------------------------------------------- terminal


def wrap_label(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken after spaces and dots (dotted keys
    stay readable); a piece longer than a line is cut."""
    lines: list[str] = []
    line = ""
    for piece in re.findall(r"[^ .]*[ .]*", text):
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


def summary(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict,
            skipped: Sequence[Skipped], notes: Sequence[str], width: int = 100) -> str:
    """A short plain-text summary: the ranked table (scenario labels wrapped to fit
    ``width`` columns), skipped runs, notes and the verdict (wrapped too)."""
    shown = list(targets.values())[:3]
    kpis = [t.kpi for t in shown]
    head = ["#", "ID", "Scenario", "Total spend", *[t.name for t in shown], "Targets met"]
    rows = [head]
    for rank, (_, row) in enumerate(ranked(table).iterrows(), start=1):
        rows.append([str(rank), str(row["scenario_id"]), str(row["scenario"]),
                     format_value(SPEND, row[SPEND]),
                     *[format_value(k, row.get(k)) for k in kpis],
                     f"{int(row['targets_met'])}/{len(targets)}"
                     + (" ALL" if row["meets_all_targets"] else "")])
    widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
    room = width - sum(widths) + widths[2] - 2 * (len(head) - 1)
    widths[2] = max(20, min(widths[2], room))
    lines = []
    for n, r in enumerate(rows):
        label = wrap_label(r[2], widths[2])
        for i, part in enumerate(label):
            cells = [c if i == 0 else "" for c in r]
            cells[2] = part
            lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                         .rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"skipped: {s.folder} — {s.reason}" for s in skipped]
    lines += [f"note: {n}" for n in notes]
    lines += ["", *textwrap.wrap(verdict.statement, max(40, width), break_on_hyphens=False)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- output folder


def output_folder(out: str | None, now: dt.datetime) -> tuple[Path, bool]:
    """Where to write and whether the user named it. A named folder must be new or
    empty; the default is ``results/comparisons/<date>_<time>`` (``_2``, ... if taken)."""
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CompareError(f"--out: {out!r} — already exists and is not empty; choose a "
                               "new folder (nothing was written)")
        return path, True
    return DEFAULT_ROOT / now.strftime("%Y-%m-%d_%H-%M-%S"), False


def publish(staging: Path, target: Path, explicit: bool) -> Path:
    """Move the finished ``staging`` folder to ``target`` (or a fresh ``target_N`` when the
    default name is taken); an existing non-empty folder is never replaced."""
    for n in range(1, 1000):
        candidate = target if n == 1 else target.with_name(f"{target.name}_{n}")
        try:
            if not explicit and candidate.exists():
                continue
            os.rename(staging, candidate)  # replaces only a missing or empty folder
            return candidate
        except OSError:
            if explicit:
                raise CompareError(f"--out: {str(target)!r} — was filled while comparing; "
                                   "choose a new folder (nothing was written)") from None
    raise CompareError(f"--out: {str(target)!r} — no free folder name")


def write_comparison(folder: Path, table: pd.DataFrame, runs: Sequence[Run],
                     skipped: Sequence[Skipped], targets: dict[str, Target], verdict: Verdict,
                     notes: Sequence[str]) -> None:
    """Write ``comparison.csv``, the figures and ``comparison.html`` into ``folder``."""
    write_csv_atomic(folder / "comparison.csv", csv_table(table, verdict))
    figs = write_figures(folder, table, runs, targets, verdict)
    page = to_html(table, runs, skipped, targets, verdict, notes, figs)
    write_text_atomic(folder / "comparison.html", lambda fh: fh.write(page))


def csv_table(table: pd.DataFrame, verdict: Verdict) -> pd.DataFrame:
    """The table as written to ``comparison.csv``: rank and the cheapest-meeting-all flag
    added. Skipped runs are not rows (they are listed in the HTML and the summary)."""
    out = table.copy()
    rank = {sid: r for r, sid in enumerate(ranked(table)["scenario_id"], start=1)}
    out.insert(2, "rank", [rank[s] for s in out["scenario_id"]])
    flag = [verdict.best == i for i in range(len(out))]
    out.insert(out.columns.get_loc("on_pareto_frontier") + 1, "cheapest_meeting_all", flag)
    return out


def compare(paths: Sequence[str], out: str | None, now: dt.datetime | None = None
            ) -> tuple[Path, str]:
    """Compare the runs under ``paths`` into a new folder; return it and the summary."""
    runs, skipped = collect(paths)
    target, explicit = output_folder(out, now or dt.datetime.now())
    if not runs:
        first = f" (first: {skipped[0].folder}: {skipped[0].reason})" if skipped else ""
        raise CompareError(f"{' '.join(repr(p) for p in paths)}: no finished run to compare — "
                           f"{len(skipped)} folder(s) skipped{first}")
    targets, notes = union_targets(runs)
    table = comparison_table(runs, targets)
    verdict = cheapest_meeting_all(table, targets)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp"))
    try:
        os.chmod(staging, 0o777 & ~_UMASK)  # mkdtemp makes it private; results are not
        write_comparison(staging, table, runs, skipped, targets, verdict, notes)
        folder = publish(staging, target, explicit)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    width = shutil.get_terminal_size((100, 24)).columns
    return folder, summary(table, targets, verdict, skipped, notes, width)


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Compare finished o2osim runs: a table, figures and the "
        "cheapest scenario meeting every target (docs/compare.md).")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="run folders, sweep folders, or folders holding sweeps")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="new or empty folder for the comparison (default: "
                        "results/comparisons/<date>_<time>)")

    def one_line(message: str) -> typing.NoReturn:
        _fail(message)

    parser.error = one_line  # type: ignore[method-assign]
    return parser


def _fail(message: str) -> typing.NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def _shown_path(folder: Path) -> str:
    try:
        return str(folder.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``o2osim-compare``."""
    args = _parser().parse_args(argv)
    try:
        folder, text = compare(args.paths, args.out)
    except CompareError as err:
        _fail(str(err))
    print(text)
    print(f"comparison: {_shown_path(folder)}")


if __name__ == "__main__":
    main()
