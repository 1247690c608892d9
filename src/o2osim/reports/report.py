"""A run's report: ``report.md``, a self-contained ``report.html`` and PNG figures.

Reads only the files of a run folder (``metrics.json``, ``daily.csv``, ``stores.csv``,
Hydra's ``.hydra/`` record), so a report can be rebuilt for any finished run:
``python -m o2osim.reports.report DIR [--lang zh]``. What it contains: docs/report.md. In
English or Chinese (``lang``, :mod:`o2osim.i18n`): words, figures and ``<html lang>``.

This module is the command; the work is done by one module per job:

* :mod:`o2osim.reports.runs` — reading the run folder (:func:`~o2osim.reports.runs.run_info`,
  :func:`~o2osim.reports.runs.read_columns`);
* :mod:`o2osim.reports.report_figures` — the PNG figures;
* :mod:`o2osim.reports.report_sections` — the report's sections as page blocks;
* :mod:`o2osim.reports.advice` — what to change: the levers behind targets and causes;
* :mod:`o2osim.reports.page` — the blocks and their Markdown and HTML renderings (every
  string escaped for its format; the page has no script and fetches nothing).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from o2osim.i18n import DEFAULT_LANG, LANGS, LangError, check_lang, current, t, using
from o2osim.reports.figures_common import MissingFontError, fonts, require_fonts
from o2osim.reports.page import render_html, render_markdown
from o2osim.reports.report_figures import figures
from o2osim.reports.report_sections import report_blocks
from o2osim.reports.runs import RunInfo, read_columns, run_info
from o2osim.results import read_metrics


def markdown(metrics: dict[str, Any], figs: dict[str, Path],
             plan: dict[str, Any] | None = None, info: RunInfo | None = None,
             lang: str | None = None) -> str:
    """The report as Markdown (figures linked by file name)."""
    with using(lang):
        return render_markdown(report_blocks(metrics, figs, plan, info))


def write_report(folder: str | Path, lang: str | None = None) -> Path:
    """Build the report of a finished run folder in ``lang`` (``en``, ``zh``; None: the
    current language, :func:`o2osim.i18n.using`, English by default); returns the HTML
    file."""
    lang = check_lang(lang) if lang is not None else current()
    with using(lang), fonts(lang):
        return _write_report(Path(folder), lang)


def _write_report(folder: Path, lang: str) -> Path:
    metrics = read_metrics(folder)
    daily = read_columns(folder / "daily.csv")
    stores_path = folder / "stores.csv"
    stores = read_columns(stores_path) if stores_path.exists() else None
    figs = figures(folder, metrics, daily, stores)
    info, plan = run_info(folder)
    blocks = report_blocks(metrics, figs, plan, info)
    (folder / "report.md").write_text(render_markdown(blocks), encoding="utf-8")
    page = folder / "report.html"
    title = t("report.title", market=metrics.get("market", "?"), plan=metrics.get("plan", "?"))
    page.write_text(render_html(blocks, title, lang), encoding="utf-8")
    return page


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m o2osim.reports.report FOLDER [--lang zh]``: rebuild a run's report in a
    language, print its path."""
    parser = argparse.ArgumentParser(prog="python -m o2osim.reports.report",
                                     description="Rebuild a finished run's report.")
    parser.add_argument("folder", help="a run folder (holding metrics.json)")
    parser.add_argument("--lang", default=DEFAULT_LANG,
                        help=f"the report's language: {', '.join(LANGS)} (default: "
                             "%(default)s)")
    args = parser.parse_args(argv)
    try:
        require_fonts(check_lang(args.lang, "--lang"))
    except (LangError, MissingFontError) as exc:  # one line, before any work
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(write_report(args.folder, args.lang))


if __name__ == "__main__":
    main()
