"""The cheapest-plan search: its objective, and a tiny real search through the command."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

from conftest import FOUR_WEEKS
from o2osim.search import (
    INFEASIBLE_PENALTY_CNY,
    Trial,
    objective,
    pick_best,
    relative_shortfall,
    total_relative_shortfall,
    verdict,
    write_search_outputs,
)

# --------------------------------------------------------------------------- the objective


def target(kpi: str, op: str, threshold: float, value: float | None) -> dict[str, Any]:
    met = value is not None and (value >= threshold if op == ">=" else value <= threshold)
    return {"kpi": kpi, "op": op, "threshold": threshold, "value": value, "met": met}


def metrics(cost_cny: float, conversion: float = 0.2, steps: float = 2) -> dict[str, Any]:
    """Hand-made ``metrics.json``: two targets, conversion >= 15 % and steps <= 3."""
    targets = {"conversion": target("conversion_rate", ">=", 0.15, conversion),
               "steps_to_redeem": target("steps_to_redeem", "<=", 3, steps)}
    return {"kpis": {"total_cost_cny": cost_cny, "conversion_rate": conversion,
                     "steps_to_redeem": steps},
            "targets": targets, "all_targets_met": all(t["met"] for t in targets.values())}


def test_relative_shortfall_of_each_kind_of_target() -> None:
    assert relative_shortfall(target("conversion_rate", ">=", 0.15, 0.12)) == pytest.approx(0.2)
    assert relative_shortfall(target("conversion_rate", ">=", 0.15, 0.30)) == 0
    assert relative_shortfall(target("steps_to_redeem", "<=", 3, 4)) == pytest.approx(1 / 3)
    assert relative_shortfall(target("walkout_rate", "<=", 0, 0.25)) == 0.25  # threshold 0
    assert relative_shortfall(target("roi", ">=", 1.8, None)) == 1  # no value: a full miss
    assert total_relative_shortfall(metrics(1e6, conversion=0.12, steps=4)) == pytest.approx(
        0.2 + 1 / 3)


def test_a_plan_meeting_every_target_scores_its_cost() -> None:
    assert objective(metrics(12_345_678.0)) == 12_345_678.0


def test_objective_ranks_feasible_first_then_cheaper_then_closer() -> None:
    ranked = {
        "feasible, cheap": metrics(5e6),
        "feasible, dear": metrics(80e6),
        "misses a little, cheap": metrics(1e6, conversion=0.149),
        "misses a little, dearer": metrics(2e6, conversion=0.149),
        "misses more": metrics(1e6, conversion=0.10),
        "misses two targets": metrics(1e6, conversion=0.10, steps=4),
        "misses everything": metrics(0.0, conversion=0.0, steps=9),
    }
    scores = {name: objective(m) for name, m in ranked.items()}
    assert sorted(scores, key=scores.__getitem__) == list(ranked)
    # any miss ranks behind a feasible plan costing up to the penalty
    assert objective(metrics(0.0, conversion=0.1499)) > objective(
        metrics(INFEASIBLE_PENALTY_CNY * 0.99))


def test_pick_best_is_the_cheapest_feasible_else_the_closest() -> None:
    def trial(n: int, m: dict[str, Any], state: str = "COMPLETE") -> Trial:
        return Trial(number=n, state=state, params={}, value=objective(m), folder=None,
                     metrics=m)

    cheap_miss = trial(0, metrics(1e6, conversion=0.14))
    dear_hit, cheap_hit = trial(1, metrics(9e6)), trial(2, metrics(7e6))
    failed = trial(3, metrics(1e5), state="FAIL")
    assert pick_best([cheap_miss, dear_hit, cheap_hit, failed]) == (cheap_hit, True)
    far = trial(4, metrics(1e5, conversion=0.05))
    assert pick_best([far, cheap_miss]) == (cheap_miss, False)
    assert pick_best([failed]) == (None, False)


# --------------------------------------------------------------------------- a real search

TINY = ("+experiment=cheapest_plan", "sim.population=2000", "sim.days=28", *FOUR_WEEKS,
        "hydra.sweeper.sampler.n_startup_trials=1")
"""Trials of 2 000 consumers over a 4-week campaign, about 2 s each; trial 0 is the plan
searched from, the sampler's model (TPE) chooses from trial 1 on."""


def run_o2osim(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    env.update(CI="1", COLUMNS="100")
    return subprocess.run([sys.executable, "-m", "o2osim.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def history(sweep: Path) -> pd.DataFrame:
    return pd.read_csv(sweep / "search_history.csv")


def searched(frame: pd.DataFrame) -> pd.DataFrame:
    """What the sampler chose and what it got: the parameters and the objective."""
    return frame[["trial", *[c for c in frame.columns if c.startswith("plan.")], "objective"]]


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 1-trial search extended to 2 by running it again with n_trials=2, and the same
    search run as 2 trials at once into another folder (without -m: the preset is a sweep)."""
    cwd = tmp_path_factory.mktemp("search")
    first = run_o2osim(cwd, "-m", *TINY, "hydra.sweeper.n_trials=1", "hydra.sweep.dir=s")
    assert first.returncode == 0, first.stderr[-3000:]
    after_first = history(cwd / "s")
    resumed = run_o2osim(cwd, "-m", *TINY, "hydra.sweeper.n_trials=2", "hydra.sweep.dir=s")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    straight = run_o2osim(cwd, *TINY, "hydra.sweeper.n_trials=2", "hydra.sweep.dir=t")
    assert straight.returncode == 0, straight.stderr[-3000:]
    return {"cwd": cwd, "first": first, "after_first": after_first, "resumed": resumed,
            "straight": straight}


def test_the_search_writes_its_history_plan_report_and_study(search: dict[str, Any]) -> None:
    sweep = search["cwd"] / "s"
    table = history(sweep)
    assert table["trial"].tolist() == [0, 1]
    assert (table["state"] == "COMPLETE").all()
    for row in table.itertuples():
        m = json.loads((sweep / str(row.trial) / "metrics.json").read_text(encoding="utf-8"))
        assert row.objective == pytest.approx(objective(m), rel=1e-12)
        assert row.total_cost_cny == pytest.approx(m["kpis"]["total_cost_cny"])
        assert row.feasible == m["all_targets_met"]
        assert row.conversion_rate == pytest.approx(m["kpis"]["conversion_rate"])
    assert table["best"].sum() == 1
    best = table[table["best"]].iloc[0]
    assert best["objective"] == table["objective"].min()
    # trial 0 is the plan searched from (integrated), the others the sampler's
    first = table.iloc[0]
    assert (first["plan.channels.lbs_ads.budget_cny"], first["plan.coupon.value_cny"],
            first["plan.integration.unified_membership"]) == (3_000_000, 50, True)
    assert len(table.drop_duplicates(subset=[c for c in table if c.startswith("plan.")])) == 2
    preset = "best_plan" if best["feasible"] else "closest_plan"
    other = "closest_plan" if best["feasible"] else "best_plan"
    plan_file = sweep / "conf" / "plan" / f"{preset}.yaml"
    assert plan_file.is_file() and not (sweep / "conf" / "plan" / f"{other}.yaml").exists()
    text = plan_file.read_text(encoding="utf-8")
    assert text.startswith("# @package plan\n")
    assert ("NOT meeting all targets" in text) != bool(best["feasible"])
    plan = yaml.safe_load(text)
    assert plan["name"] == preset
    assert plan["channels"]["lbs_ads"]["budget_cny"] == best["plan.channels.lbs_ads.budget_cny"]
    assert plan["coupon"]["redeem_where"] == best["plan.coupon.redeem_where"]
    assert (sweep / f"{preset}_report.html").read_bytes() == (
        sweep / str(best["trial"]) / "report.html").read_bytes()
    assert (sweep / "optuna.db").is_file()
    summary = (sweep / "search_summary.md").read_text(encoding="utf-8")
    assert f"trial {best['trial']}" in summary
    out = search["resumed"].stdout
    if best["feasible"]:
        assert "Cheapest plan meeting all 9 targets" in out
    else:
        assert "No trial met all 9 targets" in out and "NOT as a plan that meets" in out


def test_same_command_same_trials_and_a_resumed_search_continues_it(
        search: dict[str, Any]) -> None:
    cwd = search["cwd"]
    assert "Resuming study 'cheapest_plan': 1 of 2 trials already made" in (
        search["resumed"].stdout)
    resumed, straight = searched(history(cwd / "s")), searched(history(cwd / "t"))
    pd.testing.assert_frame_equal(resumed, straight)  # 1 + 1 trials = 2 trials at once
    pd.testing.assert_frame_equal(resumed.iloc[:1], searched(search["after_first"]))
    assert sorted(p.name for p in (cwd / "s").iterdir() if p.name.isdigit()) == ["0", "1"]


def test_the_written_plan_reruns_with_the_same_kpis(search: dict[str, Any]) -> None:
    cwd = search["cwd"]
    line = next(x for x in search["resumed"].stdout.splitlines() if x.startswith("run it:"))
    command = shlex.split(line.removeprefix("run it:"))
    assert command[:3] == ["o2osim", "--config-dir", "s/conf"]
    proc = run_o2osim(cwd, *command[1:], "hydra.run.dir=rerun")
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = history(cwd / "s")
    best = int(table.loc[table["best"], "trial"].iloc[0])
    trial = json.loads((cwd / "s" / str(best) / "metrics.json").read_text(encoding="utf-8"))
    rerun = json.loads((cwd / "rerun" / "metrics.json").read_text(encoding="utf-8"))
    assert rerun["plan"] in ("best_plan", "closest_plan")
    assert rerun["kpis"] == trial["kpis"]
    assert rerun["targets"] == trial["targets"]


@pytest.mark.filterwarnings("ignore:Deprecated API features detected:DeprecationWarning")
def test_a_trial_meeting_every_target_is_written_as_the_best_plan(
        search: dict[str, Any], tmp_path: Path) -> None:
    # the search of folder t again, its trials judged on targets every plan meets
    sweep = tmp_path / "t"
    shutil.copytree(search["cwd"] / "t", sweep)
    for path in sweep.glob("*/metrics.json"):
        m = json.loads(path.read_text(encoding="utf-8"))
        for t in m["targets"].values():
            t["threshold"] = 0 if t["op"] == ">=" else 99
            t["met"] = True
        m["all_targets_met"] = True
        path.write_text(json.dumps(m), encoding="utf-8")
    config = OmegaConf.load(sweep / "multirun.yaml")
    config.hydra.sweep.dir = str(sweep)
    written = write_search_outputs(config)
    table = history(sweep)
    cheapest = table.loc[table["total_cost_cny"].idxmin()]
    assert table["feasible"].all() and table["objective"].equals(table["total_cost_cny"])
    assert table["best"].tolist() == [t == cheapest["trial"] for t in table["trial"]]
    assert (written.best is not None and written.found
            and written.best.number == cheapest["trial"])
    assert (f"Cheapest plan meeting all 9 targets: trial {cheapest['trial']}, total cost "
            in verdict(written))
    plans = sweep / "conf" / "plan"
    assert "Cheapest plan meeting all 9 targets" in (plans / "best_plan.yaml").read_text(
        encoding="utf-8")
    assert not (plans / "closest_plan.yaml").exists()  # the copy's closest plan is gone
    assert (sweep / "best_plan_report.html").is_file()
    assert not (sweep / "closest_plan_report.html").exists()


def test_a_study_of_another_configuration_is_not_continued(search: dict[str, Any]) -> None:
    cwd = search["cwd"]
    before = history(cwd / "t")
    proc = run_o2osim(cwd, *TINY, "market=hotpot_chain", "hydra.sweeper.n_trials=3",
                      "hydra.sweep.dir=t")
    assert proc.returncode != 0
    assert "was made by another search configuration" in proc.stderr
    assert not (cwd / "t" / "2").exists()
    pd.testing.assert_frame_equal(history(cwd / "t"), before)

