"""Coupon rules: threshold, value, where redeemable, validity, quantity cap.

Reads the four sweeps of README.md under ``results/studies/coupon_rules/``
(``threshold_value/``, ``redeem_where/``, ``validity/``, ``cap/``), prints and writes
``summary.md`` (one table per sweep) and ``coupon_rules.png``, and runs
``o2osim-compare`` on each sweep (``<sweep>/comparison/``).

    python experiments/coupon_rules/summarise.py [STUDY_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import studylib as sl  # noqa: E402

DEFAULT = sl.STUDIES / "coupon_rules"
SWEEPS = ("threshold_value", "redeem_where", "validity", "cap")


def coupon_row(r: sl.Run) -> list[str]:
    claimed = r.kpi("coupons_claimed") * r.scale
    redeemed = r.kpi("coupons_redeemed") * r.scale
    return [f"{claimed:,.0f}", sl.pct(r.kpi("coupon_claim_rate")), f"{redeemed:,.0f}",
            sl.pct(r.kpi("coupon_redemption_rate")), f"{r.kpi('coupon_subsidy_cny') / 1e6:.2f}",
            sl.pct(r.kpi("conversion_rate")), f"{r.kpi('purchasers') * r.scale:,.0f}",
            f"{r.kpi('revenue_cny') / 1e6:.1f}", sl.num(r.kpi("roi")),
            sl.pct(r.kpi("satisfaction_rate"))]


HEAD = ["claimed (real)", "claim rate", "redeemed (real)", "redemption rate",
        "coupon cost M CNY", "conversion", "purchasers (real)", "revenue M CNY", "ROI",
        "satisfaction"]


def threshold(r: sl.Run) -> float:
    return float(r.setting("plan.coupon.threshold_cny"))


def value(r: sl.Run) -> float:
    return float(r.setting("plan.coupon.value_cny"))


def rule(r: sl.Run) -> str:
    return f"满{threshold(r):g}减{value(r):g}"


def claims_exhausted_week(r: sl.Run) -> str:
    """Campaign week in which the market-wide cap was reached ('—' if never)."""
    import csv

    cap = float(r.setting("plan.coupon.quantity_cap"))
    total = 0.0
    with (r.folder / "daily.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            total += float(row["coupons_claimed"]) * r.scale
            if cap > 0 and total >= cap - 0.5 * r.scale:
                return row["week"]
    return "—"


def tables(root: Path) -> tuple[str, dict[str, list[sl.Run]]]:
    runs = {name: sl.load_runs(root / name) for name in SWEEPS if (root / name).is_dir()}
    parts = ["# Coupon rules"]
    tv = runs.get("threshold_value", [])
    if tv:
        rows = [[rule(r), f"{value(r) / threshold(r):.0%}", claims_exhausted_week(r),
                 *coupon_row(r)]
                for r in sorted(tv, key=lambda r: (r.setting("plan.coupon.threshold_cny"),
                                                   r.setting("plan.coupon.value_cny")))]
        parts += ["", f"## Threshold × value ({tv[0].setting('market.name')}, integrated plan)",
                  "", sl.markdown_table(["rule (CNY)", "value / threshold", "cap reached in week",
                                         *HEAD], rows)]
    rw = runs.get("redeem_where", [])
    if rw:
        order = {"online": 0, "store": 1, "both": 2}
        rows = [[r.setting("market.name"), r.setting("plan.coupon.redeem_where"),
                 sl.pct(r.kpi("online_to_store_rate")), *coupon_row(r)]
                for r in sorted(rw, key=lambda r: (sl.MARKETS.index(r.setting("market.name")),
                                                   order[r.setting("plan.coupon.redeem_where")]))]
        parts += ["", "## Where the coupon can be redeemed (integrated plan, claimed online or "
                  "in store)", "", sl.markdown_table(["market", "redeem where", "online → store",
                                                      *HEAD], rows, "ll" + "r" * 11)]
    for name, key, title in (("validity", "plan.coupon.validity_days", "Validity (days)"),
                             ("cap", "plan.coupon.quantity_cap", "Quantity cap (real coupons)")):
        found = runs.get(name, [])
        if found:
            rows = [[f"{r.setting(key):,}", claims_exhausted_week(r), *coupon_row(r)]
                    for r in sorted(found, key=lambda r: r.setting(key))]
            parts += ["", f"## {title} ({found[0].setting('market.name')}, integrated plan)", "",
                      sl.markdown_table([title.split(" (")[0].lower(), "cap reached in week",
                                         *HEAD], rows)]
    return "\n".join(parts) + "\n", runs


def figure(runs: dict[str, list[sl.Run]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(2, 3, figsize=(16, 10))
    kpis = [("coupon_redemption_rate", "Coupons redeemed / claimed (%)", 100,
             "Redemption rate vs coupon value"),
            ("conversion_rate", "Full-channel conversion (% of the aware who buy)", 100,
             "Conversion vs coupon value"),
            ("roi", "ROI (CNY revenue per CNY cost)", 1, "ROI vs coupon value")]
    tv = runs.get("threshold_value", [])
    for ax, (kpi, label, k, title) in zip(axes[0], kpis, strict=True):
        for thr in sorted({r.setting("plan.coupon.threshold_cny") for r in tv}):
            found = sorted(sl.pick(tv, plan__coupon__threshold_cny=thr),
                           key=lambda r: r.setting("plan.coupon.value_cny"))
            ax.plot([r.setting("plan.coupon.value_cny") for r in found],
                    [k * r.kpi(kpi) for r in found], marker="o", label=f"threshold {thr:g} CNY")
        ax.set_xlabel("Coupon value (CNY off a basket of at least the threshold)")
        ax.set_ylabel(label)
        ax.set_title(f"{title}\n(threshold coupon, retail apparel, integrated plan)", fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)

    rw = runs.get("redeem_where", [])
    ax = axes[1][0]
    where = ("online", "store", "both")
    x = np.arange(len(sl.MARKETS))
    for i, w in enumerate(where):
        vals = []
        for m in sl.MARKETS:
            found = sl.pick(rw, market__name=m, plan__coupon__redeem_where=w)
            vals.append(100 * found[0].kpi("satisfaction_rate") if found else np.nan)
        bars = ax.bar(x + (i - 1) * 0.27, vals, 0.27, label=f"redeem: {w}")
        ax.bar_label(bars, fmt="%.1f", fontsize=8, padding=1)
    ax.axhline(85, color="#c0392b", lw=1, label="target 85 %")
    ax.set_xticks(x, [m.replace("_", " ") for m in sl.MARKETS])
    ax.set_ylabel("Satisfaction (% of store experiences)")
    ax.set_ylim(0, 100)  # bars start at 0: the gaps are 1-3 points, read them off the labels
    ax.set_title("Satisfaction by where the coupon can be redeemed\n(integrated plan, "
                 "three markets)", fontsize=11)
    # below the axis: inside it would cover bars (they all reach 85-88 %)
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2,
              frameon=False)

    for ax, name, key, xlabel in ((axes[1][1], "validity", "plan.coupon.validity_days",
                                   "Coupon validity (days)"),
                                  (axes[1][2], "cap", "plan.coupon.quantity_cap",
                                   "Quantity cap (thousand real coupons for the market)")):
        found = sorted(runs.get(name, []), key=lambda r: r.setting(key))
        if not found:
            continue
        # the cap spans 0 to 1 M: evenly spaced categories read better than a log axis
        xs = list(range(len(found))) if name == "cap" else [r.setting(key) for r in found]
        # no coupon claimed (cap 0): redeemed / claimed is undefined, not 0 %
        redemption = [100 * r.kpi("coupon_redemption_rate") if r.kpi("coupons_claimed") > 0
                      else np.nan for r in found]
        ax.plot(xs, redemption, marker="o", label="redemption (% of claimed)")
        for xv, yv in zip(xs, redemption, strict=True):
            if np.isnan(yv):
                ax.annotate("redemption n/a\n(no coupon)", (xv, 0), xytext=(0, 6),
                            textcoords="offset points", ha="left", fontsize=9,
                            color="#1f77b4")
        ax.plot(xs, [100 * r.kpi("conversion_rate") for r in found], marker="s",
                label="conversion (% of the aware who buy)")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Redemption / conversion (%)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        twin = ax.twinx()
        twin.plot(xs, [r.kpi("roi") for r in found], marker="^", color="#2ca02c", ls="--",
                  label="ROI (right axis)")
        twin.set_ylabel("ROI (CNY revenue per CNY cost)")
        rois = [r.kpi("roi") for r in found]
        twin.set_ylim(min(rois) - 0.5, max(rois) + 0.5)  # noise of +-0.03 must not look big
        lines = ax.get_legend_handles_labels()
        more = twin.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=9,
                  loc="upper left" if name == "validity" else "lower right")
        if name == "cap":
            ax.set_xticks(xs, [f"{r.setting(key) / 1000:,.0f}" for r in found])
    axes[1][1].set_title("Coupon validity\n(50 CNY off 300 CNY, retail apparel, integrated plan)",
                         fontsize=11)
    axes[1][2].set_title("Quantity cap\n(50 CNY off 300 CNY, retail apparel, integrated plan)",
                         fontsize=11)
    fig.suptitle("Coupon rules: redemption, conversion, ROI and satisfaction as one rule "
                 "changes (one run per point: seed 0, 100 000 consumers, 112 days)",
                 fontsize=13)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {sl.rel(path)}")


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    text, runs = tables(root)
    if not any(runs.values()):
        sys.exit(f"no finished runs under {root}: run the sweeps first (README.md)")
    print(text)
    sl.write_text(root / "summary.md", text)
    figure(runs, root / "coupon_rules.png")
    for name in runs:
        sl.compare(root / name, root / name / "comparison", root / "compare.log")


if __name__ == "__main__":
    main()
