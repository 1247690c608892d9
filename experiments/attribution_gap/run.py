"""How far measurement is from the truth, and how the gap moves with the unified ID.

For each ``plan.integration.unified_id_share`` the integrated plan's ground truth
(:mod:`o2osim.ground_truth`: 17 runs on the run's random numbers) gives every channel's
true incremental revenue (Shapley) next to what last touch, first touch and linear
attribution credit it with. Written to ``results/studies/attribution_gap/``: ``gap.csv``
(one row per share x channel), ``summary.csv`` (one row per share), ``gap_total.png``,
``roi_by_channel.png`` and, with ``--exact``, ``exact_vs_pairwise.csv`` (the 7-channel
exact Shapley, 129 runs, against the pairwise split at the preset's share).

The market is retail apparel at a tenth of its size (100 000 real consumers, 10 000
simulated) with a tenth of the integrated plan's budgets, integration cost and coupon
cap, so that spend per real consumer — and reach — is the preset's, at a tenth of the
stores' work. Runs the engine in this process (no run folders)::

    python experiments/attribution_gap/run.py [--exact] [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from o2osim import ground_truth as gt
from o2osim.config import compose_scenario
from o2osim.config.schema import ScenarioConfig

OUT = Path(__file__).resolve().parents[2] / "results" / "studies" / "attribution_gap"
SHARES = (0.0, 0.25, 0.5, 0.75, 0.92, 1.0)
TENTH = 0.1


def scenario(share: float, seed: int) -> ScenarioConfig:
    sc = compose_scenario(["plan=integrated", "sim.population=10000",
                           "market.population.market_size=100000", f"sim.seed={seed}",
                           f"plan.integration.unified_id_share={share}"])
    plan = sc.plan
    plan = dataclasses.replace(
        plan, channels={n: dataclasses.replace(c, budget_cny=c.budget_cny * TENTH)
                        for n, c in plan.channels.items()},
        integration_cost_cny=plan.integration_cost_cny * TENTH,
        coupon=dataclasses.replace(plan.coupon,
                                   quantity_cap=int(plan.coupon.quantity_cap * TENTH)))
    return dataclasses.replace(sc, plan=plan)


def rows(share: float, truth: gt.GroundTruth) -> tuple[list[dict], dict]:
    d = truth.as_dict()
    camp = d["campaign"]
    inc = camp["incremental_revenue_cny"]
    out = []
    for name, c in d["channels"].items():
        if not c["funded"]:
            continue
        row = {"unified_id_share": share, "channel": name, "spend_cny": c["spend_cny"],
               "true_cny": c["incremental_revenue_cny"],
               "loo_cny": c["leave_one_out"]["revenue_cny"],
               "one_in_cny": c["one_in"]["revenue_cny"], "true_roi": c["true_roi"]}
        for rule in gt.RULES:
            row[f"{rule}_cny"] = c["measured_revenue_cny"][rule]
            row[f"{rule}_roi"] = c["measured_roi"][rule]
        out.append(row)
    frame = pd.DataFrame(out)
    summary = {"unified_id_share": share, "incremental_cny": inc,
               "visible_share": d["measured_visible_revenue_cny"] / d["full"]["revenue_cny"],
               "incremental_roi": camp["incremental_roi"],
               "residual_share": camp["shapley_residual"]["revenue_cny"] / inc}
    for rule in gt.RULES:
        # total gap: what the rule credits in all vs what the campaign caused;
        # misallocation: half the sum of |credit - truth| over channels, after scaling the
        # credits to the same total (how much revenue sits on the wrong channel)
        credit = frame[f"{rule}_cny"].to_numpy()
        true = frame["true_cny"].to_numpy()
        summary[f"{rule}_total_gap"] = (credit.sum() - inc) / inc
        scaled = credit * (true.sum() / credit.sum()) if credit.sum() > 0 else credit
        summary[f"{rule}_misallocated"] = 0.5 * np.abs(scaled - true).sum() / true.sum()
    return out, summary


def figures(gap: pd.DataFrame, summary: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    for rule in gt.RULES:
        ax[0].plot(summary["unified_id_share"], 100 * summary[f"{rule}_total_gap"], "o-",
                   label=rule.replace("_", " "))
        ax[1].plot(summary["unified_id_share"], 100 * summary[f"{rule}_misallocated"], "o-",
                   label=rule.replace("_", " "))
    ax[0].axhline(0, color="grey", lw=0.8)
    ax[0].set(xlabel="plan.integration.unified_id_share",
              ylabel="credited - caused, % of what the campaign caused",
              title="Total gap: revenue credited to channels")
    ax[1].set(xlabel="plan.integration.unified_id_share",
              ylabel="% of the campaign's revenue on the wrong channel",
              title="Misallocation among channels")
    ax[0].legend()
    fig.tight_layout()
    fig.savefig(OUT / "gap_total.png", dpi=120, bbox_inches="tight")
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, share in zip(axes, (0.25, 0.92), strict=True):
        g = gap[gap["unified_id_share"] == share]
        y = np.arange(len(g))
        ax.barh(y - 0.3, g["true_roi"], 0.2, label="true (Shapley)")
        for j, rule in enumerate(gt.RULES):
            ax.barh(y - 0.1 + 0.2 * j, g[f"{rule}_roi"], 0.2, label=rule.replace("_", " "))
        ax.set_yticks(y, g["channel"])
        ax.set(xlabel="revenue per CNY of media", title=f"unified_id_share = {share}")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(OUT / "roi_by_channel.png", dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exact", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    gap, summary = [], []
    for share in SHARES:
        start = time.process_time()
        truth = gt.evaluate(scenario(share, args.seed))
        r, s = rows(share, truth)
        gap += r
        summary.append(s)
        print(f"share {share}: {truth.runs} runs, {time.process_time() - start:.1f} s CPU",
              file=sys.stderr, flush=True)
    gap_f, summary_f = pd.DataFrame(gap), pd.DataFrame(summary)
    gap_f.to_csv(OUT / "gap.csv", index=False)
    summary_f.to_csv(OUT / "summary.csv", index=False)
    figures(gap_f, summary_f)
    print(summary_f.round(3).to_string(index=False))
    if args.exact:
        sc = scenario(0.92, args.seed)
        start = time.process_time()
        old = gt.EXACT_SHAPLEY_MAX
        gt.EXACT_SHAPLEY_MAX = 7
        try:
            exact = gt.evaluate(sc)
        finally:
            gt.EXACT_SHAPLEY_MAX = old
        pair = gt.evaluate(sc)
        table = pd.DataFrame({
            "channel": exact.players,
            "exact_cny": [exact.shapley[p][0] for p in exact.players],
            "pairwise_cny": [pair.shapley[p][0] for p in exact.players]})
        table["diff_share_of_campaign"] = ((table["pairwise_cny"] - table["exact_cny"])
                                           / exact.incremental[0])
        table.to_csv(OUT / "exact_vs_pairwise.csv", index=False)
        print(f"exact: {exact.runs} runs, {time.process_time() - start:.1f} s CPU",
              file=sys.stderr)
        print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
