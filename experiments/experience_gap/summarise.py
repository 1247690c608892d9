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
        from matplotlib.lines import Line2D

        fig, axes = plt.subplots(1, 3, figsize=(15, 5.4))
        for m in sl.MARKETS:
            for wk, ls in ((0.5, "--"), (1.0, "-")):
                found = sorted(sl.pick(staffing, market__name=m,
                                       plan__operations__weekend_staff_multiplier=wk),
                               key=lambda r: r.setting("plan.operations.staff_multiplier"))
                if not found:
                    continue
                xs = [r.setting("plan.operations.staff_multiplier") for r in found]
                for ax, kpi, k in ((axes[0], "walkout_rate", 100),
                                   (axes[1], "satisfaction_rate", 100),
                                   (axes[2], "conversion_rate", 100)):
                    ax.plot(xs, [k * r.kpi(kpi) for r in found], marker="o", ls=ls,
                            color=colours[m])
        for ax, label, title, target in (
                (axes[0], "Store walk-outs (% of arrivals)", "Walk-outs", None),
                (axes[1], "Satisfaction (% of store experiences)", "Satisfaction", 85),
                (axes[2], "Full-channel conversion (% of the aware who buy)", "Conversion", 15)):
            if target:
                ax.axhline(target, color="#c0392b", lw=1)
            ax.set_xlabel("Store staff, every day (× the market's staffed units)")
            ax.set_ylabel(label)
            ax.set_title(title)
            ax.grid(alpha=0.3)
        # colour = market, line style = weekend staffing: one legend entry per meaning
        handles = [Line2D([], [], color=colours[m], marker="o", label=m.replace("_", " "))
                   for m in sl.MARKETS]
        handles += [Line2D([], [], color="#555555", ls="-",
                           label="solid: weekend staff × 1 (as on weekdays)"),
                    Line2D([], [], color="#555555", ls="--",
                           label="dashed: weekend staff × 0.5 (half on Sat/Sun)"),
                    Line2D([], [], color="#c0392b", lw=1, label="seeds' target")]
        fig.legend(handles=handles, loc="lower center", ncol=6, fontsize=9, frameon=False)
        fig.suptitle("Staffing, integrated plan: walk-outs, satisfaction and conversion "
                     "against store staff (one run per point)")
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        fig.savefig(root / "staffing.png", dpi=100)
        plt.close(fig)
        print(f"wrote {sl.rel(root / 'staffing.png')}")
    lev = {r.folder.name: r for r in parts.get("levers", [])}
    if "fragmented" in lev and "integrated" in lev:
        levers_figure(lev, root / "levers.png")


def levers_figure(lev: dict[str, sl.Run], path: Path) -> None:
    """Satisfaction change per lever: closing it in the fragmented plan (left), reopening
    it in the integrated plan (right); bar colour by sign, every value labelled."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    frag, integ = lev["fragmented"], lev["integrated"]

    def delta(name: str, base: sl.Run) -> float | None:
        r = lev.get(name)
        return None if r is None else 100 * (r.kpi("satisfaction_rate")
                                             - base.kpi("satisfaction_rate"))

    names = [n.split("+", 1)[1] for n in lev if n.startswith("fragmented+")
             and n != "fragmented+all_experience_levers"]
    # largest effect at the top
    names.sort(key=lambda n: abs(delta(f"integrated-{n}", integ) or 0)
               + abs(delta(f"fragmented+{n}", frag) or 0))
    labels = [n.replace("_", " ") for n in names]
    left = [delta(f"fragmented+{n}", frag) for n in names]
    right = [delta(f"integrated-{n}", integ) for n in names]
    all_fix = delta("fragmented+all_experience_levers", frag)
    if all_fix is not None:  # bottom row, set apart by a line
        names, labels = ["all"] + names, [f"all {len(names)} at once"] + labels
        left, right = [all_fix, *left], [None, *right]

    gain, loss, flat = "#27ae60", "#c0392b", "#7f8c8d"
    tiny = 0.05  # |change| shown as 0.0 pp

    def colour(v: float) -> str:
        return flat if abs(v) < tiny else gain if v > 0 else loss

    fig, axes = plt.subplots(1, 2, figsize=(13, 6), sharey=True)
    ys = list(range(len(names)))
    for ax, vals, title in (
            (axes[0], left, f"Today's fragmented plan + one lever\n(base "
                            f"{100 * frag.kpi('satisfaction_rate'):.1f} % satisfied)"),
            (axes[1], right, f"Integrated plan − one lever\n(base "
                             f"{100 * integ.kpi('satisfaction_rate'):.1f} % satisfied)")):
        span = max(abs(v) for v in vals if v is not None)
        for y, v in zip(ys, vals, strict=True):
            if v is None:
                ax.text(0, y, "n/a (no such run)  ", va="center", ha="right", fontsize=9,
                        color=flat)
                continue
            ax.barh(y, v, 0.6, color=colour(v))
            text = "0.0" if abs(v) < tiny else f"{v:+.1f}"
            ax.text(v + (0.015 * span if v >= 0 else -0.015 * span), y, text, va="center",
                    ha="left" if v >= 0 else "right", fontsize=9)
        lo = min(0.0, *(v for v in vals if v is not None))
        hi = max(0.0, *(v for v in vals if v is not None))
        ax.set_xlim(lo - 0.15 * span, hi + 0.15 * span)
        ax.axvline(0, color="black", lw=0.8)
        if all_fix is not None:
            ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
        ax.set_xlabel("Change in satisfaction (percentage points)")
        ax.set_title(title, fontsize=11)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(ys, labels)
    fig.legend(handles=[Patch(color=gain, label="satisfaction rises"),
                        Patch(color=loss, label="satisfaction falls"),
                        Patch(color=flat, label=f"no change (|Δ| < {tiny} pp)")],
               loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle(f"Satisfaction change from one integration lever at a time "
                 f"({frag.setting('market.name').replace('_', ' ')}, one run each, seed 0)")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {sl.rel(path)}")


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
