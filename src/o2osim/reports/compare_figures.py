"""The comparison's figures: spend vs conversion (with the Pareto frontier), the
satisfaction-conversion quadrants and the funnels side by side (docs/compare.md,
"Figures"); matplotlib's Agg backend is set in :mod:`o2osim.reports.figures_common`.
Titles, axes, legends and keys are the catalogue's (``compare.figures.*``) in the current
language; :func:`o2osim.reports.compare.compare` draws inside
:func:`o2osim.reports.figures_common.fonts`."""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from o2osim.i18n import current, t
from o2osim.reports.compare_table import (
    BEST_ROLE,
    CLOSEST_ROLE,
    CONVERSION,
    FRONTIER_ROLE,
    SATISFACTION,
    SATISFIED_ROLE,
    SPEND,
    FunnelStep,
    Target,
    Verdict,
    featured,
    frontier_rows,
    funnel_rows,
    is_large,
    labelled,
    rank_order,
    role_text,
    scenario_funnel,
    shown_phrase,
)
from o2osim.reports.figures_common import place_labels, plain_text, save_figure, subplots
from o2osim.reports.funnel import COLOURS as CHANNEL_COLOURS
from o2osim.reports.funnel import funnel_legend
from o2osim.reports.runs import Run
from o2osim.targets import number as _number

LABEL_CHARS = 50
"""Width of a line of a funnel panel's title (characters; three lines at most)."""
KEY_CHARS = 60
"""Width of a line of the scenario key printed beside a chart (characters)."""
COLOURS = {"met": "#2a9d8f", "missed": "#8d99ae", "best": "#e9a400", "frontier": "#3b7dd8",
           "target": "#c0392b"}



@contextmanager
def _quiet_glyphs() -> Iterator[None]:
    """Labels from configs may hold characters the default font lacks: draw boxes, quietly."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph .* missing")
        yield


def _error(table: pd.DataFrame, col: str, scale: float) -> Any:
    """Asymmetric error bars (mean − p05, p95 − mean) or None when not replicated."""
    lo, hi = f"{col}_p05", f"{col}_p95"
    if lo not in table or table[lo].isna().all():
        return None
    mean = table[col] * scale
    low = (mean - table[lo].fillna(table[col]) * scale).clip(lower=0)
    high = (table[hi].fillna(table[col]) * scale - mean).clip(lower=0)
    return [low.to_numpy(), high.to_numpy()]


def _point_colours(table: pd.DataFrame) -> list[str]:
    return [COLOURS["met"] if m else COLOURS["missed"] for m in table["meets_all_targets"]]


def _legend_points(ax: Any) -> None:
    ax.scatter([], [], color=COLOURS["met"], label=_f("meets_all"))
    ax.scatter([], [], color=COLOURS["missed"], label=_f("misses"))


def _mark_verdict(ax: Any, xs: Any, ys: Any, table: pd.DataFrame, verdict: Verdict) -> None:
    """Star the cheapest scenario meeting every target; in a large comparison, when none
    does, ring the closest with a gold diamond."""
    if verdict.best is not None:
        ax.scatter([xs.iloc[verdict.best]], [ys.iloc[verdict.best]], s=320, marker="*",
                   color=COLOURS["best"], edgecolor="black", zorder=5,
                   label=_f("best"))
    elif verdict.closest is not None and is_large(table):
        ax.scatter([xs.iloc[verdict.closest]], [ys.iloc[verdict.closest]], s=150, marker="D",
                   facecolor="none", edgecolor=COLOURS["best"], linewidth=2, zorder=5,
                   label=_f("closest"))


KEY_SECTIONS = (BEST_ROLE, CLOSEST_ROLE, SATISFIED_ROLE, FRONTIER_ROLE)
"""The sections of a large comparison's key, by :func:`featured` role (its heading:
``compare.figures.key_sections.<role>``)."""


def _f(key: str, **fmt: Any) -> str:
    """The figures' words (``compare.figures.*`` of the catalogue)."""
    return t(f"compare.figures.{key}", **fmt)


def _key_entry(table: pd.DataFrame, i: int) -> str:
    """``S3  plan=integrated``, wrapped to :data:`KEY_CHARS`."""
    return textwrap.fill(f"{table['scenario_id'].iloc[i]}  {table['scenario'].iloc[i]}",
                         KEY_CHARS, subsequent_indent="    ")


def key_text(table: pd.DataFrame, verdict: Verdict) -> str:
    """The key printed beside a chart: every scenario's ID and name; in a large
    comparison only the :func:`featured` ones, under a heading saying why
    (:data:`KEY_SECTIONS`; a scenario with two reasons is under both), and where the
    others are."""
    if not is_large(table):
        return _f("key_scenarios") + "\n" + "\n".join(_key_entry(table, i)
                                                      for i in range(len(table)))
    roles = featured(table, verdict)
    front = frontier_rows(table)
    lines = [_f("key_labelled", k=len(roles), n=len(table))]
    for role in KEY_SECTIONS:
        heading = _f(f"key_sections.{role}")
        rows = [i for i in (front if role == FRONTIER_ROLE else roles)
                if role in roles.get(i, "").split(", ")]
        if role == FRONTIER_ROLE and len(rows) < len(front):
            heading += _f("key_spread", rows=len(rows), front=len(front))
        if rows:
            lines += ["", heading, *(_key_entry(table, i) for i in rows)]
    lines += ["", textwrap.fill(_f("key_others", n=len(table) - len(roles)), KEY_CHARS)]
    return "\n".join(lines)


def _key(ax: Any, table: pd.DataFrame, verdict: Verdict) -> Any:
    """:func:`key_text` beside the plot (right of the axes)."""
    return ax.text(1.02, 1.0, plain_text(key_text(table, verdict)), transform=ax.transAxes,
                   va="top", ha="left", fontsize=7, family="monospace")


def point_labels(table: pd.DataFrame, xs: Any, ys: Any
                 ) -> list[tuple[float, float, str]]:
    """One label per drawn position, ``(x, y, "S1, S3")``: scenarios drawn exactly on top
    of each other share a label; points with a missing coordinate get none."""
    at: dict[tuple[float, float], list[str]] = {}
    for sid, x, y in zip(table["scenario_id"], xs, ys, strict=True):
        if _number(x) is not None and _number(y) is not None:
            at.setdefault((float(x), float(y)), []).append(str(sid))
    return [(x, y, ", ".join(ids)) for (x, y), ids in at.items()]


def _legend_below(ax: Any) -> Any:
    return ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=2,
                     frameon=False)


def _lay_out(fig: Any, ax: Any, table: pd.DataFrame, xs: Any, ys: Any,
             verdict: Verdict) -> list[Any]:
    """Lay the figure out with the key and legend outside the axes, then label the
    :func:`labelled` points without overlaps (:func:`place_labels`, once the layout is
    final). Returns the artists drawn outside the axes (for :func:`save_figure`)."""
    outside = [_key(ax, table, verdict), _legend_below(ax)]
    for artist in outside:
        artist.set_in_layout(False)
    fig.tight_layout()
    rows = labelled(table, verdict)
    labels = point_labels(table.iloc[rows], xs.iloc[rows], ys.iloc[rows])
    for label in place_labels(ax, [x for x, _, _ in labels], [y for _, y, _ in labels],
                              [text for _, _, text in labels]):
        label.set_in_layout(False)
    return outside


def _target_label(ax: Any, target: Target, at: float, vertical: bool, along: float = 0.5
                  ) -> None:
    """Name a target line on the line itself, ``conversion target ≥ 15.0 %`` (a rate, in
    percent), at ``along`` (share of the axes) of its length."""
    name = target.name if current() == "en" else target.label  # a key reads as English
    text = plain_text(_f("target_line", name=name, rule=target.rule)
                      .replace(">=", "≥").replace("<=", "≤"))
    style = {"color": COLOURS["target"], "fontsize": 7, "zorder": 2.5,
             "bbox": {"facecolor": "white", "edgecolor": "none", "pad": 1.0}}
    if vertical:
        ax.text(at, along, text, rotation=90, ha="center", va="center",
                transform=ax.get_xaxis_transform(), **style)
    else:
        ax.text(along, at, text, ha="center", va="center", transform=ax.get_yaxis_transform(),
                **style)


def _scatter(ax: Any, table: pd.DataFrame, xs: Any, ys: Any, errors: tuple[Any, Any],
             verdict: Verdict) -> None:
    """The scenarios as points coloured by whether they meet every target, with the 90 %
    interval of the replications as error bars when replicated. In a large comparison
    only the :func:`labelled` scenarios get full points and error bars; the others are
    small and pale."""
    rows = labelled(table, verdict)
    xerr, yerr = ([e[0][rows], e[1][rows]] if e is not None else None for e in errors)
    if xerr is not None or yerr is not None:
        ax.errorbar(xs.iloc[rows], ys.iloc[rows], xerr=xerr, yerr=yerr, fmt="none",
                    ecolor="#555", elinewidth=0.8, capsize=3,
                    label=_f("interval") + (_f("interval_labelled") if is_large(table) else ""))
    colours = _point_colours(table)
    others = sorted(set(range(len(table))) - set(rows))
    if others:
        ax.scatter(xs.iloc[others], ys.iloc[others], c=[colours[i] for i in others], s=16,
                   zorder=2.9, alpha=0.75, linewidth=0)
    ax.scatter(xs.iloc[rows], ys.iloc[rows], c=[colours[i] for i in rows], s=50, zorder=3,
               edgecolor="black", linewidth=0.5)
    _legend_points(ax)


def draw_spend_conversion(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict
                          ) -> tuple[Any, list[Any]]:
    """Total spend vs full-channel conversion, the Pareto frontier and the target line(s):
    the figure, laid out, and its artists outside the axes."""
    fig, ax = subplots(figsize=(8, 5))
    xs, ys = table[SPEND] / 1e6, table[CONVERSION] * 100
    _scatter(ax, table, xs, ys, (_error(table, SPEND, 1e-6), _error(table, CONVERSION, 100)),
             verdict)
    front = table[table["on_pareto_frontier"]].sort_values([SPEND, CONVERSION])
    ax.plot(front[SPEND] / 1e6, front[CONVERSION] * 100, color=COLOURS["frontier"],
            linestyle="--", marker="o", markerfacecolor="none", markersize=11, zorder=2,
            label=_f("frontier"))
    lines = [x for x in targets.values() if x.kpi == CONVERSION]
    for x in lines:
        ax.axhline(x.threshold * 100, color=COLOURS["target"], linestyle=":",
                   label=plain_text(_f("target", label=x.label, rule=x.rule)))
        _target_label(ax, x, x.threshold * 100, vertical=False, along=0.85)
    _mark_verdict(ax, xs, ys, table, verdict)
    ax.set_xlim(*_span(list(xs), min_pad=0.05 * max(abs(_number(x) or 0) for x in xs) or 1))
    ax.set_ylim(*_span([*ys, *(x.threshold * 100 for x in lines)]))
    ax.set_xlabel(_f("spend_axis"))
    ax.set_ylabel(_f("conversion_axis"))
    ax.set_title(_f("spend_title"))
    return fig, _lay_out(fig, ax, table, xs, ys, verdict)


def draw_quadrants(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict
                   ) -> tuple[Any, list[Any]]:
    """Satisfaction vs conversion, split into quadrants by the two targets: the figure,
    laid out, and its artists outside the axes."""
    fig, ax = subplots(figsize=(8, 5.5))
    xs, ys = table[CONVERSION] * 100, table[SATISFACTION] * 100
    _scatter(ax, table, xs, ys, (_error(table, CONVERSION, 100),
                                 _error(table, SATISFACTION, 100)), verdict)
    x_t = next((x for x in targets.values() if x.kpi == CONVERSION), None)
    y_t = next((x for x in targets.values() if x.kpi == SATISFACTION), None)
    xlo, xhi = _quadrant_span(list(xs), x_t)
    ylo, yhi = _quadrant_span(list(ys), y_t)
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    if x_t is not None:
        ax.axvline(x_t.threshold * 100, color=COLOURS["target"], linestyle=":",
                   label=plain_text(_f("target", label=x_t.label, rule=x_t.rule)))
        _target_label(ax, x_t, x_t.threshold * 100, vertical=True)
    if y_t is not None:
        ax.axhline(y_t.threshold * 100, color=COLOURS["target"], linestyle="-.",
                   label=plain_text(_f("target", label=y_t.label, rule=y_t.rule)))
        _target_label(ax, y_t, y_t.threshold * 100, vertical=False)
    _mark_verdict(ax, xs, ys, table, verdict)
    if x_t is not None and y_t is not None:
        _quadrant_names(ax, x_t.threshold * 100, y_t.threshold * 100, (xlo, xhi, ylo, yhi))
    ax.set_xlabel(_f("conversion_axis"))
    ax.set_ylabel(_f("satisfaction_axis"))
    ax.set_title(_f("quadrant_title"))
    return fig, _lay_out(fig, ax, table, xs, ys, verdict)


def _span(values: Sequence[float], min_pad: float = 1.0) -> tuple[float, float]:
    """Axis limits around ``values`` with room for labels: 15 % of their range on each
    side, ``min_pad`` at least; never below 0."""
    finite = [float(v) for v in values if _number(v) is not None] or [0.0, 1.0]
    lo, hi = min(finite), max(finite)
    pad = max((hi - lo) * 0.15, min_pad)
    return max(0.0, lo - pad), hi + pad


def _quadrant_span(values: list[float], target: Target | None) -> tuple[float, float]:
    """Axis limits (%) around ``values`` and a ``>=`` target's threshold, with the side
    meeting the target at least a fifth of the axis (room to name its quadrants), yet not
    past 100 % for that reason alone."""
    if target is None:
        return _span(values)
    line = target.threshold * 100
    lo, hi = _span([*values, line])
    if target.op == ">=":
        hi = max(hi, min(line + 0.25 * (line - lo), 100.0))
    return lo, hi


def _quadrant_names(ax: Any, x: float, y: float, box: tuple[float, float, float, float]) -> None:
    """Shade the quadrant meeting both targets and name the four in their corners."""
    xlo, xhi, ylo, yhi = box
    ax.axvspan(x, xhi, ymin=(y - ylo) / (yhi - ylo), ymax=1, color=COLOURS["met"], alpha=0.08,
               zorder=0)
    style = {"fontsize": 8, "color": "#555", "alpha": 0.9}
    ax.text(xhi, yhi, _f("quadrants.both"), ha="right", va="top", **style)
    ax.text(xlo, yhi, _f("quadrants.satisfied"), ha="left", va="top", **style)
    ax.text(xhi, ylo, _f("quadrants.converting"), ha="right", va="bottom", **style)
    ax.text(xlo, ylo, _f("quadrants.neither"), ha="left", va="bottom", **style)



def _funnel_panel(ax: Any, steps: list[FunnelStep] | None, best: bool) -> None:
    """One scenario's funnel: stacked bars (online / offline segments, % of the
    population), each with its count and shares."""
    if steps is None:
        ax.text(0.5, 0.5, _f("funnel_missing"), ha="center", transform=ax.transAxes)
        return
    for y, step in enumerate(steps[::-1]):
        ax.barh(y, step.of_population, height=0.7, color="none", edgecolor="#999",
                linewidth=0.5)  # the stage, whatever its split
        left = 0.0
        total = step.stage.total or 1.0
        for _, colour, count in step.stage.segments:
            width = step.of_population * count / total
            ax.barh(y, width, left=left, height=0.7, color=CHANNEL_COLOURS[colour])
            left += width
        text = f" {step.stage.total:,.0f} · {step.of_population:.1f} %"
        if step.of_aware is not None:
            text += _f("funnel_pop", aware=f"{step.of_aware:.1f}")
        ax.text(step.of_population, y, text, va="center", fontsize=6.5,
                fontweight="bold" if step.of_aware is not None else "normal")
    ax.set_yticks(range(len(steps)), [s.stage.label for s in steps[::-1]])
    if best:
        for spine in ax.spines.values():
            spine.set_edgecolor(COLOURS["best"])
            spine.set_linewidth(2.5)


def _funnel_title(table: pd.DataFrame, i: int, verdict: Verdict,
                  roles: dict[int, str] | None) -> str:
    """A funnel panel's title: the scenario's ID and name (three lines at most), then
    ``★ cheapest meeting all targets`` for the verdict's. ``roles`` (a large comparison's
    :func:`featured`): the rank and why the scenario is shown instead."""
    title = textwrap.shorten(f"{table['scenario_id'].iloc[i]} {table['scenario'].iloc[i]}",
                             3 * LABEL_CHARS, placeholder=" …")
    title = textwrap.fill(title, LABEL_CHARS)
    if roles is not None:
        rank = rank_order(table).index(i) + 1
        return title + _f("rank", rank=rank, roles=role_text(roles[i]))
    return title + (_f("best_mark") if verdict.best == i else "")



def draw_funnels(table: pd.DataFrame, runs: Sequence[Run], verdict: Verdict
                 ) -> tuple[Any, list[Any]]:
    """The funnels of the :func:`funnel_rows` scenarios (every one, or in a large
    comparison at most :data:`MAX_FUNNELS`) side by side on one scale, as a share of each
    one's simulated consumers, split online / offline as in the run report: the figure,
    laid out, and its artists outside the panels."""
    shown = funnel_rows(table, verdict)
    roles = featured(table, verdict) if is_large(table) else None
    n = len(shown)
    cols = 2 if n == 4 else min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = subplots(rows, cols, figsize=(4.6 * cols, 2.6 * rows + 0.9),
                             squeeze=False, sharex=True)
    funnels = [scenario_funnel(runs[i]) for i in shown]
    top = max((s.of_population for f in funnels if f for s in f), default=100.0) or 100.0
    for panel, (i, steps) in enumerate(zip(shown, funnels, strict=True)):
        ax = axes[panel // cols][panel % cols]
        best = verdict.best == i
        _funnel_panel(ax, steps, best)
        ax.set_title(plain_text(_funnel_title(table, i, verdict, roles)), fontsize=8,
                     fontweight="bold" if best else "normal")
        ax.tick_params(labelsize=7)
        ax.set_xlim(0, top * 1.6)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    for j in range(max(0, n - cols), n):  # the lowest panel of each column
        axes[j // cols][j % cols].set_xlabel(_f("population_axis"), fontsize=7)
        axes[j // cols][j % cols].tick_params(labelbottom=True)
    from matplotlib.patches import Patch

    legend = fig.legend(handles=[Patch(color=CHANNEL_COLOURS[k], label=v)  # the report's
                                 for k, v in funnel_legend().items()],
                        loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7,
                        frameon=False)
    names = next(([s.stage.label.lower() for s in f] for f in funnels if f), [])
    text = _f("funnels_title", stages=" → ".join(names))
    if roles is not None:
        text = _f("funnels_large", n=n, total=len(table),
                  which=shown_phrase(table, roles, shown), text=text)
    title = fig.suptitle(plain_text(text), fontsize=10, y=1.0, va="bottom")
    return fig, [legend, title]  # both drawn outside the panels


FIGURE_NAMES = ("spend_vs_conversion", "satisfaction_vs_conversion", "funnels")


def titles() -> dict[str, str]:
    """Each figure's heading on the page, in the current language."""
    return {name: _f(f"titles.{name}") for name in FIGURE_NAMES}


def write_figures(folder: Path, table: pd.DataFrame, runs: Sequence[Run],
                  targets: dict[str, Target], verdict: Verdict, tag: str = "",
                  market: str = "") -> dict[str, Path]:
    """Write one market's PNG figures into ``folder`` (``<name>.png``, or
    ``<name>_<tag>.png`` when a comparison of several markets names each market's by its
    ``tag``, and its title a line ``market: <market>``; drawn and saved one at a time);
    return them by name. A large comparison's are palette PNGs (smaller)."""
    draws: dict[str, Callable[[], tuple[Any, list[Any]]]] = {}
    if CONVERSION in table and SPEND in table:
        draws["spend_vs_conversion"] = lambda: draw_spend_conversion(table, targets, verdict)
    if CONVERSION in table and SATISFACTION in table:
        draws["satisfaction_vs_conversion"] = lambda: draw_quadrants(table, targets, verdict)
    draws["funnels"] = lambda: draw_funnels(table, runs, verdict)
    out: dict[str, Path] = {}
    with _quiet_glyphs():
        for name, draw in draws.items():
            fig, outside = draw()
            if market:  # the title of the chart (the funnels': the figure's) names it
                title = outside[-1] if name == "funnels" else fig.axes[0].title
                title.set_text(f"{title.get_text()}\n{plain_text(_f('market', name=market))}")
            file = f"{name}_{tag}.png" if tag else f"{name}.png"
            out[name] = save_figure(fig, folder / file, outside=outside,
                                    palette=is_large(table))
    return out

