"""Writing a run folder: each file appears whole or not at all; metrics.json last."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    _atomic_write(path, lambda fh: json.dump(data, fh, indent=2, ensure_ascii=False))


def write_csv_atomic(path: Path, frame: pd.DataFrame) -> None:
    _atomic_write(path, lambda fh: frame.to_csv(fh, index=False))


def run_folder_has_results(folder: Path) -> bool:
    """A folder holding a metrics.json is a finished run: never written into again."""
    return (Path(folder) / "metrics.json").exists()


def write_run(folder: Path, result: Any) -> None:
    """``daily.csv``, ``stores.csv``, then ``metrics.json`` (its presence means complete)."""
    folder = Path(folder)
    write_csv_atomic(folder / "daily.csv", result.daily)
    write_csv_atomic(folder / "stores.csv", result.stores)
    write_json_atomic(folder / "metrics.json", result.metrics)
