"""Run folders: only new, empty or o2osim's own folders are written; a killed or crashed
run can be run again; two processes writing one sweep folder never undo each other."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SMALL, RunO2osim
from o2osim.cli import _output_folder, preflight
from o2osim.config import ConfigError, register_schemas
from o2osim.results import INCOMPLETE_PREFIX, clear_incomplete
from o2osim.run_folders import (
    MARKER,
    RUN,
    SWEEP,
    FolderRefused,
    claim,
    foreign_entries,
    locked,
    marker_kind,
    written_by_o2osim,
)

GOLDEN = Path(__file__).parent / "golden" / "retail_apparel__fragmented__s11"
MINE = {"daily.csv": "my,own\n1,2\n", "report.html": "<p>my report</p>", "notes.txt": "x"}


def _user_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    for name, text in MINE.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def _untouched(path: Path) -> bool:
    return sorted(p.name for p in path.iterdir()) == sorted(MINE) and all(
        (path / n).read_text(encoding="utf-8") == t for n, t in MINE.items())


@pytest.fixture(autouse=True)
def _schemas() -> None:
    register_schemas()  # what o2osim.cli.main does before preflight


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    env.update(CI="1", COLUMNS="100")
    return env


# --------------------------------------------------------------------------- whose folder


def test_a_folder_of_the_users_own_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    mine = _user_folder(tmp_path / "mine")
    with pytest.raises(ConfigError, match=r"hydra.run.dir: .* holds files o2osim did not write "
                       r"\(daily.csv, notes.txt, report.html\); choose a new or empty folder"):
        preflight([*SMALL, f"hydra.run.dir={mine}"])
    assert _untouched(mine)
    with pytest.raises(ConfigError, match="hydra.sweep.dir: .* holds files o2osim did not"):
        preflight(["-m", "sim.seed=1,2", *SMALL, f"hydra.sweep.dir={mine}"])
    assert _untouched(mine)


def test_new_and_empty_folders_are_claimed_with_a_marker(tmp_path: Path) -> None:
    new, empty = tmp_path / "a" / "new", tmp_path / "empty"
    empty.mkdir()
    for folder, sweep in ((new, False), (empty, True)):
        key = "hydra.sweep.dir" if sweep else "hydra.run.dir"
        assert _output_folder(key, str(folder), explicit=True, sweep=sweep) == str(folder)
        assert marker_kind(folder) == (SWEEP if sweep else RUN)
        assert [p.name for p in folder.iterdir()] == [MARKER]
    # an o2osim folder of the other kind is not reused as this kind
    with pytest.raises(ConfigError, match="is an o2osim sweep folder, not a run folder"):
        _output_folder("hydra.run.dir", str(empty), explicit=True, sweep=False)
    # the default timestamped folder is claimed new, marked, and never shared
    taken = tmp_path / "2026-01-01_10-00-00"
    taken.mkdir()
    fresh = _output_folder("hydra.run.dir", str(taken), explicit=False, sweep=False)
    assert fresh == f"{taken}_2" and marker_kind(fresh) == RUN


def test_folders_written_before_markers_are_recognised(tmp_path: Path) -> None:
    finished = tmp_path / "finished"
    shutil.copytree(GOLDEN, finished)
    metrics = json.loads((finished / "metrics.json").read_text(encoding="utf-8"))
    metrics["config_sha256"] = "0" * 64
    (finished / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    killed = tmp_path / "killed"  # Hydra's record of the o2osim job, and leftovers
    (killed / ".hydra").mkdir(parents=True)
    (killed / ".hydra" / "hydra.yaml").write_text("hydra:\n  job:\n    name: o2osim\n")
    (killed / f"{INCOMPLETE_PREFIX}x").mkdir()
    other = tmp_path / "other"  # another Hydra app's run
    (other / ".hydra").mkdir(parents=True)
    (other / ".hydra" / "hydra.yaml").write_text("hydra:\n  job:\n    name: my_app\n")
    assert written_by_o2osim(finished) and written_by_o2osim(killed)
    assert not written_by_o2osim(other) and foreign_entries(other) == [".hydra/"]
    sweep = tmp_path / "sweep"  # a sweep of those, with Hydra's sweep record
    for job in ("0", "1"):
        shutil.copytree(killed, sweep / job)
    (sweep / "multirun.yaml").write_text("x: 1\n")
    assert foreign_entries(sweep, sweep=True) == []
    (sweep / "notes.txt").write_text("mine")
    assert foreign_entries(sweep, sweep=True) == ["notes.txt"]
    assert _output_folder("hydra.run.dir", str(killed), explicit=True, sweep=False)
    with pytest.raises(ConfigError, match=r"already holds results \(metrics.json or .hydra\)"):
        _output_folder("hydra.run.dir", str(finished), explicit=True, sweep=False)
    with pytest.raises(ConfigError, match=r"already holds results \(metrics.json or .hydra\)"):
        _output_folder("hydra.run.dir", str(other), explicit=True, sweep=False)


def test_a_sweep_job_folder_holding_the_users_files_stops_the_resumed_sweep(
        tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    claim(sweep, SWEEP)
    (sweep / "0").mkdir()
    (sweep / "0" / ".hydra").mkdir()  # a job folder o2osim started (marked)
    claim(sweep / "0", RUN, allowed=(".hydra",))
    _user_folder(sweep / "1")
    with pytest.raises(ConfigError, match=r"hydra.sweep.dir: .* job 1 would write into .*1, "
                       r"which holds files o2osim did not write"):
        preflight(["-m", "sim.seed=1,2", *SMALL, f"hydra.sweep.dir={sweep}"])
    assert _untouched(sweep / "1")


# --------------------------------------------------------------------------- killed and crashed


def _wait_for(predicate: object, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_run_is_run_again_into_its_folder_and_its_leftovers_cleaned(
        o2osim: RunO2osim, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "o2osim.cli", *SMALL, "hydra.run.dir=run"],
                            cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: list(out.glob(INCOMPLETE_PREFIX + "*")))  # it is writing
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (out / "metrics.json").exists()
    assert list(out.glob(INCOMPLETE_PREFIX + "*"))
    again = o2osim(*SMALL, "hydra.run.dir=run")
    assert again.returncode == 0, again.stderr
    assert (out / "metrics.json").is_file() and (out / "report.html").is_file()
    assert not list(out.glob(INCOMPLETE_PREFIX + "*"))
    # finished now: a third run into it is refused, as for any finished run
    assert o2osim(*SMALL, "hydra.run.dir=run").returncode == 2


CRASHING_REPORT = """
import sys
import o2osim.reports.report as report
from o2osim import cli

def crash(folder):
    raise RuntimeError("the report crashed")

report.write_report = crash
sys.argv = ["o2osim", *sys.argv[1:]]
cli.main()
"""


def test_a_run_that_crashes_after_simulating_can_be_run_again(
        o2osim: RunO2osim, tmp_path: Path) -> None:
    out = tmp_path / "run"
    crashed = subprocess.run([sys.executable, "-c", CRASHING_REPORT, *SMALL,
                              "hydra.run.dir=run"], cwd=tmp_path, env=_env(),
                             capture_output=True, text=True, timeout=600)
    assert crashed.returncode != 0 and "the report crashed" in crashed.stderr
    assert sorted(p.name for p in out.iterdir()) == [".hydra", MARKER, "o2osim.log"]
    again = o2osim(*SMALL, "hydra.run.dir=run")
    assert again.returncode == 0, again.stderr
    assert (out / "metrics.json").is_file()


# --------------------------------------------------------------------------- two processes


HOLD = """
import sys, time
from pathlib import Path
from o2osim.run_folders import locked
with locked(sys.argv[1]):
    live = Path(sys.argv[1]) / ".incomplete-live"
    live.mkdir()
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes stdin
    live.rmdir()
"""


def test_a_run_waits_for_the_process_writing_its_folder_and_leaves_its_staging_alone(
        tmp_path: Path) -> None:
    folder = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "holding"
    run = subprocess.Popen([sys.executable, "-m", "o2osim.cli", *SMALL, f"hydra.run.dir={folder}"],
                           cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        # the run gets to its folder (Hydra writes its record), then waits for the lock
        _wait_for(lambda: (folder / ".hydra" / "config.yaml").exists())
        time.sleep(2.0)
        assert run.poll() is None, run.communicate()
        assert (folder / ".incomplete-live").is_dir()  # the other process's: not removed
        assert not (folder / "metrics.json").exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert "is being written by another o2osim process; waiting" in err
    assert (folder / "metrics.json").is_file()


def test_two_copies_of_one_sweep_in_one_folder_run_each_job_once(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "o2osim.cli", "-m", "sim.seed=1,2,3", *SMALL,
            "hydra.sweep.dir=sweep"]
    copies = [subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [c.communicate(timeout=900) for c in copies]
    assert [c.returncode for c in copies] == [0, 0], [e for _, e in outputs]
    results = [line for out, _ in outputs for line in out.splitlines()
               if line.startswith("results: ")]
    ran = [r for r in results if "skipped" not in r]
    assert len(results) == 6 and sorted(ran) == [f"results: sweep/{j}" for j in "012"], results
    sweep = tmp_path / "sweep"
    seeds = [json.loads((sweep / j / "metrics.json").read_text())["seed"] for j in "012"]
    assert seeds == [1, 2, 3]
    assert not list(sweep.rglob(INCOMPLETE_PREFIX + "*"))


def test_the_lock_is_the_processes_own_and_clear_incomplete_needs_it(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    waited: list[bool] = []
    with locked(folder, on_wait=lambda: waited.append(True)):
        (folder / f"{INCOMPLETE_PREFIX}old").mkdir()
        assert [p.name for p in clear_incomplete(folder)] == [f"{INCOMPLETE_PREFIX}old"]
    with locked(folder, on_wait=lambda: waited.append(True)):  # free again: no wait
        pass
    assert waited == []
    assert marker_kind(folder) == RUN
    _user_folder(tmp_path / "mine")
    with pytest.raises(FolderRefused, match="holds files o2osim did not write"):
        with locked(tmp_path / "mine"):
            pass
    assert _untouched(tmp_path / "mine")


def test_a_file_or_a_folder_below_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("mine", encoding="utf-8")
    for target, reason in ((tmp_path / "file", "is a file, not a folder"),
                           (tmp_path / "file" / "run", "cannot be written")):
        with pytest.raises(FolderRefused, match=reason):
            claim(target, RUN)
    assert (tmp_path / "file").read_text(encoding="utf-8") == "mine"


def test_job_folders_nested_below_a_sweep_folder_are_o2osims(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    claim(sweep / "a" / "b" / "0", RUN)  # hydra.sweep.subdir=${x}/${y}/${hydra.job.num}
    (sweep / "a" / "empty").mkdir()
    assert foreign_entries(sweep, sweep=True) == []
    (sweep / "a" / "b" / "notes.txt").write_text("mine", encoding="utf-8")
    assert foreign_entries(sweep, sweep=True) == ["a/"]


def test_two_runs_started_into_one_new_folder_run_once(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "o2osim.cli", *SMALL, "hydra.run.dir=run"]
    copies = [subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [c.communicate(timeout=900) for c in copies]
    ran = [out for out, _ in outputs if out.rstrip().endswith("results: run")]
    assert len(ran) == 1, outputs
    other = next(i for i, (out, _) in enumerate(outputs) if out not in ran)
    out, err = outputs[other]
    # it waited and found the run finished, or (started later) was refused before any work
    assert (copies[other].returncode == 0 and "already complete for this configuration: "
            "skipped" in out) or (copies[other].returncode == 2
                                  and "already holds results" in err), outputs[other]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["kpis"]
    assert not list((tmp_path / "run").glob(INCOMPLETE_PREFIX + "*"))


def test_the_task_itself_refuses_a_folder_of_the_users_files(tmp_path: Path) -> None:
    """The preflight normally stops this; the Hydra task called directly is the safety net
    (Hydra has written its own record there by then; nothing of the user's is replaced)."""
    mine = _user_folder(tmp_path / "mine")
    code = ("import sys; from o2osim import cli; cli.register_schemas(); "
            f"sys.argv = ['o2osim', *{list(SMALL)!r}, 'hydra.run.dir=mine']; cli._app()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "o2osim: error: hydra.run.dir: 'mine' — holds files o2osim did not write (daily.csv, "
        "notes.txt, report.html); choose a new or empty folder (nothing was run or "
        "overwritten)"]
    assert all((mine / n).read_text(encoding="utf-8") == t for n, t in MINE.items())
    assert not (mine / "metrics.json").exists() and not (mine / MARKER).exists()


def test_a_killed_run_written_before_markers_is_run_again(o2osim: RunO2osim,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "run"  # what a killed run of an o2osim without markers left
    (out / ".hydra").mkdir(parents=True)
    (out / ".hydra" / "hydra.yaml").write_text("hydra:\n  job:\n    name: o2osim\n")
    (out / "o2osim.log").write_text("")
    (out / f"{INCOMPLETE_PREFIX}abc").mkdir()
    (out / f"{INCOMPLETE_PREFIX}abc" / "daily.csv").write_text("day\n0\n")
    proc = o2osim(*SMALL, "hydra.run.dir=run")
    assert proc.returncode == 0, proc.stderr
    assert (out / "metrics.json").is_file() and marker_kind(out) == RUN
    assert not list(out.glob(INCOMPLETE_PREFIX + "*"))
