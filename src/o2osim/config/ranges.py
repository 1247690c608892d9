"""Every leaf of the schema with the values it allows, as a table for docs/parameters.md.

The table between the ``ranges`` markers of ``docs/parameters.md`` is generated from the
schema (:mod:`o2osim.config.schema`) and its checks (:mod:`o2osim.config.validate`), and
``tests/test_validation.py`` fails when the two drift apart. Regenerate it with::

    python -m o2osim.config.ranges --write docs/parameters.md
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from collections.abc import Iterator
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any

from o2osim.config.field_checks import Check, Interval, ListOf, OneOf, check_for, show
from o2osim.config.schema import ScenarioConfig
from o2osim.config.validate import describe_type

START = ("<!-- ranges:start (generated: python -m o2osim.config.ranges --write "
         "docs/parameters.md) -->")
END = "<!-- ranges:end -->"


@dataclass(frozen=True)
class Leaf:
    """A setting of the schema: its path (dict keys written ``*``), name, type, default."""

    pattern: str
    name: str
    type: Any
    default: Any

    @property
    def check(self) -> Check | None:
        return check_for(self.pattern, self.name)

    @property
    def numeric(self) -> bool:
        """A number or a list of numbers (Optional allowed)."""
        inner = [a for a in typing.get_args(self.type) if a is not type(None)] or [self.type]
        tp = inner[0]
        if typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        return tp in (int, float)


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def schema_leaves(tp: Any = ScenarioConfig, pattern: str = "") -> Iterator[Leaf]:
    """Every leaf of the schema in the schema's order."""
    hints = typing.get_type_hints(tp)
    for f in dataclasses.fields(tp):
        t = hints[f.name]
        p = f"{pattern}.{f.name}" if pattern else f.name
        origin, args = typing.get_origin(t), typing.get_args(t)
        if dataclasses.is_dataclass(t):
            yield from schema_leaves(t, p)
        elif origin is dict:
            if dataclasses.is_dataclass(args[1]):
                yield from schema_leaves(args[1], f"{p}.*")
            else:
                yield Leaf(f"{p}.*", f.name, args[1], MISSING)
        else:
            yield Leaf(p, f.name, t, _default(f))


def allowed_text(leaf: Leaf) -> str:
    check = leaf.check
    if isinstance(check, Interval):
        text = check.text()
    elif isinstance(check, ListOf):
        text = check.allowed + (", not all zero" if check.nonzero else "")
    elif isinstance(check, OneOf):
        text = "one of: " + ", ".join(check.choices[:12]) + (
            f", ... ({check.listed_in})" if len(check.choices) > 12 else "")
    else:
        text = describe_type(leaf.type)
    if type(None) in typing.get_args(leaf.type) and "null" not in text:
        text += " or null"
    return text


def _cell(value: Any) -> str:
    if value is MISSING:
        return ""
    if value == "???":  # OmegaConf's MISSING: every preset sets it
        return "(required)"
    return show(value).replace("|", "\\|")


def ranges_table() -> str:
    rows = ["| setting | allowed | schema default |", "|---|---|---|"]
    for leaf in schema_leaves():
        allowed = allowed_text(leaf).replace("|", "\\|")
        rows.append(f"| `{leaf.pattern}` | {allowed} | {_cell(leaf.default)} |")
    return "\n".join(rows)


def with_table(doc: str) -> str:
    """``doc`` with the text between the markers replaced by the current table."""
    head, start, rest = doc.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"markers {START!r} and {END!r} not found")
    return f"{head}{START}\n{ranges_table()}\n{END}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="rewrite the table in this markdown file")
    args = parser.parse_args()
    if args.write is None:
        print(ranges_table())
        return
    args.write.write_text(with_table(args.write.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
