"""The ``o2osim`` command: runs, sweeps, one-line errors, nothing overwritten."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SMALL = ["sim.population=2000", "sim.days=20"]


def o2osim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "o2osim.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "CI": "1"})


def test_run_writes_a_complete_folder_and_prints_the_scorecard(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = o2osim(*SMALL, f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in ("metrics.json", "daily.csv", "stores.csv", ".hydra/config.yaml"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["market"] == "retail_apparel" and metrics["plan"] == "integrated"
    assert "Full-channel conversion" in proc.stdout and ("MET" in proc.stdout)
    assert str(out) in proc.stdout


def test_default_folder_is_under_results_runs(tmp_path: Path) -> None:
    proc = o2osim(*SMALL, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = list((tmp_path / "results" / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "metrics.json").exists()


BAD = {
    "unknown-key": ("sim.foo=1", "sim.foo"),
    "wrong-type": ("sim.population=abc", "sim.population"),
    "probability-above-1": ("market.behaviour.coupon_claim_prob=1.5", "coupon_claim_prob"),
    "negative-budget": ("plan.channels.lbs_ads.budget_cny=-100", "lbs_ads.budget_cny"),
    "coupon-above-threshold": ("plan.coupon.value_cny=400", "plan.coupon.value_cny"),
    "missing-preset": ("market=nope", "market"),
    "unknown-channel": ("plan.channels.douyin.budget_cny=5", "plan.channels.douyin"),
    "sweep-without-m": ("sim.seed=1,2", "sim.seed"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_no_folder(case: str, tmp_path: Path) -> None:
    override, field = BAD[case]
    proc = o2osim(override, *SMALL, cwd=tmp_path)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    value = override.split("=", 1)[1]
    assert field in lines[0] and value in lines[0]
    assert not (tmp_path / "results").exists()
    assert proc.stdout == ""


def test_existing_results_are_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert o2osim(*SMALL, f"hydra.run.dir={out}", cwd=tmp_path).returncode == 0
    before = (out / "metrics.json").read_bytes()
    proc = o2osim(*SMALL, "sim.seed=9", f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2 and "already holds results" in proc.stderr
    assert (out / "metrics.json").read_bytes() == before


def test_multirun_writes_one_folder_per_job(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    proc = o2osim("-m", "sim.seed=1,2", *SMALL, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    seeds = sorted(json.loads((sweep / j / "metrics.json").read_text())["seed"] for j in "01")
    assert seeds == [1, 2]


def test_bad_value_in_one_sweep_job_stops_the_whole_sweep(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    proc = o2osim("-m", "plan.coupon.value_cny=50,500", *SMALL, f"hydra.sweep.dir={sweep}",
                  cwd=tmp_path)
    assert proc.returncode == 2 and "plan.coupon.value_cny" in proc.stderr
    assert not sweep.exists()
