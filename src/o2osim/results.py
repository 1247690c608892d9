"""Run folders on disk: atomic writes, and a check that a folder already holds a run.

A file is written under a temporary name in its own folder and then renamed over
the final name (:func:`os.replace` is atomic on one file system), so a reader never
sees half a ``metrics.json`` and a crash never leaves one behind. A whole run is first
written into a temporary folder inside its run folder (:func:`staged_run`) and its
files are moved into place when everything, report included, is written —
``metrics.json`` last: its presence marks a finished run. A run that was killed leaves
no ``metrics.json``, only a ``.incomplete-<pid>-*`` folder that the next attempt removes
(holding the folder's lock: :mod:`o2osim.run_folders`, which also decides which folders
may be written at all).
``metrics.json`` carries ``config_sha256`` (:mod:`o2osim.config.fingerprint`), so a
finished run can be matched to the configuration that made it.

A folder that must be new as a whole (a comparison, ``o2osim-compare``) is written into
a hidden temporary folder next to it and renamed into place when complete
(:func:`staged_folder`): a folder that already holds anything is never replaced. Both
kinds of staging make their temporary folder with :func:`_stage_dir`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas only where a table is written: readers of results do without
    import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)

RESULT_MARKERS = ("metrics.json", ".hydra")
"""Entries that make a folder a run folder (results, or Hydra's record of the config)."""


@contextmanager
def _atomic(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private; results are not
        with (os.fdopen(fd, "wb") if binary
              else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
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


def write_bytes_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], Any]
                       ) -> Path:
    """Call ``write(file)`` on a temporary binary file, then move it to ``path``."""
    path = Path(path)
    with _atomic(path, binary=True) as fh:
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
    ``stores`` (when the engine provides it) to ``stores.csv``, ``records`` (when present:
    :class:`o2osim.records.Records`) to ``orders``, ``consumers`` and ``channels_daily``
    (``.parquet`` or ``.csv``), ``metrics`` to ``metrics.json``.
    """
    folder = Path(folder)
    write_csv_atomic(folder / "daily.csv", result.daily)
    import pandas as pd

    stores = getattr(result, "stores", None)
    if isinstance(stores, pd.DataFrame):
        write_csv_atomic(folder / "stores.csv", stores)
    records = getattr(result, "records", None)
    if records is not None:
        for name, (binary, write) in records.files().items():
            (write_bytes_atomic if binary else write_text_atomic)(folder / name, write)
    write_json_atomic(folder / "metrics.json", result.metrics)
    return folder


def _stage_dir(parent: Path, prefix: str, suffix: str = "") -> Path:
    """A new temporary folder in ``parent`` (made if needed), readable like any result
    (``mkdtemp`` makes it private)."""
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=parent, prefix=prefix, suffix=suffix))
    os.chmod(stage, 0o777 & ~_UMASK)
    return stage


INCOMPLETE_PREFIX = ".incomplete-"
"""Name prefix of the temporary folder a run is written into (see :func:`staged_run`)."""


@contextmanager
def staged_run(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary folder inside ``folder`` to write a run into; when the block ends
    without error its files are moved into ``folder``, ``metrics.json`` last.

    Hydra's ``.hydra/`` record (if ``folder`` has one) is copied into the temporary folder
    so that readers of a run folder (the report) find it there too; it is not moved back.
    The temporary folder is removed in every case.
    """
    folder = Path(folder)
    stage = _stage_dir(folder, f"{INCOMPLETE_PREFIX}{os.getpid()}-")
    try:
        if (folder / ".hydra").is_dir():
            shutil.copytree(folder / ".hydra", stage / ".hydra")
        yield stage
        files = sorted(p for p in stage.rglob("*")
                       if p.is_file() and p.relative_to(stage).parts[0] != ".hydra")
        last = stage / "metrics.json"
        for path in [p for p in files if p != last] + ([last] if last in files else []):
            dest = folder / path.relative_to(stage)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class FolderTaken(Exception):
    """The folder a :func:`staged_folder` was to become already holds something."""


@dataclass
class StagedFolder:
    """What :func:`staged_folder` yields: the temporary folder to write into, and (once the
    block has ended without error) the folder it became."""

    stage: Path
    published: Path | None = None


MAX_NUMBERED = 999
"""The most numbered names (``name``, ``name_2``, ... ``name_999``) :func:`staged_folder`
tries."""


@contextmanager
def staged_folder(target: str | os.PathLike[str], numbered: bool = False
                  ) -> Iterator[StagedFolder]:
    """A hidden temporary folder next to ``target`` (``.<name>.*.tmp``) to write a whole
    new folder into; when the block ends without error it is renamed to ``target``, which
    must not exist or be empty — or, with ``numbered``, to the first of ``target``,
    ``target_2``, ``target_3``, ... that does not exist. The name it got is in
    ``published``. A folder that holds anything is never replaced: :class:`FolderTaken`
    is raised instead. The temporary folder is removed in every case.
    """
    target = Path(target)
    staged = StagedFolder(_stage_dir(target.parent, f".{target.name}.", ".tmp"))
    try:
        yield staged
        staged.published = _publish(staged.stage, target, numbered)
    finally:
        shutil.rmtree(staged.stage, ignore_errors=True)


def _publish(stage: Path, target: Path, numbered: bool) -> Path:
    for n in range(1, MAX_NUMBERED + 1):
        candidate = target if n == 1 else target.with_name(f"{target.name}_{n}")
        if numbered and candidate.exists():
            continue
        try:
            os.rename(stage, candidate)  # replaces only a missing or empty folder
            return candidate
        except OSError:
            if not numbered:
                raise FolderTaken(f"{str(target)!r} already holds something") from None
    raise FolderTaken(f"{str(target)!r}: no free folder name (tried {MAX_NUMBERED})")


def clear_incomplete(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove what killed attempts left in ``folder`` (``.incomplete-*`` folders).

    Only for the process that holds the folder's lock (:func:`o2osim.run_folders.locked`):
    any other process's staging folder in it would be live."""
    gone = sorted(Path(folder).glob(INCOMPLETE_PREFIX + "*"))
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)
    return gone


def stored_fingerprint(folder: str | os.PathLike[str]) -> str | None:
    """``config_sha256`` of the finished run in ``folder`` (None: unfinished or unknown)."""
    path = Path(folder) / "metrics.json"
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("config_sha256")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return value if isinstance(value, str) else None


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


SCHEMA_VERSION = 2
"""Version of the layout of ``metrics.json`` (written as ``schema_version``; 1: the files
written before the typed run record, which have no such field)."""


MAX_METRICS_BYTES = 50_000_000
"""The largest ``metrics.json`` read (a run's is about 25 kB)."""


def read_metrics(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A run's ``metrics.json`` (give the folder or the file), checked against the layout
    the run record is written in (:func:`check_metrics`).

    The one reader of ``metrics.json`` (CLI, search, reports, ``o2osim-compare``). Raises
    ``ValueError`` with a one-line reason for anything else (``OSError`` if it cannot be
    read).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.json"
    with path.open("rb") as fh:
        raw = fh.read(MAX_METRICS_BYTES + 1)
    if len(raw) > MAX_METRICS_BYTES:
        raise ValueError(f"{path}: larger than {MAX_METRICS_BYTES:,} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (not UTF-8 at byte {exc.start})") from exc
    except (ValueError, RecursionError) as exc:  # a number of too many digits, deep nesting
        reason = str(exc).splitlines()[0] if isinstance(exc, ValueError) else "nested too deeply"
        raise ValueError(f"{path}: not valid JSON ({reason})") from exc
    try:
        return check_metrics(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def check_metrics(data: Any) -> dict[str, Any]:
    """``data`` (a parsed ``metrics.json``) if it has the layout :mod:`o2osim.metrics` and
    :mod:`o2osim.replications` write, else ``ValueError`` naming the first field that is
    wrong, its value and what is allowed.

    Required: ``kpis`` (KPI name → a finite number, or null for a KPI not measured) and
    ``targets`` (name → ``kpi``, ``op`` ``>=`` / ``<=``, a finite ``threshold``). Every
    other field this o2osim writes (:data:`METRICS_FIELDS`) is checked when present;
    fields it does not know are left alone (a newer writer of the same schema version).
    """
    if not isinstance(data, dict) or not isinstance(data.get("kpis"), dict):
        raise ValueError("not an o2osim metrics.json (no kpis)")
    if not isinstance(data.get("targets", {}), dict):
        raise ValueError("not an o2osim metrics.json (targets is not a table)")
    version = data.get("schema_version", 1)
    if not _is_int(version) or version < 1:
        raise ValueError(f"schema_version: {version!r} — must be a whole number >= 1")
    if version > SCHEMA_VERSION:
        raise ValueError(f"schema_version {version!r} is newer than this o2osim "
                         f"reads ({SCHEMA_VERSION}); upgrade o2osim")
    for name, check in METRICS_FIELDS.items():
        if name in data:
            check(name, data[name])
    return data


# The checks of :func:`check_metrics`: each raises ValueError("field: value — allowed").

def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _bad(field: str, value: Any, allowed: str) -> ValueError:
    shown = repr(value)
    return ValueError(f"{field}: {shown[:60] + '...' if len(shown) > 63 else shown} — "
                      f"{allowed}")


def _number(field: str, x: Any, low: float = -math.inf, high: float = math.inf) -> None:
    if not _is_number(x) or not low <= x <= high:
        where = "" if (low, high) == (-math.inf, math.inf) else f" in [{low:g}, {high:g}]"
        raise _bad(field, x, f"must be a finite number{where}")


def _optional_number(field: str, x: Any) -> None:
    if x is not None:
        _number(field, x)


def _share(field: str, x: Any) -> None:
    _number(field, x, 0.0, 1.0)


def _whole(low: int) -> Callable[[str, Any], None]:
    def check(field: str, x: Any) -> None:
        if not _is_int(x) or x < low:
            raise _bad(field, x, f"must be a whole number >= {low}")
    return check


def _text(field: str, x: Any) -> None:
    if not isinstance(x, str):
        raise _bad(field, x, "must be text")


def _flag(field: str, x: Any) -> None:
    if not isinstance(x, bool):
        raise _bad(field, x, "must be true or false")


def _list_of(item: Callable[[str, Any], None], length: int | None = None
             ) -> Callable[[str, Any], None]:
    """A list whose items each pass ``item`` (of ``length`` items, if given)."""
    def check(field: str, x: Any) -> None:
        if not isinstance(x, list) or length is not None and len(x) != length:
            raise _bad(field, x, "must be a list" if length is None
                       else f"must be a list of {length} numbers [low, high]")
        for i, v in enumerate(x):
            item(f"{field}[{i}]", v)
    return check


def _pair(item: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    return _list_of(item, 2)


def _table(item: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    """A JSON object whose values each pass ``item`` (keys are always text in JSON)."""
    def check(field: str, x: Any) -> None:
        if not isinstance(x, dict):
            raise _bad(field, x, "must be a table (a JSON object)")
        for key, v in x.items():
            item(f"{field}.{key}", v)
    return check


def _record(fields: dict[str, Callable[[str, Any], None]], required: tuple[str, ...] = ()
            ) -> Callable[[str, Any], None]:
    """A JSON object with ``required`` keys; known keys are checked, others left alone."""
    def check(field: str, x: Any) -> None:
        if not isinstance(x, dict):
            raise _bad(field, x, "must be a table (a JSON object)")
        for key in required:
            if key not in x:
                raise ValueError(f"{field}.{key}: missing — required")
        for key, item in fields.items():
            if key in x:
                item(f"{field}.{key}", x[key])
    return check


def _op(field: str, x: Any) -> None:
    if x not in (">=", "<="):
        raise _bad(field, x, "must be '>=' or '<='")


def _anything(field: str, x: Any) -> None:
    return None


_TARGET = _record({"kpi": _text, "op": _op, "threshold": _number, "value": _optional_number,
                   "met": _flag, "label": _text, "source": _text,
                   "probability": lambda f, x: None if x is None else _share(f, x),
                   "interval_90": _pair(_optional_number)}, required=("kpi", "threshold"))
_STATS = _record({"mean": _number, "sd": _number, "p05": _number, "p95": _number,
                  "mean_ci90": _pair(_number)})
_CHANNEL = _record({"kind": _text, "budget_cny": _number, "spend_cny": _number,
                    "attributed_revenue_cny": _number})

METRICS_FIELDS: dict[str, Callable[[str, Any], None]] = {
    "kpis": _table(_optional_number),
    "targets": _table(_TARGET),
    "all_targets_met": _flag,
    "units": _table(_text),
    "satisfaction_drivers": _table(_anything),
    "channels": _table(_CHANNEL),
    "scale_real_per_simulated": lambda f, x: _number(f, x, 0.0),
    "seed": _whole(0),
    "population": _whole(1),
    "days": _whole(1),
    "market": _text,
    "plan": _text,
    "version": _text,
    "kpi_stats": _table(_STATS),
    "all_targets_probability": _share,
    "all_targets_probability_ci90": _pair(_share),
    "replications": _whole(1),
    "replication_seeds": _list_of(_whole(0)),
    "config_sha256": _text,
}
"""The fields of ``metrics.json`` (schema version 2) and the check of each."""
