"""``o2osim-compare``: a table, figures and a verdict over finished runs and sweeps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import yaml
from matplotlib.text import Annotation, Text
from PIL import Image

from conftest import FOUR_WEEKS
from o2osim.reports.compare import compare, main
from o2osim.reports.compare_figures import (
    draw_funnels,
    draw_quadrants,
    draw_spend_conversion,
    key_text,
    write_figures,
)
from o2osim.reports.compare_page import to_html
from o2osim.reports.compare_table import (
    BEST_ROLE,
    FRONTIER_ROLE,
    FULL_LABELS,
    MAX_FRONTIER_LABELS,
    MAX_FUNNELS,
    PURCHASED,
    SATISFIED_ROLE,
    Target,
    cheapest_meeting_all,
    comparison_table,
    csv_table,
    featured,
    funnel_rows,
    labelled,
    meets,
    pareto_frontier,
    rank_order,
    scenario_funnel,
    total_relative_shortfall,
    union_targets,
)
from o2osim.reports.figures_common import place_labels
from o2osim.reports.funnel import funnel_stages
from o2osim.reports.markets import compare_markets, market_groups, mixing_sentence
from o2osim.reports.runs import Run, load_run
from o2osim.reports.scenarios import (
    distinguishing,
    folder_tails,
    other_differences,
    scenario_labels,
    short_keys,
)
from o2osim.results import FolderTaken, staged_folder
from o2osim.targets import closeness

TINY = ("sim.population=2000", "sim.days=42", *FOUR_WEEKS)
"""A run of about a second."""
EVIL = "<script>alert(1)</script>"


def _o2osim(cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    env.update(CI="1", COLUMNS="100")
    proc = subprocess.run([sys.executable, "-m", "o2osim.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run folders made by the real command, shared by the tests of this module:

    * ``sweep/0``, ``sweep/1`` — a multirun over the two plans;
    * ``rep`` — the integrated plan, 2 replications and a smaller livestream budget;
    * ``crashed`` — a job folder Hydra started but no ``metrics.json`` (skipped);
    * ``running`` — the same, with the ``.incomplete-*`` folder a run is staged in;
    * ``<script>alert(1)</script>`` (two nested folders) — a copy of ``sweep/1`` whose
      plan is named ``<script>alert(1)</script>``.
    """
    base = tmp_path_factory.mktemp("compare")
    _o2osim(base, "-m", "plan=fragmented,integrated", *TINY, "hydra.sweep.dir=sweep")
    _o2osim(base, *TINY, "sim.replications=2", "sim.workers=1",
            "plan.channels.livestream.budget_cny=2000000", "hydra.run.dir=rep")
    shutil.copytree(base / "sweep" / "0" / ".hydra", base / "crashed" / ".hydra")
    shutil.copytree(base / "sweep" / "0" / ".hydra", base / "running" / ".hydra")
    (base / "running" / ".incomplete-x1y2" / "daily.csv").parent.mkdir()
    evil = base / EVIL
    shutil.copytree(base / "sweep" / "1", evil)
    metrics = json.loads((evil / "metrics.json").read_text(encoding="utf-8"))
    metrics["plan"] = EVIL
    (evil / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    config = yaml.safe_load((evil / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
    config["plan"]["name"] = EVIL
    (evil / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return base


def _compare(root: Path, out: Path, *paths: str) -> tuple[pd.DataFrame, str, str]:
    """Compare ``paths`` (relative to ``root``) into ``out``; the CSV, HTML and summary."""
    folder, text = compare([str(root / p) for p in paths], str(out))
    assert folder == out
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False, na_values=[""])
    return table, (out / "comparison.html").read_text(encoding="utf-8"), text


def test_one_row_per_run_with_the_overrides_that_distinguish_it(
        root: Path, tmp_path: Path) -> None:
    table, page, text = _compare(root, tmp_path / "out", "sweep")
    assert list(table["run_folder"]) == [str(root / "sweep" / "0"), str(root / "sweep" / "1")]
    # both jobs share sim.population / sim.days: only the plan tells them apart
    assert list(table["distinguishing_overrides"]) == ["plan=fragmented", "plan=integrated"]
    assert list(table["scenario"]) == ["plan=fragmented", "plan=integrated"]
    for job, row in zip("01", table.itertuples(), strict=True):
        metrics = json.loads((root / "sweep" / job / "metrics.json").read_text())
        assert row.total_spend_cny == pytest.approx(metrics["kpis"]["total_cost_cny"])
        for kpi, value in metrics["kpis"].items():
            if value is None:  # a KPI not measured (the ground truth's, off): an empty cell
                assert pd.isna(getattr(row, kpi)), kpi
                continue
            assert getattr(row, kpi) == pytest.approx(value), kpi
        for name, t in metrics["targets"].items():
            assert bool(getattr(row, f"meets_{name}")) == t["met"], name
        assert bool(row.meets_all_targets) == metrics["all_targets_met"]
    assert "conversion_rate_p05" not in table  # nothing replicated: no interval columns
    for name in ("spend_vs_conversion.png", "satisfaction_vs_conversion.png", "funnels.png"):
        assert (tmp_path / "out" / name).stat().st_size > 10_000, name
    assert page.count("data:image/png;base64,") == 3
    assert "http" not in page and "<script" not in page  # opens offline, runs nothing
    assert "S1" in text and "plan=fragmented" in text


def test_replicated_runs_get_intervals_and_probabilities(root: Path, tmp_path: Path) -> None:
    table, page, _ = _compare(root, tmp_path / "out", "sweep", "rep")
    assert len(table) == 3
    rep = table.iloc[2]
    # the three runs differ in plan, livestream budget and replications; the number of
    # replications (and sim.workers) is not part of what distinguishes a scenario
    assert rep["distinguishing_overrides"] == (
        "plan=integrated plan.channels.livestream.budget_cny=2000000")
    assert rep["scenario"] == "plan=integrated livestream.budget_cny=2000000"  # key shortened
    assert list(table["replications"]) == [1, 1, 2]
    assert pd.isna(rep["other_config_differences"])  # sim.replications: no hidden difference
    assert "<th>Replications</th>" in page
    metrics = json.loads((root / "rep" / "metrics.json").read_text())
    stats = metrics["kpi_stats"]["conversion_rate"]
    assert (rep["conversion_rate_p05"], rep["conversion_rate_p95"]) == pytest.approx(
        (stats["p05"], stats["p95"]))
    assert rep["p_meets_satisfaction"] == metrics["targets"]["satisfaction"]["probability"]
    assert rep["p_meets_all_targets"] == metrics["all_targets_probability"]
    assert table.iloc[0][["conversion_rate_p05", "p_meets_satisfaction"]].isna().all()
    assert "of replications" in page


def test_runs_without_results_are_listed_as_skipped(
        root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(root), "--out", str(tmp_path / "out")])  # the whole tree: nested folders
    out = capsys.readouterr().out
    table = pd.read_csv(tmp_path / "out" / "comparison.csv")
    assert len(table) == 4  # sweep/0, sweep/1, rep and the copy; not crashed or running
    assert not table["run_folder"].str.contains("crashed|running").any()
    crashed = "no metrics.json: the run crashed or is still running"
    running = ("no metrics.json yet: the run is still running or was killed (.incomplete-* "
               "folder inside)")
    assert f"skipped: {root / 'crashed'} — {crashed}" in out
    assert f"skipped: {root / 'running'} — {running}" in out
    page = (tmp_path / "out" / "comparison.html").read_text(encoding="utf-8")
    assert f"<code>{root / 'crashed'}</code>: {crashed}" in page
    assert out.rstrip().splitlines()[-1] == f"comparison: {tmp_path / 'out'}"


def test_folder_and_plan_names_are_escaped_in_the_page(root: Path, tmp_path: Path) -> None:
    table, page, _ = _compare(root, tmp_path / "out", "sweep", EVIL)
    assert table["run_folder"].iloc[-1] == str(root / EVIL)
    assert table["plan"].iloc[-1] == EVIL
    # same plan preset as sweep/1 but renamed: a difference no override explains
    assert table["other_config_differences"].iloc[-1] == f"plan.name='{EVIL}'"
    assert table["other_config_differences"].iloc[-2] == "plan.name=integrated"
    # the same name as sweep/1: told apart by the shortest folder tails
    assert list(table["scenario"].iloc[-2:]) == ["plan=integrated (sweep/1)",
                                                 f"plan=integrated ({EVIL})"]
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_same_input_gives_identical_output_in_fresh_default_folders(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    now = dt.datetime(2026, 11, 22, 16, 30, 10)
    first, _ = compare([str(root / "sweep"), str(root / "rep")], None, now=now)
    second, _ = compare([str(root / "sweep"), str(root / "rep")], None, now=now)
    assert first == Path("results/comparisons/2026-11-22_16-30-10")
    assert second == Path("results/comparisons/2026-11-22_16-30-10_2")  # never overwritten
    files = sorted(p.name for p in first.iterdir())
    assert files == ["comparison.csv", "comparison.html", "funnels.png",
                     "satisfaction_vs_conversion.png", "spend_vs_conversion.png"]
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # no temp left


def test_an_existing_out_folder_is_refused_and_left_alone(
        root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main([str(root / "sweep"), "--out", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err == (f"o2osim-compare: error: --out: {str(out)!r} — already exists and is not "
                   "empty; choose a new folder (nothing was written)\n")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    empty = tmp_path / "empty"
    empty.mkdir()
    main([str(root / "sweep"), "--out", str(empty)])  # an empty folder is fine
    assert (empty / "comparison.csv").is_file()


def test_a_missing_path_is_one_line_exit_2_and_nothing_written(root: Path,
                                                               tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "o2osim.reports.compare", str(root / "sweep"),
                           "no/such/run"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == ("o2osim-compare: error: 'no/such/run': no such file or folder — "
                           "give run folders (holding metrics.json) or folders holding them "
                           "(sweeps)\n")
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_compare_is_an_error(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sweep" / "0" / ".hydra").mkdir(parents=True)
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "sweep"), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no finished run to compare" in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- hand-made rows


def test_pareto_frontier_keeps_only_points_nothing_beats() -> None:
    spend = [1.0, 2.0, 2.0, 3.0, 0.5, math.nan, 4.0, 1.0]
    conversion = [0.10, 0.20, 0.15, 0.20, 0.05, 0.30, 0.30, 0.10]
    assert pareto_frontier(spend, conversion) == [
        True,   # (1, 0.10): nothing cheaper converts as much (its twin is equal, not better)
        True,   # (2, 0.20)
        False,  # (2, 0.15): same spend as (2, 0.20), converts less
        False,  # (3, 0.20): (2, 0.20) converts as much for less
        True,   # (0.5, 0.05): the cheapest
        False,  # missing spend: never on the frontier, and beats nobody
        True,   # (4, 0.30): converts the most
        True,   # (1, 0.10) again
    ]
    assert pareto_frontier([], []) == []


TARGETS = {
    "conversion": Target("conversion", "conversion_rate", ">=", 0.15, "Full-channel conversion"),
    "satisfaction": Target("satisfaction", "satisfaction_rate", ">=", 0.85, "Satisfaction"),
    "steps": Target("steps", "steps_to_redeem", "<=", 3.0, "Steps to redeem"),
}


def _rows(*rows: tuple[float, float, float, float]) -> pd.DataFrame:
    """Hand-made scenarios: (total spend, conversion, satisfaction, steps)."""
    return pd.DataFrame([{"scenario_id": f"S{i}", "scenario": f"plan=p{i}",
                          "total_spend_cny": spend, "conversion_rate": conv,
                          "satisfaction_rate": sat, "steps_to_redeem": steps}
                         for i, (spend, conv, sat, steps) in enumerate(rows, start=1)])


def test_cheapest_meeting_all_targets_is_picked() -> None:
    table = _rows((9e6, 0.20, 0.90, 2),    # meets all
                  (7e6, 0.16, 0.86, 3),    # meets all, cheaper
                  (7e6, 0.18, 0.88, 2),    # meets all, as cheap and converts more: chosen
                  (5e6, 0.30, 0.95, 4))    # cheapest of all, but four steps
    verdict = cheapest_meeting_all(table, TARGETS)
    assert verdict.best == 2 and verdict.closest is None
    assert verdict.statement == ('Cheapest scenario meeting all 3 targets: S3 "plan=p3", '
                                 "total spend 7,000,000 CNY.")


def test_when_none_meets_all_the_closest_is_named_with_its_shortfalls() -> None:
    table = _rows((4e6, 0.14, 0.80, 3),    # 2 missed: 1 and 5 points short, 0.067 + 0.059
                  (3e6, 0.10, 0.84, 3),    # 2 missed: 0.333 + 0.012
                  (9e6, 0.20, 0.90, 4))    # 1 missed, one step over: 0.333
    verdict = cheapest_meeting_all(table, TARGETS)
    # more targets met first (issue 11): S3 misses one target, S1 two smaller ones
    assert verdict.best is None and verdict.closest == 2
    assert [(t.name, round(gap, 6)) for t, _, gap in verdict.missed] == [("steps", 1.0)]
    assert verdict.statement == (
        "No scenario meets all 3 targets. Closest (the most targets met, 2 of 3, then the "
        'smallest total shortfall relative to the thresholds): S3 "plan=p3", total spend '
        "9,000,000 CNY, which misses 1: Steps to redeem (steps_to_redeem 4, needs <= 3: "
        "1 step over, 33 % of the threshold).")
    two = cheapest_meeting_all(table.iloc[:2].reset_index(drop=True), TARGETS)
    assert two.closest == 0  # both miss two: the smaller total shortfall
    assert two.statement.endswith(
        "which misses 2: Full-channel conversion (conversion_rate 14.0 %, needs >= 15.0 %: "
        "1.0 percentage points short, 6.7 % of the threshold); Satisfaction "
        "(satisfaction_rate 80.0 %, needs >= 85.0 %: 5.0 percentage points short, 5.9 % of "
        "the threshold). Its nearest miss: Satisfaction, 5.0 percentage points short, "
        "5.9 % of the threshold.")


def test_ranking_puts_more_targets_met_first_then_the_shortfall_then_the_spend() -> None:
    # S1 meets 2 of 3 by far (0.6 short); S2 and S3 meet 1 of 3 by little (0.04 in all)
    table = _rows((5e6, 0.06, 0.90, 2), (4e6, 0.149, 0.84, 3.5),
                  (3e6, 0.149, 0.84, 3.5), (2e6, 0.20, 0.90, 2))
    table["targets_met"] = [2, 1, 1, 3]
    table["total_relative_shortfall"] = [total_relative_shortfall(row, TARGETS)
                                         for _, row in table.iterrows()]
    assert table["total_relative_shortfall"].iloc[0] > table["total_relative_shortfall"].iloc[1]
    assert rank_order(table) == [3, 0, 2, 1]  # all met; 2 met; 1 met, the cheaper first
    assert closeness({"conversion_rate": 0.06, "satisfaction_rate": 0.90,
                      "steps_to_redeem": 2}, TARGETS) == (1, pytest.approx(0.6))
    assert closeness({"conversion_rate": 0.2, "satisfaction_rate": 0.9,
                      "steps_to_redeem": 3}, TARGETS) == (0, 0.0)


def test_a_verdict_never_reads_0_percent_of_the_threshold() -> None:
    sync = {"sync": Target("sync", "calendar_sync_rate", ">=", 1.0, "Calendar in sync"),
            "roi": Target("roi", "roi", ">=", 1.8, "ROI")}
    table = pd.DataFrame([{"scenario_id": "S1", "scenario": "plan=p1",
                           "total_spend_cny": 1e6, "calendar_sync_rate": 0.997,
                           "roi": 1.7958}])
    verdict = cheapest_meeting_all(table, sync)
    assert ("Calendar in sync (calendar_sync_rate 99.7 %, needs >= 100.0 %: 0.3 percentage "
            "points short, 0.3 % of the threshold)") in verdict.statement
    assert ("ROI (roi 1.796, needs >= 1.80: 0.004 CNY of revenue per CNY of cost short, "
            "0.2 % of the threshold)") in verdict.statement
    assert "Its nearest miss: ROI" in verdict.statement


def test_a_missing_kpi_misses_its_target_by_a_relative_shortfall_of_one() -> None:
    # o2osim.targets: missing is not met, relative shortfall 1.0 (it used to be infinite)
    table = _rows((4e6, math.nan, 0.90, 3),   # no conversion: 1 missed, 1.0
                  (3e6, 0.05, 0.80, 3))       # 2 missed, 10 and 5 points short: 0.667 + 0.059
    assert total_relative_shortfall(table.iloc[0], TARGETS) == 1.0
    assert total_relative_shortfall({}, TARGETS) == 3.0
    verdict = cheapest_meeting_all(table, TARGETS)
    assert verdict.closest == 0  # fewer targets missed, though its shortfall is larger
    assert "conversion_rate n/a, needs >= 15.0 %: no value)" in verdict.statement
    verdict = cheapest_meeting_all(_rows((4e6, math.nan, 0.80, 3)), TARGETS)
    assert "Its nearest miss: Satisfaction, 5.0 percentage points short" in verdict.statement


# --------------------------------------------------------------------------- hand-made runs


def _run(root: Path, folder: str, overrides: list[str], config: dict[str, object]) -> Run:
    metrics = json.loads((root / "sweep" / "1" / "metrics.json").read_text(encoding="utf-8"))
    return Run(folder, metrics, overrides, config, {"market": "retail_apparel",
                                                    "plan": "integrated"}, True)


def test_a_run_that_did_not_override_a_key_shows_its_default(root: Path) -> None:
    runs = [_run(root, "a", [], {"sim.seed": 0, "sim.workers": 0, "plan.x": 1.0}),
            _run(root, "b", ["sim.seed=3", "sim.workers=2"],
                 {"sim.seed": 3, "sim.workers": 2, "plan.x": 1.0}),
            _run(root, "c", ["sim.seed=3", "sim.workers=2"],
                 {"sim.seed": 3, "sim.workers": 2, "plan.x": 2.5})]
    # sim.workers never changes results; plan.x differs though no override names it
    assert distinguishing(runs) == [{"sim.seed": "0"}, {"sim.seed": "3"}, {"sim.seed": "3"}]
    assert other_differences(runs, distinguishing(runs)) == [
        {"plan.x": "1"}, {"plan.x": "1"}, {"plan.x": "2.5"}]


def test_targets_defined_differently_are_noted_once(root: Path) -> None:
    runs = [_run(root, f"r{i}", [], {}) for i in range(3)]
    for run in runs[1:]:
        run.metrics = dict(run.metrics, targets={
            **run.metrics["targets"], "roi": dict(run.metrics["targets"]["roi"], threshold=1.5)})
    targets, notes = union_targets(runs)
    assert targets["roi"].threshold == 1.8
    assert notes == ["target roi is defined differently by 2 run(s) (e.g. roi >= 1.50 in r1); "
                     "every run is judged by roi >= 1.80, the first run's definition"]


# --------------------------------------------------------------------------- one market at a time


def _in_market(run: Run, market: str, **settings: object) -> Run:
    """``run`` as if run in ``market`` (``market.<key>`` settings added to its config)."""
    run.metrics = dict(run.metrics, market=market)
    run.config = {**run.config, "market.name": market,
                  **{f"market.{k}": v for k, v in settings.items()}}
    return run


def test_runs_are_grouped_by_market_then_by_target_set(root: Path) -> None:
    runs = [_in_market(_run(root, "a", [], {}), "retail_apparel"),
            _in_market(_run(root, "b", [], {}), "hotpot_chain"),
            _in_market(_run(root, "c", [], {}), "retail_apparel"),
            _in_market(_run(root, "d", [], {}), "hotpot_chain")]
    runs[3].metrics = dict(runs[3].metrics, targets={
        **runs[3].metrics["targets"], "roi": dict(runs[3].metrics["targets"]["roi"],
                                                  threshold=1.5)})
    groups = market_groups(runs)
    assert [(g.label, g.runs) for g in groups] == [
        ("retail_apparel", (0, 2)), ("hotpot_chain · target set 1", (1,)),
        ("hotpot_chain · target set 2", (3,))]
    assert groups[2].notes == ("hotpot_chain · target set 2 is judged by other targets than "
                               "hotpot_chain · target set 1: roi (roi >= 1.50 here; roi >= "
                               "1.80 there).",)
    assert [g.slug for g in groups] == ["1-retail_apparel", "2-hotpot_chain", "3-hotpot_chain"]
    parts = compare_markets(runs)
    assert [list(p.table["scenario_id"]) for p in parts] == [["S1", "S3"], ["S2"], ["S4"]]
    assert parts[2].targets["roi"].threshold == 1.5  # each judged by its own targets
    assert "This comparison mixes 3 groups of one market and one target set (2 markets)" in (
        mixing_sentence(groups) or "")
    assert mixing_sentence(groups[:1]) is None


def test_one_preset_with_other_settings_is_another_market(root: Path) -> None:
    runs = [_in_market(_run(root, "a", [], {}), "hotpot_chain", **{"stores.reality_level": 0.6}),
            _in_market(_run(root, "b", [], {}), "hotpot_chain", **{"stores.reality_level": 0.8}),
            _in_market(_run(root, "c", [], {}), "hotpot_chain", **{"stores.reality_level": 0.6})]
    assert [(g.label, g.runs) for g in market_groups(runs)] == [
        ("hotpot_chain (stores.reality_level=0.6)", (0, 2)),
        ("hotpot_chain (stores.reality_level=0.8)", (1,))]
    bare = _run(root, "d", [], {})  # no .hydra: only its market's name is known
    bare.has_hydra_config = False
    alone = [_in_market(_run(root, "e", [], {}), "hotpot_chain", **{"stores.reality_level": 0.6}),
             dataclasses.replace(bare, metrics=dict(bare.metrics, market="hotpot_chain"))]
    assert [g.runs for g in market_groups(alone)] == [(0, 1)]  # joins the one it can be
    assert [g.label for g in market_groups([*runs, alone[1]])][-1] == (
        "hotpot_chain (settings not recorded)")


def test_a_comparison_of_two_markets_judges_each_on_its_own(root: Path, tmp_path: Path,
                                                            monkeypatch) -> None:
    # the summary wraps at the terminal's width (100 when there is none; a pytest-xdist
    # worker reports 80): the first line is read at a width it fits
    monkeypatch.setenv("COLUMNS", "120")
    mixed = tmp_path / "mixed"
    for job, market in ((0, "retail_apparel"), (1, "retail_apparel"), (0, "hotpot_chain"),
                        (1, "hotpot_chain")):
        folder = mixed / market / str(job)
        shutil.copytree(root / "sweep" / str(job), folder)
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        if market == "hotpot_chain":  # cheaper than anything in retail_apparel
            metrics["kpis"]["total_cost_cny"] /= 10
        (folder / "metrics.json").write_text(json.dumps(dict(metrics, market=market)),
                                             encoding="utf-8")
    table, page, text = _compare(tmp_path, tmp_path / "out", "mixed")  # folders sorted
    assert text.startswith("NOTE: This comparison mixes 2 markets: hotpot_chain (2 "
                           "scenarios), retail_apparel (2 scenarios).")
    assert "== Market 1 of 2: hotpot_chain ==" in text
    assert "== Market 2 of 2: retail_apparel ==" in text
    assert list(table["market_group"]) == ["hotpot_chain"] * 2 + ["retail_apparel"] * 2
    assert list(table["rank"].sort_values()) == [1, 1, 2, 2]  # a ranking per market
    for market, ids in (("hotpot_chain", {"S1", "S2"}), ("retail_apparel", {"S3", "S4"})):
        rows = table[table["market_group"] == market]
        assert set(rows["scenario_id"]) == ids
        assert rows["on_pareto_frontier"].any()  # a frontier per market
    assert "id='mixing'" in page and "This comparison mixes 2 markets" in page
    verdicts = re.findall(r"<p class='verdict' id='verdict-(\d)'>(.*?)</p>", page)
    assert [n for n, _ in verdicts] == ["1", "2"]
    assert "S3" not in verdicts[0][1] and "S4" not in verdicts[0][1]
    assert "S1" not in verdicts[1][1] and "S2" not in verdicts[1][1]
    for tag in ("1-hotpot_chain", "2-retail_apparel"):
        assert (tmp_path / "out" / f"spend_vs_conversion_{tag}.png").is_file()
    assert not (tmp_path / "out" / "spend_vs_conversion.png").exists()


def test_figures_draw_labels_with_dollars_and_chinese(root: Path, tmp_path: Path) -> None:
    name = "整合 $5 plan"  # $ would start mathtext; the default font has no CJK glyphs
    runs = [_run(root, "a", ["plan.name=x"], {"plan.name": "x"}),
            _run(root, name, [f"plan.name='{name}'"], {"plan.name": name})]
    targets, _ = union_targets(runs)
    table = comparison_table(runs, targets)
    assert list(table["scenario"]) == ["plan.name=x", f"plan.name='{name}'"]
    figs = write_figures(tmp_path, table, runs, targets, cheapest_meeting_all(table, targets))
    assert sorted(figs) == ["funnels", "satisfaction_vs_conversion", "spend_vs_conversion"]


# --------------------------------------------------------------------------- names


def test_workers_hydra_and_replications_never_name_a_scenario(root: Path) -> None:
    runs = [_run(root, "/r/sweep/a", ["sim.replications=1", "hydra/launcher=joblib",
                                      "hydra.launcher.n_jobs=2"],
                 {"sim.replications": 1, "sim.workers": 0}),
            _run(root, "/r/sweep/b", ["sim.replications=4", "sim.workers=2",
                                      "hydra.sweep.dir=x"],
                 {"sim.replications": 4, "sim.workers": 2}),
            _run(root, "/r/other/b", ["sim.replications=4"],
                 {"sim.replications": 4, "sim.workers": 0})]
    for run in runs[1:]:
        run.metrics = dict(run.metrics, replications=4)
    settings = distinguishing(runs)
    assert settings == [{}, {}, {}]
    assert other_differences(runs, settings) == [{}, {}, {}]
    # the same scenario three times: told apart by replications, then by folder tails
    assert scenario_labels(runs, settings) == [
        "retail_apparel × integrated (1 replication)",
        "retail_apparel × integrated (4 replications) (sweep/b)",
        "retail_apparel × integrated (4 replications) (other/b)"]


def test_long_keys_are_shortened_unless_two_would_read_alike(root: Path) -> None:
    assert short_keys(["plan.channels.livestream.budget_cny", "plan.channels.douyin.budget_cny",
                       "plan.coupon.value_cny", "market.coupon.value_cny", "sim.seed"]) == {
        "plan.channels.livestream.budget_cny": "livestream.budget_cny",
        "plan.channels.douyin.budget_cny": "douyin.budget_cny",
        "plan.coupon.value_cny": "plan.coupon.value_cny",
        "market.coupon.value_cny": "market.coupon.value_cny",
        "sim.seed": "sim.seed"}
    key = "plan.channels.livestream.budget_cny"
    runs = [_run(root, f"r{v}", [f"{key}={v}"], {key: v}) for v in (5e5, 3e6)]
    assert scenario_labels(runs, distinguishing(runs)) == [
        "livestream.budget_cny=500000", "livestream.budget_cny=3000000"]
    assert folder_tails(["/a/sweep/1", "/a/rep/1", "/b/rep/1"]) == [
        "sweep/1", "a/rep/1", "b/rep/1"]


# --------------------------------------------------------------------------- funnels


def test_funnels_are_the_run_reports_with_explicit_shares(root: Path, tmp_path: Path) -> None:
    run = load_run(root / "sweep" / "1", "sweep/1")
    assert isinstance(run, Run)
    k = run.metrics["kpis"]
    steps = scenario_funnel(run)
    assert steps is not None
    assert [s.stage.label for s in steps] == [s.label for s in funnel_stages(k)]
    labels = [s.stage.label for s in steps]
    assert "Visited a store" in labels and labels[-1] == "Purchased twice or more"
    assert steps[labels.index("Visited a store")].stage.total == k["store_visitors"]
    bought = steps[labels.index(PURCHASED)]
    assert bought.of_population == pytest.approx(100 * k["purchasers"] / k["population"])
    assert bought.of_aware == pytest.approx(100 * k["conversion_rate"])  # not of everyone
    assert [s for s in steps if s.of_aware is not None] == [bought]
    assert bought.shares == (f"{100 * k['purchasers'] / k['population']:.1f} % of the "
                             f"population; {100 * k['conversion_rate']:.1f} % of the aware")
    segments = {name for s in steps for name, _, _ in s.stage.segments}
    assert {"online only", "in store only", "reached online first"} <= segments
    _, page, _ = _compare(root, tmp_path / "out", "sweep")
    table = page[page.index("<table id='funnel-table'>"):]
    table = table[:table.index("</table>")]
    assert "<td>Visited a store</td>" in table
    assert html.escape(bought.shares) in table


# --------------------------------------------------------------------------- the verdict


def _easy(metrics: dict[str, Any], meets: dict[str, Any], spend: float = 1.0) -> dict[str, Any]:
    """``metrics`` judged by targets set at the values of ``meets`` (which therefore meets
    every one), its total cost multiplied by ``spend``."""
    targets = {n: dict(t, threshold=meets["kpis"][t["kpi"]])
               for n, t in metrics["targets"].items()}
    kpis = dict(metrics["kpis"], total_cost_cny=metrics["kpis"]["total_cost_cny"] * spend)
    return dict(metrics, targets=targets, kpis=kpis)


def test_the_cheapest_meeting_all_targets_is_marked_and_named(root: Path) -> None:
    integrated = _run(root, "b", [], {}).metrics
    fragmented = json.loads((root / "sweep" / "0" / "metrics.json").read_text())
    runs = [_run(root, "a", [], {}), _run(root, "b", [], {}), _run(root, "c", [], {})]
    runs[0].metrics = _easy(integrated, integrated, spend=1.5)  # meets all, dearer
    runs[1].metrics = _easy(integrated, integrated)             # meets all: the cheapest
    runs[2].metrics = _easy(fragmented, integrated)             # cheaper, converts less
    targets, _ = union_targets(runs)
    table = comparison_table(runs, targets)
    assert list(table["meets_all_targets"]) == [True, True, False]
    verdict = cheapest_meeting_all(table, targets)
    assert verdict.best == 1
    assert verdict.statement.startswith(f'Cheapest scenario meeting all {len(targets)} '
                                        'targets: S2 "retail_apparel × integrated (b)"')
    page = to_html(table, runs, [], targets, verdict, [], {})
    marked = re.findall(r"<tr class='(\w+)' data-scenario='(S\d)'>", page)
    assert marked == [("best", "S2")]
    row = page[page.index("data-scenario='S2'"):]
    assert "★ cheapest meeting all targets" in row[:row.index("</tr>")]
    assert list(csv_table(table, verdict)["cheapest_meeting_all"]) == [False, True, False]


def test_when_none_meets_all_the_closest_row_is_marked(root: Path, tmp_path: Path) -> None:
    table, page, _ = _compare(root, tmp_path / "out", "sweep")
    assert not table["meets_all_targets"].any()
    closest = table.loc[table["rank"] == 1, "scenario_id"].item()
    assert re.findall(r"<tr class='(\w+)' data-scenario='(S\d)'>", page) == [
        ("closest", closest)]
    verdict = re.search(r"<p class='verdict' id='verdict'>(.*?)</p>", page).group(1)
    assert verdict.startswith("No scenario meets all 9 targets. Closest")
    assert f"{closest} &quot;" in verdict and "Its nearest miss: " in verdict


# --------------------------------------------------------------------------- figures

CLUSTER = [(3.60e6, 0.0270, 0.700), (3.20e6, 0.016, 0.29), (3.61e6, 0.0272, 0.705),
           (3.605e6, 0.0268, 0.702), (3.17e6, 0.011, 0.13), (3.60e6, 0.0270, 0.700),
           (5.00e6, 0.160, 0.90)]
"""(spend, conversion, satisfaction): four scenarios drawn nearly on top of each other
(S1 and S6 exactly), two cheap ones and S7, the only one meeting both targets."""


def _cluster() -> tuple[pd.DataFrame, dict[str, Target], Any]:
    table = _rows(*((s, c, sat, 2) for s, c, sat in CLUSTER))
    table["on_pareto_frontier"] = pareto_frontier(list(table["total_spend_cny"]),
                                                  list(table["conversion_rate"]))
    table["meets_all_targets"] = [meets(TARGETS["conversion"], c) and
                                  meets(TARGETS["satisfaction"], sat) for _, c, sat in CLUSTER]
    return table, TARGETS, cheapest_meeting_all(table, TARGETS)


def _label_boxes(fig: Any, ax: Any) -> dict[str, Any]:
    """The point labels drawn on ``ax`` (annotations), by text, as boxes on the canvas."""
    fig.canvas.draw()  # an annotation's place is worked out when drawn
    renderer = fig.canvas.get_renderer()
    return {a.get_text(): Text.get_window_extent(a, renderer)
            for a in ax.texts if isinstance(a, Annotation)}


def _assert_apart(boxes: dict[str, Any], points: Any) -> None:
    """No two label boxes overlap, and no box covers a point (pixels)."""
    items = list(boxes.items())
    for i, (a, box) in enumerate(items):
        for b, other in items[i + 1:]:
            assert not box.overlaps(other), (a, b)
        for x, y in points:
            assert not box.contains(x, y), (a, x, y)


def test_spend_chart_draws_the_frontier_the_target_and_the_best() -> None:
    table, targets, verdict = _cluster()
    assert verdict.best == 6
    assert list(table["on_pareto_frontier"]) == [True, True, True, False, True, True, True]
    fig, _ = draw_spend_conversion(table, targets, verdict)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    front = lines["Pareto frontier (nothing cheaper converts more)"].get_xydata()
    # cheapest first: S5, S2, then S1 = S6, S3 (S4 converts less than S1 for more), S7
    assert front.ravel().tolist() == pytest.approx([3.17, 1.1, 3.2, 1.6, 3.6, 2.7, 3.6, 2.7,
                                                    3.61, 2.72, 5.0, 16.0])
    target = next(v for k, v in lines.items() if k.startswith("target: "))
    assert list(target.get_ydata()) == [15.0, 15.0]
    assert any(t.get_text() == "conversion target ≥ 15.0 %" for t in ax.texts)
    star = next(c for c in ax.collections if c.get_label() == "cheapest meeting all targets")
    assert star.get_offsets().tolist() == [[5.0, 16.0]]
    boxes = _label_boxes(fig, ax)
    assert sorted(boxes) == ["S1, S6", "S2", "S3", "S4", "S5", "S7"]
    _assert_apart(boxes, ax.transData.transform([(s / 1e6, c * 100) for s, c, _ in CLUSTER]))
    assert "spend" in ax.get_xlabel() and "million CNY" in ax.get_xlabel()
    assert "%" in ax.get_ylabel()
    plt.close(fig)


def test_quadrant_chart_names_its_quadrants_and_keeps_labels_apart() -> None:
    table, targets, verdict = _cluster()
    fig, _ = draw_quadrants(table, targets, verdict)
    ax = fig.axes[0]
    texts = {t.get_text().strip() for t in ax.texts}
    assert {"both targets met", "satisfied, converting too few", "converting, not satisfied",
            "neither target met", "conversion target ≥ 15.0 %",
            "satisfaction target ≥ 85.0 %"} <= texts
    xlo, xhi = ax.get_xlim()
    assert xhi - 15.0 >= 0.2 * (xhi - xlo)  # room to name the quadrants right of the line
    _assert_apart(_label_boxes(fig, ax),
                  ax.transData.transform([(c * 100, s * 100) for _, c, s in CLUSTER]))
    plt.close(fig)


def test_place_labels_spreads_labels_of_points_a_pixel_apart() -> None:
    fig, ax = plt.subplots(figsize=(4, 3))
    xs, ys = [1.0, 1.001, 1.002, 0.999, 1.0, 2.0], [1.0, 1.001, 0.999, 1.002, 1.003, 2.0]
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3)
    labels = place_labels(ax, xs, ys, [f"S{i}" for i in range(1, 7)])
    assert [a.get_text() for a in labels] == [f"S{i}" for i in range(1, 7)]
    assert [a.xy for a in labels] == list(zip(xs, ys, strict=True))  # each points at its own
    _assert_apart(_label_boxes(fig, ax), ax.transData.transform(list(zip(xs, ys, strict=True))))
    plt.close(fig)


# --------------------------------------------------------------------------- large comparisons

BUDGET = "plan.channels.livestream.budget_cny"
LARGE = 30
"""Scenarios of the fabricated sweep (more than FULL_LABELS)."""


def _sweep_job(job: Path, source: Path, i: int) -> None:
    """``job``: a copy of the run ``source`` (metrics.json and .hydra only) as if run with
    ``plan.channels.livestream.budget_cny=<i * 100000>``, with made-up spend, conversion
    and satisfaction (:func:`large_sweep`) judged by two targets."""
    metrics = json.loads((source / "metrics.json").read_text(encoding="utf-8"))
    conversion = 0.100 + 0.002 * i if i % 2 == 0 else 0.097 + 0.002 * i
    satisfaction = 0.95 if i == 3 else 0.86 if i % 2 and i >= 17 else 0.80
    metrics["kpis"].update(total_cost_cny=1e6 * (10 + i), conversion_rate=conversion,
                           satisfaction_rate=satisfaction)
    metrics["targets"] = {"conversion": {"kpi": "conversion_rate", "op": ">=",
                                         "threshold": 0.13, "label": "Conversion"},
                          "satisfaction": {"kpi": "satisfaction_rate", "op": ">=",
                                           "threshold": 0.85, "label": "Satisfaction"}}
    shutil.copytree(source / ".hydra", job / ".hydra")
    (job / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    config = yaml.safe_load((job / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
    config["plan"]["channels"]["livestream"]["budget_cny"] = i * 100_000
    (job / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (job / ".hydra" / "overrides.yaml").write_text(
        yaml.safe_dump([f"{BUDGET}={i * 100_000}"]), encoding="utf-8")


@pytest.fixture(scope="module")
def large_sweep(root: Path) -> Path:
    """A sweep of 30 fabricated jobs (no simulation: copies of ``sweep/1`` with new
    KPIs). Job ``i`` (scenario ``S<i+1>``) costs ``10 + i`` million CNY. The even jobs
    are the Pareto frontier (S1, S3, ..., S29): each converts more than every cheaper
    job; an odd job converts less than the even one before it. The targets are
    conversion >= 13 % and satisfaction >= 85 %: the odd jobs from 17 on meet both, so
    job 17 (S18, off the frontier) is the cheapest meeting all; job 3 (S4, off the
    frontier too) is the most satisfied."""
    sweep = root / "large"
    for i in range(LARGE):
        _sweep_job(sweep / str(i), root / "sweep" / "1", i)
    return sweep


def _judged(sweep: Path, jobs: int) -> tuple[pd.DataFrame, list[Run], Any]:
    """The first ``jobs`` jobs of ``sweep``: their table, runs and verdict."""
    runs = []
    for i in range(jobs):
        run = load_run(sweep / str(i), str(sweep / str(i)))
        assert isinstance(run, Run)
        runs.append(run)
    targets, _ = union_targets(runs)
    table = comparison_table(runs, targets)
    return table, runs, cheapest_meeting_all(table, targets)


@pytest.fixture(scope="module")
def large(large_sweep: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[Path, pd.DataFrame, list[Run], Any]:
    """The large sweep compared once: the output folder, the table, runs and verdict."""
    out = tmp_path_factory.mktemp("large") / "out"
    compare([str(large_sweep)], str(out))
    return (out, *_judged(large_sweep, LARGE))


FRONTIER = [f"S{i + 1}" for i in range(0, LARGE, 2)]


def _ids(table: pd.DataFrame, rows: Any) -> list[str]:
    return [str(table["scenario_id"].iloc[i]) for i in rows]


def test_a_large_comparison_features_the_verdict_the_frontier_and_the_extreme(
        large: Any) -> None:
    _, table, _, verdict = large
    assert len(table) == LARGE > FULL_LABELS
    assert _ids(table, [i for i, on in enumerate(table["on_pareto_frontier"]) if on]) == FRONTIER
    assert _ids(table, [verdict.best]) == ["S18"]
    chosen = featured(table, verdict)
    # the verdict's first, then by rank: the meeting-all S18 before the frontier, whose
    # S17 ... S29 miss satisfaction only (cheapest first), then the further ones
    assert list(chosen.items())[0] == (17, BEST_ROLE)
    assert chosen[3] == SATISFIED_ROLE and chosen[0] == FRONTIER_ROLE
    assert sorted(_ids(table, chosen)) == sorted([*FRONTIER, "S18", "S4"])
    assert _ids(table, labelled(table, verdict)) == sorted(
        [*FRONTIER, "S18", "S4"], key=lambda s: int(s[1:]))  # in table order
    # the funnels: the verdict's, then by rank: the frontier's S17 ... S29 (missing one
    # target), the most satisfied S4 (one missed, by more), then S15 ... (two missed)
    assert _ids(table, funnel_rows(table, verdict)) == [
        "S18", "S17", "S19", "S21", "S23", "S25", "S27", "S29", "S4", "S15", "S13", "S11"]


@pytest.mark.parametrize("draw", [draw_spend_conversion, draw_quadrants])
def test_a_large_comparisons_charts_label_and_key_only_the_featured(large: Any,
                                                                   draw: Any) -> None:
    _, table, _, verdict = large
    targets, _ = union_targets(large[2])
    fig, outside = draw(table, targets, verdict)
    ax = fig.axes[0]
    labels = [a.get_text() for a in ax.texts if isinstance(a, Annotation)]
    assert sorted(labels) == sorted(_ids(table, featured(table, verdict)))
    points = sum(len(c.get_offsets()) for c in ax.collections
                 if not c.get_label().startswith(("meets", "misses", "cheapest")))
    assert points == LARGE  # every scenario is drawn, labelled or not
    key = key_text(table, verdict)
    assert outside[0].get_text() == key
    listed = re.findall(r"^(S\d+)  ", key, flags=re.M)
    assert sorted(set(listed)) == sorted(labels) and "S2  " not in key
    assert key.startswith("Labelled: 17 of 30 scenarios\n\n★ Cheapest meeting all targets\n"
                          "S18  livestream.budget_cny=1700000\n\nMost satisfied\nS4  ")
    frontier = key[key.index("On the Pareto frontier, cheapest first"):]
    assert re.findall(r"^(S\d+)  ", frontier, flags=re.M) == FRONTIER
    assert " ".join(key.split()).endswith(
        "The other 13 are unlabelled points: every scenario is listed in comparison.csv and "
        "in the ranked table of comparison.html.")
    plt.close(fig)


def test_a_large_comparison_draws_at_most_twelve_funnels(large: Any) -> None:
    _, table, runs, verdict = large
    fig, outside = draw_funnels(table, runs, verdict)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == MAX_FUNNELS
    assert [ax.get_title().split()[0] for ax in panels] == _ids(
        table, funnel_rows(table, verdict))
    assert panels[0].get_title().endswith("\nrank 1 · ★ cheapest meeting all targets")
    # S17: after the seven meeting both targets (S18, S20, ..., S30)
    assert panels[1].get_title() == "S17 livestream.budget_cny=1600000\nrank 8 · Pareto frontier"
    assert outside[1].get_text().startswith(
        "12 of 30 scenarios: the cheapest meeting all targets, the best-ranked 10 of the 15 "
        "on the Pareto frontier and the most satisfied, in rank order\nFunnels side by side: "
        "exposed to ads → ")
    plt.close(fig)


def test_a_large_comparisons_page_keeps_every_row_and_stays_small(large: Any) -> None:
    out, table, _, _ = large
    page = (out / "comparison.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr(?: class='\w+')? data-scenario='(S\d+)'>", page)
    assert sorted(rows) == sorted(table["scenario_id"])  # the record: every scenario
    assert page.index("id='verdict'") < page.index("id='scope'") < page.index("<figure>")
    assert page.index("<figure>") < page.index("id='scenario-table'")  # figures first
    assert "30 scenarios. The charts below label only the 17 that matter" in page
    assert "12 of the 30 scenarios are drawn" in page
    assert len(pd.read_csv(out / "comparison.csv")) == LARGE
    for name in ("spend_vs_conversion.png", "satisfaction_vs_conversion.png", "funnels.png"):
        with Image.open(out / name) as image:
            assert image.mode == "P", name  # a palette PNG: a third of the bytes
        assert (out / name).stat().st_size < 200_000, name
    assert (out / "comparison.html").stat().st_size < 600_000


def test_up_to_twelve_scenarios_every_one_is_labelled_keyed_and_drawn(
        large_sweep: Path, tmp_path: Path) -> None:
    table, runs, verdict = _judged(large_sweep, FULL_LABELS)
    targets, _ = union_targets(runs)
    everyone = list(range(FULL_LABELS))
    assert labelled(table, verdict) == everyone == funnel_rows(table, verdict)
    assert key_text(table, verdict).startswith("Scenarios\nS1  livestream.budget_cny=0\n")
    fig, _ = draw_spend_conversion(table, targets, verdict)
    labels = [a.get_text() for a in fig.axes[0].texts if isinstance(a, Annotation)]
    assert sorted(labels) == sorted(table["scenario_id"])
    plt.close(fig)
    fig, _ = draw_funnels(table, runs, verdict)
    assert sum(ax.get_visible() for ax in fig.axes) == FULL_LABELS
    assert fig.texts[-1].get_text().startswith("Funnels side by side: ")  # no "12 of"
    plt.close(fig)
    figs = write_figures(tmp_path, table, runs, targets, verdict)
    for path in figs.values():
        with Image.open(path) as image:
            assert image.mode == "RGBA", path.name  # as matplotlib wrote it


def test_a_long_frontier_is_labelled_thinned_evenly_by_spend() -> None:
    # a sweep of one budget: every dearer scenario converts more, all 40 on the frontier
    table = _rows(*((1e6 * (10 + i), 0.05 + 0.001 * i, 0.80, 2) for i in range(40)))
    table["on_pareto_frontier"] = pareto_frontier(list(table["total_spend_cny"]),
                                                  list(table["conversion_rate"]))
    table["total_relative_shortfall"] = [total_relative_shortfall(row, TARGETS)
                                         for _, row in table.iterrows()]
    assert table["on_pareto_frontier"].all()
    verdict = cheapest_meeting_all(table, TARGETS)
    assert verdict.closest == 39  # converts the most: the smallest shortfall
    chosen = featured(table, verdict)
    front = sorted(i for i, why in chosen.items() if FRONTIER_ROLE in why)
    assert len(chosen) == len(front) == MAX_FRONTIER_LABELS
    assert front[0] == 0 and front[-1] == 39  # the cheapest and the most converting
    assert {b - a for a, b in zip(front, front[1:], strict=False)} == {1, 2}  # evenly
    key = key_text(table, verdict)
    assert "On the Pareto frontier, cheapest first (30 of 40, evenly spread by spend)" in key


# ------------------------------------------------------------ staging (results.staged_folder)


def test_a_staged_folder_never_replaces_one_that_holds_something(tmp_path: Path) -> None:
    target = tmp_path / "comparisons" / "x"
    with staged_folder(target) as staged:
        (staged.stage / "a.txt").write_text("new")
        assert not target.exists()  # nothing visible until complete
    assert staged.published == target and (target / "a.txt").read_text() == "new"
    with pytest.raises(FolderTaken), staged_folder(target) as again:
        (again.stage / "a.txt").write_text("other")
    assert (target / "a.txt").read_text() == "new"  # untouched
    assert not again.stage.exists()
    with staged_folder(target, numbered=True) as numbered:
        (numbered.stage / "a.txt").write_text("third")
    assert numbered.published == target.with_name("x_2")
    assert sorted(p.name for p in target.parent.iterdir()) == ["x", "x_2"]  # no leftovers


def test_a_staged_folder_fills_an_empty_one_and_leaves_nothing_on_error(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    with staged_folder(target) as staged:
        (staged.stage / "b.txt").write_text("b")
    assert (target / "b.txt").exists()
    with pytest.raises(RuntimeError), staged_folder(tmp_path / "never") as failed:
        raise RuntimeError("the comparison failed")
    assert not (tmp_path / "never").exists() and not failed.stage.exists()
    shutil.rmtree(target)


def test_no_comparison_figure_label_is_clipped(large_sweep: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    from test_report import outside_labels

    clipped: list[tuple[str, str]] = []
    save = Figure.savefig

    def checked(fig: Any, path: Any, *args: Any, **kwargs: Any) -> Any:
        clipped.extend((Path(str(path)).name, text)
                       for text in outside_labels(fig, kwargs.get("bbox_inches")))
        return save(fig, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", checked)
    for jobs in (5, LARGE):
        table, runs, verdict = _judged(large_sweep, jobs)
        targets, _ = union_targets(runs)
        write_figures(tmp_path, table, runs, targets, verdict, tag=str(jobs))
    assert len(list(tmp_path.glob("*.png"))) == 6
    assert clipped == []


def test_a_markets_figures_name_their_market(large_sweep: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from o2osim.reports import compare_figures

    titles: dict[str, str] = {}

    def keep(fig: Any, path: Path, outside: Any = (), palette: bool = False) -> Path:
        titles[path.name] = (outside[-1].get_text() if path.name.startswith("funnels")
                             else fig.axes[0].get_title())
        plt.close(fig)
        return path

    monkeypatch.setattr(compare_figures, "save_figure", keep)
    table, runs, verdict = _judged(large_sweep, 3)
    targets, _ = union_targets(runs)
    write_figures(tmp_path, table, runs, targets, verdict, "2-hotpot_chain", "hotpot_chain")
    assert sorted(titles) == ["funnels_2-hotpot_chain.png",
                              "satisfaction_vs_conversion_2-hotpot_chain.png",
                              "spend_vs_conversion_2-hotpot_chain.png"]
    assert all(t.endswith("\nmarket: hotpot_chain") for t in titles.values())
