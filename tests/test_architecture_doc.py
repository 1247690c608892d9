"""docs/architecture.md stays true to the code: its table of a day's components is what
docs/architecture_table.py prints from ``o2osim.model.PHASES``, and every source file it
names exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def _table_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("architecture_table",
                                                  ROOT / "docs" / "architecture_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_components_table_matches_phases() -> None:
    script = _table_script()
    printed = script.table()
    assert printed.count("\n") >= 3  # a header, its rule and at least two phases
    assert script.table_in(DOC.read_text(encoding="utf-8")) == printed, (
        "docs/architecture.md's table of components is out of date: "
        "run `python docs/architecture_table.py --write`")


def test_table_has_one_row_per_phase_in_order() -> None:
    from o2osim.model import PHASES

    rows = _table_script().table().splitlines()[2:]
    assert [r.split("|")[2].split("(")[0].strip() for r in rows] == [
        c.__name__ for c in PHASES]


def test_write_puts_the_table_between_the_markers(tmp_path: Path) -> None:
    script = _table_script()
    doc = tmp_path / "doc.md"
    doc.write_text(f"before\n{script.BEGIN}\nstale\n{script.END}\nafter\n", encoding="utf-8")
    assert script.write(doc)
    text = doc.read_text(encoding="utf-8")
    assert script.table_in(text) == script.table()
    assert text.startswith("before\n") and text.endswith("after\n")
    assert not script.write(doc)  # a second write changes nothing


def _named_sources(text: str) -> set[str]:
    """``src/o2osim/**.py`` paths the text names, in full or relative to src/o2osim
    (``components/base.py``, ``model.py``) inside backticks."""
    full = set(re.findall(r"src/o2osim/[\w/]+\.py", text))
    short = {f"src/o2osim/{m}" for m in re.findall(r"`([\w/]+\.py)`", text)
             if not m.startswith(("src/", "docs/", "tests/", "experiments/"))}
    return full | short


def test_every_source_path_named_exists() -> None:
    named = _named_sources(DOC.read_text(encoding="utf-8"))
    assert "src/o2osim/model.py" in named and "src/o2osim/components/base.py" in named
    missing = sorted(p for p in named if not (ROOT / p).is_file())
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_path_check_catches_a_missing_file() -> None:
    assert "src/o2osim/journey.py" in _named_sources("see `journey.py`")
    assert not (ROOT / "src/o2osim/journey.py").exists()
