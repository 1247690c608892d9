"""Shared helpers of the studies in ``experiments/<study>/``.

The studies run the ``o2osim`` command (so every scenario is a normal run folder with
``.hydra/``, ``metrics.json`` and a report) and read the finished folders back. Nothing
here touches the engine: a study's numbers are whatever ``metrics.json`` says.

Import from a study script with::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import studylib
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
STUDIES = REPO / "results" / "studies"
CONF = REPO / "conf"
MARKETS = ("retail_apparel", "hotpot_chain", "local_services")


# --------------------------------------------------------------------------- running


def o2osim(args: Sequence[str], log: Path) -> float:
    """Run ``o2osim ARGS`` from the repository root, output appended to ``log``.
    Returns the wall-clock seconds; raises if the command fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ o2osim {' '.join(args)}\n")
        out.flush()
        done = subprocess.run([sys.executable, "-m", "o2osim.cli", *args], cwd=REPO,
                              stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"o2osim {' '.join(args)} failed (exit {done.returncode}); "
                           f"see {log}")
    return time.perf_counter() - start


def run_scenarios(scenarios: dict[str, list[str]], root: Path, jobs: int = 2) -> None:
    """Run each scenario ``name -> overrides`` as ``o2osim OVERRIDES
    hydra.run.dir=ROOT/NAME``, ``jobs`` at a time.

    A folder that already holds ``metrics.json`` is a finished run and is kept (delete
    ``root`` to start again). A folder without it is what a crashed or killed attempt
    left (``.hydra/`` but no results); it is removed and the scenario runs again."""
    todo = []
    for name, overrides in scenarios.items():
        folder = root / name
        if (folder / "metrics.json").exists():
            continue
        if folder.exists():
            shutil.rmtree(folder)
        todo.append((name, overrides, folder))
    print(f"{len(scenarios) - len(todo)} of {len(scenarios)} scenarios already finished "
          f"in {rel(root)}; running {len(todo)} ({jobs} at a time)", flush=True)
    start = time.perf_counter()

    def one(item: tuple[str, list[str], Path]) -> None:
        name, overrides, folder = item
        seconds = o2osim([*overrides, f"hydra.run.dir={folder}"], root / "logs" / f"{name}.log")
        print(f"  {name}: {seconds:.1f} s", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, todo))
    if todo:
        print(f"ran {len(todo)} scenarios in {time.perf_counter() - start:.0f} s wall clock",
              flush=True)


def compare(root: Path, out: Path, log: Path) -> None:
    """``o2osim-compare ROOT --out OUT`` unless OUT already holds a comparison."""
    if out.exists() and any(out.iterdir()):
        print(f"comparison kept: {rel(out)} (delete it to rebuild)")
        return
    with log.open("a", encoding="utf-8") as f:
        done = subprocess.run([sys.executable, "-m", "o2osim.reports.compare", str(root),
                               "--out", str(out)], cwd=REPO, stdout=f,
                              stderr=subprocess.STDOUT, check=False)
    print(f"comparison: {rel(out)}" if done.returncode == 0
          else f"o2osim-compare failed (exit {done.returncode}); see {rel(log)}")


# --------------------------------------------------------------------------- reading


@dataclass
class Run:
    """One finished run folder."""

    folder: Path
    metrics: dict[str, Any]
    config: dict[str, Any]
    overrides: list[str] = field(default_factory=list)

    def kpi(self, name: str) -> float:
        return float(self.metrics["kpis"][name])

    def interval(self, name: str) -> tuple[float, float]:
        """90 % interval over the replications (zero width for a single run)."""
        stats = self.metrics.get("kpi_stats", {}).get(name)
        if not stats:
            return self.kpi(name), self.kpi(name)
        return float(stats["p05"]), float(stats["p95"])

    def setting(self, dotted: str) -> Any:
        node: Any = self.config
        for part in dotted.split("."):
            node = node[part]
        return node

    @property
    def scale(self) -> float:
        return float(self.metrics["scale_real_per_simulated"])


def load_runs(root: Path) -> list[Run]:
    """Every finished run folder at or below ``root`` (hidden folders skipped)."""
    runs = []
    for path in sorted(root.rglob("metrics.json")):
        folder = path.parent
        if any(part.startswith(".") for part in folder.relative_to(root).parts):
            continue
        hydra = folder / ".hydra"
        config = yaml.safe_load((hydra / "config.yaml").read_text(encoding="utf-8"))
        overrides_file = hydra / "overrides.yaml"
        overrides = (yaml.safe_load(overrides_file.read_text(encoding="utf-8")) or []
                     if overrides_file.exists() else [])
        runs.append(Run(folder, json.loads(path.read_text(encoding="utf-8")), config,
                        overrides))
    return runs


def preset(group: str, name: str) -> dict[str, Any]:
    """A preset of ``conf/<group>/<name>.yaml`` as plain data (its defaults list dropped)."""
    data = yaml.safe_load((CONF / group / f"{name}.yaml").read_text(encoding="utf-8"))
    data.pop("defaults", None)
    return data


def pick(runs: Iterable[Run], **settings: Any) -> list[Run]:
    """The runs whose settings (dotted keys with ``__`` for ``.``) equal the values."""
    keys = {k.replace("__", "."): v for k, v in settings.items()}
    return [r for r in runs if all(r.setting(k) == v for k, v in keys.items())]


def one(runs: Iterable[Run], **settings: Any) -> Run:
    found = pick(runs, **settings)
    if len(found) != 1:
        raise LookupError(f"{len(found)} runs match {settings}")
    return found[0]


# --------------------------------------------------------------------------- formatting


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f} %"


def num(x: float, digits: int = 2) -> str:
    return f"{x:,.{digits}f}"


def mcny(x: float) -> str:
    return f"{x / 1e6:,.1f} M"


def with_interval(run: Run, kpi: str, fmt: Callable[[float], str]) -> str:
    """``value (p05-p95)`` when the run is replicated, else the value."""
    value = fmt(run.kpi(kpi))
    lo, hi = run.interval(kpi)
    if int(run.metrics.get("replications", 1)) <= 1:
        return value
    return f"{value} ({fmt(lo).removesuffix(' %')}–{fmt(hi)})"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]],
                   align: str = "") -> str:
    """A GitHub markdown table; ``align`` is one letter per column (l / r), default r
    except the first column."""
    align = align or "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(str(h) for h in headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {rel(path)}")
