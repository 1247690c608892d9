"""The run report's figures: PNG files drawn with matplotlib (Agg, set once in
:mod:`o2osim.reports.figures_common`).

The day-by-day and store tables are taken as columns (``table["day"]``): a
:class:`pandas.DataFrame` or the plain dict of numpy arrays that
:func:`o2osim.reports.runs.read_columns` returns, so the report needs no pandas.

Titles, axes and legends are the catalogue's (``locale/<lang>/figures.yaml``) in the
current language; :func:`o2osim.reports.report.write_report` draws inside
:func:`o2osim.reports.figures_common.fonts` (a CJK font for Chinese).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import offset_copy

from o2osim.i18n import has, t
from o2osim.reports.advice import cause_short
from o2osim.reports.figures_common import plain_text, save_figure, subplots
from o2osim.reports.formats import count as _n
from o2osim.reports.formats import value_of as _get
from o2osim.reports.funnel import COLOURS, funnel_legend, funnel_stages

Columns = Mapping[str, Any]
"""A table as columns: ``table[name]`` is a sequence (a DataFrame works too)."""

PHASE_COLOURS = {"planning": "#eeeeee", "execution": "#e3f0fb", "optimisation": "#fdf1dc",
                 "after": "#f3f3f3"}


def _phase_label(phase: str, weeks: np.ndarray) -> str:
    """``execution phase (weeks 5-12)``: the weeks the run spent in the phase."""
    first, last = int(weeks.min()), int(weeks.max())
    span = (t("figures.phases.week", n=first) if first == last
            else t("figures.phases.weeks", first=first, last=last))
    key = f"figures.phases.{phase}"
    return (t(key, span=span) if has(key) and phase != "other"
            else t("figures.phases.other", phase=phase, span=span))


def _shade_phases(ax: Any, daily: Columns) -> list[Any]:
    """Shade the campaign phases of the plan's calendar (seed 000 by default: 4 weeks
    planning, 8 execution, 4 optimisation; ``daily.csv``'s ``phase``); returns legend
    entries for the phases the run reached, with their weeks."""
    from matplotlib.patches import Patch

    handles = []
    day, phases = np.asarray(daily["day"]), np.asarray(daily["phase"])
    weeks = np.asarray(daily["week"])
    for phase, colour in PHASE_COLOURS.items():
        days = day[phases == phase]
        if len(days):
            ax.axvspan(days.min() - 0.5, days.max() + 0.5, color=colour, zorder=0)
            handles.append(Patch(facecolor=colour, edgecolor="#bbbbbb",
                                 label=_phase_label(phase, weeks[phases == phase])))
    return handles


def figure_funnel(k: Mapping[str, Any], path: Path) -> Path:
    """The split funnel (:func:`o2osim.reports.funnel.funnel_stages`) in simulated
    consumers, a legend saying what each colour is stage by stage."""
    stages = funnel_stages(k)
    fig, ax = subplots(figsize=(8, 3.8))
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
    ax.set_xlabel(t("figures.funnel.xlabel"))
    ax.set_title(t("figures.funnel.title"))
    legend = ax.legend(handles=_patches(funnel_legend()), loc="upper left",
                       bbox_to_anchor=(0.0, -0.2), ncol=1, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend])


def _patches(names: dict[str, str]) -> list[Any]:
    """Legend entries (colour key -> label), drawn whether or not a bar has that colour."""
    from matplotlib.patches import Patch

    return [Patch(color=COLOURS[key], label=label) for key, label in names.items()]


def figure_daily(daily: Columns, path: Path, note: str = "") -> Path:
    """Media spend, the aware (that day and ever) and orders per day, with the phases."""
    fig, axes = subplots(3, 1, figsize=(8, 7.4), sharex=True)
    phases: list[Any] = []
    for ax in axes:
        phases = _shade_phases(ax, daily)
    axes[0].plot(daily["day"], np.asarray(daily["spend_cny"]) / 1e3, color="#444")
    axes[0].set_ylabel(t("figures.daily.spend"))
    aware = axes[1].plot(daily["day"], daily["aware"], color=COLOURS["online"],
                         label=t("figures.daily.aware_day"))
    if "ever_aware" in daily:
        aware += axes[1].plot(daily["day"], daily["ever_aware"], color=COLOURS["online"],
                              linestyle="--", label=t("figures.daily.ever_aware"))
    axes[1].set_ylabel(t("figures.daily.aware"))
    axes[1].legend(handles=aware, loc="upper left", fontsize=8)
    lines = axes[2].plot(daily["day"], daily["orders_online"],
                         label=t("figures.daily.online_orders"), color=COLOURS["online"])
    lines += axes[2].plot(daily["day"], daily["orders_offline"],
                          label=t("figures.daily.store_orders"), color=COLOURS["offline"])
    axes[2].set_ylabel(t("figures.daily.orders"))
    axes[2].set_xlabel(t("figures.daily.day"))
    axes[2].legend(handles=lines, loc="upper left", fontsize=8)
    title = fig.suptitle(t("figures.daily.title") + note, y=1.0, va="bottom")
    legend = fig.legend(handles=phases, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                        ncol=3, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend, title])  # both outside the panels


def figure_channels(channels: Mapping[str, Mapping[str, Any]], path: Path) -> Path:
    """Spend and measured revenue per channel (million CNY), each with its ROI.

    Horizontal bars, one pair per channel, the channel's name on the left: a name is
    never rotated, and the layout (:func:`save_figure`) keeps every name, however long,
    inside the image. The legend sits below the chart, outside the bars."""
    names = list(channels)
    spend = [float(channels[c].get("spend_cny", 0.0)) / 1e6 for c in names]
    revenue = [float(channels[c].get("attributed_revenue_cny", 0.0)) / 1e6 for c in names]
    fig, ax = subplots(figsize=(8, 1.4 + 0.38 * max(len(names), 1)))
    y = [len(names) - 1 - i for i in range(len(names))]  # the first channel on top
    ax.barh([v + 0.2 for v in y], spend, height=0.4, label=t("figures.channels.spend"),
            color=COLOURS["spend"])
    ax.barh([v - 0.2 for v in y], revenue, height=0.4,
            label=t("figures.channels.revenue"), color=COLOURS["online"])
    top = max([*spend, *revenue, 0.0]) or 1.0
    for yy, s, r in zip(y, spend, revenue, strict=True):
        ax.annotate(t("figures.channels.roi", roi=f"{r / s:.2f}") if s > 0
                    else t("figures.channels.not_funded"), (max(r, s), yy),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, [plain_text(n) for n in names])
    ax.set_ylabel(t("figures.channels.ylabel"))
    ax.set_xlabel(t("figures.channels.xlabel"))
    ax.set_xlim(0, top * 1.22)  # room for the ROI labels
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set_title(t("figures.channels.title"))
    below = offset_copy(ax.transAxes, fig, y=-0.5, units="inches")  # under the x label
    legend = ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.0), bbox_transform=below,
                       ncol=2, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend])


def figure_coupons(k: Mapping[str, Any], path: Path) -> Path:
    """Offered → claimed → redeemed on a linear scale, every bar labelled with its count;
    a series with no coupon at a step draws nothing there (no bar, no label)."""
    steps = [t(f"figures.coupons.{s}") for s in ("offered", "claimed", "redeemed")]
    series = [
        (t("figures.coupons.online"),
         "online", [_get(k, "coupons_offered_online"), _get(k, "coupons_claimed_online"),
                    _get(k, "coupons_redeemed_online")]),
        (t("figures.coupons.offline"), "offline",
         [_get(k, "coupons_offered_offline"), _get(k, "coupons_claimed_offline"),
          _get(k, "coupons_redeemed_offline")]),
        (t("figures.coupons.review"), "review",
         [0.0, _get(k, "coupons_claimed_review"), 0.0]),
    ]
    shown = [s for s in series if any(v > 0 for v in s[2])]
    fig, ax = subplots(figsize=(8, 3.8))
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
    ax.set_ylabel(t("figures.coupons.ylabel"))
    ax.set_xticks(range(len(steps)), steps)
    ax.set_xlabel(t("figures.coupons.xlabel"))
    ax.set_title(t("figures.coupons.title"))
    legend = ax.legend(handles=_patches({colour: label for label, colour, _ in shown}),
                       loc="upper left", bbox_to_anchor=(0.0, -0.18), ncol=1, fontsize=8,
                       frameon=False)
    return save_figure(fig, path, outside=[legend])


def figure_satisfaction(drivers: Mapping[str, Any], path: Path, note: str = "") -> Path:
    """Satisfied experiences lost to each cause (the counterfactual count); causes that
    never happened are left out. Old runs without it: the co-occurrence counts."""
    lost = drivers.get("satisfied_lost_to_gap")
    co = drivers.get("dissatisfied_with_gap") or {}
    values = lost if lost is not None else co
    items = sorted(((c, float(v)) for c, v in values.items()
                    if float(v) > 0 or float(co.get(c, 0)) > 0), key=lambda kv: (kv[1], kv[0]))
    fig, ax = subplots(figsize=(8, 1.3 + 0.36 * max(len(items), 1)))
    labels = [plain_text(cause_short(c, drivers)) for c, _ in items]
    ax.barh(labels, [v for _, v in items], color="#c0392b")
    top = max((v for _, v in items), default=0.0) or 1.0
    for y, (c, v) in enumerate(items):
        ax.annotate(_n(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=8)
        if lost is not None:  # the co-occurrence count, secondary, in grey
            ax.annotate(t("figures.satisfaction.present", n=_n(co.get(c, 0))), (v, y),
                        xytext=(8 + 5 * len(_n(v)), 0), textcoords="offset points",
                        va="center", fontsize=7, color="#777777")
    ax.set_xlim(0, top * (1.7 if lost is not None else 1.15))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    if lost is not None:
        ax.set_xlabel(t("figures.satisfaction.xlabel_lost"))
        ax.set_title(t("figures.satisfaction.title_lost") + note)
    else:
        ax.set_xlabel(t("figures.satisfaction.xlabel_old"))
        ax.set_title(t("figures.satisfaction.title_old") + note)
    return save_figure(fig, path)


def per_day(stores: Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The store table by day (days in order): the walk-outs (balked + reneged, every
    store) and the worst store's 95th-percentile wait (NaN ignored)."""
    days, at = np.unique(np.asarray(stores["day"]), return_inverse=True)

    def total(name: str) -> np.ndarray:
        weights = np.nan_to_num(np.asarray(stores[name], dtype=float))
        return np.bincount(at, weights=weights, minlength=len(days))

    worst = np.full(len(days), np.nan)
    np.fmax.at(worst, at, np.asarray(stores["p95_wait_min"], dtype=float))
    return days, total("balked") + total("reneged"), worst


def figure_stores(stores: Columns, daily: Columns, path: Path,
                  note: str = "") -> Path:
    """Worst store's 95th-percentile wait and the walk-outs per day. The queues run on
    real customers (each simulated visitor brings ``scale`` real ones, model.py), so the
    walk-outs axis is in real customers, labelled so."""
    days, walkouts, worst = per_day(stores)
    fig, ax = subplots(figsize=(8, 3.6))
    ax2 = ax.twinx()
    phases = _shade_phases(ax2, daily)  # behind the bars; the wait line is drawn above both
    bars = ax2.bar(days, walkouts, color="#c0392b", alpha=0.4,
                   label=t("figures.stores.walkouts"))
    line = ax.plot(days, worst, color="#8e44ad", label=t("figures.stores.wait"))
    ax.set_zorder(ax2.get_zorder() + 1)  # the line above the bars
    ax.patch.set_visible(False)
    top = float(np.nanmax(worst)) if np.isfinite(worst).any() else np.nan
    ax.set_ylim(0, max(top, 1.0) * 1.1)  # both axes start at 0
    ax.set_ylabel(t("figures.stores.ylabel"))
    ax.set_xlabel(t("figures.stores.xlabel"))
    ax2.set_ylabel(t("figures.stores.ylabel2"))
    ax.set_title(t("figures.stores.title") + note)
    legend = ax.legend(handles=[*line, bars, *phases], loc="upper center",
                       bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    return save_figure(fig, path, outside=[legend])


FIGURE_FILES = {"funnel": "funnel.png", "channels": "channels.png", "coupons": "coupons.png",
                "daily": "daily.png", "satisfaction": "satisfaction.png",
                "stores": "stores.png"}


def figures(folder: Path, metrics: Mapping[str, Any], daily: Columns,
            stores: Columns | None) -> dict[str, Path]:
    """Write the PNG figures; return them by name."""
    k = metrics["kpis"]
    reps = int(metrics.get("replications", 1) or 1)
    rep0 = t("figures.notes.rep0", reps=reps) if reps > 1 else ""
    mean = t("figures.notes.mean", reps=reps) if reps > 1 else ""
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
    if stores is not None and "day" in stores and len(stores["day"]):
        makers.append(("stores", lambda p: figure_stores(stores, daily, p, rep0)))
    for name, make in makers:
        if make is not None:
            out[name] = make(folder / FIGURE_FILES[name])
    return out
