"""A run's report: ``report.md``, a self-contained ``report.html`` and PNG figures.

Reads only the files of a run folder (``metrics.json``, ``daily.csv``, ``stores.csv``,
Hydra's ``.hydra/`` record), so a report can be rebuilt for any finished run:
``python -m o2osim.reports.report DIR``. What it contains: docs/report.md.

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

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from o2osim.reports.page import render_html, render_markdown
from o2osim.reports.report_figures import figures
from o2osim.reports.report_sections import report_blocks
from o2osim.reports.runs import RunInfo, read_columns, run_info
from o2osim.results import read_metrics


def markdown(metrics: dict[str, Any], figs: dict[str, Path],
             plan: dict[str, Any] | None = None, info: RunInfo | None = None) -> str:
    """The report as Markdown (figures linked by file name)."""
    return render_markdown(report_blocks(metrics, figs, plan, info))


def write_report(folder: str | Path) -> Path:
    """Build the report of a finished run folder; returns the HTML file."""
    folder = Path(folder)
    metrics = read_metrics(folder)
    daily = read_columns(folder / "daily.csv")
    stores_path = folder / "stores.csv"
    stores = read_columns(stores_path) if stores_path.exists() else None
    figs = figures(folder, metrics, daily, stores)
    info, plan = run_info(folder)
    blocks = report_blocks(metrics, figs, plan, info)
    (folder / "report.md").write_text(render_markdown(blocks), encoding="utf-8")
    page = folder / "report.html"
    title = f"o2osim report — {metrics.get('market', '?')} × {metrics.get('plan', '?')}"
    page.write_text(render_html(blocks, title), encoding="utf-8")
    return page


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m o2osim.reports.report FOLDER``: rebuild a run's report, print its path."""
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) != 1:
        print("usage: python -m o2osim.reports.report FOLDER", file=sys.stderr)
        sys.exit(2)
    print(write_report(args[0]))


if __name__ == "__main__":
    main()
