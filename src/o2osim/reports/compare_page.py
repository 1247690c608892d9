"""The comparison as one self-contained HTML page (``comparison.html``): the verdict,
skipped runs, the ranked table, the figures (embedded), the funnels as numbers and every
KPI. Every string from a config or a folder name is escaped
(:func:`o2osim.reports.page.escape`); the page holds no script and fetches nothing. Its
words are the catalogue's (``locale/<lang>/compare.yaml``) in the current language, and
``<html lang>`` says which."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from o2osim.i18n import html_lang, kpi_label, t, unit_label
from o2osim.kpis import unit_of
from o2osim.reports.compare_figures import titles
from o2osim.reports.compare_table import (
    SPEND,
    Target,
    Verdict,
    featured,
    funnel_rows,
    is_large,
    kpi_names,
    ranked,
    scenario_funnel,
    shown_phrase,
)
from o2osim.reports.formats import format_shortfall, format_value
from o2osim.reports.page import escape as _e
from o2osim.reports.page import png_data_uri
from o2osim.reports.runs import Run, Skipped

CAPTIONS = ("spend_vs_conversion", "satisfaction_vs_conversion", "funnels")
"""The figures with a caption (``compare.page.captions.<name>`` of the catalogue)."""
STYLE = ("body{font-family:sans-serif;max-width:80em;margin:2em auto;color:#222;padding:0 1em}"
         "table{border-collapse:collapse;font-size:.85em}"
         "td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;"
         "vertical-align:top}th{background:#f4f4f4}tr.best td{background:#fff4cc}"
         ".met{color:#1b7a6e}.missed{color:#b03a2e}small{color:#666}"
         ".scroll{overflow-x:auto}img{max-width:100%}.verdict{font-size:1.1em;"
         "padding:.6em;background:#f4f8fc;border-left:4px solid #3b7dd8}"
         "tr.closest td{background:#eef3fb}"
         "code{font-size:.95em}")


def large_scope(table: pd.DataFrame, verdict: Verdict) -> tuple[str, dict[str, str]]:
    """What a large comparison's figures show and leave out, in words: a paragraph for
    the top of the page, and by figure name a sentence to end its caption with."""
    roles, funnels = featured(table, verdict), funnel_rows(table, verdict)
    n, k = len(table), len(roles)
    every = shown_phrase(table, roles, list(roles), "compare.shown.frontier_spread")
    charts = (t("compare.page.large.charts", k=k, every=every, others=n - k)
              + (t("compare.page.large.diamond")
                 if verdict.best is None and verdict.closest is not None else ""))
    drawn = t("compare.page.large.drawn", drawn=len(funnels), n=n,
              which=shown_phrase(table, roles, funnels))
    top = t("compare.page.large.top", n=n, k=k, every=every, drawn=len(funnels))
    return top, {"spend_vs_conversion": charts, "satisfaction_vs_conversion": charts,
                 "funnels": drawn + t("compare.page.large.every_funnel")}


def _interval(row: pd.Series, kpi: str) -> str:
    lo, hi = row.get(f"{kpi}_p05"), row.get(f"{kpi}_p95")
    if not isinstance(lo, float) or math.isnan(lo) or not isinstance(hi, float) or math.isnan(hi):
        return ""
    return ("<br><small>" + _e(t("compare.page.interval", lo=format_value(kpi, lo),
                                 hi=format_value(kpi, hi))) + "</small>")


def _target_cell(row: pd.Series, name: str, target: Target) -> str:
    ok = bool(row[f"meets_{name}"])
    mark = (f"<span class='{'met' if ok else 'missed'}'>"
            f"{_e(t('compare.page.met') if ok else t('compare.page.missed'))}</span>")
    text = (f"{_e(format_value(target.kpi, row.get(target.kpi), target))} {mark}"
            f"{_interval(row, target.kpi)}")
    if not ok:
        text += f"<br><small>{_e(format_shortfall(target, row.get(target.kpi)))}</small>"
    p = row.get(f"p_meets_{name}")
    if isinstance(p, float) and not math.isnan(p):
        text += f"<br><small>{_e(t('compare.page.met_in', pct=f'{100 * p:.0f}'))}</small>"
    return text


def _mark(row_index: int, verdict: Verdict) -> tuple[str, str]:
    """The class and the marker of a table row the verdict names (``best``: the cheapest
    scenario meeting every target; ``closest``: when none does, the closest)."""
    if verdict.best == row_index:
        return "best", t("compare.roles.best")
    if verdict.closest == row_index:
        return "closest", t("compare.roles.closest")
    return "", ""


def _scenario_cell(row: pd.Series) -> str:
    """The scenario's short name, and its full overrides below when they read otherwise."""
    cell = f"<code>{_e(row['scenario'])}</code>"
    full = row.get("distinguishing_overrides")
    if full and full != row["scenario"]:
        cell += f"<br><small>{_e(t('compare.page.overrides'))}<code>{_e(full)}</code></small>"
    return cell


def _scenario_table(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict,
                    anchor: str = "") -> str:
    """The ranked table: one row per scenario (``data-scenario`` its ID), the row the
    verdict names marked; a replications column when the runs differ in it."""
    show_reps = table["replications"].nunique() > 1
    def h(key: str, **fmt: str) -> str:
        return t(f"compare.page.head.{key}", **fmt)

    head = ([h("rank"), h("id"), h("scenario"), *([h("replications")] if show_reps else []),
             h("spend")]
            + [h("target", label=x.label, rule=x.rule) for x in targets.values()]
            + [h("targets_met"), h("all_targets"), h("frontier"), h("folder")])
    lines = ["<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead>"]
    position = {sid: i for i, sid in enumerate(table["scenario_id"])}
    for rank, (_, row) in enumerate(ranked(table).iterrows(), start=1):
        css, marker = _mark(position[row["scenario_id"]], verdict)
        cells = [str(rank), _e(row["scenario_id"]),
                 (f"<strong class='marker'>{_e(marker)}</strong><br>" if marker else "")
                 + _scenario_cell(row), *([str(int(row["replications"]))] if show_reps else []),
                 _e(format_value(SPEND, row[SPEND])) + _interval(row, SPEND)]
        cells += [_target_cell(row, name, t) for name, t in targets.items()]
        all_met = bool(row["meets_all_targets"])
        p_all = row.get("p_meets_all_targets")
        cells += [_e(t("compare.page.n_of", met=int(row["targets_met"]), n=len(targets))),
                  f"<span class='{'met' if all_met else 'missed'}'>"
                  + _e(t("compare.page.yes_mark" if all_met else "compare.page.no_mark"))
                  + "</span>"
                  + ("<br><small>" + _e(t("compare.page.all_met_in", pct=f"{100 * p_all:.0f}"))
                     + "</small>" if isinstance(p_all, float) and not math.isnan(p_all) else ""),
                  _e(t("compare.page.yes" if row["on_pareto_frontier"] else "compare.page.no")),
                  f"<code>{_e(row['run_folder'])}</code>"]
        attr = f" class='{css}'" if css else ""
        lines.append(f"<tr{attr} data-scenario='{_e(row['scenario_id'])}'>"
                     + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f"<div class='scroll'><table id='scenario-table{anchor}'>" + "\n".join(lines)
            + "</table></div>")


def _funnel_table(table: pd.DataFrame, runs: Sequence[Run], anchor: str = "") -> str:
    """The funnel of every scenario as numbers: a row per stage, a column per scenario;
    each cell the count, its share of the population (the purchased: of the aware too)
    and its online / offline split."""
    funnels = [scenario_funnel(run) for run in runs]
    stages = next((f for f in funnels if f), None)
    if stages is None:
        return f"<p>{_e(t('compare.page.no_funnels'))}</p>"
    head = [t("compare.page.head.stage"), *table["scenario_id"]]
    lines = ["<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead>"]
    for n, stage in enumerate(stages):
        cells = [_e(stage.stage.label)]
        for steps in funnels:
            if not steps:
                cells.append("—")
                continue
            step = steps[n]
            split = " · ".join(f"{_e(name)} {count:,.0f}"
                               for name, _, count in step.stage.segments)
            cells.append(f"{step.stage.total:,.0f}<br><small>{_e(step.shares)}</small>"
                         f"<br><small>{split}</small>")
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f"<div class='scroll'><table id='funnel-table{anchor}'>" + "\n".join(lines)
            + "</table></div>")


def _kpi_table(table: pd.DataFrame, kpi_names: Sequence[str], units: dict[str, str]) -> str:
    head = [t("compare.page.head.kpi"), t("compare.page.head.unit")] + list(table["scenario_id"])
    lines = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for kpi in kpi_names:
        unit = units.get(kpi, unit_of(kpi))
        label = kpi_label(kpi)
        cells = [f"<code>{_e(kpi)}</code>"
                 + (f"<br><small>{_e(label)}</small>" if label != kpi else ""),
                 _e(unit_label(unit))]
        cells += [_e(format_value(kpi, row.get(kpi))) + _interval(row, kpi)
                  for _, row in table.iterrows()]
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "<div class='scroll'><table>" + "\n".join(lines) + "</table></div>"


@dataclass(frozen=True)
class Section:
    """One market's part of the page: its rows, targets, verdict and figures; ``title``
    (a heading) and ``anchor`` (a suffix of its element IDs, ``-2``) when the page holds
    several markets."""

    table: pd.DataFrame
    runs: Sequence[Run]
    targets: dict[str, Target]
    verdict: Verdict
    notes: Sequence[str]
    figs: dict[str, Path]
    title: str = ""
    anchor: str = ""


def _section(part: Section, units: dict[str, str]) -> list[str]:
    """One market's verdict, notes, ranked table, figures, funnels and KPIs."""
    table, runs, verdict, a = part.table, part.runs, part.verdict, part.anchor
    parts = ([f"<h2 class='market' id='market{a}'>{_e(t('compare.page.market', name=part.title))}"
              "</h2>"] if part.title else [])
    parts.append(f"<p class='verdict' id='verdict{a}'>{_e(verdict.statement)}</p>")
    captions = {name: t(f"compare.page.captions.{name}") for name in CAPTIONS}
    if is_large(table):
        top, more = large_scope(table, verdict)
        parts.append(f"<p class='scope' id='scope{a}'>{_e(top)}</p>")
        captions = {name: f"{text} {more[name]}" for name, text in captions.items()}
    parts += [f"<p><strong>{_e(t('compare.page.note'))}</strong> {_e(n)}</p>"
              for n in part.notes]
    level = "h3" if part.title else "h2"
    names = titles()
    figures = [f"<{level}>{_e(names.get(name, name))}</{level}><figure><img alt='{_e(name)}' "
               f"src='{png_data_uri(path)}'>"
               f"<figcaption>{_e(captions.get(name, ''))}</figcaption></figure>"
               for name, path in part.figs.items()]
    ranking = [f"<{level}>{_e(t('compare.page.ranked'))}</{level}>",
               _scenario_table(table, part.targets, verdict, a)]
    # a large comparison's long table comes after the figures that sum it up
    parts += figures + ranking if is_large(table) else ranking + figures
    parts += [f"<{level}>{_e(t('compare.page.funnels'))}</{level}>",
              f"<p>{_e(t('compare.page.funnels_intro'))}</p>", _funnel_table(table, runs, a)]
    parts += [f"<{level}>{_e(t('compare.page.every_kpi'))}</{level}>",
              f"<p>{_e(t('compare.page.every_kpi_intro'))}</p>",
              _kpi_table(table, kpi_names(runs), units)]
    if table["other_config_differences"].str.len().gt(0).any():
        intro = _e(t("compare.page.other_intro", code="\0")).replace(
            "\0", "<code>~key</code>")
        parts.append(f"<{level}>{_e(t('compare.page.other'))}</{level}><p>{intro}</p><ul>"
                     + "".join(f"<li>{_e(r['scenario_id'])}: <code>"
                               f"{_e(r['other_config_differences'])}</code></li>"
                               for _, r in table.iterrows() if r["other_config_differences"])
                     + "</ul>")
    return parts


def comparison_page(sections: Sequence[Section], skipped: Sequence[Skipped],
                    mixing: str | None = None) -> str:
    """The comparison as one self-contained HTML page (figures inlined as base64 PNG): one
    section per market (``mixing``: the sentence saying the page mixes markets)."""
    units: dict[str, str] = {}
    for part in sections:
        for run in part.runs:
            units.update({str(k): str(v) for k, v in (run.metrics.get("units") or {}).items()})
    n = sum(len(part.table) for part in sections)
    heading = (t("compare.page.heading", n=n) if n != 1 else t("compare.page.heading_one"))
    parts = [f"<h1>{_e(heading)}</h1>"]
    if mixing:
        parts.append(f"<p class='mixing' id='mixing'><strong>{_e(mixing)}</strong></p>")
    intro = _e(t("compare.page.intro", code="\0", workers="\1",
                 ranking=t("compare.page.ranking")))
    parts.append("<p>" + intro.replace("\0", "<code>total_cost_cny</code>")
                 .replace("\1", "<code>sim.workers</code>") + "</p>")
    if skipped:
        parts.append(f"<h2>{_e(t('compare.page.skipped'))}</h2><ul>" + "".join(
            f"<li><code>{_e(s.folder)}</code>: {_e(s.reason)}</li>" for s in skipped) + "</ul>")
    for part in sections:
        parts += _section(part, units)
    parts.append(f"<p><small>{_e(t('compare.page.footer'))}</small></p>")
    return (f"<!doctype html><html lang='{html_lang()}'><head><meta charset='utf-8'>"
            f"<title>{_e(t('compare.page.title'))}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def to_html(table: pd.DataFrame, runs: Sequence[Run], skipped: Sequence[Skipped],
            targets: dict[str, Target], verdict: Verdict, notes: Sequence[str],
            figs: dict[str, Path]) -> str:
    """The comparison of one market as one self-contained HTML page
    (:func:`comparison_page` with one section)."""
    return comparison_page([Section(table, runs, targets, verdict, notes, figs)], skipped)
