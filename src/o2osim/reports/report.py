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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from o2osim.reports.figures_common import plain_text, save_figure  # noqa: E402
from o2osim.reports.scorecard import (  # noqa: E402
    few_replications_warning,
    format_value,
    replications_of,
)

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
        ("operations.weekend_staff_multiplier", "staff the weekend peaks", None),
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



@dataclass(frozen=True)
class Cause:
    """An experience-gap cause (``satisfaction_drivers`` keys) in plain words, with the
    plan levers that remove it (docs/model.md, "What the integration levers do") and
    where it can happen (a store visit only, or an online order too)."""

    label: str
    levers: tuple[Lever, ...]
    store_only: bool = True
    short: str = ""  # the chart's label


STAFFING: tuple[Lever, ...] = (
    ("operations.staff_multiplier", "add staff at every station (shorter queues)", None),
    ("operations.weekend_staff_multiplier", "add staff on Saturdays and Sundays", None),
    ("operations.booking_share", "take more visits by online booking (no queue for them)",
     None),
)

CAUSES: dict[str, Cause] = {
    "walked_out": Cause("walk-outs from the queue", STAFFING, short="walked out of the queue"),
    "long_wait": Cause("waits longer than customers accept", STAFFING, short="waited too long"),
    "coupon_refused": Cause("coupons not accepted (not usable there, or the till check failed)", (
        ("integration.pos_coupon_integrated", "let the till scan online coupons",
         lambda v: v is True),
        ("coupon.redeem_where", "set it to both: online coupons usable in store",
         lambda v: v == "both")), store_only=False, short="coupon not accepted"),
    "over_promise": Cause("over-promise: the campaign promised more than the visit delivered", (
        ("promise_level", "promise what the stores deliver", None),), store_only=False,
        short="over-promise"),
    "price_mismatch": Cause("store prices above online prices", (
        ("integration.price_parity", "keep online and store prices equal",
         lambda v: v is True),), short="store price above online"),
    "promo_missing": Cause("online promotion not running in the store", (
        ("integration.calendar_lag_weeks", "set it to 0: run the store promotion with the "
         "online one", lambda v: v == 0),), short="promotion missing in store"),
    "staff_unbriefed": Cause("store staff not briefed on the campaign", (
        ("integration.staff_briefed", "brief store staff on the campaign rules",
         lambda v: v is True),), short="staff not briefed"),
    "reregistration": Cause("re-registering as a store member", (
        ("integration.unified_membership", "one membership: no re-registration in store",
         lambda v: v is True),), short="re-registering as member"),
    "benefit_not_recognised": Cause("member benefits not recognised", (
        ("integration.unified_membership", "one membership across channels",
         lambda v: v is True),
        ("integration.unified_id_share", "raise it: more members recognised in both channels",
         lambda v: v >= 0.9)), store_only=False, short="member benefits not recognised"),
    "stockout": Cause("stock-outs", (), short="out of stock"),
}
"""Every cause ``o2osim.journey.shop`` records, with the levers behind it."""

NO_PLAN_LEVER = "no plan lever: stock is the market's (`market.stores.stockout_prob`)"


def cause_label(cause: str) -> str:
    """A cause in plain words (unknown causes: their key with spaces)."""
    return CAUSES[cause].label if cause in CAUSES else cause.replace("_", " ")


def cause_where(cause: str) -> str:
    """What a cause's experiences are: store visits, or store visits and online orders."""
    known = CAUSES.get(cause)
    return "store visits" if known and known.store_only else "visits or online orders"


def format_setting(setting: str, value: Any) -> str | None:
    """A plan setting's value for people: ``3,000,000 CNY``, ``30 %``, ``×1.00``, ``0.72``,
    ``on`` / ``off``, ``1 week``; None for a section (a dict) or nothing."""
    name = setting.rsplit(".", 1)[-1]
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return value
    if not isinstance(value, int | float) or not math.isfinite(value):
        return str(value)
    if name.endswith("_cny"):
        return f"{value:,.0f} CNY"
    if name.endswith("_share"):
        return f"{100 * value:.0f} %"
    if name.endswith("_multiplier"):
        return f"×{value:.2f}"
    if name.endswith("_weeks"):
        return f"{value:.0f} week" + ("" if value == 1 else "s")
    if float(value).is_integer() and not name.endswith("_level"):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _plan_value(plan: dict[str, Any], dotted: str) -> Any:
    node: Any = plan
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _lever_texts(levers: Sequence[Lever], plan: dict[str, Any] | None,
                 reality_level: float | None = None) -> list[str]:
    """``plan.x`` (now value): advice — for the levers not pulled yet (all without a plan).

    The promise is pulled when it does not exceed what stores deliver (``reality_level``,
    the market's): expectation-disconfirmation (Oliver 1980) has no shortfall then.
    """
    parts = []
    for setting, text, pulled in levers:
        value = _plan_value(plan, setting) if plan else None
        if plan and pulled is not None and value is not None and pulled(value):
            continue  # already pulled
        if (setting == "promise_level" and isinstance(value, int | float)
                and reality_level is not None and value <= reality_level + 1e-9):
            continue  # promises no more than the stores deliver
        shown = format_setting(setting, value)
        parts.append(f"`plan.{setting}`" + (f" (now {shown})" if shown else "") + f": {text}")
    return parts


def advice(kpi: str, plan: dict[str, Any] | None,
           drivers: dict[str, Any] | None = None, reality_level: float | None = None) -> str:
    """The levers of a missed target that the plan has not pulled yet, with their values
    formatted with units (``plan.x`` settings in backticks).

    For satisfaction with the run's ``satisfaction_drivers``, the levers come from the
    causes that cost satisfied customers, biggest first (:func:`satisfaction_levers`).
    """
    if kpi == "satisfaction_rate" and drivers and drivers.get("satisfied_lost_to_gap"):
        ranked = satisfaction_levers(drivers, plan, reality_level)
        if ranked:
            return "; ".join(f"{r.label} cost {_n(r.lost)} satisfied experiences — "
                             + (" / ".join(r.levers) if r.levers else "every lever behind "
                                "it is already pulled") for r in ranked)
    parts = _lever_texts(LEVERS.get(kpi, []), plan, reality_level)
    return "; ".join(parts) if parts else "every lever behind it is already pulled"


@dataclass
class RankedCause:
    """A cause that cost satisfied experiences, and the levers (texts) that remove it."""

    cause: str
    label: str
    lost: float
    co_occurred: float
    levers: list[str]


def satisfaction_levers(drivers: dict[str, Any], plan: dict[str, Any] | None,
                        reality_level: float | None = None) -> list[RankedCause]:
    """The causes that cost satisfied experiences (``satisfied_lost_to_gap`` > 0), the
    biggest first, each with its plan levers not pulled yet and their current values.

    A cause's count is the experiences that one cause alone turned from satisfied into
    dissatisfied (a counterfactual on the same draws, :mod:`o2osim.journey`), so the
    ranking says which fix wins back most customers. Staffing levers are never
    "pulled": more staff shortens queues further.
    """
    lost = drivers.get("satisfied_lost_to_gap") or {}
    co = drivers.get("dissatisfied_with_gap") or {}
    out = []
    for cause, count in sorted(lost.items(), key=lambda kv: (-float(kv[1]), kv[0])):
        if not float(count) > 0:
            continue
        known = CAUSES.get(cause)
        texts = _lever_texts(known.levers, plan, reality_level) if known else []
        if known and not known.levers:
            texts = [NO_PLAN_LEVER]
        if cause == "over_promise" and reality_level is not None and texts:
            texts[0] += f" (stores deliver {reality_level:.2f}: `market.stores.reality_level`)"
        out.append(RankedCause(cause, cause_label(cause), float(count),
                               float(co.get(cause, 0.0)), texts))
    return out


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
    """A bulleted list; ``steps[i]`` (optional) is a numbered list under item ``i``."""

    items: list[Inline]
    steps: dict[int, list[Inline]] = field(default_factory=dict)


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
            # a long setting or KPI name may break after an underscore (copies unchanged)
            out.append(f"<code>{escaped.replace('_', '_<wbr>')}</code>")
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
            for i, item in enumerate(b.items):
                lines.append(f"* {_md_inline(item)}")
                lines += [f"  {n}. {_md_inline(step)}"
                          for n, step in enumerate(b.steps.get(i, []), start=1)]
            lines.append("")
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
            items = []
            for i, item in enumerate(b.items):
                steps = b.steps.get(i, [])
                sub = ("<ol>" + "".join(f"<li>{_html_inline(st)}</li>" for st in steps)
                       + "</ol>") if steps else ""
                items.append(f"<li>{_html_inline(item)}{sub}</li>\n")
            body.append("<ul>\n" + "".join(items) + "</ul>")
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
    if re.fullmatch(r"[-–\d,. %×]+(min|CNY)?", text):
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


PHASE_LABELS = {"planning": "planning phase (weeks 1-4)",
                "execution": "execution phase (weeks 5-12)",
                "optimisation": "optimisation phase (weeks 13-16)"}


def _shade_phases(ax: Any, daily: pd.DataFrame) -> list[Any]:
    """Shade the campaign phases (seed 000: 4 weeks planning, 8 execution, 4
    optimisation); returns legend entries for the phases the run reached."""
    from matplotlib.patches import Patch

    handles = []
    for phase, colour in PHASE_COLOURS.items():
        days = daily.loc[daily["phase"] == phase, "day"]
        if len(days):
            ax.axvspan(days.min() - 0.5, days.max() + 0.5, color=colour, zorder=0)
            handles.append(Patch(facecolor=colour, edgecolor="#bbbbbb",
                                 label=PHASE_LABELS[phase]))
    return handles


@dataclass
class FunnelStage:
    """One stage of the split funnel: its label and (segment label, colour key, count)."""

    label: str
    total: float
    segments: list[tuple[str, str, float]]


def funnel_stages(k: dict[str, Any]) -> list[FunnelStage]:
    """exposed → ever aware → visited a store → purchased → purchased again, split by
    channel.

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
        FunnelStage("Ever aware", _get(k, "aware"), [
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


FUNNEL_LEGEND = {
    "online": "online: reached by an online ad; bought online only",
    "offline": "offline only: offline ads or events; visited a store never reached online; "
               "bought in store only",
    "both": "online, then store: visited a store after an online ad; bought online and "
            "in store",
    "other": "word of mouth only; repurchasers (not split)",
}
"""What each colour means in the funnel, stage by stage (the purple of a store visit is
"reached online first", not "visited online and in a store")."""


def figure_funnel(k: dict[str, Any], path: Path) -> Path:
    stages = funnel_stages(k)
    fig, ax = plt.subplots(figsize=(8, 3.8))
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
    legend = ax.legend(handles=_patches(FUNNEL_LEGEND), loc="upper left",
                       bbox_to_anchor=(0.0, -0.2), ncol=1, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend])


def _patches(names: dict[str, str]) -> list[Any]:
    """Legend entries (colour key -> label), drawn whether or not a bar has that colour."""
    from matplotlib.patches import Patch

    return [Patch(color=COLOURS[key], label=label) for key, label in names.items()]


def figure_daily(daily: pd.DataFrame, path: Path, note: str = "") -> Path:
    fig, axes = plt.subplots(3, 1, figsize=(8, 7.4), sharex=True)
    phases: list[Any] = []
    for ax in axes:
        phases = _shade_phases(ax, daily)
    axes[0].plot(daily["day"], daily["spend_cny"] / 1e3, color="#444")
    axes[0].set_ylabel("media spend\n(thousand CNY / day)")
    aware = axes[1].plot(daily["day"], daily["aware"], color=COLOURS["online"],
                         label="aware that day (forgetting lowers it)")
    if "ever_aware" in daily:
        aware += axes[1].plot(daily["day"], daily["ever_aware"], color=COLOURS["online"],
                              linestyle="--", label="ever aware (the funnel's count)")
    axes[1].set_ylabel("aware consumers\n(simulated)")
    axes[1].legend(handles=aware, loc="upper left", fontsize=8)
    lines = axes[2].plot(daily["day"], daily["orders_online"], label="online orders",
                         color=COLOURS["online"])
    lines += axes[2].plot(daily["day"], daily["orders_offline"], label="store orders",
                          color=COLOURS["offline"])
    axes[2].set_ylabel("orders / day\n(simulated)")
    axes[2].set_xlabel("campaign day")
    axes[2].legend(handles=lines, loc="upper left", fontsize=8)
    title = fig.suptitle("The campaign day by day" + note, y=1.0, va="bottom")
    legend = fig.legend(handles=phases, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                        ncol=3, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend, title])  # both outside the panels


def figure_channels(channels: dict[str, dict[str, Any]], path: Path) -> Path:
    names = list(channels)
    spend = [float(channels[c].get("spend_cny", 0.0)) / 1e6 for c in names]
    revenue = [float(channels[c].get("attributed_revenue_cny", 0.0)) / 1e6 for c in names]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    x = range(len(names))
    ax.bar([i - 0.2 for i in x], spend, width=0.4, label="spend", color=COLOURS["spend"])
    ax.bar([i + 0.2 for i in x], revenue, width=0.4,
           label="measured revenue (ROI: measured revenue ÷ spend)",
           color=COLOURS["online"])
    for i, (s, r) in enumerate(zip(spend, revenue, strict=True)):
        ax.text(i + 0.2 if s > 0 else i, r if s > 0 else 0.0,
                f"ROI {r / s:.2f}" if s > 0 else "not funded", ha="center",
                va="bottom", fontsize=7)
    ax.set_xticks(list(x), [plain_text(n) for n in names], rotation=20, ha="right")
    ax.set_xlabel("channel")
    ax.set_ylabel("million CNY (whole market)")
    ax.set_ylim(0, max([*spend, *revenue, 0.0]) * 1.2 or 1.0)
    ax.set_title("Spend and the revenue measurement can trace, by channel")
    ax.legend()
    return save_figure(fig, path)


def figure_coupons(k: dict[str, Any], path: Path) -> Path:
    """Offered → claimed → redeemed on a linear scale, every bar labelled with its count;
    a series with no coupon at a step draws nothing there (no bar, no label)."""
    steps = ["offered", "claimed", "redeemed"]
    series = [
        ("online: offered / claimed via an online ad; redeemed in an online order",
         "online", [_get(k, "coupons_offered_online"), _get(k, "coupons_claimed_online"),
                    _get(k, "coupons_redeemed_online")]),
        ("offline: offered / claimed at an event or store QR; redeemed in a store "
         "(any coupon, also one claimed online)", "offline",
         [_get(k, "coupons_offered_offline"), _get(k, "coupons_claimed_offline"),
          _get(k, "coupons_redeemed_offline")]),
        ("review reward (claimed without an offer)", "review",
         [0.0, _get(k, "coupons_claimed_review"), 0.0]),
    ]
    shown = [s for s in series if any(v > 0 for v in s[2])]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.8 / max(len(shown), 1)
    top = max((v for _, _, vs in shown for v in vs), default=0.0) or 1.0
    for j, (_, colour, values) in enumerate(shown):
        xs = [i + (j - (len(shown) - 1) / 2) * width for i in range(len(steps))]
        for xpos, v in zip(xs, values, strict=True):
            if v <= 0:
                continue
            ax.bar(xpos, v, width=width, color=COLOURS[colour])
            ax.text(xpos, v + 0.01 * top, f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, top * 1.15)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.0f}"))
    ax.set_ylabel("coupons (simulated)")
    ax.set_xticks(range(len(steps)), steps)
    ax.set_xlabel("coupon step")
    ax.set_title("Coupon funnel, online and offline")
    legend = ax.legend(handles=_patches({colour: label for label, colour, _ in shown}),
                       loc="upper left", bbox_to_anchor=(0.0, -0.18), ncol=1, fontsize=8,
                       frameon=False)
    return save_figure(fig, path, outside=[legend])


def figure_satisfaction(drivers: dict[str, Any], path: Path, note: str = "") -> Path:
    """Satisfied experiences lost to each cause (the counterfactual count); causes that
    never happened are left out. Old runs without it: the co-occurrence counts."""
    lost = drivers.get("satisfied_lost_to_gap")
    co = drivers.get("dissatisfied_with_gap") or {}
    values = lost if lost is not None else co
    items = sorted(((c, float(v)) for c, v in values.items()
                    if float(v) > 0 or float(co.get(c, 0)) > 0), key=lambda kv: (kv[1], kv[0]))
    fig, ax = plt.subplots(figsize=(8, 1.3 + 0.36 * max(len(items), 1)))
    labels = [plain_text(CAUSES[c].short if c in CAUSES and CAUSES[c].short
                         else cause_label(c)) for c, _ in items]
    ax.barh(labels, [v for _, v in items], color="#c0392b")
    top = max((v for _, v in items), default=0.0) or 1.0
    for y, (c, v) in enumerate(items):
        ax.annotate(_n(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=8)
        if lost is not None:  # the co-occurrence count, secondary, in grey
            ax.annotate(f"(present in {_n(co.get(c, 0))} dissatisfied)", (v, y),
                        xytext=(8 + 5 * len(_n(v)), 0), textcoords="offset points",
                        va="center", fontsize=7, color="#777777")
    ax.set_xlim(0, top * (1.7 if lost is not None else 1.15))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    if lost is not None:
        ax.set_xlabel("more satisfied experiences without this cause\n"
                      "(simulated store visits and online orders)")
        ax.set_title("Satisfied customers lost to each cause" + note)
    else:
        ax.set_xlabel("dissatisfied experiences where this went wrong (simulated)")
        ax.set_title("What went wrong in dissatisfied experiences" + note)
    return save_figure(fig, path)


def figure_stores(stores: pd.DataFrame, daily: pd.DataFrame, path: Path,
                  note: str = "") -> Path:
    """Worst store's 95th-percentile wait and the walk-outs per day. The queues run on
    real customers (each simulated visitor brings ``scale`` real ones, model.py), so the
    walk-outs axis is in real customers, labelled so."""
    by_day = stores.groupby("day").agg(walked=("balked", "sum"), reneged=("reneged", "sum"),
                                       p95=("p95_wait_min", "max"))
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax2 = ax.twinx()
    phases = _shade_phases(ax2, daily)  # behind the bars; the wait line is drawn above both
    bars = ax2.bar(by_day.index, by_day["walked"] + by_day["reneged"], color="#c0392b",
                   alpha=0.4, label="walk-outs (balked or gave up), all stores "
                                    "(real customers, right axis)")
    line = ax.plot(by_day.index, by_day["p95"], color="#8e44ad",
                   label="worst store's 95th-percentile wait (minutes, left axis)")
    ax.set_zorder(ax2.get_zorder() + 1)  # the line above the bars
    ax.patch.set_visible(False)
    ax.set_ylim(0, max(float(by_day["p95"].max()), 1.0) * 1.1)  # both axes start at 0
    ax.set_ylabel("wait (minutes)")
    ax.set_xlabel("campaign day")
    ax2.set_ylabel("walk-outs / day\n(real customers)")
    ax.set_title("Store queues" + note)
    legend = ax.legend(handles=[*line, bars, *phases], loc="upper center",
                       bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend])


FIGURE_FILES = {"funnel": "funnel.png", "channels": "channels.png", "coupons": "coupons.png",
                "daily": "daily.png", "satisfaction": "satisfaction.png",
                "stores": "stores.png"}


def figures(folder: Path, metrics: dict[str, Any], daily: pd.DataFrame,
            stores: pd.DataFrame | None) -> dict[str, Path]:
    """Write the PNG figures; return them by name."""
    k = metrics["kpis"]
    reps = int(metrics.get("replications", 1) or 1)
    rep0 = f" (replication 0 of {reps})" if reps > 1 else ""
    mean = f" (mean of {reps} replications)" if reps > 1 else ""
    out: dict[str, Path] = {}
    makers: list[tuple[str, Callable[[Path], Path] | None]] = [
        ("funnel", lambda p: figure_funnel(k, p)),
        ("channels", (lambda p: figure_channels(metrics["channels"], p))
         if metrics.get("channels") else None),
        ("coupons", lambda p: figure_coupons(k, p)),
        ("daily", lambda p: figure_daily(daily, p, rep0)),
    ]
    drivers = metrics.get("satisfaction_drivers", {})
    if any(float(v) > 0 for section in ("satisfied_lost_to_gap", "dissatisfied_with_gap")
           for v in (drivers.get(section) or {}).values()):
        makers.append(("satisfaction", lambda p: figure_satisfaction(drivers, p, mean)))
    if stores is not None and len(stores):
        makers.append(("stores", lambda p: figure_stores(stores, daily, p, rep0)))
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
    store_reality_level: float | None = None  # market.stores.reality_level


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
        reality = (market.get("stores") or {}).get("reality_level")
        if isinstance(reality, int | float) and not isinstance(reality, bool):
            info.store_reality_level = float(reality)
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
    reps = replications_of(metrics)
    mean_note = f" Means over the {reps} replications." if reps > 1 else ""
    rep0_note = (f" Replication 0 of {reps} (seed {metrics.get('seed')}); the other "
                 "replications differ by their random draws." if reps > 1 else "")
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

    blocks += _scorecard_section(metrics, reps)
    blocks.append(Para(f"Revenue {_n(k.get('revenue_cny'))} CNY for a total cost of "
                       f"{_n(k.get('total_cost_cny'))} CNY (media {_n(k.get('spend_cny'))}, "
                       f"coupons {_n(k.get('coupon_subsidy_cny'))})."))
    blocks += _what_to_change_section(metrics, plan, info)
    blocks += _funnel_section(k, figs, mean_note)
    blocks += _channel_section(metrics, figs, mean_note)
    blocks += _coupon_section(k, figs, mean_note)

    if "daily" in figs:
        blocks += [Heading(2, "Day by day", "daily"), Figure(figs["daily"], "Day by day"),
                   Para("Media spend per day (thousand CNY, whole market); consumers aware "
                        "of the campaign that day (solid: awareness decays when people are "
                        "not reached again) and ever aware (dashed: the funnel's and the "
                        "conversion rate's \"aware\"); orders per day online and in store. "
                        "Counts are simulated consumers and orders. Shading: the campaign's "
                        "planning, execution and optimisation phases." + rep0_note,
                        caption=True)]
    blocks += _satisfaction_section(metrics, figs, plan, info, reps)
    blocks += _store_section(metrics, figs, reps, rep0_note)
    blocks.append(Para("Definitions of every number: docs/kpis.md; what this report "
                       "contains: docs/report.md."))
    return blocks


def _scorecard_section(metrics: dict[str, Any], reps: int) -> list[Block]:
    """The targets; with replications one column per statistic (chance met, where 90 % of
    runs land, the mean's 90 % confidence interval), then the chance of meeting them all."""
    blocks: list[Block] = [Heading(2, "Scorecard", "scorecard")]
    stats = metrics.get("kpi_stats", {})
    replicated = reps > 1
    header = ["target", "KPI", "rule", "mean" if replicated else "value", "result"]
    if replicated:
        header += ["met in (replications)", "90 % of runs between",
                   "mean, 90 % confidence"]
    rows: list[list[Inline]] = []
    for name, t in metrics.get("targets", {}).items():
        kpi = str(t["kpi"])
        row: list[Inline] = [str(t.get("label") or name), Code(kpi),
                             f"{t['op']} {format_value(kpi, t['threshold'])}",
                             format_value(kpi, t["value"]),
                             [Strong("met") if t["met"] else Strong("MISSED")]]
        if replicated:
            p = t.get("probability")
            row.append(f"{round(p * reps)} of {reps} ({100 * p:.0f} %)"
                       if isinstance(p, int | float) else "n/a")
            lo_hi = t.get("interval_90")
            row.append(f"{format_value(kpi, lo_hi[0])} – {format_value(kpi, lo_hi[1])}"
                       if lo_hi else "n/a")
            ci = stats.get(kpi, {}).get("mean_ci90")
            row.append(f"{format_value(kpi, ci[0])} – {format_value(kpi, ci[1])}"
                       if ci else "n/a")
        rows.append(row)
    blocks.append(Table(header, rows, "scorecard-table"))
    p_all = metrics.get("all_targets_probability")
    if replicated and isinstance(p_all, int | float):
        n = len(metrics.get("targets", {}))
        text = (f"All {n} targets together: met in {round(p_all * reps)} of {reps} "
                f"replications ({100 * p_all:.0f} %).")
        ci = metrics.get("all_targets_probability_ci90")
        extra = (f" With {reps} replications the true chance could be anywhere from "
                 f"{100 * ci[0]:.0f} % to {100 * ci[1]:.0f} % (90 % confidence)."
                 if isinstance(ci, list) and len(ci) == 2 else "")
        blocks.append(Para([Strong(text), extra], ))
        warning = few_replications_warning(metrics)
        if warning:
            blocks.append(Para([Strong("Caution:"), " " + warning]))
    note: Inline = (
        f"Each target is judged on the KPI's mean over the {reps} replications. \"Met in\": "
        "how many replications met it — the chance that one run of the plan does; \"90 % of "
        "runs between\": where one run lands 9 times in 10 (it does not shrink with more "
        "replications); \"mean, 90 % confidence\": how precisely the replications pin the "
        "mean down (it narrows as replications are added)." if replicated else
        ["One run: the values carry random noise; run with ", Code("sim.replications=20"),
         " for 90 % intervals and the chance of meeting each target and all of them."])
    blocks.append(Para(note, caption=True))
    return blocks


def _what_to_change_section(metrics: dict[str, Any], plan: dict[str, Any] | None,
                            info: RunInfo) -> list[Block]:
    """For each missed target its levers; for satisfaction ranked by the satisfied
    experiences each cause cost (:func:`satisfaction_levers`)."""
    blocks: list[Block] = [Heading(2, "What to change", "what-to-change")]
    missed = [t for t in metrics.get("targets", {}).values() if not t["met"]]
    if not missed:
        return [*blocks, Para("Every target is met.")]
    drivers = metrics.get("satisfaction_drivers") or {}
    items: list[Inline] = []
    steps: dict[int, list[Inline]] = {}
    for t in missed:
        head = [Strong(str(t.get("label") or t["kpi"])),
                f" ({format_value(t['kpi'], t['value'])}, needs {t['op']} "
                f"{format_value(t['kpi'], t['threshold'])}): "]
        ranked = (satisfaction_levers(drivers, plan, info.store_reality_level)
                  if t["kpi"] == "satisfaction_rate" else [])
        if ranked:
            first_with: dict[tuple[str, ...], str] = {}
            steps[len(items)] = []
            for r in ranked:
                key = tuple(r.levers)
                levers = ("every plan lever behind it is already pulled" if not r.levers
                          else f"the same levers as for {first_with[key]}" if key in first_with
                          else "; ".join(r.levers))
                first_with.setdefault(key, r.label)
                steps[len(items)].append(
                    [Strong(r.label), f": without it {_n(r.lost)} more {cause_where(r.cause)} "
                     "would have left the customer satisfied — ", *_with_code(levers), "."])
            others = [c for c, v in sorted((drivers.get("dissatisfied_with_gap") or {}).items(),
                                           key=lambda kv: (-float(kv[1]), kv[0]))
                      if float(v) > 0 and c not in {r.cause for r in ranked}]
            if others:
                steps[len(items)].append(
                    "also in dissatisfied experiences, though no one of them alone would "
                    "have tipped one: " + ", ".join(
                        f"{cause_label(c)} ({_n(drivers['dissatisfied_with_gap'][c])})"
                        for c in others) + "; their levers are in the table below.")
            items.append([*head, "fix the causes that cost most satisfied customers first "
                          "(see \"Satisfaction and what drove it\" below):"])
        else:
            items.append([*head, *_with_code(advice(t["kpi"], plan,
                                                    reality_level=info.store_reality_level)),
                          "."])
    blocks.append(Bullets(items, steps))
    return blocks


def _satisfaction_section(metrics: dict[str, Any], figs: dict[str, Path],
                          plan: dict[str, Any] | None, info: RunInfo,
                          reps: int) -> list[Block]:
    drivers = metrics.get("satisfaction_drivers") or {}
    lost = drivers.get("satisfied_lost_to_gap")
    co = drivers.get("dissatisfied_with_gap") or {}
    if "satisfaction" not in figs and not drivers:
        return []
    blocks: list[Block] = [Heading(2, "Satisfaction and what drove it", "satisfaction")]
    experiences, unhappy = _get(drivers, "experiences"), _get(drivers, "dissatisfied")
    mean = f" (means over the {reps} replications)" if reps > 1 else ""
    blocks.append(Para(f"{_n(unhappy)} of {_n(experiences)} customer experiences — store "
                       f"visits and online orders, simulated{mean} — left the customer "
                       f"dissatisfied ({_pct(unhappy, experiences)})."))
    if "satisfaction" in figs:
        blocks.append(Figure(figs["satisfaction"], "Satisfied customers lost to each cause"))
    if lost is None:  # a run written before the counterfactual count existed
        blocks.append(Para("Each bar counts the dissatisfied experiences in which this went "
                           "wrong; one experience can have several causes.", caption=True))
        return blocks
    blocks.append(Para(
        "For each cause: the experiences that left the customer dissatisfied but would have "
        "left them satisfied had only this cause not happened — the same customer, the same "
        "random draw, that one penalty removed (for the over-promise: the expectation "
        "lowered to what the channel delivers). It is the number of satisfied customers the "
        "cause cost. One experience can count for two causes (either alone would have "
        "tipped it) and some dissatisfied experiences count for none (no single fix is "
        "enough), so the bars do not add up to the dissatisfied." + (
            " Means over the replications." if reps > 1 else ""), caption=True))
    ranked = sorted((c for c in set(lost) | set(co)
                     if _get(lost, c) > 0 or _get(co, c) > 0),
                    key=lambda c: (-_get(lost, c), -_get(co, c), c))
    top = [c for c in ranked if _get(lost, c) > 0][:3]
    if top:
        blocks.append(Bullets([["Without ", Strong(cause_label(c)), f": {_n(lost[c])} more "
                                f"{cause_where(c)} would have left the customer satisfied."]
                               for c in top]))
    rows: list[list[Inline]] = []
    for c in ranked:
        known = CAUSES.get(c)
        texts = ((_lever_texts(known.levers, plan, info.store_reality_level)
                  or ["already pulled"])
                 if known and known.levers else [NO_PLAN_LEVER] if known else [])
        text = "; ".join(texts) or "—"
        rows.append([cause_label(c), _n(_get(lost, c)), _pct(_get(lost, c), unhappy),
                     _n(_get(co, c)), _with_code(text)])
    if rows:
        blocks.append(Table(["cause", "satisfied customers lost (experiences)",
                             "share of the dissatisfied", "dissatisfied experiences it was "
                             "part of", "plan lever (now)"], rows, "satisfaction-table"))
    return blocks


STORE_MEASURES = (
    ("mean_wait_min", "mean wait", "minutes, over every real customer who queued or was "
     "served"),
    ("p95_wait_min", "95th-percentile wait", "minutes: 1 customer in 20 waited longer"),
    ("walkout_rate", "walk-out rate", "real customers who balked or gave up waiting ÷ all "
     "who arrived"),
    ("coupon_check_failure_rate", "coupon check failures", "online-coupon checks that "
     "failed at the till ÷ checks made"),
)


def _store_section(metrics: dict[str, Any], figs: dict[str, Path], reps: int,
                   rep0_note: str) -> list[Block]:
    """The queue KPIs of ``metrics.json`` (means when replicated) next to the chart of
    replication 0."""
    k = metrics["kpis"]
    if "stores" not in figs and not any(m in k for m, *_ in STORE_MEASURES):
        return []
    blocks: list[Block] = [Heading(2, "Store queues", "stores")]
    stats = metrics.get("kpi_stats", {})
    header = ["measure", "mean over the replications" if reps > 1 else "value"]
    if reps > 1:
        header.append("90 % of runs between")
    header.append("what it counts")
    rows: list[list[Inline]] = []
    for kpi, label, meaning in STORE_MEASURES:
        if kpi not in k:
            continue
        row: list[Inline] = [label, format_value(kpi, k[kpi])]
        if reps > 1:
            s = stats.get(kpi, {})
            row.append(f"{format_value(kpi, s['p05'])} – {format_value(kpi, s['p95'])}"
                       if "p05" in s else "n/a")
        rows.append([*row, meaning])
    blocks.append(Table(header, rows, "store-table"))
    if "stores" in figs:
        scale = metrics.get("scale_real_per_simulated")
        per = (f" (each simulated visitor brings about {float(scale):,.0f} real ones)"
               if isinstance(scale, int | float) else "")
        blocks += [Figure(figs["stores"], "Store queues"), Para(
            "Per day: the 95th-percentile wait of the worst store (minutes, left axis) and "
            "the customers who walked out of a queue at any store — balked at its length "
            "or gave up waiting (right axis). The queues are simulated with every real "
            "customer" + per + ", so the walk-outs are real customers, not simulated "
            "consumers like the rest of the report. Shading: the campaign phases."
            + (rep0_note or ""), caption=True)]
    return blocks


def _funnel_section(k: dict[str, Any], figs: dict[str, Path], mean_note: str) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Funnel, online and offline", "funnel")]
    if "funnel" in figs:
        blocks.append(Figure(figs["funnel"], "Funnel, online and offline"))
    blocks.append(Para(
        "How far the simulated consumers got, from seeing an ad to buying again. Each bar "
        "is split by where it happened: online (blue), offline only — offline ads, events "
        "or a store, never reached online (green), and online then store (purple): store "
        "visitors an online ad had reached first, and purchasers who bought both online "
        "and in store. Everyone who notices an ad becomes aware, so the ever aware are the "
        "exposed plus those who heard of the campaign only by word of mouth (the day-by-day "
        "chart also shows who is aware on a given day: people forget). Buying online needs "
        "no store visit, so the purchased can outnumber the store visitors. Counts are "
        "simulated consumers (not real people)." + mean_note,
        caption=True))
    pop, aware = _get(k, "population"), _get(k, "aware")
    purchasers = _get(k, "purchasers")
    p_on, p_off = _get(k, "purchasers_online"), _get(k, "purchasers_offline")
    visitors = _get(k, "store_visitors")
    rows: list[list[Inline]] = [
        ["Exposed to ads", _n(k.get("exposed")), _pct(_get(k, "exposed"), pop) + " of everyone",
         f"{_n(k.get('exposed_online'))} reached by an online channel",
         f"{_n(k.get('exposed_offline_only'))} reached by offline channels only", "—"],
        ["Ever aware of the campaign", _n(aware), _pct(aware, pop) + " of everyone",
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
        "simulated coupons (every bar of the chart is labelled with its count; a step "
        "with no coupons of a kind has no bar). Offers and claims are split by where the "
        "coupon was picked up: online "
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
