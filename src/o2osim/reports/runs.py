"""Reading run folders: what the report and the comparison read from disk.

A run folder (written by ``o2osim``, :mod:`o2osim.results`) holds ``metrics.json``,
``daily.csv``, ``stores.csv`` and Hydra's record ``.hydra/`` (``config.yaml``,
``overrides.yaml``, ``hydra.yaml``). This module reads them without the engine, without
Hydra or OmegaConf (plain YAML) and without pandas (:func:`read_columns`):

* for the run report: :func:`run_info` (where the run came from, the plan's settings);
* for ``o2osim-compare``: finding the run folders under the paths given
  (:func:`find_run_folders`, :func:`collect`, sweeps in job order) and loading each into
  a :class:`Run`, or a :class:`Skipped` with the reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from o2osim.results import INCOMPLETE_PREFIX, read_metrics, run_folder_has_results

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (several times faster), else PyYAML's."""

IDENTITY = (("market", "market"), ("plan", "plan"), ("sim.seed", "seed"),
            ("sim.population", "population"), ("sim.days", "days"),
            ("sim.replications", "replications"))
"""Settings recorded in ``metrics.json`` itself: used when a run has no ``.hydra``."""


class CompareError(Exception):
    """Bad input to ``o2osim-compare``: reported as one line ``o2osim-compare: error:
    ...``, exit code 2."""


def read_yaml(path: Path) -> Any:
    """The content of a YAML file, or None when it is missing or unreadable."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


def read_columns(path: Path) -> dict[str, np.ndarray]:
    """A CSV file (``daily.csv``, ``stores.csv``) as columns: numbers as float arrays,
    anything else (``phase``) as arrays of strings; an empty cell of a number column is
    NaN."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(header):
        cells = [row[i] if i < len(row) else "" for row in body]
        try:
            columns[name] = np.array([float(c) if c else np.nan for c in cells], dtype=float)
        except ValueError:
            columns[name] = np.array(cells, dtype=str)
    return columns


# --------------------------------------------------------------------------- a run's origin


@dataclass
class RunInfo:
    """Where a run came from: its folder, the overrides typed, the presets' descriptions."""

    folder: str = ""
    overrides: tuple[str, ...] = ()
    market_description: str = ""
    plan_description: str = ""
    store_reality_level: float | None = None  # market.stores.reality_level


def run_info(folder: Path) -> tuple[RunInfo, dict[str, Any] | None]:
    """What Hydra recorded about the run in ``folder/.hydra`` (and the plan's settings)."""
    info = RunInfo(folder="" if folder.name.startswith(INCOMPLETE_PREFIX) else str(folder))
    hydra_dir = folder / ".hydra"
    plan = None
    if not hydra_dir.is_dir():
        return info, plan
    config = read_yaml(hydra_dir / "config.yaml")
    if isinstance(config, dict):
        plan = config.get("plan") if isinstance(config.get("plan"), dict) else None
        market = config.get("market") if isinstance(config.get("market"), dict) else {}
        info.market_description = str(market.get("description") or "")
        info.plan_description = str((plan or {}).get("description") or "")
        reality = (market.get("stores") or {}).get("reality_level")
        if isinstance(reality, int | float) and not isinstance(reality, bool):
            info.store_reality_level = float(reality)
    overrides = read_yaml(hydra_dir / "overrides.yaml")
    if isinstance(overrides, list):
        info.overrides = tuple(str(o) for o in overrides)
    hydra_cfg = read_yaml(hydra_dir / "hydra.yaml")
    runtime = (hydra_cfg or {}).get("hydra", {}).get("runtime", {}) if isinstance(
        hydra_cfg, dict) else {}
    output_dir = str(runtime.get("output_dir") or "")
    if output_dir:
        cwd = str(runtime.get("cwd") or "")
        try:
            output_dir = str(Path(output_dir).relative_to(cwd)) if cwd else output_dir
        except ValueError:
            pass
        info.folder = output_dir
    return info, plan


# --------------------------------------------------------------------------- runs to compare


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
        if run_folder_has_results(folder):
            found.append((folder, name))
            return
        children = [c for c in folder.iterdir() if c.is_dir() and not c.name.startswith(".")]
        for child in sorted(children, key=lambda c: _natural_key(c.name)):
            visit(child, f"{name}/{child.name}")

    visit(path, shown)
    return found


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
        metrics = read_metrics(metrics_path)
    except OSError as exc:
        return Skipped(shown, f"metrics.json cannot be read ({type(exc).__name__})")
    except ValueError as exc:  # not JSON, no kpis, or a newer schema_version
        reason = str(exc).split(": ", 1)[-1]
        return Skipped(shown, "metrics.json has no kpis" if "no kpis" in reason
                       else f"metrics.json: {reason}")
    hydra_dir = path / ".hydra"
    overrides = read_yaml(hydra_dir / "overrides.yaml")
    config = read_yaml(hydra_dir / "config.yaml")
    hydra_cfg = read_yaml(hydra_dir / "hydra.yaml")
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

