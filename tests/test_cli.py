"""The ``o2osim`` command: runs, sweeps, one-line errors, nothing overwritten."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import SMALL, RunO2osim, market_presets
from o2osim.cli import _output_folder
from o2osim.config import ConfigError
from o2osim.reports import format_scorecard
from o2osim.results import run_folder_has_results, write_json_atomic


def entries(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_run_writes_a_complete_folder_and_prints_the_scorecard(
        o2osim: RunO2osim, tmp_path: Path) -> None:
    proc = o2osim(*SMALL, "sim.seed=7", "hydra.run.dir=results/run")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "results" / "run"
    for name in ("metrics.json", "daily.csv", ".hydra/config.yaml"):
        assert (out / name).is_file(), name
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert (metrics["market"], metrics["plan"], metrics["seed"]) == (
        "retail_apparel", "integrated", 7)
    assert len(pd.read_csv(out / "daily.csv")) == 30
    assert "population: 2000" in (out / ".hydra" / "config.yaml").read_text()
    assert format_scorecard(metrics, width=100) in proc.stdout
    assert "Full-channel conversion" in proc.stdout
    assert proc.stdout.rstrip().endswith("results: results/run")


def test_default_run_folders_are_timestamped_and_never_shared(
        o2osim: RunO2osim, tmp_path: Path) -> None:
    # two runs started together usually land in the same second: the second gets "_2"
    procs: list[subprocess.CompletedProcess[str]] = []
    threads = [threading.Thread(target=lambda: procs.append(o2osim(*SMALL))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.returncode for p in procs] == [0, 0], [p.stderr for p in procs]
    runs = sorted((tmp_path / "results" / "runs").iterdir())
    assert len(runs) == 2
    assert all((r / "metrics.json").is_file() for r in runs)


def test_a_taken_default_folder_gets_a_fresh_name(tmp_path: Path) -> None:
    taken = tmp_path / "2026-01-01_10-00-00"
    (taken / ".hydra").mkdir(parents=True)
    (tmp_path / "2026-01-01_10-00-00_2").mkdir()  # exists, even empty: not reused
    fresh = _output_folder("hydra.run.dir", str(taken), explicit=False, sweep=False)
    assert fresh == f"{taken}_3" and Path(fresh).is_dir()
    with pytest.raises(ConfigError, match="hydra.run.dir: .* already holds results"):
        _output_folder("hydra.run.dir", str(taken), explicit=True, sweep=False)


BAD = {
    "unknown-key": (["sim.foo=1"], "sim.foo"),
    "wrong-type": (["sim.population=abc"], "sim.population"),
    "probability-1.5": (["market.behaviour.coupon_claim_prob=1.5"],
                        "market.behaviour.coupon_claim_prob"),
    "negative-budget": (["plan.channels.lbs_ads.budget_cny=-100"],
                        "plan.channels.lbs_ads.budget_cny"),
    "coupon-above-threshold": (["plan.coupon.value_cny=400"], "plan.coupon.value_cny"),
    "missing-preset": (["market=nope"], "market"),
    "unknown-plan-channel": (["plan.channels.douyin.budget_cny=5"], "plan.channels.douyin"),
    "sweep-without-m": (["sim.seed=1,2"], "sim.seed"),
    "bad-job-in-sweep": (["-m", "plan.coupon.value_cny=50,500"], "plan.coupon.value_cny"),
    "unparsable-value": (["sim.seed=["], "sim.seed"),
    "bad-option": (["--cfg=everything"], "--cfg/-c"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_no_folder(
        case: str, o2osim: RunO2osim, tmp_path: Path) -> None:
    args, field = BAD[case]
    before = entries(tmp_path)
    proc = o2osim(*args, *SMALL, "hydra.run.dir=results/run", "hydra.sweep.dir=results/sweep")
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert f"{field}:" in lines[0] and " — " in lines[0]
    assert proc.stdout == ""
    assert entries(tmp_path) == before


def test_existing_run_folder_is_refused_and_left_byte_identical(
        o2osim: RunO2osim, tmp_path: Path) -> None:
    assert o2osim(*SMALL, "hydra.run.dir=results/run").returncode == 0
    out = tmp_path / "results" / "run"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    proc = o2osim(*SMALL, "sim.seed=9", "hydra.run.dir=results/run")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "o2osim: error: hydra.run.dir: 'results/run' — already holds results "
        "(metrics.json or .hydra); choose a new folder (nothing was run or overwritten)")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def files(folder: Path) -> dict[Path, bytes]:
    """Every result file below ``folder`` (Hydra's own records left out)."""
    return {p: p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".hydra" not in p.parts and p.suffix != ".log"
            and not p.name.startswith("multirun")}


def test_multirun_writes_one_folder_per_job_and_resumes_into_its_folder(
        o2osim: RunO2osim, tmp_path: Path) -> None:
    proc = o2osim("-m", "sim.seed=1,2,3", *SMALL, "hydra.sweep.dir=results/sweep")
    assert proc.returncode == 0, proc.stderr
    sweep = tmp_path / "results" / "sweep"
    seeds = [json.loads((sweep / job / "metrics.json").read_text())["seed"] for job in "012"]
    assert seeds == [1, 2, 3]
    assert proc.stdout.count("Full-channel conversion") == 3
    assert not list(sweep.rglob(".incomplete-*"))
    # job 1 "crashed": its results are gone; job 2 was killed while writing (leftovers)
    kept = files(sweep / "0")
    for p in (sweep / "1").iterdir():
        if p.is_file():
            p.unlink()
    (sweep / "2" / "metrics.json").unlink()
    (sweep / "2" / ".incomplete-x").mkdir()
    (sweep / "2" / ".incomplete-x" / "metrics.json").write_text("{half")
    again = o2osim("-m", "sim.seed=1,2,3", *SMALL, "hydra.sweep.dir=results/sweep")
    assert again.returncode == 0, again.stderr
    assert "resuming sweep" in again.stderr and "1 of 3 jobs already complete" in again.stderr
    assert "skipped" in again.stdout
    assert files(sweep / "0") == kept  # the finished job was not touched
    for job, seed in (("1", 2), ("2", 3)):
        assert json.loads((sweep / job / "metrics.json").read_text())["seed"] == seed
    assert not list(sweep.rglob(".incomplete-*"))
    assert (sweep / "multirun.prev-1.yaml").is_file()  # the first attempt's record is kept
    # the same rerun a third time does nothing new
    before = files(sweep)
    third = o2osim("-m", "sim.seed=1,2,3", *SMALL, "hydra.sweep.dir=results/sweep")
    assert third.returncode == 0 and "3 of 3 jobs already complete" in third.stderr
    assert files(sweep) == before


def test_a_sweep_whose_jobs_would_land_on_other_results_is_refused(
        o2osim: RunO2osim, tmp_path: Path) -> None:
    assert o2osim("-m", "sim.seed=1,2", *SMALL, "hydra.sweep.dir=results/sweep").returncode == 0
    sweep = tmp_path / "results" / "sweep"
    before = files(sweep)
    again = o2osim("-m", "sim.seed=2,1", *SMALL, "hydra.sweep.dir=results/sweep")
    assert again.returncode == 2 and again.stderr.startswith("o2osim: error: hydra.sweep.dir:")
    assert "holds results of another configuration" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert files(sweep) == before


def test_bad_input_reaching_the_task_is_still_one_line(tmp_path: Path) -> None:
    # The preflight normally stops this; call the Hydra app directly to test the safety net.
    code = ("import sys; from o2osim import cli; cli.register_schemas(); "
            "sys.argv = ['o2osim', 'plan.coupon.value_cny=400', 'hydra.run.dir=run']; cli._app()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("o2osim: error: plan.coupon.value_cny: 400 ")
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_a_missing_preset_lists_the_market_presets_only(o2osim: RunO2osim) -> None:
    proc = o2osim("market=nope", *SMALL)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("o2osim: error: market: 'nope' is not a preset — allowed: "
                                   + ", ".join(market_presets()))
    assert "market_base" not in o2osim("--help").stdout  # what the presets share is no choice


MY_MARKET = """# @package market
defaults:
  - retail_apparel
  - _self_
name: my_market
stores:
  count: 7
channels:
  lbs_ads:
    cpm_cny: 20
"""


def test_a_market_of_your_own_extends_a_preset(o2osim: RunO2osim, tmp_path: Path) -> None:
    (tmp_path / "mine" / "market").mkdir(parents=True)
    (tmp_path / "mine" / "market" / "my_market.yaml").write_text(MY_MARKET, encoding="utf-8")
    proc = o2osim("--config-dir", "mine", "market=my_market", *SMALL, "hydra.run.dir=run")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["market"] == "my_market"
    market = yaml.safe_load((tmp_path / "run" / ".hydra" / "config.yaml").read_text())["market"]
    assert market["stores"]["count"] == 7 and market["channels"]["lbs_ads"]["cpm_cny"] == 20
    assert market["stores"]["basket_mean_cny"] == 420  # the preset's
    assert market["channels"]["crm_retarget"]["requires"] == "unified_id"  # the presets' base
    assert list(market["channels"]) == ["content_seeding", "livestream", "local_life", "lbs_ads",
                                        "crm_retarget", "member_push", "offline_events"]
    bad = o2osim("--config-dir", "mine", "market=nope", *SMALL)
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith(", ".join(sorted([*market_presets(), "my_market"])))


def test_show_config_passes_straight_to_hydra(o2osim: RunO2osim, tmp_path: Path) -> None:
    proc = o2osim("--cfg", "job", "sim.seed=5")
    assert proc.returncode == 0, proc.stderr
    assert "seed: 5" in proc.stdout
    assert not (tmp_path / "results").exists()


# --------------------------------------------------------------------------- scorecard, files

METRICS = {
    "market": "hotpot_chain", "plan": "fragmented", "seed": 3, "population": 20000, "days": 112,
    "version": "0.1.0",
    "targets": {
        "conversion": {"kpi": "conversion_rate", "op": ">=", "threshold": 0.15,
                       "value": 0.1234, "met": False, "label": "Full-channel conversion"},
        "roi": {"kpi": "roi", "op": ">=", "threshold": 1.8, "value": 1.926, "met": True,
                "label": "Marketing ROI"},
        "steps": {"kpi": "steps_to_redeem", "op": "<=", "threshold": 3, "value": 4.0,
                  "met": False, "label": "Steps to redeem"},
    },
}


def test_scorecard_rows_rates_roi_steps_and_summary() -> None:
    lines = format_scorecard(METRICS).splitlines()
    assert lines[0] == ("o2osim 0.1.0 | market hotpot_chain | plan fragmented | seed 3 | "
                        "20,000 consumers | 112 days")
    rows = {ln.split("  ")[0]: ln.split() for ln in lines if ln.startswith(("Full", "Mark", "Ste"))}
    assert rows["Full-channel conversion"][-6:] == [">=", "15.0", "%", "12.3", "%", "MISSED"]
    assert rows["Marketing ROI"][-4:] == [">=", "1.80", "1.93", "MET"]
    assert rows["Steps to redeem"][-4:] == ["<=", "3", "4", "MISSED"]
    assert lines[-1] == "2 of 3 targets missed: conversion, steps"


def test_scorecard_fits_a_narrow_terminal() -> None:
    lines = format_scorecard(METRICS, width=50).splitlines()
    assert max(len(ln) for ln in lines[2:-1]) <= 50
    met = dict(METRICS, targets={k: dict(t, met=True) for k, t in METRICS["targets"].items()})
    assert format_scorecard(met).splitlines()[-1] == "All targets met"


def test_atomic_json_write_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    assert not run_folder_has_results(tmp_path)
    write_json_atomic(tmp_path / "metrics.json", {"a": 1})
    write_json_atomic(tmp_path / "metrics.json", {"b": "统一"})
    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8")) == {"b": "统一"}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
    assert run_folder_has_results(tmp_path)


def test_replicated_run_writes_one_row_per_replication(o2osim: RunO2osim,
                                                      tmp_path: Path) -> None:
    proc = o2osim(*SMALL, "sim.replications=3", "sim.workers=1", "hydra.run.dir=results/rep")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "results" / "rep"
    table = pd.read_csv(out / "replications.csv")
    assert list(table["replication"]) == [0, 1, 2]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["replications"] == 3
    assert "p=" in proc.stdout
    for t in metrics["targets"].values():
        assert 0.0 <= t["probability"] <= 1.0


def test_an_interrupted_write_leaves_no_metrics_json(tmp_path: Path) -> None:
    """A run is written into a temporary folder and moved into place when complete."""
    from o2osim.results import staged_run

    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt), staged_run(folder) as stage:
        write_json_atomic(stage / "metrics.json", {"kpis": {}})
        (stage / "daily.csv").write_text("day\n0\n")
        raise KeyboardInterrupt  # e.g. Ctrl-C while the report is being drawn
    assert not (folder / "metrics.json").exists()
    assert list(folder.iterdir()) == []
    with staged_run(folder) as stage:
        write_json_atomic(stage / "metrics.json", {"kpis": {}})
        (stage / "daily.csv").write_text("day\n0\n")
    assert sorted(p.name for p in folder.iterdir()) == ["daily.csv", "metrics.json"]


# --------------------------------------------------------------------------- preflight: fast paths

TYPED_JOBS = [
    [],
    ["plan.coupon.value_cny=30"],  # an int into a float
    ["plan.coupon.value_cny=30.5", "sim.seed=7", "plan.review_reward=true"],
    ["plan.channels.livestream.budget_cny=1e6", "market.stores.count=12"],
    ["plan.operations.daypart_staff_multiplier=[1,2,0.5]", "plan.promo_weeks=[2,3]"],
    ["plan.operations.open_hour=9", "plan.operations.open_hour=null"],  # Optional, last wins
    ["market.channels.local_life.lbs_radius_km=null"],
    ["plan.name=5", "market.description=a b"],  # numbers into strings
    ["++plan.coupon.value_cny=40"],
    ["plan.coupon.value_cny=${plan.coupon.threshold_cny}"],  # an interpolation: composed
    ["market=hotpot_chain", "plan.coupon.threshold_cny=100", "plan.coupon.value_cny=20"],
    ["market.operations.stations.cashier.units=3", "sim.population=5000"],
]


def test_typed_jobs_are_the_scenarios_of_a_full_composition() -> None:
    """The sweep preflight's typed path (values set on a copy of the converted presets)
    gives exactly the scenario of composing the job in full, as Hydra will."""
    from hydra.types import RunMode

    from o2osim import cli
    from o2osim.config import register_schemas, to_scenario, validate_scenario
    from o2osim.config.fingerprint import scenario_sha256
    from o2osim.config.jobs import JobScenarios

    register_schemas()
    with cli._hydra_session(None, None) as loader:
        compose = cli.composing(cli.CONFIG_NAME)
        scenarios = JobScenarios(loader, compose)
        for job in TYPED_JOBS:
            fast = scenarios.typed([*SMALL, *job])
            full = to_scenario(compose([*SMALL, *job], RunMode.RUN))
            assert fast == full, job
            assert scenario_sha256(fast) == scenario_sha256(full), job
        for job in (["plan.coupon.value_cny=400"], ["market.stores.count=0"],
                    ["plan.operations.store_staff_multipliers=[1,1]"],  # a rule across nodes
                    ["sim.population=20000000", "sim.days=1100"], ["plan.promise_level=2"]):
            with pytest.raises(ConfigError) as fast_err:  # only the changed nodes' fields
                scenarios.checked([*SMALL, *job])
            with pytest.raises(ConfigError) as full_err:
                validate_scenario(to_scenario(compose([*SMALL, *job], RunMode.RUN)))
            assert str(fast_err.value) == str(full_err.value), job
        base = scenarios.typed(list(SMALL))
        scenarios.typed([*SMALL, "plan.coupon.value_cny=10"])
        assert base.plan.coupon.value_cny == 50  # the presets' copy is never changed
        for job in (["sim.seed=abc"], ["sim.seed=1.5"], ["plan.review_reward=maybe"]):
            with pytest.raises(ConfigError) as fast_err:
                scenarios.typed([*SMALL, *job])
            with pytest.raises(ConfigError) as full_err:
                cli.preflight([*SMALL, *job, "hydra.run.dir=x"])
            assert str(fast_err.value) == str(full_err.value)


def test_a_sweep_of_thousands_of_jobs_is_checked_in_seconds(tmp_path: Path) -> None:
    import time

    from o2osim import cli
    from o2osim.config import register_schemas

    register_schemas()
    start = time.process_time()
    argv = cli.preflight(["-m", "plan.coupon.value_cny=range(1,251)", "sim.seed=1,2,3,4",
                          "plan.coupon.threshold_cny=2000", *SMALL,
                          f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    cpu = time.process_time() - start
    assert f"hydra.sweep.dir='{tmp_path / 'sweep'}'" in argv
    assert cpu < 15, f"1000 jobs took {cpu:.1f} s CPU"  # 2.2 s here; 20-30 s before
    with pytest.raises(ConfigError, match=r"^-m: 12000 jobs .* at most 10000 jobs"):
        cli.preflight(["-m", "sim.seed=range(0,3000)", "plan.coupon.value_cny=10,20,30,40",
                       *SMALL, f"hydra.sweep.dir={tmp_path / 'big'}"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]


def test_a_callback_from_the_command_line_creates_nothing(o2osim: RunO2osim,
                                                          tmp_path: Path) -> None:
    """Through the real process: Hydra would instantiate the callback before any job."""
    target = tmp_path / "created"
    proc = o2osim(*SMALL, f"+hydra.callbacks.x={{_target_:builtins.open,_args_:[{target},w]}}")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "o2osim: error: hydra.callbacks.x._target_: 'builtins.open' — callbacks shipped "
        "with o2osim: o2osim.search.SearchOutputs")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_resuming_a_large_sweep_is_checked_in_seconds(tmp_path: Path) -> None:
    """With Hydra's default subdir (the job number) a resumed sweep's job folders are
    found without composing each job (0.25-0.3 s each before: 300 jobs took ~90 s)."""
    import time

    from o2osim import cli
    from o2osim.config import register_schemas

    register_schemas()
    sweep = tmp_path / "sweep"
    args = ["-m", "plan.coupon.value_cny=range(1,301)", "plan.coupon.threshold_cny=2000",
            *SMALL, f"hydra.sweep.dir={sweep}"]
    cli.preflight(args)
    (sweep / "299").mkdir(parents=True)
    write_json_atomic(sweep / "299" / "metrics.json", {"config_sha256": "another", "kpis": {}})
    start = time.process_time()
    with pytest.raises(ConfigError, match=r"job 299 \(plan.coupon.value_cny=300 .*\) would "
                                          r"write into .*299, which holds results of another"):
        cli.preflight(args)
    assert time.process_time() - start < 15  # ~1.3 s here
