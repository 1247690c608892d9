"""The cheapest plan meeting every target: the search's objective and its outputs.

::

    o2osim -m +experiment=cheapest_plan                       # conf/experiment/cheapest_plan.yaml
    o2osim -m +experiment=cheapest_plan market=hotpot_chain hydra.sweeper.n_trials=200

Hydra's Optuna sweeper (``hydra-optuna-sweeper``, extra ``search``) proposes plans; each
trial is an ordinary run whose task returns :func:`objective`; when the sweep ends,
:class:`SearchOutputs` (a Hydra callback) writes into the sweep folder:

* ``search_history.csv`` — one row per trial: its parameters, state, objective, whether it
  met every target, total cost and every KPI;
* ``conf/plan/best_plan.yaml`` — the cheapest plan meeting every target as a plan preset
  (``o2osim --config-dir SWEEP/conf plan=best_plan ...``), or ``closest_plan.yaml``, the
  plan closest to meeting them, when no trial met them all (said so in the file and on the
  terminal);
* ``best_plan_report.html`` (or ``closest_plan_report.html``) — that trial's report;
* ``search_summary.md`` — the verdict in words, the plan's searched settings, the command
  that reruns it.

The Optuna study itself (every trial, its parameters and value) is kept in the SQLite
file ``optuna.db`` of the sweep folder. Details: docs/search.md.

Like :mod:`o2osim.cli`, this module is glue between Hydra and o2osim: it reads the run
folders the trials wrote and Hydra's record of each (``.hydra/``); the engine is not
imported.
"""

from __future__ import annotations

import copy
import math
import shlex
import shutil
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

if TYPE_CHECKING:
    import pandas as pd

from o2osim import targets as target_rules
from o2osim.reports.scorecard import format_value
from o2osim.results import read_metrics, write_csv_atomic, write_text_atomic

INFEASIBLE_PENALTY_CNY = 1e10
"""Added to the cost of a plan that misses a target, times (1 + its total relative
shortfall). Ten billion yuan, some 500 times the presets' budgets: any plan missing a
target ranks behind every plan meeting them all (as long as plans cost less than this),
and among the plans missing targets the smaller shortfall ranks first."""

COST_KPI = "total_cost_cny"
"""What a plan costs: media spend + coupon subsidies + the plan's integration cost (the
same "total spend" as ``o2osim-compare``)."""

HISTORY = "search_history.csv"
SUMMARY = "search_summary.md"
PLAN_DIR = Path("conf") / "plan"
"""Where the plan preset is written, inside the sweep folder (a config dir for
``--config-dir``)."""
BEST, CLOSEST = "best_plan", "closest_plan"
JOB_ATTR = "hydra_job_num"
"""Optuna trial attribute the search's sweeper sets: the Hydra job number (the run folder)
of the trial (src/hydra_plugins/o2osim_search)."""
EXPERIMENT_GROUP = "experiment"
"""Config group of the preset; left out of the command that reruns the best plan."""


# --------------------------------------------------------------------------- the objective


def relative_shortfall(target: Mapping[str, Any]) -> float:
    """How far a target of ``metrics.json`` is from being met, as a share of its threshold
    (of 1 when the threshold is 0); 0 when met, 1 when its value is missing
    (:func:`o2osim.targets.relative_shortfall`)."""
    return target_rules.relative_shortfall(target, target.get("value"))


def total_relative_shortfall(metrics: Mapping[str, Any]) -> float:
    """Sum of :func:`relative_shortfall` over the run's targets (0: every target met)."""
    return math.fsum(relative_shortfall(t) for t in (metrics.get("targets") or {}).values())


def feasible(metrics: Mapping[str, Any]) -> bool:
    """True when the run met every target (judged on KPI means for replicated runs) by
    :func:`o2osim.targets.met`; a run that records no target is feasible only when its
    ``all_targets_met`` says so."""
    recorded = metrics.get("targets") or {}
    if not recorded:
        return bool(metrics.get("all_targets_met"))
    return all(target_rules.met(t, t.get("value")) for t in recorded.values())


def objective(metrics: Mapping[str, Any]) -> float:
    """What the search minimises, from a run's ``metrics.json``.

    A plan meeting every target scores its total cost in CNY (``total_cost_cny``). A plan
    missing one scores its cost + :data:`INFEASIBLE_PENALTY_CNY` x (1 + total relative
    shortfall): it ranks behind every plan meeting the targets, and a plan closer to them
    ranks before one further away, which leads the sampler towards the feasible region.
    """
    cost = float(metrics["kpis"][COST_KPI])
    if feasible(metrics):
        return cost
    return cost + INFEASIBLE_PENALTY_CNY * (1.0 + total_relative_shortfall(metrics))


# --------------------------------------------------------------------------- reading a search


@dataclass
class Trial:
    """One trial of the study, joined with the run folder it wrote."""

    number: int
    state: str
    params: dict[str, Any]
    value: float | None
    folder: Path | None
    metrics: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        """A finished run the sampler was told about."""
        return self.state == "COMPLETE" and self.metrics is not None


@dataclass
class Search:
    """A search as its sweep folder and Optuna study hold it."""

    sweep_dir: Path
    study_name: str
    storage: str
    trials: list[Trial]
    config: DictConfig
    """The sweep's composed configuration (Hydra's multirun config)."""
    best: Trial | None = None
    found: bool = False
    """True when ``best`` meets every target; otherwise it is the closest trial."""
    written: dict[str, Path] = field(default_factory=dict)


def _job_folders(config: DictConfig, nums: list[int]) -> dict[int, Path]:
    """The folder of each job of the sweep (``hydra.sweep.dir/hydra.sweep.subdir``)."""
    cfg = OmegaConf.create({"hydra": copy.deepcopy(config.hydra)})
    out = {}
    for num in nums:
        with read_write(cfg), open_dict(cfg):
            cfg.hydra.job.num = num
            cfg.hydra.job.id = str(num)
        out[num] = (Path(str(config.hydra.sweep.dir))
                    / str(OmegaConf.select(cfg, "hydra.sweep.subdir")))
    return out


def _read_metrics(folder: Path | None) -> dict[str, Any] | None:
    if folder is None:
        return None
    try:
        return read_metrics(folder)
    except (OSError, ValueError):  # not finished, or not a run: the trial has no result
        return None


def load_search(config: DictConfig) -> Search:
    """Every trial of the sweep's Optuna study, with its run folder and metrics."""
    import optuna  # the ``search`` extra; only a search needs it

    sweeper = config.hydra.sweeper
    storage, name = sweeper.get("storage"), sweeper.get("study_name")
    if not storage or not name:
        raise ValueError("the search needs hydra.sweeper.storage and hydra.sweeper.study_name "
                         "(conf/experiment/cheapest_plan.yaml sets both)")
    study = optuna.load_study(study_name=str(name), storage=str(storage))
    found = study.get_trials(deepcopy=False)
    nums = {t.number: int(t.user_attrs.get(JOB_ATTR, t.number)) for t in found}
    folders = _job_folders(config, sorted(set(nums.values())))
    trials = []
    for t in found:
        folder = folders[nums[t.number]]
        trials.append(Trial(number=t.number, state=t.state.name, params=dict(t.params),
                            value=t.value, folder=folder if folder.is_dir() else None,
                            metrics=_read_metrics(folder)))
    return Search(sweep_dir=Path(str(config.hydra.sweep.dir)), study_name=str(name),
                  storage=str(storage), trials=trials, config=config)


def pick_best(trials: list[Trial]) -> tuple[Trial | None, bool]:
    """The cheapest finished trial meeting every target, else the closest by the rule
    ``o2osim-compare`` ranks by (:func:`o2osim.targets.closeness`: the most targets met,
    then the smallest total relative shortfall), then the cheapest; ties go to the
    earlier trial. (The sampler still minimises :func:`objective`, whose sum of
    shortfalls guides it smoothly towards the targets.)"""
    done = [t for t in trials if t.done]
    if not done:
        return None, False

    def key(t: Trial) -> tuple[bool, int, float, float, int]:
        m = t.metrics or {}
        recorded = m.get("targets") or {}
        values = {x.get("kpi"): x.get("value") for x in recorded.values()}
        return (not feasible(m), *target_rules.closeness(values, recorded),
                float(m["kpis"][COST_KPI]), t.number)

    best = min(done, key=key)
    return best, feasible(best.metrics or {})


def history_table(search: Search) -> pd.DataFrame:
    import pandas as pd  # imported when needed: the CLI imports this module for objective()

    """One row per trial: number, state, verdict, cost, parameters, every KPI."""
    names: list[str] = []
    for t in search.trials:
        names += [p for p in t.params if p not in names]
    kpi_names: list[str] = []
    for t in search.trials:
        kpi_names += [k for k in (t.metrics or {}).get("kpis", {}) if k not in kpi_names]
    rows = []
    for t in search.trials:
        m = t.metrics
        targets = (m or {}).get("targets") or {}
        row: dict[str, Any] = {
            "trial": t.number, "state": t.state,
            "best": search.best is not None and t.number == search.best.number,
            "feasible": feasible(m) if m else None,
            "objective": objective(m) if m else t.value,
            COST_KPI: m["kpis"].get(COST_KPI) if m else None,
            "targets_met": sum(bool(x.get("met")) for x in targets.values()) if m else None,
            "targets_missed": " ".join(k for k, x in targets.items() if not x.get("met"))
            if m else None,
            "total_relative_shortfall": total_relative_shortfall(m) if m else None,
            "folder": _shown(t.folder) if t.folder else None,
        }
        row.update({p: t.params.get(p) for p in names})
        row.update({k: m["kpis"].get(k) if m else None for k in kpi_names if k != COST_KPI})
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the plan preset


def _hydra_record(folder: Path, name: str) -> Any:
    return yaml.safe_load((folder / ".hydra" / name).read_text(encoding="utf-8"))


def _key(override: str) -> str:
    return override.partition("=")[0].lstrip("+~")


def rerun_overrides(folder: Path, preset: str) -> list[str]:
    """The overrides that rerun a trial's scenario with its plan saved as ``preset``:
    the plan, the market, the targets if not the default ones, ``sim`` settings, and any
    other setting the search command changed outside the plan."""
    cfg = _hydra_record(folder, "config.yaml")
    choices = (_hydra_record(folder, "hydra.yaml")["hydra"]["runtime"]["choices"]) or {}
    task = _hydra_record(folder, "overrides.yaml") or []
    out = [f"plan={preset}", f"market={choices.get('market', cfg['market']['name'])}"]
    if choices.get("targets", "default") != "default":
        out.append(f"targets={choices['targets']}")
    sim = cfg["sim"]
    out += [f"sim.population={sim['population']}", f"sim.days={sim['days']}",
            f"sim.seed={sim['seed']}"]
    if int(sim.get("replications", 1)) != 1:
        out.append(f"sim.replications={sim['replications']}")
    for line in task:  # e.g. market.behaviour.* settings given to the search command
        key = _key(line)
        if key not in ("market", "targets") and key.split(".")[0] not in (
                "plan", "sim", EXPERIMENT_GROUP):
            out.append(line)
    return out


def plan_preset(search: Search, trial: Trial, found: bool) -> str:
    """The trial's plan as a YAML plan preset (``# @package plan``), with a header saying
    what it is, what it achieved and how to run it."""
    assert trial.folder is not None and trial.metrics is not None
    preset = BEST if found else CLOSEST
    plan = dict(_hydra_record(trial.folder, "config.yaml")["plan"])
    start = plan.get("name", "?")
    m = trial.metrics
    n = len(m.get("targets") or {})
    missed = [k for k, t in (m.get("targets") or {}).items() if not t.get("met")]
    cost = format_value(COST_KPI, m["kpis"][COST_KPI])
    where = _shown(search.sweep_dir)
    if found:
        what = (f"Cheapest plan meeting all {n} targets found by the search in {where} "
                f"(trial {trial.number}): total cost {cost}.")
    else:
        what = (f"CLOSEST plan, NOT meeting all targets: no trial of the search in {where} "
                f"met all {n}; this one (trial {trial.number}, total cost {cost}) comes "
                f"closest and misses {', '.join(missed)}.")
    plan["name"] = preset
    plan["description"] = f"{what} Searched from plan {start!r}."
    rerun = rerun_command(search, trial, preset)
    lines = [
        "# @package plan",
        *[f"# {line}" for line in _wrap(what)],
        f"# Searched from plan {start!r}; evaluated with: "
        + " ".join(o for o in rerun_overrides(trial.folder, preset) if not o.startswith("plan=")),
        "# Run it (from the folder the search ran in):",
        f"#   {rerun}",
        "# or copy this file into conf/plan/ and run plan=<its file name>.",
        "# Search history: " + str(_shown(search.sweep_dir / HISTORY)) + "; docs/search.md.",
    ]
    body = yaml.dump({"defaults": ["/plan_schema", "_self_"], **plan}, Dumper=_PresetDumper,
                     sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + body


class _PresetDumper(yaml.SafeDumper):
    """Mappings as blocks, lists of plain values on one line (as in conf/plan/*.yaml)."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(x, dict | list) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_PresetDumper.add_representer(list, _represent_list)


def rerun_command(search: Search, trial: Trial, preset: str) -> str:
    assert trial.folder is not None
    args = ["o2osim", "--config-dir", str(_shown(search.sweep_dir / "conf")),
            *rerun_overrides(trial.folder, preset)]
    return " ".join(shlex.quote(a) for a in args)


def _wrap(text: str, width: int = 88) -> list[str]:
    return textwrap.wrap(text, width=width) or [""]


def _shown(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


# --------------------------------------------------------------------------- writing


def write_search_outputs(config: DictConfig) -> Search:
    """Write the history, the plan preset, its report and the summary of the sweep that
    ``config`` (Hydra's multirun config) describes; return what was found."""
    search = load_search(config)
    search.best, search.found = pick_best(search.trials)
    out = search.sweep_dir
    search.written["history"] = write_csv_atomic(out / HISTORY, history_table(search))
    for stale in (BEST, CLOSEST):  # a resumed search may turn a closest plan into a best one
        (out / PLAN_DIR / f"{stale}.yaml").unlink(missing_ok=True)
        (out / f"{stale}_report.html").unlink(missing_ok=True)
    best = search.best
    if best is not None and best.folder is not None:
        preset = BEST if search.found else CLOSEST
        text = plan_preset(search, best, search.found)
        search.written["plan"] = write_text_atomic(out / PLAN_DIR / f"{preset}.yaml",
                                                   lambda fh: fh.write(text))
        report = best.folder / "report.html"
        if report.exists():
            dest = out / f"{preset}_report.html"
            shutil.copyfile(report, dest)
            search.written["report"] = dest
    summary = summary_text(search)
    search.written["summary"] = write_text_atomic(out / SUMMARY, lambda fh: fh.write(summary))
    return search


def verdict(search: Search) -> str:
    """One paragraph: what the search found."""
    done = [t for t in search.trials if t.done]
    failed = [t for t in search.trials if t.state == "FAIL"]
    head = (f"{len(search.trials)} trials ({len(done)} finished"
            + (f", {len(failed)} failed" if failed else "") + ")")
    best = search.best
    if best is None or best.metrics is None:
        return f"{head}: no finished trial, no plan written."
    m = best.metrics
    n = len(m.get("targets") or {})
    cost = format_value(COST_KPI, m["kpis"][COST_KPI])
    if search.found:
        return (f"{head}. Cheapest plan meeting all {n} targets: trial {best.number}, "
                f"total cost {cost}.")
    missed = [f"{k} ({format_value(t['kpi'], t['value'], t)}, needs {t['op']} "
              f"{format_value(t['kpi'], t['threshold'], t)})"
              for k, t in (m.get("targets") or {}).items() if not t.get("met")]
    return (f"{head}. No trial met all {n} targets. Closest (most targets met, then smallest "
            "total shortfall): "
            f"trial {best.number}, total cost {cost}, missing {len(missed)}: "
            + "; ".join(missed) + f". It is written as {CLOSEST}.yaml, NOT as a plan that "
            "meets the targets.")


def summary_text(search: Search) -> str:
    """``search_summary.md``: the verdict, the plan's searched settings, where things are."""
    lines = ["# Cheapest plan search", "", verdict(search), ""]
    best = search.best
    if best is not None and best.folder is not None and best.metrics is not None:
        preset = BEST if search.found else CLOSEST
        lines += ["Run it (from the folder the search ran in):", "",
                  f"    {rerun_command(search, best, preset)}", "",
                  "## Targets", "", "| target | KPI | rule | value | result |",
                  "|---|---|---|---|---|"]
        for name, t in (best.metrics.get("targets") or {}).items():
            lines.append(f"| {name} | {t['kpi']} | {t['op']} "
                         f"{format_value(t['kpi'], t['threshold'], t)} | "
                         f"{format_value(t['kpi'], t['value'], t)} | "
                         f"{'MET' if t.get('met') else 'MISSED'} |")
        first = next((t for t in search.trials if t.number == 0 and t is not best), None)
        head = "| setting | trial " + str(best.number) + " |" + (
            " trial 0 (starting plan) |" if first else "")
        lines += ["", "## Searched settings", "",
                  "Trial 0 takes the starting plan's value of every searched setting that lies "
                  "in the search space; the others are drawn at random.", "",
                  head, "|---|---|" + ("---|" if first else "")]
        for p, v in best.params.items():
            lines.append(f"| {p} | {v} |" + (f" {first.params.get(p, '')} |" if first else ""))
    lines += ["", "## Files", ""]
    for what, path in search.written.items():
        lines.append(f"* {what}: `{_shown(path)}`")
    lines += [f"* Optuna study `{search.study_name}`: `{search.storage}` (every trial, kept for "
              "resuming)", f"* {SUMMARY}: this file", ""]
    return "\n".join(lines)


class SearchOutputs(Callback):
    """Hydra callback of the search preset: when the sweep ends, write the search's outputs
    (:func:`write_search_outputs`) and print the verdict."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        search = write_search_outputs(config)
        print(f"o2osim search: {verdict(search)}")
        best = search.best
        if best is not None and "plan" in search.written:
            preset = BEST if search.found else CLOSEST
            print(f"plan:    {_shown(search.written['plan'])}")
            if "report" in search.written:
                print(f"report:  {_shown(search.written['report'])}")
            print(f"run it:  {rerun_command(search, best, preset)}")
        print(f"history: {_shown(search.written['history'])}; summary: "
              f"{_shown(search.written['summary'])}")
        sys.stdout.flush()
