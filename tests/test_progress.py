"""Progress: a bar on a terminal's stderr, nothing in logs, pipes or CI; display only."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FOUR_WEEKS
from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.progress import ProgressBar, progress_wanted

TINY = ("sim.population=2000", "sim.days=30", *FOUR_WEEKS)


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_redraws_one_line_and_estimates_the_time_left() -> None:
    out = io.StringIO()
    now = [100.0]
    bar = ProgressBar("replications done", 4, stream=out, clock=lambda: now[0])
    now[0] = 110.0
    bar.update(1)
    assert out.getvalue() == ("\r  replications done 1/4 [#######.......................] "
                              "10 s, about 30 s left\x1b[K")
    now[0] = 140.0
    bar.update(4)
    assert out.getvalue().endswith("4/4 [" + "#" * 30 + "] 40 s\x1b[K\n")
    bar.update(4)  # after the end: nothing more
    assert out.getvalue().count("\n") == 1


def test_progress_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress_wanted(FakeTty())
    assert not progress_wanted(io.StringIO())  # a pipe, a file, a log
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(FakeTty())


def test_a_run_shows_its_days_and_progress_changes_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    sc = compose_scenario(list(TINY))
    quiet = run_scenario(sc)
    shown = run_scenario(sc, progress=True)
    err = capsys.readouterr().err
    assert "simulating day 30/30" in err and err.endswith("\n")
    assert shown.metrics == quiet.metrics
    assert shown.daily.equals(quiet.daily)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_") and k != "CI"}
    env["COLUMNS"] = "100"
    return env


def on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``args`` with stderr on a pseudo-terminal; return what it drew there."""
    leader, follower = pty.openpty()
    with open(cwd / "stdout.txt", "w") as stdout:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=stdout, stderr=follower)
    os.close(follower)
    chunks = []
    while True:  # read as it comes: a full terminal buffer would block the run
        try:
            data = os.read(leader, 4096)
        except OSError:  # the run closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=600) == 0
    return b"".join(chunks).decode()


def test_cli_draws_the_bar_on_a_terminal_only(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "o2osim.cli", *TINY, "sim.replications=2", "sim.workers=1"]
    # stderr a terminal (a pseudo-terminal), CI unset: replications and days are shown
    shown = on_a_terminal([*args, "hydra.run.dir=tty"], tmp_path, _env())
    assert "replication 1 day 30/30" in shown and "replications done 2/2" in shown
    # a terminal in CI: quiet
    in_ci = on_a_terminal([*args, "hydra.run.dir=ci"], tmp_path, {**_env(), "CI": "1"})
    assert "replication" not in in_ci and "day 30/30" not in in_ci
    # stderr a pipe, CI unset: not a character of progress
    piped = subprocess.run([*args, "hydra.run.dir=pipe"], cwd=tmp_path, env=_env(),
                           capture_output=True, text=True, timeout=600)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    results = [(tmp_path / d / "replications.csv").read_text() for d in ("tty", "ci", "pipe")]
    assert results[0] == results[1] == results[2]  # the bar changes nothing
