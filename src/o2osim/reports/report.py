"""A run's report: ``report.md``, a self-contained ``report.html`` and PNG figures.

Reads only the files of a run folder (``metrics.json``, ``daily.csv``, ``stores.csv``,
Hydra's ``.hydra/`` record), so a report can be rebuilt for any finished run:
``python -m o2osim.reports.report DIR``. What it contains: docs/report.md.

The report is first built as a list of blocks (headings, paragraphs, tables, figures)
whose text keeps what came from a configuration or a folder name apart from the
report's own words; the Markdown and the HTML are two renderings of the same blocks.
Every string is escaped for its format (HTML: :func:`html.escape`; Markdown: backslash
escapes and code spans), so a plan named ``<script>...`` shows as text. The page has
no script of its own and fetches nothing: the figures are embedded as base64 PNGs.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from o2osim.reports.figures_common import plain_text, save_figure  # noqa: E402
from o2osim.reports.scorecard import format_value  # noqa: E402

PHASE_COLOURS = {"planning": "#eeeeee", "execution": "#e3f0fb", "optimisation": "#fdf1dc"}
COLOURS = {"online": "#3b7dd8", "offline": "#2a9d8f", "both": "#8e6bbf",
           "other": "#b0b0b0", "review": "#e9a23b", "spend": "#999999"}
"""Online blue, offline (store) green, both channels purple, not split grey."""

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
    """The levers of a missed target that the plan has not pulled yet, with their values
    (``plan.x`` settings in backticks)."""
    parts = []
    for setting, text, pulled in LEVERS.get(kpi, []):
        value = _plan_value(plan, setting) if plan else None
        if plan and pulled is not None and value is not None and pulled(value):
            continue  # already pulled
        shown = f" (now {value})" if value is not None and not isinstance(value, dict) else ""
        parts.append(f"`plan.{setting}`{shown}: {text}")
    return "; ".join(parts) if parts else "every lever behind it is already pulled"


# --------------------------------------------------------------------------- blocks


class Code(str):
    """Inline text shown verbatim (a setting, a value from a config, a folder)."""


class Strong(str):
    """Inline text in bold."""


Inline = str | Sequence[str]
"""A run of text: a plain ``str`` (text), or a sequence of ``str`` / :class:`Code` /
:class:`Strong` pieces."""


@dataclass
class Heading:
    level: int
    text: Inline
    anchor: str = ""


@dataclass
class Para:
    text: Inline
    caption: bool = False


@dataclass
class Table:
    header: list[str]
    rows: list[list[Inline]]
    anchor: str = ""


@dataclass
class Bullets:
    items: list[Inline]


@dataclass
class Figure:
    path: Path
    alt: str


Block = Heading | Para | Table | Bullets | Figure


def _pieces(text: Inline) -> list[str]:
    return [text] if isinstance(text, str) else list(text)


def _with_code(text: str) -> list[str]:
    """Our own text with `backtick` spans (as :func:`advice` writes) as pieces."""
    return [Code(p[1:-1]) if p.startswith("`") and p.endswith("`") and len(p) > 1 else p
            for p in re.split(r"(`[^`]*`)", text) if p]


_MD_SPECIAL = re.compile(r"([\\`*\[\]<&])|(?<!\w)_|_(?!\w)|^[#>+-]")
_MD_SPECIAL_IN_TABLE = re.compile(r"([\\`*\[\]<&|])|(?<!\w)_|_(?!\w)")
"""Markdown syntax in plain text: always ``\\ ` * [ ] < &``; ``_`` at a word's edge; a
block marker at the start (in a table cell: ``|`` instead). Escaped with a backslash
(CommonMark), so text from a config never becomes markup or raw HTML."""


def _one_line(text: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", text)


def _md_escape(text: str, in_table: bool = False) -> str:
    pattern = _MD_SPECIAL_IN_TABLE if in_table else _MD_SPECIAL
    return pattern.sub(lambda m: "\\" + m.group(0), _one_line(text))


def _md_inline(text: Inline, in_table: bool = False) -> str:
    out = []
    for piece in _pieces(text):
        if isinstance(piece, Code):
            run = max((len(m) for m in re.findall(r"`+", piece)), default=0) + 1
            body = piece.replace("|", r"\|") if in_table else piece
            pad = " " if piece.startswith("`") or piece.endswith("`") or not piece else ""
            out.append("`" * run + pad + _one_line(body) + pad + "`" * run)
        elif isinstance(piece, Strong):
            out.append("**" + _md_escape(piece, in_table) + "**")
        else:
            out.append(_md_escape(piece, in_table))
    return "".join(out)


def _html_inline(text: Inline) -> str:
    out = []
    for piece in _pieces(text):
        escaped = html.escape(str(piece), quote=True)
        if isinstance(piece, Code):
            out.append(f"<code>{escaped}</code>")
        elif isinstance(piece, Strong):
            out.append(f"<strong>{escaped}</strong>")
        else:
            out.append(escaped)
    return "".join(out)


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown (figures linked by file name)."""
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + _md_inline(b.text), ""]
        elif isinstance(b, Para):
            text = _md_inline(b.text)
            lines += [f"*{text}*" if b.caption else text, ""]
        elif isinstance(b, Table):
            lines.append("| " + " | ".join(_md_inline(h, True) for h in b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            lines += ["| " + " | ".join(_md_inline(c, True) for c in row) + " |"
                      for row in b.rows]
            lines.append("")
        elif isinstance(b, Bullets):
            lines += [f"* {_md_inline(item)}" for item in b.items] + [""]
        elif isinstance(b, Figure):
            lines += [f"![{_md_inline(b.alt)}]({b.path.name})", ""]
    return "\n".join(lines).rstrip() + "\n"


STYLE = ("body{font-family:sans-serif;max-width:62em;margin:2em auto;padding:0 1em;"
         "color:#222;line-height:1.4}"
         "table{border-collapse:collapse;margin:.5em 0 1em}"
         "th,td{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;"
         "vertical-align:top}th{background:#f4f4f4}"
         "td.num{text-align:right;white-space:nowrap}td.short{white-space:nowrap}"
         "img{max-width:100%}"
         "p.caption{color:#555;font-size:.92em;margin-top:0}"
         "code{background:#f4f4f4;padding:0 .2em}")


def render_html(blocks: Sequence[Block], title: str = "o2osim report") -> str:
    """The blocks as one self-contained page (figures embedded, no script, no fetch)."""
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{_html_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = ' class="caption"' if b.caption else ""
            body.append(f"<p{cls}>{_html_inline(b.text)}</p>")
        elif isinstance(b, Table):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            head = "".join(f"<th>{_html_inline(h)}</th>" for h in b.header)
            rows = "".join(
                "<tr>" + "".join(f"<td{_num_class(c)}>{_html_inline(c)}</td>" for c in row)
                + "</tr>\n" for row in b.rows)
            body.append(f"<table{anchor}><thead><tr>{head}</tr></thead>\n<tbody>\n{rows}"
                        "</tbody></table>")
        elif isinstance(b, Bullets):
            body.append("<ul>\n" + "".join(f"<li>{_html_inline(i)}</li>\n" for i in b.items)
                        + "</ul>")
        elif isinstance(b, Figure):
            data = base64.b64encode(b.path.read_bytes()).decode("ascii")
            body.append(f'<p><img alt="{html.escape(b.alt, quote=True)}" '
                        f'src="data:image/png;base64,{data}"></p>')
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _num_class(cell: Inline) -> str:
    """Numbers right-aligned; short cells (a rule, a value) kept on one line."""
    text = "".join(_pieces(cell)).strip()
    if re.fullmatch(r"[-\d,. %]+", text):
        return ' class="num"'
    return ' class="short"' if len(text) <= 14 else ""


# --------------------------------------------------------------------------- numbers


def _n(value: Any) -> str:
    """A count or an amount for people: thousands separated, no decimals."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(v):
        return "n/a"
    if abs(v) < 100 and not v.is_integer():  # a mean over replications
        return f"{v:,.1f}"
    return f"{v:,.0f}"


def _pct(num: float, den: float) -> str:
    return f"{100 * num / den:.1f} %" if den > 0 else "n/a"


def _ratio(num: float, den: float) -> str:
    return f"{num / den:.2f}" if den > 0 else "n/a"


def _get(k: dict[str, Any], name: str) -> float:
    value = k.get(name, 0.0)
    return float(value) if isinstance(value, int | float) else 0.0


# --------------------------------------------------------------------------- figures


def _shade_phases(ax: Any, daily: pd.DataFrame) -> None:
    for phase, colour in PHASE_COLOURS.items():
        days = daily.loc[daily["phase"] == phase, "day"]
        if len(days):
            ax.axvspan(days.min() - 0.5, days.max() + 0.5, color=colour, zorder=0,
                       label=f"{phase} phase")


@dataclass
class FunnelStage:
    """One stage of the split funnel: its label and (segment label, colour key, count)."""

    label: str
    total: float
    segments: list[tuple[str, str, float]]


def funnel_stages(k: dict[str, Any]) -> list[FunnelStage]:
    """exposed → aware → visited a store → purchased → purchased again, split by channel.

    Segments (simulated consumers): exposed and aware via an online channel / via
    offline channels only / (aware) by word of mouth only; store visitors reached online
    before / not; purchasers online only / in both / in store only. Repurchasers are not
    split (their repeat orders are, in the table).
    """
    purchasers = _get(k, "purchasers")
    p_on, p_off = _get(k, "purchasers_online"), _get(k, "purchasers_offline")
    both = max(p_on + p_off - purchasers, 0.0)
    visitors, after_online = _get(k, "store_visitors"), _get(k, "store_visitors_after_online")
    return [
        FunnelStage("Exposed to ads", _get(k, "exposed"), [
            ("reached online", "online", _get(k, "exposed_online")),
            ("reached offline only", "offline", _get(k, "exposed_offline_only"))]),
        FunnelStage("Aware", _get(k, "aware"), [
            ("via online channels", "online", _get(k, "exposed_online")),
            ("via offline channels only", "offline", _get(k, "exposed_offline_only")),
            ("by word of mouth only", "other", _get(k, "aware_wom_only"))]),
        FunnelStage("Visited a store", visitors, [
            ("reached online first", "both", after_online),
            ("not reached online", "offline", max(visitors - after_online, 0.0))]),
        FunnelStage("Purchased", purchasers, [
            ("online only", "online", max(p_on - both, 0.0)),
            ("online and in store", "both", both),
            ("in store only", "offline", max(p_off - both, 0.0))]),
        FunnelStage("Purchased twice or more", _get(k, "repurchasers"), [
            ("not split by channel", "other", _get(k, "repurchasers"))]),
    ]


def figure_funnel(k: dict[str, Any], path: Path) -> Path:
    stages = funnel_stages(k)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    legend_names = {"online": "online", "offline": "offline (store, events)",
                    "both": "online and store", "other": "word of mouth / not split"}
    top = max((s.total for s in stages), default=0.0) or 1.0
    for y, stage in enumerate(stages[::-1]):
        left = 0.0
        for _, colour, value in stage.segments:
            ax.barh(y, value, left=left, color=COLOURS[colour], height=0.6)
            left += value
        ax.text(left + 0.01 * top, y, f"{stage.total:,.0f}", va="center", fontsize=9)
    ax.set_yticks(range(len(stages)), [s.label for s in stages[::-1]])
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_xlabel("simulated consumers")
    ax.set_title("Funnel: who got how far, online and offline")
    legend = ax.legend(handles=_patches(legend_names), loc="upper center",
                       bbox_to_anchor=(0.5, -0.2), ncol=4, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend])


def _patches(names: dict[str, str]) -> list[Any]:
    """Legend entries (colour key -> label), drawn whether or not a bar has that colour."""
    from matplotlib.patches import Patch

    return [Patch(color=COLOURS[key], label=label) for key, label in names.items()]


def figure_daily(daily: pd.DataFrame, path: Path) -> Path:
    fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True)
    for ax in axes:
        _shade_phases(ax, daily)
    axes[0].plot(daily["day"], daily["spend_cny"] / 1e3, color="#444")
    axes[0].set_ylabel("media spend\n(thousand CNY / day)")
    axes[0].legend(loc="upper right", fontsize=7)
    axes[1].plot(daily["day"], daily["aware"], color=COLOURS["online"])
    axes[1].set_ylabel("aware consumers\n(simulated)")
    lines = axes[2].plot(daily["day"], daily["orders_online"], label="online orders",
                         color=COLOURS["online"])
    lines += axes[2].plot(daily["day"], daily["orders_offline"], label="store orders",
                          color=COLOURS["offline"])
    axes[2].set_ylabel("orders / day\n(simulated)")
    axes[2].set_xlabel("campaign day")
    axes[2].legend(handles=lines, loc="upper left", fontsize=8)
    fig.suptitle("The campaign day by day")
    return save_figure(fig, path)


def figure_channels(channels: dict[str, dict[str, Any]], path: Path) -> Path:
    names = list(channels)
    spend = [float(channels[c].get("spend_cny", 0.0)) / 1e6 for c in names]
    revenue = [float(channels[c].get("attributed_revenue_cny", 0.0)) / 1e6 for c in names]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    x = range(len(names))
    ax.bar([i - 0.2 for i in x], spend, width=0.4, label="spend", color=COLOURS["spend"])
    ax.bar([i + 0.2 for i in x], revenue, width=0.4, label="measured revenue",
           color=COLOURS["online"])
    for i, (s, r) in enumerate(zip(spend, revenue, strict=True)):
        ax.text(i + 0.2, r, f"ROI {r / s:.2f}" if s > 0 else "", ha="center", va="bottom",
                fontsize=7)
    ax.set_xticks(list(x), [plain_text(n) for n in names], rotation=20, ha="right")
    ax.set_xlabel("channel")
    ax.set_ylabel("million CNY (whole market)")
    ax.set_title("Spend and the revenue measurement can trace, by channel")
    ax.legend()
    return save_figure(fig, path)


def figure_coupons(k: dict[str, Any], path: Path) -> Path:
    steps = ["offered", "claimed", "redeemed"]
    series = [
        ("online", "online", [_get(k, "coupons_offered_online"),
                              _get(k, "coupons_claimed_online"),
                              _get(k, "coupons_redeemed_online")]),
        ("offline (events, store QR; redeemed in store)", "offline",
         [_get(k, "coupons_offered_offline"), _get(k, "coupons_claimed_offline"),
          _get(k, "coupons_redeemed_offline")]),
        ("review reward (claimed without an offer)", "review",
         [0.0, _get(k, "coupons_claimed_review"), 0.0]),
    ]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.27
    top = max((v for _, _, vs in series for v in vs), default=0.0)
    log = top > 0
    for j, (_, colour, values) in enumerate(series):
        xs = [i + (j - 1) * width for i in range(len(steps))]
        drawn = [(xp, v) for xp, v in zip(xs, values, strict=True) if v > 0]  # none at 0
        ax.bar([xp for xp, _ in drawn], [v for _, v in drawn], width=width,
               color=COLOURS[colour])
        for xpos, v, step in zip(xs, values, steps, strict=True):
            if colour == "review" and step != "claimed":
                continue  # a review reward is claimed without an offer and used anywhere
            ax.text(xpos, max(v, 1.0) if log else v, f"{v:,.0f}", ha="center", va="bottom",
                    fontsize=7)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(0.8, top * 4)
        ax.set_ylabel("coupons (simulated, log scale)")
    else:
        ax.set_ylabel("coupons (simulated)")
    ax.set_xticks(range(len(steps)), ["offered", "claimed", "redeemed"])
    ax.set_xlabel("coupon step")
    ax.set_title("Coupon funnel, online and offline")
    legend = ax.legend(handles=_patches({colour: label for label, colour, _ in series}),
                       loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8,
                       frameon=False)
    return save_figure(fig, path, outside=[legend])


def figure_satisfaction(drivers: dict[str, Any], path: Path) -> Path:
    items = sorted(drivers.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh([plain_text(n.replace("_", " ")) for n, _ in items], [v for _, v in items],
            color="#c0392b")
    ax.set_xlabel("dissatisfied experiences where this went wrong (simulated)")
    ax.set_ylabel("what went wrong")
    ax.set_title("What cost satisfaction")
    return save_figure(fig, path)


def figure_stores(stores: pd.DataFrame, daily: pd.DataFrame, path: Path) -> Path:
    by_day = stores.groupby("day").agg(walked=("balked", "sum"), reneged=("reneged", "sum"),
                                       p95=("p95_wait_min", "max"))
    fig, ax = plt.subplots(figsize=(8, 3.4))
    _shade_phases(ax, daily)
    ax.plot(by_day.index, by_day["p95"], color="#8e44ad",
            label="worst store's 95th-percentile wait")
    ax.set_ylabel("wait (minutes)")
    ax.set_xlabel("campaign day")
    ax2 = ax.twinx()
    ax2.bar(by_day.index, by_day["walked"] + by_day["reneged"], color="#c0392b",
            alpha=0.4, label="walk-outs")
    ax2.set_ylabel("walk-outs / day (real customers)")
    ax.set_title("Store queues")
    handles = ax.get_legend_handles_labels()[0][-1:] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    return save_figure(fig, path)


FIGURE_FILES = {"funnel": "funnel.png", "channels": "channels.png", "coupons": "coupons.png",
                "daily": "daily.png", "satisfaction": "satisfaction.png",
                "stores": "stores.png"}


def figures(folder: Path, metrics: dict[str, Any], daily: pd.DataFrame,
            stores: pd.DataFrame | None) -> dict[str, Path]:
    """Write the PNG figures; return them by name."""
    k = metrics["kpis"]
    out: dict[str, Path] = {}
    makers: list[tuple[str, Callable[[Path], Path] | None]] = [
        ("funnel", lambda p: figure_funnel(k, p)),
        ("channels", (lambda p: figure_channels(metrics["channels"], p))
         if metrics.get("channels") else None),
        ("coupons", lambda p: figure_coupons(k, p)),
        ("daily", lambda p: figure_daily(daily, p)),
    ]
    drivers = metrics.get("satisfaction_drivers", {}).get("dissatisfied_with_gap", {})
    if drivers:
        makers.append(("satisfaction", lambda p: figure_satisfaction(drivers, p)))
    if stores is not None and len(stores):
        makers.append(("stores", lambda p: figure_stores(stores, daily, p)))
    for name, make in makers:
        if make is not None:
            out[name] = make(folder / FIGURE_FILES[name])
    return out


# --------------------------------------------------------------------------- the report


@dataclass
class RunInfo:
    """Where a run came from: its folder, the overrides typed, the presets' descriptions."""

    folder: str = ""
    overrides: tuple[str, ...] = ()
    market_description: str = ""
    plan_description: str = ""


def run_info(folder: Path) -> tuple[RunInfo, dict[str, Any] | None]:
    """What Hydra recorded about the run in ``folder/.hydra`` (and the plan's settings)."""
    info = RunInfo(folder="" if folder.name.startswith(".incomplete-") else str(folder))
    hydra_dir = folder / ".hydra"
    plan = None
    if not hydra_dir.is_dir():
        return info, plan
    from omegaconf import OmegaConf

    def load(name: str) -> Any:
        path = hydra_dir / name
        return OmegaConf.to_container(OmegaConf.load(path)) if path.exists() else None

    config = load("config.yaml")
    if isinstance(config, dict):
        plan = config.get("plan") if isinstance(config.get("plan"), dict) else None
        market = config.get("market") if isinstance(config.get("market"), dict) else {}
        info.market_description = str(market.get("description") or "")
        info.plan_description = str((plan or {}).get("description") or "")
    overrides = load("overrides.yaml")
    if isinstance(overrides, list):
        info.overrides = tuple(str(o) for o in overrides)
    hydra_cfg = load("hydra.yaml")
    runtime = (hydra_cfg or {}).get("hydra", {}).get("runtime", {}) if isinstance(
        hydra_cfg, dict) else {}
    output_dir = str(runtime.get("output_dir") or "")
    if output_dir:
        cwd = str(runtime.get("cwd") or "")
        try:
            output_dir = str(Path(output_dir).relative_to(cwd)) if cwd else output_dir
        except ValueError:
            pass
        info.folder = output_dir
    return info, plan


def report_blocks(metrics: dict[str, Any], figs: dict[str, Path],
                  plan: dict[str, Any] | None = None,
                  info: RunInfo | None = None) -> list[Block]:
    """The whole report as blocks (see the module docstring)."""
    info = info or RunInfo()
    k = metrics["kpis"]
    reps = int(metrics.get("replications", 1) or 1)
    mean_note = f" Means over the {reps} replications." if reps > 1 else ""
    rep0_note = (f" Replication 0 of {reps} (seed {metrics.get('seed')})." if reps > 1
                 else "")
    blocks: list[Block] = [
        Heading(1, ["o2osim report — ", Code(str(metrics.get("market", "?"))), " × ",
                    Code(str(metrics.get("plan", "?")))]),
        Para(f"Seed {metrics.get('seed')}, {metrics.get('population', 0):,} simulated "
             f"consumers, {metrics.get('days', 0)} days"
             + (f", {reps} replications" if reps > 1 else "") + "."),
    ]
    facts: list[Inline] = []
    if info.folder:
        facts.append(["Run folder: ", Code(info.folder)])
    if info.overrides:
        pieces: list[str] = ["Settings changed on the command line: "]
        for i, o in enumerate(info.overrides):
            pieces += ([", "] if i else []) + [Code(o)]
        facts.append(pieces)
    elif info.folder:
        facts.append("Settings changed on the command line: none (the presets as they are).")
    if info.market_description:
        facts.append(["Market: ", info.market_description])
    if info.plan_description:
        facts.append(["Plan: ", info.plan_description])
    if facts:
        blocks.append(Bullets(facts))

    # Scorecard
    blocks.append(Heading(2, "Scorecard", "scorecard"))
    rows: list[list[Inline]] = []
    missed = []
    for name, t in metrics.get("targets", {}).items():
        result: list[str] = [Strong("met") if t["met"] else Strong("MISSED")]
        if "probability" in t and reps > 1:
            lo, hi = t["interval_90"]
            text = (f" (met in {100 * t['probability']:.0f} % of replications; 90 % of "
                    f"replications {format_value(t['kpi'], lo)} – "
                    f"{format_value(t['kpi'], hi)}")
            ci = metrics.get("kpi_stats", {}).get(t["kpi"], {}).get("mean_ci90")
            if ci:
                text += (f"; mean {format_value(t['kpi'], ci[0])} – "
                         f"{format_value(t['kpi'], ci[1])} with 90 % confidence")
            result.append(text + ")")
        rows.append([str(t.get("label") or name), Code(str(t["kpi"])),
                     f"{t['op']} {format_value(t['kpi'], t['threshold'])}",
                     format_value(t["kpi"], t["value"]), result])
        if not t["met"]:
            missed.append(t)
    blocks.append(Table(["target", "KPI", "rule", "value", "result"], rows, "scorecard-table"))
    note: Inline = ("Each target is judged on the KPI's mean over the replications. \"Met in "
                    "x % of replications\" is the chance that one run of the plan meets it; "
                    "\"90 % of replications\" is where one run lands 9 times in 10 (it does "
                    "not shrink with more replications); the mean's 90 % confidence "
                    "interval is how precisely the replications pin the mean down (it "
                    "narrows as replications are added)." if reps > 1 else
            ["One run: the values carry random noise; run with ", Code("sim.replications=20"),
             " for 90 % intervals and the chance of meeting each target."])
    blocks.append(Para(note, caption=True))
    blocks.append(Para(f"Revenue {_n(k.get('revenue_cny'))} CNY for a total cost of "
                       f"{_n(k.get('total_cost_cny'))} CNY (media {_n(k.get('spend_cny'))}, "
                       f"coupons {_n(k.get('coupon_subsidy_cny'))})."))

    blocks.append(Heading(2, "What to change", "what-to-change"))
    if not missed:
        blocks.append(Para("Every target is met."))
    else:
        blocks.append(Bullets([
            [Strong(str(t.get("label") or t["kpi"])),
             f" ({format_value(t['kpi'], t['value'])}, needs {t['op']} "
             f"{format_value(t['kpi'], t['threshold'])}): ",
             *_with_code(advice(t["kpi"], plan)), "."] for t in missed]))

    blocks += _funnel_section(k, figs, mean_note)
    blocks += _channel_section(metrics, figs, mean_note)
    blocks += _coupon_section(k, figs, mean_note)

    captions = {
        "daily": ("Day by day", "Media spend per day (thousand CNY, whole market), consumers "
                  "aware of the campaign that day and orders per day online and in store "
                  "(simulated), over the campaign's planning, execution and optimisation "
                  "phases (shaded)." + rep0_note),
        "satisfaction": ("Satisfaction and what drove it", "Each bar counts the dissatisfied "
                         "customer experiences (store visits and online orders, simulated) "
                         "in which this went wrong; one experience can have several causes."
                         + rep0_note),
        "stores": ("Store queues", "The longest queues of the day: the 95th-percentile wait "
                   "(minutes) of the worst store, and the real customers who walked out "
                   "because of the queue (balked or gave up waiting)." + rep0_note),
    }
    for name, (title, caption) in captions.items():
        if name in figs:
            blocks += [Heading(2, title, name), Figure(figs[name], title),
                       Para(caption, caption=True)]
    blocks.append(Para("Definitions of every number: docs/kpis.md; what this report "
                       "contains: docs/report.md."))
    return blocks


def _funnel_section(k: dict[str, Any], figs: dict[str, Path], mean_note: str) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Funnel, online and offline", "funnel")]
    if "funnel" in figs:
        blocks.append(Figure(figs["funnel"], "Funnel, online and offline"))
    blocks.append(Para(
        "How far the simulated consumers got, from seeing an ad to buying again. Each bar "
        "is split by where it happened: online (blue), offline — in a store or at an "
        "offline event (green), both (purple). Everyone who notices an ad becomes aware, "
        "so the aware are the exposed plus those who heard of the campaign only by word "
        "of mouth. Counts are simulated consumers (not real people)." + mean_note,
        caption=True))
    pop, aware = _get(k, "population"), _get(k, "aware")
    purchasers = _get(k, "purchasers")
    p_on, p_off = _get(k, "purchasers_online"), _get(k, "purchasers_offline")
    visitors = _get(k, "store_visitors")
    rows: list[list[Inline]] = [
        ["Exposed to ads", _n(k.get("exposed")), _pct(_get(k, "exposed"), pop) + " of everyone",
         f"{_n(k.get('exposed_online'))} reached by an online channel",
         f"{_n(k.get('exposed_offline_only'))} reached by offline channels only", "—"],
        ["Aware of the campaign", _n(aware), _pct(aware, pop) + " of everyone",
         f"{_n(k.get('exposed_online'))} via online channels",
         f"{_n(k.get('exposed_offline_only'))} via offline channels only",
         f"{_n(k.get('aware_wom_only'))} by word of mouth only"],
        ["Visited a store", _n(visitors), _pct(visitors, aware) + " of the aware",
         f"{_n(k.get('store_visitors_after_online'))} of them after being reached online "
         f"({_pct(_get(k, 'store_visitors_after_online'), _get(k, 'exposed_online'))} of "
         "those reached online)",
         f"{_n(visitors)} (a visit is always in a store)",
         f"{_n(k.get('store_visits'))} visits in all"],
        ["Purchased", _n(purchasers),
         _pct(purchasers, aware) + " of the aware (full-channel conversion)",
         f"{_n(p_on)} bought online ({_n(k.get('orders_online'))} orders)",
         f"{_n(p_off)} bought in store ({_n(k.get('orders_offline'))} orders)",
         f"{_n(max(p_on + p_off - purchasers, 0.0))} bought in both"],
        ["Purchased twice or more", _n(k.get("repurchasers")),
         _pct(_get(k, "repurchasers"), purchasers) + " of purchasers (repurchase rate)",
         f"{_n(k.get('repeat_orders_online'))} repeat orders online",
         f"{_n(k.get('repeat_orders_offline'))} repeat orders in store", "—"],
    ]
    blocks.append(Table(["stage", "consumers (simulated)", "share", "online", "offline (store)",
                         "both / other"], rows, "funnel-table"))
    return blocks


def _channel_section(metrics: dict[str, Any], figs: dict[str, Path],
                     mean_note: str) -> list[Block]:
    k = metrics["kpis"]
    channels: dict[str, dict[str, Any]] = metrics.get("channels") or {}
    blocks: list[Block] = [Heading(2, "Spend, revenue and ROI by channel", "channels")]
    if "channels" in figs:
        blocks.append(Figure(figs["channels"], "Spend and measured revenue by channel"))
    blocks.append(Para(
        "Money is in CNY for the whole real market; ROI is revenue per CNY spent (a ratio). "
        "A channel's revenue is what the measurement system can trace to it: the last "
        "channel a buyer saw, for every online order but for store orders only when the "
        "customer has a unified ID. That is what the plan's budget reallocation sees, not "
        "the channel's true contribution; revenue it cannot trace is listed on its own. "
        "Budgets are the plan's; when the plan reallocates its contingency reserve in the "
        "optimisation phase, a channel with a good measured ROI can spend more than its own "
        "budget (never more than the total). "
        "The campaign's ROI divides all revenue by all costs, coupons and integration "
        "included." + mean_note, caption=True))
    rows: list[list[Inline]] = []
    traced = 0.0
    for name, c in channels.items():
        spend = float(c.get("spend_cny", 0.0))
        revenue = float(c.get("attributed_revenue_cny", 0.0))
        traced += revenue
        rows.append([Code(name), str(c.get("kind", "")), _n(c.get("budget_cny")), _n(spend),
                     _n(revenue), _ratio(revenue, spend)])
    revenue_all, spend_all = _get(k, "revenue_cny"), _get(k, "spend_cny")
    subsidy, total = _get(k, "coupon_subsidy_cny"), _get(k, "total_cost_cny")
    rows += [
        ["media, all channels", "", _n(k.get("budget_cny")), _n(spend_all), _n(traced),
         _ratio(traced, spend_all)],
        ["revenue not traced to a channel", "", "", "", _n(max(revenue_all - traced, 0.0)),
         ""],
        ["coupon subsidies", "", "", _n(subsidy), "", ""],
        ["integration cost (plan)", "", "", _n(max(total - spend_all - subsidy, 0.0)), "",
         ""],
        [Strong("campaign"), "", "", _n(total), _n(revenue_all), _ratio(revenue_all, total)],
    ]
    blocks.append(Table(["channel", "kind", "budget (CNY)", "spend / cost (CNY)",
                         "revenue (CNY)", "ROI (revenue / spend)"], rows, "channel-table"))
    return blocks


def _coupon_section(k: dict[str, Any], figs: dict[str, Path], mean_note: str) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Coupons", "coupons")]
    if "coupons" in figs:
        blocks.append(Figure(figs["coupons"], "Coupon funnel, online and offline"))
    blocks.append(Para(
        "Coupon offers people saw, coupons they claimed and coupons they used, counted in "
        "simulated coupons (log scale in the chart: each gridline is ten times the one "
        "below). Offers and claims are split by where the coupon was picked up: online "
        "(an online channel's ad), offline (an offline event or the QR code in a store), "
        "or as a reward for posting a review. Redemptions are split by where the coupon "
        "was used — a coupon claimed online can be used in a store when the plan allows "
        "it." + mean_note, caption=True))
    offered, claimed = _get(k, "coupons_offered"), _get(k, "coupons_claimed")
    redeemed = _get(k, "coupons_redeemed")
    rows: list[list[Inline]] = [
        ["offered", _n(k.get("coupons_offered_online")), _n(k.get("coupons_offered_offline")),
         "—", _n(offered), ""],
        ["claimed", _n(k.get("coupons_claimed_online")), _n(k.get("coupons_claimed_offline")),
         _n(k.get("coupons_claimed_review")), _n(claimed),
         f"{_pct(claimed - _get(k, 'coupons_claimed_review'), offered)} of offers"],
        ["redeemed", _n(k.get("coupons_redeemed_online")),
         _n(k.get("coupons_redeemed_offline")), "—", _n(redeemed),
         f"{_pct(redeemed, claimed)} of claimed"],
    ]
    blocks.append(Table(["step", "online", "offline (store)", "review reward", "total",
                         "rate"], rows, "coupon-table"))
    blocks.append(Para(
        f"{format_value('steps_to_redeem', k.get('steps_to_redeem'))} steps to redeem an "
        "online coupon in store; coupon checks failed at the till: "
        f"{format_value('x_rate', k.get('coupon_check_failure_rate', 0.0))}; coupon "
        f"subsidies {_n(k.get('coupon_subsidy_cny'))} CNY."))
    return blocks


def markdown(metrics: dict[str, Any], figs: dict[str, Path],
             plan: dict[str, Any] | None = None, info: RunInfo | None = None) -> str:
    """The report as Markdown (figures linked by file name)."""
    return render_markdown(report_blocks(metrics, figs, plan, info))


def write_report(folder: str | Path) -> Path:
    """Build the report of a finished run folder; returns the HTML file."""
    folder = Path(folder)
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    daily = pd.read_csv(folder / "daily.csv")
    stores_path = folder / "stores.csv"
    stores = pd.read_csv(stores_path) if stores_path.exists() else None
    figs = figures(folder, metrics, daily, stores)
    info, plan = run_info(folder)
    blocks = report_blocks(metrics, figs, plan, info)
    (folder / "report.md").write_text(render_markdown(blocks), encoding="utf-8")
    page = folder / "report.html"
    title = f"o2osim report — {metrics.get('market', '?')} × {metrics.get('plan', '?')}"
    page.write_text(render_html(blocks, title), encoding="utf-8")
    return page


if __name__ == "__main__":
    print(write_report(sys.argv[1]))
