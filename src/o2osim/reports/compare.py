"""Compare finished runs: which scenario meets the targets, and at what cost.

::

    o2osim-compare results/sweeps/2026-11-22_16-30-10            # every job of a sweep
    o2osim-compare results/runs/a results/runs/b --out results/comparisons/ab
    python -m o2osim.reports.compare results/sweeps/            # a folder of sweeps
    o2osim-compare results/sweeps/2026-11-22_16-30-10 --lang zh  # in Chinese

Each argument is a run folder (``metrics.json``, ``.hydra/``) or a folder holding run
folders at any depth (a Hydra multirun, or a folder of sweeps). The comparison goes to
a new folder (``--out DIR``, or ``results/comparisons/<date>_<time>/``):
``comparison.csv`` (one row per scenario), ``comparison.html`` (one self-contained
page) and the PNG figures. A folder that already holds anything is never written into:
the comparison is staged next to it and moved into place when complete
(:func:`o2osim.results.staged_folder`).

Reads only result files, like the run report. The scenario's cost is
``total_spend_cny`` = ``total_cost_cny`` of ``metrics.json`` (media spend + coupon
subsidies + the plan's integration cost). The runs are compared **within a market**
(:mod:`o2osim.reports.markets`): runs of one market judged by one target set form a
group with its own verdict, Pareto frontier and ranking; a command mixing markets is
allowed and its summary and page say so. Each run is judged on its KPI means, by the
rules of :mod:`o2osim.targets`, and ranked by :func:`o2osim.targets.closeness` (more
targets met first, then the smaller relative shortfall, then the cheaper). Values are
printed by :mod:`o2osim.reports.formats` (never as the threshold they miss). A
comparison of more than
:data:`~o2osim.reports.compare_table.FULL_LABELS` scenarios (a sweep) labels in its
figures only the scenarios that matter (:func:`~o2osim.reports.compare_table.featured`);
its tables keep every one. Column and figure meanings: docs/compare.md. ``--lang zh``
writes the page, its figures and the summary in Chinese (:mod:`o2osim.i18n`).

This module is the command; the work is done by one module per job:
:mod:`~o2osim.reports.runs` (finding and loading run folders),
:mod:`~o2osim.reports.scenarios` (what tells the runs apart, their names),
:mod:`~o2osim.reports.markets` (which runs are judged together),
:mod:`~o2osim.reports.compare_table` (the table, the verdict, the ranking),
:mod:`~o2osim.reports.compare_figures` (the PNG figures) and
:mod:`~o2osim.reports.compare_page` (``comparison.html``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
import textwrap
import typing
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from o2osim.i18n import DEFAULT_LANG, LANGS, LangError, check_lang, t, using
from o2osim.reports.compare_figures import write_figures
from o2osim.reports.compare_page import Section, comparison_page
from o2osim.reports.compare_table import SPEND, Target, Verdict, csv_table, ranked
from o2osim.reports.figures_common import MissingFontError, fonts, require_fonts
from o2osim.reports.formats import format_value
from o2osim.reports.markets import MarketComparison, compare_markets, mixing_sentence
from o2osim.reports.runs import CompareError, Skipped, collect
from o2osim.reports.scorecard import cells, ljust, wrap
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
    """A short plain-text summary of one market: the ranked table (scenario labels
    wrapped to fit ``width`` columns), skipped runs, notes and the verdict (wrapped too)."""
    lines = _ranked_lines(table, targets, width)
    lines += [t("compare.terminal.skipped", folder=s.folder, reason=s.reason) for s in skipped]
    lines += [t("compare.terminal.note", note=n) for n in notes]
    lines += ["", *_wrap(verdict.statement, width)]
    return "\n".join(lines)


_KEEP = "\ue000"
"""Stands for the space before a unit while text is wrapped (``3.9 %`` stays on a line)."""


def _wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` columns (40 at least), never between a number and
    its unit (``%``, ``CNY``, ``min``) nor at a hyphen."""
    kept = re.sub(r"(?<=\d) (?=%|CNY|min\b|percentage)", _KEEP, text)
    return [line.replace(_KEEP, " ") for line in
            textwrap.wrap(kept, max(40, width), break_on_hyphens=False)]


def _ranked_lines(table: pd.DataFrame, targets: dict[str, Target], width: int) -> list[str]:
    """The ranked table of one market as lines of at most ``width`` columns (when the
    scenario labels can wrap that far)."""
    shown = list(targets.values())[:3]
    head = [t(f"compare.terminal.{h}") for h in ("rank", "id", "scenario", "spend")]
    head += [*[x.name for x in shown], t("compare.terminal.targets_met")]
    rows = [head]
    for rank, (_, row) in enumerate(ranked(table).iterrows(), start=1):
        rows.append([str(rank), str(row["scenario_id"]), str(row["scenario"]),
                     format_value(SPEND, row[SPEND]),
                     *[format_value(x.kpi, row.get(x.kpi), x) for x in shown],
                     f"{int(row['targets_met'])}/{len(targets)}"
                     + (t("compare.terminal.all") if row["meets_all_targets"] else "")])
    widths = [max(cells(r[c]) for r in rows) for c in range(len(head))]
    room = width - sum(widths) + widths[2] - 2 * (len(head) - 1)
    widths[2] = max(20, min(widths[2], room))
    lines = []
    for n, r in enumerate(rows):
        label = wrap_label(r[2], widths[2])
        for i, part in enumerate(label):
            row_cells = [c if i == 0 else "" for c in r]
            row_cells[2] = part
            lines.append("  ".join(ljust(c, w) for c, w in zip(row_cells, widths, strict=True))
                         .rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def summary_of_markets(parts: Sequence[MarketComparison], skipped: Sequence[Skipped],
                       width: int = 100) -> str:
    """The plain-text summary: for one market as :func:`summary`; for several, first the
    line saying the comparison mixes markets, then each market under its name with its
    ranked table, notes and verdict."""
    if len(parts) == 1:
        p = parts[0]
        return summary(p.table, p.targets, p.verdict, skipped, p.notes, width)
    mixing = mixing_sentence([p.group for p in parts], [len(p.table) for p in parts]) or ""
    lines = _wrap(t("compare.terminal.mixing", text=mixing), width)
    lines += [t("compare.terminal.skipped", folder=s.folder, reason=s.reason) for s in skipped]
    for p in parts:
        lines += ["", *_wrap(t("compare.terminal.market", number=p.group.number,
                               total=len(parts), label=p.group.label), width), ""]
        lines += _ranked_lines(p.table, p.targets, width)
        lines += [t("compare.terminal.note", note=n) for n in p.notes]
        lines += ["", *_wrap(p.verdict.statement, width)]
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




def csv_of_markets(parts: Sequence[MarketComparison]) -> pd.DataFrame:
    """``comparison.csv``: every market's :func:`csv_table` (rank within its market), with
    the market's name (``market_group``) after the scenario's; markets in order."""
    tables = []
    for p in parts:
        out = csv_table(p.table, p.verdict)
        out.insert(out.columns.get_loc("scenario") + 1, "market_group", p.group.label)
        tables.append(out)
    return pd.concat(tables, ignore_index=True)


def write_comparison(folder: Path, parts: Sequence[MarketComparison],
                     skipped: Sequence[Skipped]) -> None:
    """Write ``comparison.csv``, the figures and ``comparison.html`` into ``folder``."""
    write_csv_atomic(folder / "comparison.csv", csv_of_markets(parts))
    several = len(parts) > 1
    sections = []
    for p in parts:
        figs = write_figures(folder, p.table, p.runs, p.targets, p.verdict,
                             p.tag if several else "", p.group.label if several else "")
        sections.append(Section(p.table, p.runs, p.targets, p.verdict, p.notes, figs,
                                p.group.label if several else "",
                                f"-{p.group.number}" if several else ""))
    mixing = mixing_sentence([p.group for p in parts], [len(p.table) for p in parts])
    page = comparison_page(sections, skipped, mixing)
    write_text_atomic(folder / "comparison.html", lambda fh: fh.write(page))


def compare(paths: Sequence[str], out: str | None, now: dt.datetime | None = None,
            lang: str = DEFAULT_LANG) -> tuple[Path, str]:
    """Compare the runs under ``paths`` into a new folder, market by market
    (:func:`o2osim.reports.markets.compare_markets`), in ``lang``; return it and the
    summary."""
    with using(check_lang(lang)), fonts(lang):
        return _compare(paths, out, now)


def _compare(paths: Sequence[str], out: str | None, now: dt.datetime | None
             ) -> tuple[Path, str]:
    runs, skipped = collect(paths)
    target, explicit = output_folder(out, now or dt.datetime.now())
    if not runs:
        first = f" (first: {skipped[0].folder}: {skipped[0].reason})" if skipped else ""
        raise CompareError(f"{' '.join(repr(p) for p in paths)}: no finished run to compare — "
                           f"{len(skipped)} folder(s) skipped{first}")
    parts = compare_markets(runs)
    try:
        with staged_folder(target, numbered=not explicit) as staged:
            write_comparison(staged.stage, parts, skipped)
    except FolderTaken:
        if explicit:
            raise CompareError(f"--out: {str(target)!r} — was filled while comparing; "
                               "choose a new folder (nothing was written)") from None
        raise CompareError(f"--out: {str(target)!r} — no free folder name") from None
    folder = staged.published
    assert folder is not None
    width = shutil.get_terminal_size((100, 24)).columns
    return folder, summary_of_markets(parts, skipped, width)


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
    parser.add_argument("--lang", default=DEFAULT_LANG,
                        help=f"language of the page, figures and summary: {', '.join(LANGS)} "
                        "(default: %(default)s)")

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
        require_fonts(check_lang(args.lang, "--lang"))  # before any work
    except (LangError, MissingFontError) as err:
        _fail(str(err))
    try:
        folder, text = compare(args.paths, args.out, lang=args.lang)
    except CompareError as err:
        _fail(str(err))
    print(text)
    print(t("compare.terminal.comparison", args.lang, folder=_shown_path(folder)))


if __name__ == "__main__":
    main()
