"""Reading run folders: what the report and the comparison read from disk.

A run folder (written by ``o2osim``, :mod:`o2osim.results`) holds ``metrics.json``,
``daily.csv``, ``stores.csv`` and Hydra's record ``.hydra/`` (``config.yaml``,
``overrides.yaml``, ``hydra.yaml``). This module reads them without the engine, without
Hydra or OmegaConf (plain YAML, read with bounds: :mod:`o2osim.safe_yaml`) and without
pandas (:func:`read_columns`):

* for the run report: :func:`run_info` (where the run came from, the plan's settings);
* for ``o2osim-compare``: finding the run folders under the paths given
  (:func:`find_run_folders`, :func:`collect`, sweeps in job order) and loading each into
  a :class:`Run`, or a :class:`Skipped` with the reason.

A run folder can come from anywhere, so :func:`load_run` trusts none of its files:
``metrics.json`` is checked against the layout the run record is written in
(:func:`o2osim.results.read_metrics`), each ``.hydra`` file against what Hydra writes
(``overrides.yaml`` a list of overrides, ``config.yaml`` a mapping of plain values,
``hydra.yaml`` a mapping whose ``runtime.choices`` maps groups to presets); a folder with
any file that fails is :class:`Skipped` with the file and the reason. A missing
``.hydra`` file is not a fault (runs written without Hydra have none).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from o2osim.results import INCOMPLETE_PREFIX, read_metrics, run_folder_has_results
from o2osim.safe_yaml import load_yaml

IDENTITY = (("market", "market"), ("plan", "plan"), ("sim.seed", "seed"),
            ("sim.population", "population"), ("sim.days", "days"),
            ("sim.replications", "replications"))
"""Settings recorded in ``metrics.json`` itself: used when a run has no ``.hydra``."""


class CompareError(Exception):
    """Bad input to ``o2osim-compare``: reported as one line ``o2osim-compare: error:
    ...``, exit code 2."""


def read_yaml(path: Path) -> Any:
    """The content of a YAML file, or None when it is missing, unreadable or unsafe
    (:func:`o2osim.safe_yaml.load_yaml`)."""
    try:
        return load_yaml(path)
    except (OSError, ValueError):
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
        stores = market.get("stores")
        reality = stores.get("reality_level") if isinstance(stores, dict) else None
        if isinstance(reality, int | float) and not isinstance(reality, bool):
            info.store_reality_level = float(reality)
    overrides = read_yaml(hydra_dir / "overrides.yaml")
    if isinstance(overrides, list):
        info.overrides = tuple(str(o) for o in overrides)
    runtime = _runtime(read_yaml(hydra_dir / "hydra.yaml")) or {}
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
    stack = [(path, shown)]  # depth first, in name order (no recursion: any depth)
    while stack:
        folder, name = stack.pop()
        try:
            real = folder.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            continue
        if real in seen:
            continue
        seen.add(real)
        if run_folder_has_results(folder):
            found.append((folder, name))
            continue
        try:
            children = [c for c in folder.iterdir()
                        if c.is_dir() and not c.name.startswith(".")]
        except OSError:  # unreadable: nothing below it can be compared
            continue
        for child in sorted(children, key=lambda c: _natural_key(c.name), reverse=True):
            stack.append((child, f"{name}/{child.name}"))
    return found


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """A nested dict as ``{"a.b.c": leaf}``; lists are leaves."""
    if not isinstance(node, dict):
        return {prefix: node} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


class _Broken(Exception):
    """A file of a run folder that is not what o2osim or Hydra writes (one-line reason)."""


_SCALARS = (str, int, float, bool, type(None))


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            int: "a number", float: "a number", type(None): "nothing"
            }.get(type(value), f"a {type(value).__name__}")


def _plain(value: Any, where: str) -> None:
    """Raise :class:`_Broken` unless ``value`` holds only mappings, lists and scalars."""
    stack = [(value, where)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if not isinstance(key, _SCALARS):
                    raise _Broken(f"{at}: a key that is {_kind(key)}")
                stack.append((child, f"{at}.{key}" if at else str(key)))
        elif isinstance(node, list):
            stack.extend((child, f"{at}[{i}]") for i, child in enumerate(node))
        elif not isinstance(node, _SCALARS):
            raise _Broken(f"{at or 'the file'}: {_kind(node)} ({str(node)[:40]!r}), where "
                          "Hydra writes text, numbers and true/false")


def _hydra_file(hydra_dir: Path, name: str) -> Any:
    """The content of ``.hydra/<name>`` (None when there is none); :class:`_Broken` for a
    file that cannot be read safely."""
    path = hydra_dir / name
    if not path.is_file():
        return None
    try:
        return load_yaml(path)
    except OSError as exc:
        raise _Broken(f".hydra/{name} cannot be read ({type(exc).__name__})") from exc
    except ValueError as exc:  # not YAML, too large, an alias bomb or a self-reference
        raise _Broken(f".hydra/{name}: {exc}") from exc


def _overrides(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(o, _SCALARS) for o in value):
        raise _Broken(f".hydra/overrides.yaml: {_kind(value)} ({str(value)[:40]!r}), "
                      "where Hydra writes a list of overrides")
    return [str(o) for o in value]


def _config(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Broken(f".hydra/config.yaml: {_kind(value)}, where Hydra writes a mapping "
                      "of settings")
    try:
        _plain(value, "")
    except _Broken as exc:
        raise _Broken(f".hydra/config.yaml: {exc}") from None
    try:
        return flatten(value)
    except RecursionError:
        raise _Broken(".hydra/config.yaml: nested too deeply") from None


def _runtime(hydra_cfg: Any) -> dict[str, Any] | None:
    """``hydra.runtime`` of a ``hydra.yaml`` when it is a mapping, else None."""
    hydra = hydra_cfg.get("hydra") if isinstance(hydra_cfg, dict) else None
    runtime = hydra.get("runtime") if isinstance(hydra, dict) else None
    return runtime if isinstance(runtime, dict) else None


def _choices(hydra_cfg: Any) -> dict[str, str]:
    """The preset chosen per config group (``hydra.runtime.choices``), Hydra's own left out."""
    if hydra_cfg is None:
        return {}
    if not isinstance(hydra_cfg, dict):
        raise _Broken(f".hydra/hydra.yaml: {_kind(hydra_cfg)}, where Hydra writes a mapping")
    found = (_runtime(hydra_cfg) or {}).get("choices")
    if found is None:
        return {}
    if not isinstance(found, dict) or not all(
            isinstance(k, _SCALARS) and isinstance(v, _SCALARS) for k, v in found.items()):
        raise _Broken(".hydra/hydra.yaml: hydra.runtime.choices is not a mapping of config "
                      "groups to presets")
    return {str(k): str(v) for k, v in found.items() if not str(k).startswith("hydra")}


def load_run(path: Path, shown: str) -> Run | Skipped:
    """Read one run folder; a folder without usable results, or with a file that is not
    what o2osim and Hydra write, is :class:`Skipped` with the reason."""
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
    except ValueError as exc:  # not JSON, no kpis, a field of the wrong type, newer schema
        reason = str(exc).split(": ", 1)[-1]
        return Skipped(shown, "metrics.json has no kpis" if "no kpis" in reason
                       else f"metrics.json: {reason}")
    hydra_dir = path / ".hydra"
    try:
        overrides = _overrides(_hydra_file(hydra_dir, "overrides.yaml"))
        flat = _config(_hydra_file(hydra_dir, "config.yaml"))
        choices = _choices(_hydra_file(hydra_dir, "hydra.yaml"))
    except _Broken as exc:
        return Skipped(shown, str(exc))
    has_config = bool(flat)
    if not has_config:  # a run written without Hydra: its identity is in metrics.json
        flat = {key: metrics[name] for key, name in IDENTITY[2:] if name in metrics}
        choices = choices or {key: str(metrics[name]) for key, name in IDENTITY[:2]
                              if name in metrics}
    return Run(shown, metrics, overrides, flat, choices, has_config)


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

