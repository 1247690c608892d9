"""Experience gap: promise vs reality, store staffing, and the levers that close gaps.

Reads ``results/studies/experience_gap/`` — ``promise/`` and ``staffing/`` (two
``o2osim -m`` sweeps) and ``levers/`` (``run.py``), see README.md — prints and writes
``summary.md`` and three figures (``promise.png``, ``staffing.png``, ``levers.png``),
and runs ``o2osim-compare`` on each part (``<part>/comparison/``).

    python experiments/experience_gap/summarise.py [STUDY_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import studylib as sl  # noqa: E402

DEFAULT = sl.STUDIES / "experience_gap"
DRIVERS = ("coupon_refused", "price_mismatch", "promo_missing", "staff_unbriefed",
           "reregistration", "benefit_not_recognised", "stockout", "long_wait", "walked_out")


def dissatisfied_by(r: sl.Run, cause: str) -> float:
    """Share of all experiences that were dissatisfied and had this gap."""
    d = r.metrics["satisfaction_drivers"]
    return d["dissatisfied_with_gap"].get(cause, 0) / max(1, d["experiences"])


def promise_table(runs: list[sl.Run]) -> str:
    rows = []
    for r in sorted(runs, key=lambda r: (sl.MARKETS.index(r.setting("market.name")),
                                         r.setting("plan.promise_level"))):
        gap = r.setting("plan.promise_level") - r.setting("market.stores.reality_level")
        rows.append([r.setting("market.name"), f"{r.setting('plan.promise_level'):.2f}",
                     f"{gap:+.2f}", sl.pct(r.kpi("aware") / r.kpi("population")),
                     sl.pct(r.kpi("conversion_rate")), f"{r.kpi('purchasers') * r.scale:,.0f}",
                     sl.pct(r.kpi("satisfaction_rate")), sl.pct(r.kpi("repurchase_rate")),
                     f"{r.kpi('complaints') * r.scale:,.0f}",
                     f"{r.kpi('revenue_cny') / 1e6:.1f}", sl.num(r.kpi("roi"))])
    return sl.markdown_table(["market", "promise", "promise − store reality", "aware",
                              "conversion", "purchasers (real)", "satisfaction",
                              "repurchase", "complaints (real)", "revenue M CNY", "ROI"],
                             rows, "l" + "r" * 10)


def staffing_table(runs: list[sl.Run]) -> str:
    rows = []
    for r in sorted(runs, key=lambda r: (sl.MARKETS.index(r.setting("market.name")),
                                         r.setting("plan.operations.staff_multiplier"),
                                         r.setting("plan.operations.weekend_staff_multiplier"))):
        rows.append([r.setting("market.name"),
                     f"{r.setting('plan.operations.staff_multiplier'):g}",
                     f"{r.setting('plan.operations.weekend_staff_multiplier'):g}",
                     f"{r.kpi('mean_wait_min'):.1f}", f"{r.kpi('p95_wait_min'):.1f}",
                     sl.pct(r.kpi("walkout_rate")), sl.pct(r.kpi("satisfaction_rate")),
                     sl.pct(dissatisfied_by(r, "long_wait") + dissatisfied_by(r, "walked_out")),
                     sl.pct(r.kpi("conversion_rate")), f"{r.kpi('revenue_cny') / 1e6:.1f}",
                     sl.num(r.kpi("roi"))])
    return sl.markdown_table(["market", "staff ×", "weekend staff ×", "mean wait min",
                              "p95 wait min", "walk-outs", "satisfaction",
                              "dissatisfied by wait / walk-out", "conversion", "revenue M CNY",
                              "ROI"], rows, "l" + "r" * 10)


def lever_label(name: str) -> str:
    return name.split("+", 1)[-1].split("-", 1)[-1]


def levers_table(runs: list[sl.Run]) -> str:
    by = {r.folder.name: r for r in runs}
    frag, integ = by.get("fragmented"), by.get("integrated")
    if frag is None or integ is None:
        return "(levers: fragmented and integrated base runs missing)"
    names = [n.split("+", 1)[1] for n in by if n.startswith("fragmented+")
             and n != "fragmented+all_experience_levers"]
    rows = [["**fragmented (base)**", *_lever_cells(frag, frag), "", "", "", ""],
            ["**integrated (base)**", "", "", "", "", "", *_lever_cells(integ, integ)[:4]]]
    for n in sorted(names):
        f, i = by.get(f"fragmented+{n}"), by.get(f"integrated-{n}")
        rows.append([n, *(_lever_cells(f, frag) if f else ["—"] * 5),
                     *(_lever_cells(i, integ)[:4] if i else ["—"] * 4)])
    all_fix = by.get("fragmented+all_experience_levers")
    if all_fix:
        rows.append(["**all eight at once**", *_lever_cells(all_fix, frag), "", "", "", ""])
    return sl.markdown_table(
        ["lever", "frag + lever: satisfaction (Δ pp)", "consistency", "conversion", "ROI",
         "walk-outs", "integ − lever: satisfaction (Δ pp)", "consistency", "conversion", "ROI"],
        rows)


def _lever_cells(r: sl.Run, base: sl.Run) -> list[str]:
    d = 100 * (r.kpi("satisfaction_rate") - base.kpi("satisfaction_rate"))
    sat = sl.pct(r.kpi("satisfaction_rate")) + (f" ({d:+.1f})" if r is not base else "")
    return [sat, sl.pct(r.kpi("cross_channel_consistency_rate")),
            sl.pct(r.kpi("conversion_rate")), sl.num(r.kpi("roi")),
            sl.pct(r.kpi("walkout_rate"))]


def drivers_table(runs: list[sl.Run]) -> str:
    by = {r.folder.name: r for r in runs}
    rows = []
    for name in ("fragmented", "fragmented+all_experience_levers", "integrated"):
        r = by.get(name)
        if r:
            rows.append([name, sl.pct(1 - r.kpi("satisfaction_rate")),
                         *(sl.pct(dissatisfied_by(r, c)) for c in DRIVERS)])
    return sl.markdown_table(["run", "dissatisfied", *DRIVERS], rows)


def figures(parts: dict[str, list[sl.Run]], root: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = dict(zip(sl.MARKETS, ("#2a7ab9", "#d35400", "#27ae60"), strict=True))
    promise = parts.get("promise", [])
    if promise:
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
        for m in sl.MARKETS:
            found = sorted(sl.pick(promise, market__name=m),
                           key=lambda r: r.setting("plan.promise_level"))
            if not found:
                continue
            xs = [r.setting("plan.promise_level") for r in found]
            for ax, kpi, k in ((axes[0], "satisfaction_rate", 100),
                               (axes[1], "conversion_rate", 100), (axes[2], "roi", 1)):
                ax.plot(xs, [k * r.kpi(kpi) for r in found], marker="o", color=colours[m],
                        label=m.replace("_", " "))
            for ax in axes:
                ax.axvline(found[0].setting("market.stores.reality_level"), color=colours[m],
                           ls=":", lw=1)
        for ax, label, target in ((axes[0], "Satisfaction (%)", 85),
                                  (axes[1], "Full-channel conversion (%)", 15),
                                  (axes[2], "ROI (CNY revenue per CNY cost)", 1.8)):
            ax.axhline(target, color="#c0392b", lw=1, label="seeds' target")
            ax.set_xlabel("What online content promises (0-1 experience scale)")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.suptitle("Promise vs reality, integrated plan (dotted: the store's real level; "
                     "one run per point)")
        fig.tight_layout()
        fig.savefig(root / "promise.png", dpi=100)
        plt.close(fig)
        print(f"wrote {sl.rel(root / 'promise.png')}")
    staffing = parts.get("staffing", [])
    if staffing:
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
        for m in sl.MARKETS:
            for wk, ls in ((0.5, "--"), (1.0, "-")):
                found = sorted(sl.pick(staffing, market__name=m,
                                       plan__operations__weekend_staff_multiplier=wk),
                               key=lambda r: r.setting("plan.operations.staff_multiplier"))
                if not found:
                    continue
                xs = [r.setting("plan.operations.staff_multiplier") for r in found]
                label = f"{m.replace('_', ' ')}, weekend × {wk:g}"
                for ax, kpi, k in ((axes[0], "walkout_rate", 100),
                                   (axes[1], "satisfaction_rate", 100),
                                   (axes[2], "conversion_rate", 100)):
                    ax.plot(xs, [k * r.kpi(kpi) for r in found], marker="o", ls=ls,
                            color=colours[m], label=label)
        for ax, label, target in ((axes[0], "Store walk-outs (% of arrivals)", None),
                                  (axes[1], "Satisfaction (%)", 85),
                                  (axes[2], "Full-channel conversion (%)", 15)):
            if target:
                ax.axhline(target, color="#c0392b", lw=1)
            ax.set_xlabel("Store staff (× the market's staffed units, every day)")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        fig.suptitle("Staffing, integrated plan (dashed: half the staff on Saturdays and "
                     "Sundays; red: seeds' target)")
        fig.tight_layout()
        fig.savefig(root / "staffing.png", dpi=100)
        plt.close(fig)
        print(f"wrote {sl.rel(root / 'staffing.png')}")
    lev = {r.folder.name: r for r in parts.get("levers", [])}
    if "fragmented" in lev and "integrated" in lev:
        names = sorted(n.split("+", 1)[1] for n in lev if n.startswith("fragmented+")
                       and n != "fragmented+all_experience_levers")
        up = [100 * (lev[f"fragmented+{n}"].kpi("satisfaction_rate")
                     - lev["fragmented"].kpi("satisfaction_rate")) for n in names]
        down = [100 * (lev[f"integrated-{n}"].kpi("satisfaction_rate")
                       - lev["integrated"].kpi("satisfaction_rate"))
                if f"integrated-{n}" in lev else 0 for n in names]
        fig, ax = plt.subplots(figsize=(9, 4.8))
        ys = range(len(names))
        ax.barh([y + 0.2 for y in ys], up, 0.4, color="#27ae60",
                label="fragmented + this lever (gain)")
        ax.barh([y - 0.2 for y in ys], down, 0.4, color="#c0392b",
                label="integrated − this lever (loss)")
        ax.set_yticks(list(ys), [n.replace("_", " ") for n in names])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("Change in satisfaction (percentage points)")
        ax.set_title(f"One lever at a time ({lev['fragmented'].setting('market.name')}): "
                     f"fragmented {100 * lev['fragmented'].kpi('satisfaction_rate'):.0f} %, "
                     f"integrated {100 * lev['integrated'].kpi('satisfaction_rate'):.0f} %")
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        fig.savefig(root / "levers.png", dpi=100)
        plt.close(fig)
        print(f"wrote {sl.rel(root / 'levers.png')}")


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    parts = {p: sl.load_runs(root / p) for p in ("promise", "staffing", "levers")
             if (root / p).is_dir()}
    if not any(parts.values()):
        sys.exit(f"no finished runs under {root}: run the sweeps first (README.md)")
    text = ["# Experience gap"]
    if parts.get("promise"):
        text += ["", "## Promise vs reality (integrated plan)", "", promise_table(parts["promise"])]
    if parts.get("staffing"):
        text += ["", "## Staffing (integrated plan)", "", staffing_table(parts["staffing"])]
    if parts.get("levers"):
        market = parts["levers"][0].setting("market.name")
        text += ["", f"## Levers one at a time ({market})", "", levers_table(parts["levers"]),
                 "", "Dissatisfied experiences by gap (share of all experiences; one "
                 "experience can have several gaps):", "", drivers_table(parts["levers"])]
    out = "\n".join(text) + "\n"
    print(out)
    sl.write_text(root / "summary.md", out)
    figures(parts, root)
    for p in parts:
        sl.compare(root / p, root / p / "comparison", root / "compare.log")


if __name__ == "__main__":
    main()
