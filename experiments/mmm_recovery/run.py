"""Fit a marketing-mix model to a simulated campaign's ``channels_daily.parquet`` and
compare the channel contributions it recovers with what the simulation knows.

    pip install -e ".[mmm]"        # pymc-marketing: an optional extra, not CI's
    python experiments/mmm_recovery/run.py [--population 100000] [--draws 300] ...

Two campaigns of retail_apparel x integrated (seed 0) are simulated with the ``o2osim``
command into ``results/studies/mmm_recovery/<case>/`` (a finished folder is kept):

* ``preset`` — the plan as it is: every channel follows the phases' default flighting;
* ``varied`` — the same budgets, each channel with its own random weekly flighting in the
  execution and optimisation weeks (seeded), the variation an MMM needs to tell channels
  apart.

Each is fitted with PyMC-Marketing's ``MMM`` (geometric adstock, logistic saturation, no
controls; a small NUTS run) on ``date``, the ``<channel>_spend_cny`` columns and the
target ``revenue_cny``. Per channel the table gives the MMM's contribution over the run
(posterior mean and 90 % interval, real CNY) beside last-touch measurement
(``<channel>_measured_revenue_cny``), the revenue lost when the same campaign runs
without the channel (its budget 0, same seed: common random numbers; one ``o2osim`` run
per channel) and the ground truth of ``o2osim.ground_truth`` (the two campaigns run with
``sim.ground_truth=on``; ``metrics.json`` ``ground_truth.channels.<name>.
incremental_revenue_cny``, interactions split by pairwise Shapley values). Results go to
``results/studies/mmm_recovery/summary.json`` and are printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import studylib  # noqa: E402

ROOT = studylib.STUDIES / "mmm_recovery"
MARKET, PLAN = "retail_apparel", "integrated"
PLANNING_WEEKS, WEEKS = 4, 16


def varied_flighting(channels: list[str], seed: int) -> list[str]:
    """Overrides giving each channel its own weekly weights after planning (log-normal,
    a quarter of the weeks dark), seeded: spend that moves independently per channel."""
    rng = np.random.default_rng(seed)
    out = []
    for name in channels:
        w = np.exp(rng.normal(0.0, 0.8, WEEKS - PLANNING_WEEKS))
        w[rng.random(w.size) < 0.25] = 0.0
        weights = [0.0] * PLANNING_WEEKS + [round(float(x), 3) for x in w]
        out.append(f"plan.channels.{name}.flighting=[{','.join(map(str, weights))}]")
    return out


def fit(frame: Any, draws: int, tune: int, chains: int, seed: int) -> dict[str, Any]:
    """PyMC-Marketing's MMM on ``frame`` (channels_daily); contributions per channel."""
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    spend = [c for c in frame.columns if c.endswith("_spend_cny") and c != "spend_cny"
             and frame[c].sum() > 0]
    mmm = MMM(date_column="date", channel_columns=spend,
              adstock=GeometricAdstock(l_max=14), saturation=LogisticSaturation())
    start, wall = time.process_time(), time.perf_counter()
    idata = mmm.fit(frame[["date", *spend]], frame["revenue_cny"], chains=chains, draws=draws,
                    tune=tune, target_accept=0.9, random_seed=seed, progressbar=False,
                    cores=1)
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    contrib = mmm.compute_channel_contribution_original_scale().sum("date")
    samples = contrib.stack(sample=("chain", "draw"))
    import arviz as az

    rhat = float(az.rhat(idata, var_names=["saturation_beta", "adstock_alpha"]).to_array()
                 .max())
    out = {"fit_cpu_s": cpu, "fit_wall_s": wall, "max_rhat": rhat,
           "divergences": int(idata.sample_stats["diverging"].sum()), "channels": {}}
    for col in spend:
        s = samples.sel(channel=col).to_numpy()
        out["channels"][col.removesuffix("_spend_cny")] = {
            "mmm_mean_cny": float(s.mean()), "mmm_p05_cny": float(np.quantile(s, 0.05)),
            "mmm_p95_cny": float(np.quantile(s, 0.95))}
    return out


def revenue_of(folder: Path) -> float:
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    return float(metrics["kpis"]["revenue_cny"])


def summarise(case: str, folder: Path, fitted: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    frame = pd.read_parquet(folder / "channels_daily.parquet")
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    revenue = float(frame["revenue_cny"].sum())
    rows = {}
    for name, f in fitted["channels"].items():
        truth = (metrics.get("ground_truth", {}).get("channels", {}).get(name, {})
                 .get("incremental_revenue_cny"))
        without = ROOT / f"{case}__without_{name}"
        rows[name] = {**f, "spend_cny": float(frame[f"{name}_spend_cny"].sum()),
                      "last_touch_cny": float(frame[f"{name}_measured_revenue_cny"].sum()),
                      "leave_one_out_cny": revenue - revenue_of(without)
                      if (without / "metrics.json").exists() else None,
                      "true_incremental_cny": truth}
    mmm_total = sum(r["mmm_mean_cny"] for r in rows.values())
    return {"case": case, "folder": studylib.rel(folder), "revenue_cny": revenue,
            "mmm_channels_total_cny": mmm_total,
            "last_touch_total_cny": sum(r["last_touch_cny"] for r in rows.values()),
            **{k: v for k, v in fitted.items() if k != "channels"}, "channels": rows}


def share_error(rows: dict[str, Any], key: str) -> float:
    """Mean absolute difference of the channels' shares of the MMM's channel total and
    of ``key``'s total (0 = same split)."""
    mmm = np.array([r["mmm_mean_cny"] for r in rows.values()])
    other = np.array([r[key] for r in rows.values()], dtype=float)
    return float(np.abs(mmm / mmm.sum() - other / other.sum()).mean())


def markdown(result: dict[str, Any]) -> str:
    rows = result["channels"]
    has_truth = all(r["true_incremental_cny"] is not None for r in rows.values())
    has_loo = all(r["leave_one_out_cny"] is not None for r in rows.values())
    head = ["channel", "spend M", "MMM M (90 %)", "last-touch M"] + (
        ["without it: revenue lost M"] if has_loo else []) + (
        ["true incremental M"] if has_truth else [])
    lines = []
    for name, r in rows.items():
        line = [name, f"{r['spend_cny'] / 1e6:.2f}",
                f"{r['mmm_mean_cny'] / 1e6:.2f} ({r['mmm_p05_cny'] / 1e6:.2f}-"
                f"{r['mmm_p95_cny'] / 1e6:.2f})", f"{r['last_touch_cny'] / 1e6:.2f}"]
        if has_loo:
            line.append(f"{r['leave_one_out_cny'] / 1e6:.2f}")
        if has_truth:
            line.append(f"{r['true_incremental_cny'] / 1e6:.2f}")
        lines.append(line)
    text = [f"### {result['case']}", "",
            f"revenue {result['revenue_cny'] / 1e6:.2f} M CNY; MMM channels "
            f"{result['mmm_channels_total_cny'] / 1e6:.2f} M, last-touch "
            f"{result['last_touch_total_cny'] / 1e6:.2f} M; fit {result['fit_cpu_s']:.0f} s "
            f"CPU, max r-hat {result['max_rhat']:.2f}, {result['divergences']} divergences; "
            f"mean |share difference| MMM vs last-touch "
            f"{share_error(rows, 'last_touch_cny'):.3f}"
            + (f", vs leave-one-out {share_error(rows, 'leave_one_out_cny'):.3f}"
               if has_loo else "")
            + (f", vs truth {share_error(rows, 'true_incremental_cny'):.3f}"
               if has_truth else ""), "",
            studylib.markdown_table(head, lines)]
    return "\n".join(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--tune", type=int, default=300)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--cases", default="preset,varied")
    a = ap.parse_args()
    base = [f"market={MARKET}", f"plan={PLAN}", f"sim.population={a.population}",
            f"sim.seed={a.seed}"]
    channels = list(studylib.preset("plan", PLAN)["channels"])
    scenarios = {"preset": base, "varied": [*base, *varied_flighting(channels, a.seed)]}
    cases = [c for c in a.cases.split(",") if c]
    runs = {c: [*scenarios[c], "sim.ground_truth=on"] for c in cases}
    for c in cases:  # the same campaign without each channel (common random numbers)
        runs.update({f"{c}__without_{n}": [*scenarios[c], f"plan.channels.{n}.budget_cny=0",
                                           "sim.records=none", "sim.ground_truth=off"]
                     for n in channels})
    studylib.run_scenarios(runs, ROOT, jobs=2)
    import pandas as pd

    results = []
    for case in cases:
        frame = pd.read_parquet(ROOT / case / "channels_daily.parquet")
        fitted = fit(frame, a.draws, a.tune, a.chains, a.seed)
        results.append(summarise(case, ROOT / case, fitted))
        print(markdown(results[-1]), "\n", flush=True)
    studylib.write_text(ROOT / "summary.json", json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
