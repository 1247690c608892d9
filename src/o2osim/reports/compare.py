"""Compare finished runs: which scenario meets the targets, and at what cost.

::

    o2osim-compare results/sweeps/2026-11-22_16-30-10            # every job of a sweep
    o2osim-compare results/runs/a results/runs/b --out results/comparisons/ab
    python -m o2osim.reports.compare results/sweeps/            # a folder of sweeps

Each argument is a run folder (``metrics.json``, ``.hydra/``) or a folder holding run
folders at any depth (a Hydra multirun, or a folder of sweeps). The comparison goes to
a new folder (``--out DIR``, or ``results/comparisons/<date>_<time>/``):
``comparison.csv`` (one row per scenario), ``comparison.html`` (one self-contained
page) and the PNG figures. A folder that already holds anything is never written into:
the comparison is staged next to it and moved into place when complete
(:func:`o2osim.results.staged_folder`).

Reads only result files, like the run report. The scenario's cost is
``total_spend_cny`` = ``total_cost_cny`` of ``metrics.json`` (media spend + coupon
subsidies + the plan's integration cost). Every run is judged against one set of
targets (the union of the runs' targets; the first run's definition wins), on its
KPI means, by the rules of :mod:`o2osim.targets`. A comparison of more than
:data:`~o2osim.reports.compare_table.FULL_LABELS` scenarios (a sweep) labels in its
figures only the scenarios that matter (:func:`~o2osim.reports.compare_table.featured`);
its tables keep every one. Column and figure meanings: docs/compare.md.

This module is the command; the work is done by one module per job:
:mod:`~o2osim.reports.runs` (finding and loading run folders),
:mod:`~o2osim.reports.scenarios` (what tells the runs apart, their names),
:mod:`~o2osim.reports.compare_table` (the table, the verdict, the ranking),
:mod:`~o2osim.reports.compare_figures` (the PNG figures) and
:mod:`~o2osim.reports.compare_page` (``comparison.html``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import textwrap
import typing
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from o2osim.reports.compare_figures import write_figures
from o2osim.reports.compare_page import to_html
from o2osim.reports.compare_table import (
    SPEND,
    Target,
    Verdict,
    cheapest_meeting_all,
    comparison_table,
    csv_table,
    ranked,
    union_targets,
)
from o2osim.reports.runs import CompareError, Run, Skipped, collect
from o2osim.reports.scorecard import format_value, wrap
from o2osim.results import FolderTaken, staged_folder, write_csv_atomic, write_text_atomic

PROG = "o2osim-compare"
EXIT_BAD_INPUT = 2
DEFAULT_ROOT = Path("results") / "comparisons"


# --------------------------------------------------------------------------- terminal


def wrap_label(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken after spaces and dots (dotted keys
    stay readable); a piece longer than a line is cut."""
    return wrap(text, width, after=" .")


def summary(table: pd.DataFrame, targets: dict[str, Target], verdict: Verdict,
            skipped: Sequence[Skipped], notes: Sequence[str], width: int = 100) -> str:
    """A short plain-text summary: the ranked table (scenario labels wrapped to fit
    ``width`` columns), skipped runs, notes and the verdict (wrapped too)."""
    shown = list(targets.values())[:3]
    kpis = [t.kpi for t in shown]
    head = ["#", "ID", "Scenario", "Total spend", *[t.name for t in shown], "Targets met"]
    rows = [head]
    for rank, (_, row) in enumerate(ranked(table).iterrows(), start=1):
        rows.append([str(rank), str(row["scenario_id"]), str(row["scenario"]),
                     format_value(SPEND, row[SPEND]),
                     *[format_value(k, row.get(k)) for k in kpis],
                     f"{int(row['targets_met'])}/{len(targets)}"
                     + (" ALL" if row["meets_all_targets"] else "")])
    widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
    room = width - sum(widths) + widths[2] - 2 * (len(head) - 1)
    widths[2] = max(20, min(widths[2], room))
    lines = []
    for n, r in enumerate(rows):
        label = wrap_label(r[2], widths[2])
        for i, part in enumerate(label):
            cells = [c if i == 0 else "" for c in r]
            cells[2] = part
            lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                         .rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"skipped: {s.folder} — {s.reason}" for s in skipped]
    lines += [f"note: {n}" for n in notes]
    lines += ["", *textwrap.wrap(verdict.statement, max(40, width), break_on_hyphens=False)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- output folder


def output_folder(out: str | None, now: dt.datetime) -> tuple[Path, bool]:
    """Where to write and whether the user named it. A named folder must be new or
    empty; the default is ``results/comparisons/<date>_<time>`` (``_2``, ... if taken)."""
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CompareError(f"--out: {out!r} — already exists and is not empty; choose a "
                               "new folder (nothing was written)")
        return path, True
    return DEFAULT_ROOT / now.strftime("%Y-%m-%d_%H-%M-%S"), False




def write_comparison(folder: Path, table: pd.DataFrame, runs: Sequence[Run],
                     skipped: Sequence[Skipped], targets: dict[str, Target], verdict: Verdict,
                     notes: Sequence[str]) -> None:
    """Write ``comparison.csv``, the figures and ``comparison.html`` into ``folder``."""
    write_csv_atomic(folder / "comparison.csv", csv_table(table, verdict))
    figs = write_figures(folder, table, runs, targets, verdict)
    page = to_html(table, runs, skipped, targets, verdict, notes, figs)
    write_text_atomic(folder / "comparison.html", lambda fh: fh.write(page))



def compare(paths: Sequence[str], out: str | None, now: dt.datetime | None = None
            ) -> tuple[Path, str]:
    """Compare the runs under ``paths`` into a new folder; return it and the summary."""
    runs, skipped = collect(paths)
    target, explicit = output_folder(out, now or dt.datetime.now())
    if not runs:
        first = f" (first: {skipped[0].folder}: {skipped[0].reason})" if skipped else ""
        raise CompareError(f"{' '.join(repr(p) for p in paths)}: no finished run to compare — "
                           f"{len(skipped)} folder(s) skipped{first}")
    targets, notes = union_targets(runs)
    table = comparison_table(runs, targets)
    verdict = cheapest_meeting_all(table, targets)
    try:
        with staged_folder(target, numbered=not explicit) as staged:
            write_comparison(staged.stage, table, runs, skipped, targets, verdict, notes)
    except FolderTaken:
        if explicit:
            raise CompareError(f"--out: {str(target)!r} — was filled while comparing; "
                               "choose a new folder (nothing was written)") from None
        raise CompareError(f"--out: {str(target)!r} — no free folder name") from None
    folder = staged.published
    assert folder is not None
    width = shutil.get_terminal_size((100, 24)).columns
    return folder, summary(table, targets, verdict, skipped, notes, width)


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Compare finished o2osim runs: a table, figures and the "
        "cheapest scenario meeting every target (docs/compare.md).")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="run folders, sweep folders, or folders holding sweeps")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="new or empty folder for the comparison (default: "
                        "results/comparisons/<date>_<time>)")

    def one_line(message: str) -> typing.NoReturn:
        _fail(message)

    parser.error = one_line  # type: ignore[method-assign]
    return parser


def _fail(message: str) -> typing.NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def _shown_path(folder: Path) -> str:
    try:
        return str(folder.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)


def main(argv: Sequence[str] | None = None) -> None:
    """Console script ``o2osim-compare``."""
    args = _parser().parse_args(argv)
    try:
        folder, text = compare(args.paths, args.out)
    except CompareError as err:
        _fail(str(err))
    print(text)
    print(f"comparison: {_shown_path(folder)}")


if __name__ == "__main__":
    main()
