"""A run's report: ``report.md``, a self-contained ``report.html`` and PNG figures.

Reads only the files of a run folder (``metrics.json``, ``daily.csv``, ``stores.csv``),
so a report can be rebuilt for any finished run: ``python -m o2osim.reports.report DIR``.
"""

from __future__ import annotations

import base64
import html
import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from o2osim.reports.scorecard import format_value  # noqa: E402

PHASE_COLOURS = {"planning": "#eeeeee", "execution": "#e3f0fb", "optimisation": "#fdf1dc"}

Lever = tuple[str, str, Any]
"""(plan setting, advice, value that means the lever is already pulled)."""

LEVERS: dict[str, list[Lever]] = {
    "conversion_rate": [
        ("integration.unified_id_share", "raise it: retargeting aware non-buyers needs a "
         "unified customer ID", lambda v: v >= 0.9),
        ("coupon.redeem_where", "set it to both: online coupons usable in store",
         lambda v: v == "both"),
        ("integration.o2o_traffic_guidance", "turn it on: send online traffic to stores",
         lambda v: v is True),
        ("promise_level", "bring it down to what stores deliver: disappointed visitors do "
         "not buy", None),
    ],
    "satisfaction_rate": [
        ("promise_level", "promise what the store delivers (market.stores.reality_level)",
         None),
        ("integration.price_parity", "keep online and store prices equal", lambda v: v is True),
        ("integration.staff_briefed", "brief store staff on the campaign rules",
         lambda v: v is True),
        ("integration.calendar_lag_weeks", "set it to 0: run the store promotion with the "
         "online one", lambda v: v == 0),
        ("integration.unified_membership", "one membership: no re-registration in store",
         lambda v: v is True),
        ("operations.weekend_staff_multiplier", "staff the weekend peaks", lambda v: v >= 1),
    ],
    "roi": [
        ("integration.budget_reallocation", "move the reserve to the channels with the best "
         "measured ROI", lambda v: v is True),
        ("channels", "cut spend on saturated channels; lift conversion (above)", None),
    ],
    "online_to_store_rate": [
        ("integration.o2o_traffic_guidance", "turn it on", lambda v: v is True),
        ("coupon.claim_where", "let store coupons be claimed (both)", lambda v: v == "both"),
        ("channels.lbs_ads.budget_cny", "more location-based ads near stores", None),
    ],
    "offline_member_online_repurchase_rate": [
        ("integration.unified_membership", "one membership across channels",
         lambda v: v is True),
        ("channels.member_push.budget_cny", "fund mini-program pushes to members", None),
    ],
    "steps_to_redeem": [
        ("integration.unified_membership", "no re-registration step in store",
         lambda v: v is True),
        ("integration.pos_coupon_integrated", "let the till scan online coupons",
         lambda v: v is True),
    ],
    "calendar_sync_rate": [("integration.calendar_lag_weeks", "set it to 0",
                            lambda v: v == 0)],
    "unified_profile_rate": [("integration.unified_id_share", "raise it", lambda v: v >= 0.9)],
    "cross_channel_consistency_rate": [
        ("coupon.redeem_where", "both", lambda v: v == "both"),
        ("integration.price_parity", "keep prices equal", lambda v: v is True),
        ("integration.staff_briefed", "brief staff", lambda v: v is True),
    ],
}
"""The levers behind each target (docs/model.md, "What the integration levers do")."""


def _plan_value(plan: dict[str, Any], dotted: str) -> Any:
    node: Any = plan
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def advice(kpi: str, plan: dict[str, Any] | None) -> str:
    """The levers of a missed target that the plan has not pulled yet, with their values."""
    parts = []
    for setting, text, pulled in LEVERS.get(kpi, []):
        value = _plan_value(plan, setting) if plan else None
        if plan and pulled is not None and value is not None and pulled(value):
            continue  # already pulled
        shown = f" (now {value})" if value is not None and not isinstance(value, dict) else ""
        parts.append(f"`plan.{setting}`{shown}: {text}")
    return "; ".join(parts) if parts else "every lever behind it is already pulled"


def _shade_phases(ax: Any, daily: pd.DataFrame) -> None:
    for phase, colour in PHASE_COLOURS.items():
        days = daily.loc[daily["phase"] == phase, "day"]
        if len(days):
            ax.axvspan(days.min() - 0.5, days.max() + 0.5, color=colour, zorder=0,
                       label=f"{phase} phase")


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def figures(folder: Path, metrics: dict[str, Any], daily: pd.DataFrame,
            stores: pd.DataFrame | None) -> dict[str, Path]:
    """Write the PNG figures; return them by name."""
    k = metrics["kpis"]
    out: dict[str, Path] = {}

    fig, ax = plt.subplots(figsize=(7, 3.2))
    repurchasers = k["repurchase_rate"] * k["purchasers"]
    steps = [("Exposed to ads", k["exposed"]), ("Aware", k["aware"]),
             ("Purchased", k["purchasers"]), ("Purchased twice or more", repurchasers)]
    ax.barh([s for s, _ in steps][::-1], [v for _, v in steps][::-1], color="#3b7dd8")
    for i, (_, v) in enumerate(steps[::-1]):
        ax.text(v, i, f" {v:,.0f}", va="center")
    ax.set_xlabel("simulated consumers")
    ax.set_title(f"Funnel — orders: {k['orders_online']:,.0f} online, "
                 f"{k['orders_offline']:,.0f} in store")
    out["funnel"] = _save(fig, folder / "funnel.png")

    fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True)
    for ax in axes:
        _shade_phases(ax, daily)
    axes[0].plot(daily["day"], daily["spend_cny"] / 1e3, color="#444")
    axes[0].set_ylabel("media spend\n(thousand CNY / day)")
    axes[0].legend(loc="upper right", fontsize=7)
    axes[1].plot(daily["day"], daily["aware"], color="#3b7dd8")
    axes[1].set_ylabel("aware consumers\n(simulated)")
    axes[2].plot(daily["day"], daily["orders_online"], label="online orders", color="#e07b39")
    axes[2].plot(daily["day"], daily["orders_offline"], label="store orders", color="#2a9d8f")
    axes[2].set_ylabel("orders / day\n(simulated)")
    axes[2].set_xlabel("campaign day")
    axes[2].legend(loc="upper left", fontsize=8)
    fig.suptitle("The campaign day by day")
    out["daily"] = _save(fig, folder / "daily.png")

    channels = metrics.get("channels", {})
    if channels:
        names = list(channels)
        spend = [channels[c]["spend_cny"] / 1e6 for c in names]
        revenue = [channels[c]["attributed_revenue_cny"] / 1e6 for c in names]
        fig, ax = plt.subplots(figsize=(8, 3.5))
        x = range(len(names))
        ax.bar([i - 0.2 for i in x], spend, width=0.4, label="spend", color="#999")
        ax.bar([i + 0.2 for i in x], revenue, width=0.4, label="measured revenue",
               color="#3b7dd8")
        ax.set_xticks(list(x), names, rotation=20, ha="right")
        ax.set_ylabel("million CNY")
        ax.set_title("Spend and the revenue measurement can trace, by channel")
        ax.legend()
        out["channels"] = _save(fig, folder / "channels.png")

    drivers = metrics.get("satisfaction_drivers", {}).get("dissatisfied_with_gap", {})
    if drivers:
        items = sorted(drivers.items(), key=lambda kv: kv[1])
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.barh([n.replace("_", " ") for n, _ in items], [v for _, v in items], color="#c0392b")
        ax.set_xlabel("dissatisfied experiences where this went wrong (simulated)")
        ax.set_title("What cost satisfaction")
        out["satisfaction"] = _save(fig, folder / "satisfaction.png")

    if stores is not None and len(stores):
        by_day = stores.groupby("day").agg(arrivals=("arrivals", "sum"),
                                           walked=("balked", "sum"),
                                           reneged=("reneged", "sum"),
                                           p95=("p95_wait_min", "max"))
        fig, ax = plt.subplots(figsize=(8, 3.2))
        _shade_phases(ax, daily)
        ax.plot(by_day.index, by_day["p95"], color="#8e44ad",
                label="worst store's 95th-percentile wait")
        ax.set_ylabel("minutes")
        ax.set_xlabel("campaign day")
        ax2 = ax.twinx()
        ax2.bar(by_day.index, by_day["walked"] + by_day["reneged"], color="#c0392b",
                alpha=0.4, label="walk-outs")
        ax2.set_ylabel("walk-outs / day (real customers)")
        ax.set_title("Store queues")
        ax.legend(loc="upper left", fontsize=8)
        out["stores"] = _save(fig, folder / "stores.png")
    return out


def markdown(metrics: dict[str, Any], figs: dict[str, Path],
             plan: dict[str, Any] | None = None) -> str:
    """The report as Markdown (figures linked by file name)."""
    k = metrics["kpis"]
    lines = [f"# o2osim report — {metrics['market']} × {metrics['plan']}", "",
             f"Seed {metrics['seed']}, {metrics.get('population', 0):,} simulated consumers, "
             f"{metrics.get('days', 0)} days"
             + (f", {metrics['replications']} replications" if metrics.get("replications", 1)
                > 1 else "") + ".", "", "## Scorecard", "",
             "| target | rule | value | result |", "|---|---|---|---|"]
    missed = []
    for name, t in metrics["targets"].items():
        result = "met" if t["met"] else "**missed**"
        if "probability" in t and metrics.get("replications", 1) > 1:
            lo, hi = t["interval_90"]
            result += (f" (met in {100 * t['probability']:.0f} % of replications; 90 % "
                       f"interval {format_value(t['kpi'], lo)} – {format_value(t['kpi'], hi)})")
        lines.append(f"| {t.get('label') or name} | {t['op']} "
                     f"{format_value(t['kpi'], t['threshold'])} | "
                     f"{format_value(t['kpi'], t['value'])} | {result} |")
        if not t["met"]:
            missed.append(t)
    lines += ["", f"Revenue {k['revenue_cny']:,.0f} CNY for a total cost of "
              f"{k['total_cost_cny']:,.0f} CNY (media {k['spend_cny']:,.0f}, coupons "
              f"{k['coupon_subsidy_cny']:,.0f}).", ""]
    lines += ["## What to change", ""]
    if not missed:
        lines.append("Every target is met.")
    for t in missed:
        lines.append(f"* **{t.get('label') or t['kpi']}** "
                     f"({format_value(t['kpi'], t['value'])}, needs {t['op']} "
                     f"{format_value(t['kpi'], t['threshold'])}): "
                     f"{advice(t['kpi'], plan)}.")
    titles = {"funnel": "Funnel", "daily": "Day by day", "channels": "Channels",
              "satisfaction": "Satisfaction and what drove it", "stores": "Store queues"}
    for name, path in figs.items():
        lines += ["", f"## {titles.get(name, name)}", "", f"![{titles.get(name, name)}]"
                  f"({path.name})"]
    lines += ["", "## Coupons", "",
              f"Offered and claimed: claim rate {format_value('x_rate', k['coupon_claim_rate'])}"
              f"; {k['coupons_claimed']:,.0f} claimed, {k['coupons_redeemed']:,.0f} redeemed "
              f"(redemption rate {format_value('x_rate', k['coupon_redemption_rate'])}); "
              f"{k['steps_to_redeem']:.0f} steps to redeem in store; checks failed at the "
              f"till {format_value('x_rate', k.get('coupon_check_failure_rate', 0.0))}.", "",
              "Definitions of every number: docs/kpis.md."]
    return "\n".join(lines) + "\n"


def to_html(md: str, figs: dict[str, Path]) -> str:
    """A self-contained page: the Markdown's text with the figures embedded."""
    body = []
    for line in md.splitlines():
        if line.startswith("!["):
            name = line[line.index("(") + 1:-1]
            data = base64.b64encode((figs_dir(figs) / name).read_bytes()).decode()
            body.append(f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}">')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.startswith("|---"):
            continue
        elif line.startswith("|"):
            cells = [html.escape(c.strip()).replace("**", "") for c in line.strip("|").split("|")]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        elif line.startswith("* "):
            body.append(f"<li>{html.escape(line[2:]).replace('**', '')}</li>")
        elif line.strip():
            body.append(f"<p>{html.escape(line).replace('**', '')}</p>")
    joined = "\n".join(body).replace("</tr>\n<tr>", "</tr><tr>")
    joined = joined.replace("<tr>", "<table><tr>", 1) if "<tr>" in joined else joined
    joined = joined.replace("</tr>\n", "</tr></table>\n", 1) if "<tr>" in joined else joined
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
             "td{border-bottom:1px solid #ddd;padding:.3em .8em}img{max-width:100%}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>o2osim report</title>"
            f"<style>{style}</style></head><body>\n{joined}\n</body></html>\n")


def figs_dir(figs: dict[str, Path]) -> Path:
    return next(iter(figs.values())).parent


def write_report(folder: str | Path) -> Path:
    """Build the report of a finished run folder; returns the HTML file."""
    folder = Path(folder)
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    daily = pd.read_csv(folder / "daily.csv")
    stores_path = folder / "stores.csv"
    stores = pd.read_csv(stores_path) if stores_path.exists() else None
    figs = figures(folder, metrics, daily, stores)
    config = folder / ".hydra" / "config.yaml"
    plan = None
    if config.exists():
        from omegaconf import OmegaConf

        plan = OmegaConf.to_container(OmegaConf.load(config)).get("plan")  # type: ignore[union-attr]
    md = markdown(metrics, figs, plan)
    (folder / "report.md").write_text(md, encoding="utf-8")
    page = folder / "report.html"
    page.write_text(to_html(md, figs), encoding="utf-8")
    return page


if __name__ == "__main__":
    print(write_report(sys.argv[1]))
