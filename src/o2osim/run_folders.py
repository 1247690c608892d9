"""Which folders o2osim may write a run into, and one writer per run folder at a time.

**A folder o2osim writes into is new, empty, or one it wrote itself.** Every run folder
and sweep folder gets a small marker file, :data:`MARKER` (``.o2osim-folder.json``:
``{"written_by": "o2osim", "kind": "run" | "sweep", ...}``), when o2osim claims it —
before Hydra or the run put anything there (:func:`claim`). A folder that holds anything
else and no marker is somebody's own folder: :func:`foreign_entries` names what is in it,
and o2osim refuses to write there (so a user's ``daily.csv`` or ``report.html`` is never
replaced). Folders written before markers existed are recognised by what only o2osim
writes: a ``metrics.json`` carrying ``config_sha256``, or Hydra's ``.hydra/hydra.yaml``
of the job named ``o2osim`` (:func:`written_by_o2osim`).

**One writer per run folder.** A run holds an exclusive lock on its folder's marker for
as long as it works there (:func:`locked`; ``flock``, so the lock goes when the process
does, however it ends). Only the holder of the lock removes what a killed attempt left in
the folder (``.incomplete-*``, :func:`o2osim.results.clear_incomplete`), so a job never
removes the live staging folder of another process. A second process that reaches a
folder being written (two copies of one sweep started into one ``hydra.sweep.dir``)
waits for the lock and then finds the job finished: it skips it, it does not run it
again. Where ``fcntl`` does not exist (Windows) there is no lock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

from o2osim.results import INCOMPLETE_PREFIX, stored_fingerprint
from o2osim.safe_yaml import load_yaml

MARKER = ".o2osim-folder.json"
"""The file that marks a folder as written by o2osim (and is locked while a run writes)."""
RUN, SWEEP = "run", "sweep"
"""The kinds of folder a marker names."""
JOB_NAME = "o2osim"
"""``hydra.job.name`` of o2osim's Hydra app (``conf/config.yaml``)."""
HYDRA_ENTRIES = (".hydra", f"{JOB_NAME}.log")
"""What Hydra writes into a run folder before the run starts (its record, the job log)."""
SWEEP_RECORD = "multirun"
"""Hydra's record of a sweep in the sweep folder: ``multirun.yaml`` (and o2osim's
``multirun.prev-N.yaml``)."""
SHOWN = 3
"""How many entries an error names."""


class FolderRefused(Exception):
    """A folder o2osim must not write into; the message says why, in one line."""


def _marker(folder: Path) -> dict[str, Any] | None:
    """The marker's content (``{}`` when it exists but cannot be read), or None."""
    path = folder / MARKER
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # being written, or damaged: still ours
    return data if isinstance(data, dict) else {}


def marker_kind(folder: str | os.PathLike[str]) -> str | None:
    """``"run"`` or ``"sweep"`` for a marked folder (``""`` if the marker does not say),
    None for a folder without a marker."""
    data = _marker(Path(folder))
    return None if data is None else str(data.get("kind") or "")


def written_by_o2osim(folder: str | os.PathLike[str], hydra_record: bool = True) -> bool:
    """True if ``folder`` has o2osim's marker, or (written before markers) a
    ``metrics.json`` with ``config_sha256`` or (with ``hydra_record``) Hydra's record of
    the ``o2osim`` job."""
    folder = Path(folder)
    if _marker(folder) is not None:
        return True
    if stored_fingerprint(folder) is not None:
        return True
    if not hydra_record:
        return False
    try:
        record = load_yaml(folder / ".hydra" / "hydra.yaml")
    except (OSError, ValueError):
        return False
    hydra = record.get("hydra") if isinstance(record, dict) else None
    job = hydra.get("job") if isinstance(hydra, dict) else None
    return isinstance(job, dict) and job.get("name") == JOB_NAME


def foreign_entries(folder: str | os.PathLike[str], sweep: bool = False,
                    allowed: Sequence[str] = ()) -> list[str]:
    """What in ``folder`` o2osim did not write (sorted names; empty when the folder does
    not exist, is empty, or is o2osim's). ``allowed`` names entries to disregard (what
    Hydra has just written for this very run). In a sweep folder without a marker,
    Hydra's sweep records are o2osim's too, and so is a sub-folder holding only o2osim's
    folders (job folders, up to :data:`MAX_DEPTH` deep). Once :data:`SHOWN` entries are
    found, the remaining sub-folders are not searched (they count as foreign). When
    ``.hydra`` is ``allowed`` (Hydra has just written it), it does not tell that o2osim
    wrote the folder before."""
    folder = Path(folder)
    if not folder.is_dir() or written_by_o2osim(folder, hydra_record=".hydra" not in allowed):
        return []
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name in allowed or entry.name.startswith(INCOMPLETE_PREFIX):
            continue  # an .incomplete-* folder is what a killed o2osim run left
        if sweep and entry.is_file() and entry.name.startswith(SWEEP_RECORD):
            continue
        if sweep and len(found) < SHOWN and _only_o2osims(entry, MAX_DEPTH):
            continue
        found.append(entry.name + ("/" if entry.is_dir() else ""))
    return found


MAX_DEPTH = 8
"""How deep below a sweep folder job folders are looked for (``hydra.sweep.subdir`` may
nest them)."""


def _only_o2osims(folder: Path, depth: int) -> bool:
    """True if ``folder`` is o2osim's, or a real folder holding only o2osim's folders."""
    if not folder.is_dir() or folder.is_symlink() or depth < 0:
        return False
    if written_by_o2osim(folder):
        return True
    return all(_only_o2osims(entry, depth - 1) for entry in folder.iterdir())


def describe(entries: Sequence[str]) -> str:
    """``daily.csv, notes.txt, report.html`` (at most :data:`SHOWN`, then ``and N more``)."""
    shown = ", ".join(entries[:SHOWN])
    return shown + (f" and {len(entries) - SHOWN} more" if len(entries) > SHOWN else "")


def check_writable_here(folder: str | os.PathLike[str], kind: str,
                        allowed: Sequence[str] = ()) -> None:
    """Raise :class:`FolderRefused` unless o2osim may write a ``kind`` folder at
    ``folder``: it is missing, empty, or o2osim's own of the same kind."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FolderRefused("is a file, not a folder; choose a new or empty folder (nothing "
                            "was run or overwritten)")
    other = marker_kind(folder)
    if other and other != kind:
        raise FolderRefused(f"is an o2osim {other} folder, not a {kind} folder; choose a "
                            "new folder (nothing was run or overwritten)")
    try:
        foreign = foreign_entries(folder, sweep=kind == SWEEP, allowed=allowed)
    except OSError as exc:
        raise FolderRefused(f"cannot be read ({exc.strerror or type(exc).__name__}); choose "
                            "another folder (nothing was run or overwritten)") from None
    if foreign:
        raise FolderRefused(f"holds files o2osim did not write ({describe(foreign)}); "
                            "choose a new or empty folder (nothing was run or overwritten)")


def claim(folder: str | os.PathLike[str], kind: str, allowed: Sequence[str] = ()) -> Path:
    """Make ``folder`` (and its parents) if needed and mark it as an o2osim ``kind``
    folder; :class:`FolderRefused` if it holds what o2osim did not write
    (:func:`check_writable_here`). A marker already there is kept as it is."""
    folder = Path(folder)
    check_writable_here(folder, kind, allowed)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_marker(folder, kind)
    except OSError as exc:
        raise FolderRefused(f"cannot be written ({exc.strerror or type(exc).__name__}); "
                            "choose another folder (nothing was run or overwritten)") from None
    return folder


def write_marker(folder: Path, kind: str) -> None:
    """Create ``folder``'s marker unless it has one (never replaced: it may be locked)."""
    from o2osim import __version__

    content = json.dumps({"written_by": "o2osim", "kind": kind, "version": __version__,
                          "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    try:
        fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content + "\n")


def claim_new(candidates: Iterator[str], kind: str) -> str:
    """The first of ``candidates`` that can be made as a new folder (made and marked):
    a folder that exists, even empty, is passed over."""
    for candidate in candidates:
        path = Path(candidate)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir()
        except FileExistsError:
            continue
        write_marker(path, kind)
        return candidate
    raise FolderRefused("no free folder name")


@contextmanager
def locked(folder: str | os.PathLike[str], allowed: Sequence[str] = HYDRA_ENTRIES,
           on_wait: Callable[[], None] | None = None) -> Iterator[Path]:
    """Hold ``folder`` (claimed as a run folder, :func:`claim`) for this process alone
    while the block runs. If another process holds it, ``on_wait`` is called and the
    lock is waited for."""
    folder = claim(folder, RUN, allowed)
    if fcntl is None:
        yield folder
        return
    fd = os.open(folder / MARKER, os.O_RDWR)  # write access: flock over NFS needs it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        os.close(fd)  # releases the lock
