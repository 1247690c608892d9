r"""Online / offline budget split at a fixed total media budget.

For each market and plan, the plan's total media budget (18 M CNY in both presets) is
held fixed and a share ``s`` of it goes to the offline channel (``offline_events``:
pop-ups, community events); the rest goes to the plan's online channels in the
proportions of the preset (so the online mix is the plan's own, only scaled). The
budgets move together, which Hydra's basic sweeper cannot do, so every scenario is one
``o2osim`` run with explicit budgets::

    o2osim market=M plan=P plan.channels.<each channel>.budget_cny=... \
        hydra.run.dir=results/studies/budget_split/M/P/offline_SS

Then it writes ``summary.md`` (tables) and ``budget_split.png`` into the study folder
and runs ``o2osim-compare`` per market (``M/comparison/``).

    python experiments/budget_split/run.py                    # everything (~3 min, 2 jobs)
    python experiments/budget_split/run.py --no-run           # tables and figure only
    python experiments/budget_split/run.py --markets hotpot_chain --plans integrated
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import studylib as sl  # noqa: E402

OUT = sl.STUDIES / "budget_split"
SHARES = (0.0, 0.05, 0.10, 0.20, 0.30, 0.45, 0.60)
PLANS = ("integrated", "fragmented")


def offline_channels(market: str) -> set[str]:
    return {name for name, ch in sl.preset("market", market)["channels"].items()
            if ch.get("kind", "online") == "offline"}


def split_budgets(market: str, plan: str, share: float) -> dict[str, int]:
    """The plan's channel budgets with ``share`` of the total on the offline channels
    (split between them as in the preset, equally if the preset gives them nothing) and
    the rest on its online channels in the preset's proportions. Whole yuan; the total
    is the preset's total exactly."""
    budgets = {k: float(v["budget_cny"]) for k, v in sl.preset("plan", plan)["channels"].items()}
    offline = offline_channels(market) & budgets.keys()
    online = {k: v for k, v in budgets.items() if k not in offline and v > 0}
    total = sum(budgets.values())
    off_preset = sum(budgets[k] for k in offline)
    out = dict.fromkeys(budgets, 0)
    for k in offline:
        weight = budgets[k] / off_preset if off_preset else 1 / len(offline)
        out[k] = round(share * total * weight)
    on_total = sum(online.values())
    for k, v in online.items():
        out[k] = round((1 - share) * total * v / on_total)
    biggest = max(online, key=online.__getitem__)
    out[biggest] += round(total) - sum(out.values())  # rounding remainder
    return out


def folder_name(share: float) -> str:
    return f"offline_{round(100 * share):02d}"


def scenarios(markets: list[str], plans: list[str], shares: list[float]
              ) -> dict[str, list[str]]:
    out = {}
    for market in markets:
        for plan in plans:
            for share in shares:
                budgets = split_budgets(market, plan, share)
                out[f"{market}/{plan}/{folder_name(share)}"] = [
                    f"market={market}", f"plan={plan}",
                    *(f"plan.channels.{k}.budget_cny={v}" for k, v in budgets.items())]
    return out


# --------------------------------------------------------------------------- summary


def offline_share(run: sl.Run) -> float:
    channels = run.setting("plan.channels")
    offline = {k for k, ch in run.setting("market.channels").items() if ch["kind"] == "offline"}
    total = sum(float(c["budget_cny"]) for c in channels.values())
    return sum(float(channels[k]["budget_cny"]) for k in offline & channels.keys()) / total


def spent_offline_share(run: sl.Run) -> float:
    """Offline share of the money actually spent: with ``budget_reallocation`` the 12 %
    contingency reserve goes to the best-measured online channels in the optimisation
    phase, so the spent split differs from the budgeted one."""
    offline = {k for k, ch in run.setting("market.channels").items() if ch["kind"] == "offline"}
    spend = {k: float(v["spend_cny"]) for k, v in run.metrics["channels"].items()}
    return sum(v for k, v in spend.items() if k in offline) / sum(spend.values())


COLUMNS = [
    ("conversion", "conversion_rate", sl.pct),
    ("online → store", "online_to_store_rate", sl.pct),
    ("ROI", "roi", sl.num),
    ("satisfaction", "satisfaction_rate", sl.pct),
]


def table(runs: list[sl.Run]) -> str:
    rows = []
    for r in sorted(runs, key=offline_share):
        s = offline_share(r)
        rows.append([f"{100 * s:.0f} %", f"{s * r.kpi('budget_cny') / 1e6:.1f}",
                     f"{100 * spent_offline_share(r):.0f} %",
                     *(fmt(r.kpi(k)) for _, k, fmt in COLUMNS),
                     f"{r.kpi('store_visits') * r.scale:,.0f}",
                     f"{r.kpi('purchasers') * r.scale:,.0f}",
                     f"{r.kpi('revenue_cny') / 1e6:.1f}",
                     sl.pct(r.kpi("exposed") / r.kpi("population"))])
    return sl.markdown_table(
        ["offline share of budget", "offline M CNY", "offline share of spend",
         *(c for c, _, _ in COLUMNS),
         "store visits (real)", "purchasers (real)", "revenue M CNY", "reached by ads"], rows)


def figure(runs: list[sl.Run], markets: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [("conversion_rate", "Full-channel conversion (%)", 100, 0.15),
            ("online_to_store_rate", "Online-exposed who visit a store (%)", 100, 0.20),
            ("roi", "ROI (CNY revenue per CNY cost)", 1, 1.8),
            ("satisfaction_rate", "Satisfaction (%)", 100, 0.85)]
    fig, axes = plt.subplots(len(rows), len(markets), figsize=(4.6 * len(markets), 12),
                             squeeze=False, sharex=True)
    style = {"integrated": ("#2a7ab9", "o"), "fragmented": ("#888888", "s")}
    for j, market in enumerate(markets):
        for i, (kpi, label, k, target) in enumerate(rows):
            ax = axes[i][j]
            for plan, (colour, marker) in style.items():
                found = sorted(sl.pick(runs, market__name=market, plan__name=plan),
                               key=offline_share)
                if not found:
                    continue
                xs = [100 * offline_share(r) for r in found]
                ax.plot(xs, [k * r.kpi(kpi) for r in found], marker=marker, color=colour,
                        label=f"{plan} plan")
                preset_share = 100 * _preset_offline_share(market, plan)
                ax.axvline(preset_share, color=colour, ls=":", lw=1)
            ax.axhline(k * target, color="#c0392b", lw=1, label="seeds' target")
            if i == 0:
                ax.set_title(market.replace("_", " "))
            if j == 0:
                ax.set_ylabel(label)
            if i == len(rows) - 1:
                ax.set_xlabel("Offline events' share of the 18 M CNY media budget (%)")
            ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    fig.suptitle("Online / offline budget split at a fixed total (dotted: the preset's own "
                 "split; one run per point, seed 0)")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {sl.rel(path)}")


def _preset_offline_share(market: str, plan: str) -> float:
    budgets = {k: float(v["budget_cny"]) for k, v in sl.preset("plan", plan)["channels"].items()}
    return sum(budgets[k] for k in offline_channels(market) & budgets.keys()) / sum(
        budgets.values())


def summarise(out: Path, markets: list[str]) -> None:
    runs = sl.load_runs(out)
    if not runs:
        sys.exit(f"no finished runs under {out}")
    parts = [f"# Budget split — {len(runs)} runs, population "
             f"{runs[0].metrics['population']:,}, seed {runs[0].metrics['seed']}"]
    for market in markets:
        for plan in PLANS:
            found = sl.pick(runs, market__name=market, plan__name=plan)
            if found:
                parts += ["", f"## {market} — {plan} plan (preset: "
                          f"{100 * _preset_offline_share(market, plan):.0f} % offline)", "",
                          table(found)]
    text = "\n".join(parts) + "\n"
    print(text)
    sl.write_text(out / "summary.md", text)
    figure(runs, [m for m in markets if sl.pick(runs, market__name=m)], out / "budget_split.png")
    for market in markets:
        if (out / market).is_dir():
            sl.compare(out / market, out / market / "comparison", out / "compare.log")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--markets", nargs="+", default=list(sl.MARKETS), choices=sl.MARKETS)
    ap.add_argument("--plans", nargs="+", default=list(PLANS), choices=PLANS)
    ap.add_argument("--shares", nargs="+", type=float, default=list(SHARES),
                    help="offline shares of the total media budget, 0-1")
    ap.add_argument("--jobs", type=int, default=2, help="o2osim runs at a time (default 2)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--no-run", action="store_true", help="only summarise finished runs")
    args = ap.parse_args()
    if not args.no_run:
        sl.run_scenarios(scenarios(args.markets, args.plans, args.shares), args.out, args.jobs)
    summarise(args.out, args.markets)


if __name__ == "__main__":
    main()
