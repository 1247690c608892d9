"""Print the table of a day's components for docs/architecture.md, from the code.

Every row is one entry of :data:`o2osim.model.PHASES`, in order, with what the component
class declares (``name``, ``owns``, ``stream``, ``tallies``; :class:`o2osim.components.
base.Component`). ``tests/test_architecture_doc.py`` fails when the table in the document
differs from what this prints; after changing a component, regenerate it with

    python docs/architecture_table.py --write
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

from o2osim.model import PHASES

DOC = Path(__file__).resolve().parent / "architecture.md"
BEGIN, END = "<!-- components:begin -->", "<!-- components:end -->"
ROOT = DOC.parent.parent


def _cell(items: tuple[str, ...] | str | None) -> str:
    if not items:
        return "—"
    if isinstance(items, str):
        items = (items,)
    return ", ".join(f"`{i}`" for i in items).replace("|", "\\|")


def _module_path(cls: type) -> str:
    path = Path(inspect.getfile(cls)).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:  # installed elsewhere: name it by its module
        return "src/" + cls.__module__.replace(".", "/") + ".py"


def table() -> str:
    """The markdown table of :data:`o2osim.model.PHASES` (no trailing newline)."""
    lines = ["| # | component (`name`) | module | owns (population) | stream "
             "| tallies (DayTally) |", "|---|---|---|---|---|---|"]
    for i, cls in enumerate(PHASES, 1):
        lines.append(f"| {i} | {cls.__name__} (`{cls.name}`) | `{_module_path(cls)}` | "
                     f"{_cell(cls.owns)} | {_cell(cls.stream)} | {_cell(cls.tallies)} |")
    return "\n".join(lines)


def table_in(text: str) -> str:
    """The table between the markers of ``text`` (stripped)."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip()


def write(doc: Path = DOC) -> bool:
    """Put :func:`table` between the markers of ``doc``; True if it changed."""
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + table() + "\n" + text[end:]
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true",
                    help=f"replace the table between the markers in {DOC.name}")
    args = ap.parse_args(argv)
    if args.write:
        print(f"{DOC.name}: {'updated' if write() else 'already up to date'}")
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
