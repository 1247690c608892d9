r"""Today's fragmented plan vs the integrated plan, side by side with the seeds' figures.

Reads the sweep made by (see README.md)::

    o2osim -m market=retail_apparel,hotpot_chain,local_services plan=fragmented,integrated \
        sim.replications=5 hydra.sweep.dir=results/studies/today_vs_integrated

and writes ``tables.md`` (one table per market: the seeds' "today", industry average
and target next to the model's two plans, each model cell the mean over the
replications with its 90 % interval) and ``headline.png`` into that folder, then runs
``o2osim-compare`` on the sweep (``comparison/``).

    python experiments/today_vs_integrated/summarise.py [SWEEP_DIR]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import studylib as sl  # noqa: E402

DEFAULT = sl.STUDIES / "today_vs_integrated"

# KPI, label, format, seeds' today, industry average, target (seed 000 unless noted)
Fmt = Callable[[float], str]
SCORECARD: list[tuple[str, str, Fmt, str, str, str]] = [
    ("conversion_rate", "Full-channel conversion (aware → purchase)", sl.pct,
     "< 5 %", "12 %", "≥ 15 %"),
    ("satisfaction_rate", "Customer satisfaction", sl.pct, "< 60 %", "", "≥ 85 %"),
    ("roi", "Marketing ROI (revenue / cost)", sl.num, "< 1.2", "1.8", "≥ 1.8"),
    ("online_to_store_rate", "Online-exposed who visit a store", sl.pct,
     "online traffic not sent to stores", "", "≥ 20 %"),
    ("offline_member_online_repurchase_rate", "Store members who buy online", sl.pct,
     "", "", "≥ 15 %"),
    ("steps_to_redeem", "Steps to redeem a coupon in store", lambda x: f"{x:.0f}",
     "re-register as a member in store", "", "≤ 3"),
    ("calendar_sync_rate", "Promotion days in sync online / store", sl.pct,
     "store starts when online ends", "", "100 %"),
    ("unified_profile_rate", "Known customers with one unified profile", sl.pct,
     "no unified customer view", "", "≥ 90 %"),
    ("cross_channel_consistency_rate", "Store visits where online promises held", sl.pct,
     "“discount in store” not honoured", "", "≥ 90 %"),
]


def share_of_population(kpi: str) -> Callable[[sl.Run], tuple[float, float, float]]:
    def get(run: sl.Run) -> tuple[float, float, float]:
        n = run.kpi("population")
        lo, hi = run.interval(kpi)
        return run.kpi(kpi) / n, lo / n, hi / n
    return get


def real(kpi: str) -> Callable[[sl.Run], tuple[float, float, float]]:
    def get(run: sl.Run) -> tuple[float, float, float]:
        lo, hi = run.interval(kpi)
        return run.kpi(kpi) * run.scale, lo * run.scale, hi * run.scale
    return get


def plain(kpi: str) -> Callable[[sl.Run], tuple[float, float, float]]:
    def get(run: sl.Run) -> tuple[float, float, float]:
        lo, hi = run.interval(kpi)
        return run.kpi(kpi), lo, hi
    return get


def count(x: float) -> str:
    return f"{x:,.0f}"


# seed 001's KPI layers (声量 / 引流 / 转化 / 资产): no figures in the seeds
LAYERS: list[tuple[str, str, Callable[[sl.Run], tuple[float, float, float]], Fmt]] = [
    ("voice", "Reached by paid media (share of consumers)", share_of_population("exposed"),
     sl.pct),
    ("voice", "Aware of the campaign (share of consumers)", share_of_population("aware"),
     sl.pct),
    ("traffic", "Store visits (real visits)", real("store_visits"), count),
    ("traffic", "Coupon claim rate (claims / offers seen)", plain("coupon_claim_rate"), sl.pct),
    ("traffic", "Coupon redemption rate (used / claimed)", plain("coupon_redemption_rate"),
     sl.pct),
    ("traffic", "Store walk-outs (share of arrivals)", plain("walkout_rate"), sl.pct),
    ("traffic", "Mean wait in store (min)", plain("mean_wait_min"), lambda x: f"{x:.1f}"),
    ("conversion", "Purchasers (real people)", real("purchasers"), count),
    ("conversion", "Revenue (M CNY)", plain("revenue_cny"), lambda x: f"{x / 1e6:.1f}"),
    ("conversion", "Total cost (M CNY)", plain("total_cost_cny"), lambda x: f"{x / 1e6:.1f}"),
    ("conversion", "Repurchase rate (2+ orders / purchasers)", plain("repurchase_rate"), sl.pct),
    ("sentiment", "Public complaints (real posts)", real("complaints"), count),
]

NOT_MODELLED = [
    ("Data-driven marketing decisions", "< 30 %", "", "≥ 70 %"),
    ("Data integration (online + offline behaviour)", "", "", "≥ 95 %"),
    ("Single-channel fluctuation of results", "", "", "≤ 10 %"),
    ("Negative sentiment: respond / resolve", "", "", "≤ 2 h / ≤ 4 h"),
]


def cell(run: sl.Run, kpi: str, fmt: Fmt) -> str:
    return sl.with_interval(run, kpi, fmt)


def cell3(value: tuple[float, float, float], fmt: Fmt, replicated: bool) -> str:
    v, lo, hi = value
    if not replicated:
        return fmt(v)
    return f"{fmt(v)} ({fmt(lo).removesuffix(' %')}–{fmt(hi)})"


def market_table(frag: sl.Run, integ: sl.Run) -> str:
    reps = int(frag.metrics.get("replications", 1)) > 1
    rows = []
    for kpi, label, fmt, today, avg, target in SCORECARD:
        met = integ.metrics["targets"]
        name = next((n for n, t in met.items() if t["kpi"] == kpi), None)
        verdict = ""
        if name is not None:
            t = met[name]
            p = t.get("probability")
            verdict = ("met" if t["met"] else "missed") + (
                f", p={p:.1f}" if reps and p is not None else "")
        rows.append([label, today or "—", avg or "—", target, cell(frag, kpi, fmt),
                     cell(integ, kpi, fmt) + (f" — {verdict}" if verdict else "")])
    for layer, label, get, fmt in LAYERS:
        rows.append([f"*{layer}:* {label}", "—", "—", "—", cell3(get(frag), fmt, reps),
                     cell3(get(integ), fmt, reps)])
    for label, today, avg, target in NOT_MODELLED:
        rows.append([label, today or "—", avg or "—", target, "not modelled", "not modelled"])
    return sl.markdown_table(
        ["KPI", "seeds: today", "seeds: industry avg", "seeds: target",
         "model: fragmented (today)", "model: integrated — target"], rows, "lllllr")


def combined_table(runs: list[sl.Run], with_intervals: bool) -> str:
    """The seeds' scorecard rows, all markets side by side (fragmented | integrated)."""
    pairs = [(sl.one(runs, market__name=m, plan__name="fragmented"),
              sl.one(runs, market__name=m, plan__name="integrated")) for m in sl.MARKETS]
    rows = []
    for kpi, label, fmt, today, avg, target in SCORECARD:
        cells = []
        for frag, integ in pairs:
            for r in (frag, integ):
                cells.append(sl.with_interval(r, kpi, fmt) if with_intervals
                             else fmt(r.kpi(kpi)))
        rows.append([label, today if today and len(today) < 12 else "—", avg or "—", target,
                     *cells])
    for layer, label, get, fmt in LAYERS:
        cells = [fmt(get(r)[0]) for pair in pairs for r in pair]
        rows.append([f"*{layer}:* {label}", "—", "—", "—", *cells])
    heads = [f"{m.split('_')[0]} {p}" for m in sl.MARKETS for p in ("frag.", "integ.")]
    return sl.markdown_table(["KPI", "seeds: today", "seeds: industry avg", "seeds: target",
                              *heads], rows, "llll" + "r" * 6)


def headline_table(runs: list[sl.Run]) -> str:
    rows = []
    for market in sl.MARKETS:
        for plan in ("fragmented", "integrated"):
            found = sl.pick(runs, market__name=market, plan__name=plan)
            if not found:
                continue
            r = found[0]
            rows.append([market, plan,
                         sl.with_interval(r, "conversion_rate", sl.pct),
                         sl.with_interval(r, "satisfaction_rate", sl.pct),
                         sl.with_interval(r, "roi", sl.num),
                         sl.with_interval(r, "online_to_store_rate", sl.pct),
                         f"{sum(t['met'] for t in r.metrics['targets'].values())}"
                         f"/{len(r.metrics['targets'])}",
                         f"{r.metrics.get('all_targets_probability', 0):.1f}"])
    return sl.markdown_table(["market", "plan", "conversion", "satisfaction", "ROI",
                              "online → store", "targets met (on the mean)",
                              "P(all met)"], rows, "llrrrrrr")


def figure(runs: list[sl.Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    panels = [("conversion_rate", "Full-channel conversion (%)", 100, 0.05, 0.12, 0.15),
              ("satisfaction_rate", "Customer satisfaction (%)", 100, 0.60, None, 0.85),
              ("roi", "Marketing ROI (CNY revenue per CNY cost)", 1, 1.2, 1.8, 1.8)]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    x = np.arange(len(sl.MARKETS))
    colours = {"fragmented": "#b0b0b0", "integrated": "#2a7ab9"}
    for ax, (kpi, title, k, today, avg, target) in zip(axes, panels, strict=True):
        for i, plan in enumerate(("fragmented", "integrated")):
            vals, los, his = [], [], []
            for market in sl.MARKETS:
                r = sl.one(runs, market__name=market, plan__name=plan)
                lo, hi = r.interval(kpi)
                vals.append(k * r.kpi(kpi))
                los.append(k * (r.kpi(kpi) - lo))
                his.append(k * (hi - r.kpi(kpi)))
            bars = ax.bar(x + (i - 0.5) * 0.38, vals, 0.38, color=colours[plan], label=plan,
                          yerr=[los, his], capsize=3)
            ax.bar_label(bars, fmt="%.1f" if k == 100 else "%.2f", padding=2, fontsize=8)
        ax.axhline(k * today, color="#7a4b00", ls="--", lw=1, label="seeds: today (upper bound)")
        if avg is not None and avg != target:
            ax.axhline(k * avg, color="#555", ls=":", lw=1, label="seeds: industry average")
        ax.axhline(k * target, color="#c0392b", lw=1.2, label="seeds: target")
        ax.set_xticks(x, [m.replace("_", " ") for m in sl.MARKETS])
        ax.set_ylabel(title)
        ax.set_ylim(0, max(ax.get_ylim()[1], k * target) * 1.12)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=9, frameon=False)
    fig.suptitle("Today's fragmented plan vs the integrated plan (same 18 M CNY media "
                 "budget; bars: mean of the replications, whiskers: 90 % interval)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {sl.rel(path)}")


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    runs = sl.load_runs(root)
    if not runs:
        sys.exit(f"no finished runs under {root}: run the sweep first (README.md)")
    reps = {int(r.metrics.get("replications", 1)) for r in runs}
    parts = [f"# Today vs integrated — {len(runs)} runs, replications {sorted(reps)}, "
             f"population {runs[0].metrics['population']:,}, {runs[0].metrics['days']} days",
             "", "## Headline", "", headline_table(runs)]
    if len(runs) == 6:
        parts += ["", "## All markets (means; intervals in the per-market tables)", "",
                  combined_table(runs, with_intervals=False)]
    for market in sl.MARKETS:
        frag = sl.pick(runs, market__name=market, plan__name="fragmented")
        integ = sl.pick(runs, market__name=market, plan__name="integrated")
        if frag and integ:
            parts += ["", f"## {market}", "", market_table(frag[0], integ[0])]
    text = "\n".join(parts) + "\n"
    print(text)
    sl.write_text(root / "tables.md", text)
    if len(runs) == 6:
        figure(runs, root / "headline.png")
    sl.compare(root, root / "comparison", root / "compare.log")


if __name__ == "__main__":
    main()
