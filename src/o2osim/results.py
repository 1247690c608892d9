"""Run folders on disk: atomic writes, and a check that a folder already holds a run.

A file is written under a temporary name in its own folder and then renamed over
the final name (:func:`os.replace` is atomic on one file system), so a reader never
sees half a ``metrics.json`` and a crash never leaves one behind. ``metrics.json``
is written last: its presence marks a finished run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)

RESULT_MARKERS = ("metrics.json", ".hydra")
"""Entries that make a folder a run folder (results, or Hydra's record of the config)."""


@contextmanager
def _atomic(path: Path) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private; results are not
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], write: Callable[[IO[str]], Any]) -> Path:
    """Call ``write(file)`` on a temporary file, then move it to ``path``."""
    path = Path(path)
    with _atomic(path) as fh:
        write(fh)
    return path


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """``obj`` as indented JSON (UTF-8, keys in their order: targets stay in scorecard order)."""
    return write_text_atomic(path, lambda fh: (
        json.dump(obj, fh, indent=2, ensure_ascii=False), fh.write("\n")))


def write_csv_atomic(path: str | os.PathLike[str], frame: pd.DataFrame) -> Path:
    """``frame`` as CSV without its index."""
    return write_text_atomic(path, lambda fh: frame.to_csv(fh, index=False))


def write_run(folder: str | os.PathLike[str], result: Any) -> Path:
    """Write a run's tables and ``metrics.json`` (last) into ``folder``.

    ``result`` is a :class:`o2osim.model.RunResult`: ``daily`` goes to ``daily.csv``,
    ``stores`` (when the engine provides it) to ``stores.csv``, ``metrics`` to
    ``metrics.json``.
    """
    folder = Path(folder)
    write_csv_atomic(folder / "daily.csv", result.daily)
    stores = getattr(result, "stores", None)
    if isinstance(stores, pd.DataFrame):
        write_csv_atomic(folder / "stores.csv", stores)
    write_json_atomic(folder / "metrics.json", result.metrics)
    return folder


def run_folder_has_results(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` already holds a run (``metrics.json`` or Hydra's ``.hydra``)."""
    return any((Path(path) / marker).exists() for marker in RESULT_MARKERS)


def folders_with_results(root: str | os.PathLike[str]) -> list[Path]:
    """Run folders at or anywhere below ``root`` (the job folders of a sweep)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = {p.parent for marker in RESULT_MARKERS for p in root.rglob(marker)}
    return sorted(found)
