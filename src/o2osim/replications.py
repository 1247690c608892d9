"""Independent replications of one scenario, in parallel, with uncertainty (issue 4).

Replication 0 uses ``sim.seed`` itself (so one replication is exactly the single run);
replication ``r >= 1`` uses a seed derived from ``(sim.seed, r)`` by
:class:`numpy.random.SeedSequence`. Each replication is a whole run in its own process,
so results do not depend on the number of workers.

``metrics.json`` of a replicated run keeps the single-run shape — ``kpis`` hold the
means over replications, each target is judged on its mean, and so do the channels'
budget, spend and measured revenue, and the satisfaction drivers (experiences,
dissatisfied, satisfied lost to each cause: means like the KPIs they explain) — and adds
``kpi_stats`` (mean, standard deviation,
5th and 95th percentiles: the 90 % range of the replications; and the 90 % confidence
interval of the mean, :func:`kpi_stats`) and, for every target and for all of them
together, the probability of meeting it (share of replications that met it; for all
targets together also its exact 90 % interval, :func:`share_ci90`).
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np
import pandas as pd

from o2osim.config.schema import ScenarioConfig
from o2osim.model import RunResult, run_scenario
from o2osim.progress import ProgressBar
from o2osim.targets import evaluate, met


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Seed of each replication: the scenario's own seed first, then derived ones."""
    derived = [int(np.random.SeedSequence([seed, r]).generate_state(1)[0] & 0x7FFFFFFF)
               for r in range(1, replications)]
    return [seed, *derived]


def _one(sc: ScenarioConfig) -> RunResult:
    return run_scenario(sc)


SMALL_JOB_CONSUMER_DAYS = 30_000_000
"""Below this much work in all (replications x population x days; about 6 s here), ``workers``
= 0 runs the replications in this process: starting a worker process (a fresh interpreter
importing the engine, ~2-3 s on this machine) would cost more than sharing the work saves
(measured: 4 x 3 000 consumers x 30 days took 8.8 s on two workers, 4.7 s on one)."""


def auto_workers(sc: ScenarioConfig, replications: int, workers: int) -> int:
    """Processes to use: ``workers`` when given, else every core — except for small jobs
    (:data:`SMALL_JOB_CONSUMER_DAYS`). Results never depend on it."""
    if workers:
        return min(replications, workers)
    if replications * sc.sim.population * sc.sim.days < SMALL_JOB_CONSUMER_DAYS:
        return 1
    return min(replications, os.cpu_count() or 1)


def run_replications(sc: ScenarioConfig, replications: int, workers: int = 0,
                     progress: bool = False) -> tuple[RunResult, pd.DataFrame]:
    """Run ``replications`` replications; return the combined result and one row each.

    ``workers`` = 0 uses every core (small jobs: one, :func:`auto_workers`). ``daily``,
    ``stores`` and ``records`` of the combined result are those of replication 0.

    ``progress`` (the caller checks that stderr is a terminal) draws a bar on stderr: the
    simulated days of a single run, or finished replications (with the day of the
    running one when they run one after another). Display only: results are the same.
    """
    seeds = replication_seeds(sc.sim.seed, replications)
    # Replication 0's records go into the run folder; the others build none.
    scenarios = [dataclasses.replace(sc, sim=dataclasses.replace(
        sc.sim, seed=s, records=sc.sim.records if r == 0 else "none"))
        for r, s in enumerate(seeds)]
    n_workers = auto_workers(sc, replications, workers)
    if replications == 1:
        results = [run_scenario(scenarios[0], progress=progress)]
    elif n_workers <= 1:
        bar = ProgressBar("replications done", replications) if progress else None
        results = []
        for r, s in enumerate(scenarios):
            def day_done(day: int, days: int, r: int = r) -> None:
                if bar is not None:
                    bar.update(r, f"replication {r + 1} day {day}/{days}; replications done")
            results.append(run_scenario(s, progress=day_done if bar else False))
            if bar is not None:
                bar.update(r + 1, "replications done")
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
            futures = [pool.submit(_one, s) for s in scenarios]
            if progress:
                bar = ProgressBar(f"replications done ({n_workers} workers)", replications)
                bar.update(0)
                for done, _ in enumerate(as_completed(futures), start=1):
                    bar.update(done)
            results = [f.result() for f in futures]  # in replication order, whatever finished first
    table = pd.DataFrame([{"replication": r, "seed": s, **res.metrics["kpis"]}
                          for r, (s, res) in enumerate(zip(seeds, results, strict=True))])
    metrics = combine(results[0].metrics, table, sc,
                      channels=[res.metrics.get("channels", {}) for res in results],
                      drivers=[res.metrics.get("satisfaction_drivers", {}) for res in results])
    return RunResult(metrics=metrics, daily=results[0].daily, stores=results[0].stores,
                     records=results[0].records, baseline=results[0].baseline), table


def kpi_stats(values: pd.Series) -> dict[str, Any]:
    """Mean, spread and intervals of one KPI over the replications.

    ``p05`` / ``p95``: the 90 % range of the replications — where one more run of the
    plan would land 9 times in 10; it does not shrink with more replications (it gets
    better estimated). ``mean_ci90``: the 90 % confidence interval of the mean,
    ``mean ± t(0.95, R-1) · sd / √R`` (Student 1908) — how precisely R replications pin
    the mean down; it narrows like 1/√R.
    """
    r = len(values)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if r > 1 else 0.0
    half = 0.0
    if r > 1:
        from scipy.stats import t as student_t  # imported when needed (~0.5 s CPU)

        half = float(student_t.ppf(0.95, r - 1)) * sd / math.sqrt(r)
    return {"mean": mean, "sd": sd,
            "p05": float(values.quantile(0.05)), "p95": float(values.quantile(0.95)),
            "mean_ci90": [mean - half, mean + half]}


def share_ci90(successes: int, trials: int) -> list[float]:
    """Exact (Clopper & Pearson 1934) 90 % confidence interval of a probability estimated
    as ``successes / trials``: how rough a share of few replications is (0 of 3 is
    consistent with a true chance of up to 63 %). All or none successful has the closed
    form ``1 - 0.05^(1/n)`` (so a single run needs no scipy)."""
    if trials <= 0:
        return [0.0, 1.0]
    if successes <= 0:
        return [0.0, 1.0 - 0.05 ** (1.0 / trials)]
    if successes >= trials:
        return [0.05 ** (1.0 / trials), 1.0]
    from scipy.stats import beta as beta_dist  # imported when needed (~0.5 s CPU)

    return [float(beta_dist.ppf(0.05, successes, trials - successes + 1)),
            float(beta_dist.ppf(0.95, successes + 1, trials - successes))]


def mean_of_sections(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Key by key mean of numbers (nested dicts too) over the replications' sections;
    anything else is taken from the first. Keys missing in a replication count as 0."""
    first = sections[0]
    out: dict[str, Any] = {}
    extra = sorted(set().union(*sections) - set(first))
    for key in [*first, *extra]:
        values = [s.get(key) for s in sections]
        present = [v for v in values if v is not None]
        if not present:  # null in every replication (a number not measured) stays null
            out[key] = None
        elif all(isinstance(v, dict) for v in present):
            out[key] = mean_of_sections([v if isinstance(v, dict) else {} for v in values])
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
            out[key] = float(np.mean([0.0 if v is None else v for v in values]))
        else:
            out[key] = first.get(key, present[0])
    return out


def combine(first: dict[str, Any], table: pd.DataFrame, sc: ScenarioConfig,
            channels: list[dict[str, dict[str, Any]]] | None = None,
            drivers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Metrics of a replicated run (see the module docstring).

    ``channels``: the ``channels`` section of every replication; the combined run gets
    their means (budget, spend, measured revenue), like ``kpis``. ``drivers``: the
    ``satisfaction_drivers`` of every replication; the combined run gets their means.
    """
    kpi_names = [c for c in table.columns if c not in ("replication", "seed")]
    # a KPI no replication measured (null: the ground truth's, o2osim.ground_truth) stays
    # null, without statistics
    stats = {k: kpi_stats(table[k].astype(float)) for k in kpi_names if table[k].notna().any()}
    means = {k: stats[k]["mean"] if k in stats else None for k in kpi_names}
    targets = evaluate(means, sc.targets)
    met_each = {}
    for name, t in sc.targets.items():
        met_each[name] = each = pd.Series([met(t, v) for v in table[t.kpi]], index=table.index,
                                          dtype=bool)
        targets[name]["probability"] = float(each.mean())
        known = stats.get(t.kpi, {})
        targets[name]["interval_90"] = [known.get("p05"), known.get("p95")]
    all_met = (pd.concat(met_each, axis=1).all(axis=1) if met_each
               else pd.Series([True] * len(table)))
    out = dict(first)
    out.update({
        "kpis": means,
        "kpi_stats": stats,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
        "all_targets_probability": float(all_met.mean()),
        "all_targets_probability_ci90": share_ci90(int(all_met.sum()), int(len(all_met))),
        "replications": int(len(table)),
        "replication_seeds": [int(s) for s in table["seed"]],
    })
    for section, per_rep in (("channels", channels), ("satisfaction_drivers", drivers)):
        if per_rep and len(per_rep) > 1:
            out[section] = mean_of_sections(per_rep)
    return out
