"""Independent replications of one scenario, in parallel, with uncertainty (issue 4).

Replication 0 uses ``sim.seed`` itself (so one replication is exactly the single run);
replication ``r >= 1`` uses a seed derived from ``(sim.seed, r)`` by
:class:`numpy.random.SeedSequence`. Each replication is a whole run in its own process,
so results do not depend on the number of workers.

``metrics.json`` of a replicated run keeps the single-run shape — ``kpis`` hold the
means over replications, each target is judged on its mean — and adds
``kpi_stats`` (mean, standard deviation, 5th and 95th percentiles: a 90 % interval
of the replications) and, for every target and for all of them together, the
probability of meeting it (share of replications that met it).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from o2osim.config.schema import ScenarioConfig
from o2osim.metrics import evaluate_targets
from o2osim.model import RunResult, run_scenario


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Seed of each replication: the scenario's own seed first, then derived ones."""
    derived = [int(np.random.SeedSequence([seed, r]).generate_state(1)[0] & 0x7FFFFFFF)
               for r in range(1, replications)]
    return [seed, *derived]


def _one(sc: ScenarioConfig) -> RunResult:
    return run_scenario(sc)


def run_replications(sc: ScenarioConfig, replications: int, workers: int = 0,
                     progress: bool = False) -> tuple[RunResult, pd.DataFrame]:
    """Run ``replications`` replications; return the combined result and one row each.

    ``workers`` = 0 uses every core. ``daily`` and ``stores`` of the combined result are
    those of replication 0.
    """
    seeds = replication_seeds(sc.sim.seed, replications)
    scenarios = [dataclasses.replace(sc, sim=dataclasses.replace(sc.sim, seed=s)) for s in seeds]
    n_workers = min(replications, workers or os.cpu_count() or 1)
    if n_workers <= 1:
        results = [run_scenario(s, progress=progress) for s in scenarios]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
            results = list(pool.map(_one, scenarios))
    table = pd.DataFrame([{"replication": r, "seed": s, **res.metrics["kpis"]}
                          for r, (s, res) in enumerate(zip(seeds, results, strict=True))])
    metrics = combine(results[0].metrics, table, sc)
    return RunResult(metrics=metrics, daily=results[0].daily, stores=results[0].stores), table


def combine(first: dict[str, Any], table: pd.DataFrame, sc: ScenarioConfig) -> dict[str, Any]:
    """Metrics of a replicated run (see the module docstring)."""
    kpi_names = [c for c in table.columns if c not in ("replication", "seed")]
    stats = {
        k: {"mean": float(table[k].mean()),
            "sd": float(table[k].std(ddof=1)) if len(table) > 1 else 0.0,
            "p05": float(table[k].quantile(0.05)),
            "p95": float(table[k].quantile(0.95))}
        for k in kpi_names
    }
    means = {k: s["mean"] for k, s in stats.items()}
    targets = evaluate_targets(means, sc.targets)
    met_each = {}
    for name, t in sc.targets.items():
        values = table[t.kpi]
        met = values >= t.threshold if t.op == ">=" else values <= t.threshold
        met_each[name] = met
        targets[name]["probability"] = float(met.mean())
        targets[name]["interval_90"] = [stats[t.kpi]["p05"], stats[t.kpi]["p95"]]
    all_met = pd.concat(met_each, axis=1).all(axis=1) if met_each else pd.Series([True])
    out = dict(first)
    out.update({
        "kpis": means,
        "kpi_stats": stats,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
        "all_targets_probability": float(all_met.mean()),
        "replications": int(len(table)),
        "replication_seeds": [int(s) for s in table["seed"]],
    })
    return out
