"""Every module of the package can be the first one imported.

A cycle through a package's ``__init__`` is invisible to a check of the import graph
that draws only the ``import`` lines: ``o2osim.calendar`` imported ``o2osim.config.schema``,
which runs ``o2osim/config/__init__.py`` first, whose validation imports
``o2osim.calendar`` — half made — so ``import o2osim.model`` in a fresh interpreter
failed while every test that imported ``o2osim.config`` first passed. Here each module
is imported with no ``o2osim`` module loaded before it (the third-party libraries stay
loaded: they do not import ``o2osim``), in one fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import o2osim

PACKAGE = Path(o2osim.__file__).resolve().parent

SCRIPT = r"""
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "o2osim" or m.startswith("o2osim.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def modules() -> list[str]:
    """Every module of the package, by dotted name."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first() -> None:
    names = modules()
    assert "o2osim.model" in names and "o2osim.calendar" in names
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *names], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"modules that fail when imported first:\n{proc.stdout}" \
                                 f"{proc.stderr[-2000:]}"
