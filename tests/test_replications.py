"""Replications: deterministic whatever the workers, uncertainty fields, R = 1 = one run."""

from __future__ import annotations

import contextlib
import dataclasses
import io
from typing import Any

import pandas as pd
import pandas.testing as pdt
import pytest

from o2osim.config import compose_scenario
from o2osim.config.schema import ScenarioConfig, TargetSpec
from o2osim.model import run_scenario
from o2osim.replications import combine, replication_seeds, run_replications

SMALL = ["market=hotpot_chain", "sim.population=2000", "sim.days=30", "sim.seed=3"]


def test_one_replication_is_the_single_run() -> None:
    sc = compose_scenario(SMALL)
    single = run_scenario(sc).metrics
    combined, table = run_replications(sc, 1, workers=1)
    assert combined.metrics["kpis"] == single["kpis"]
    assert len(table) == 1 and combined.metrics["replications"] == 1
    for t in combined.metrics["targets"].values():
        assert t["probability"] == float(t["met"])


def test_results_do_not_depend_on_the_number_of_workers() -> None:
    sc = compose_scenario(SMALL)
    _, serial = run_replications(sc, 3, workers=1)
    _, parallel = run_replications(sc, 3, workers=2)
    pdt.assert_frame_equal(serial, parallel)
    assert serial["seed"].nunique() == 3


def test_probabilities_are_shares_of_replications() -> None:
    sc = compose_scenario(SMALL)
    combined, table = run_replications(sc, 4, workers=1)
    m = combined.metrics
    for name, t in m["targets"].items():
        values = table[t["kpi"]]
        met = (values >= t["threshold"]) if t["op"] == ">=" else (values <= t["threshold"])
        assert t["probability"] == met.mean(), name
        lo, hi = t["interval_90"]
        assert lo <= m["kpi_stats"][t["kpi"]]["mean"] <= hi
    assert 0.0 <= m["all_targets_probability"] <= min(t["probability"]
                                                      for t in m["targets"].values())


def test_replication_seeds_are_stable_and_distinct() -> None:
    seeds = replication_seeds(7, 5)
    assert seeds[0] == 7 and len(set(seeds)) == 5
    assert replication_seeds(7, 3) == seeds[:3]


# --------------------------------------------------------------------------- statistics

STATS = ["market=hotpot_chain", "sim.population=2000", "sim.days=49", "sim.seed=3"]
"""Tiny, but past the campaign's start (week 5): every replication has buyers."""
R_FEW, R_MANY = 4, 16
CONTINUOUS = ("roi", "revenue_cny", "satisfaction_rate", "mean_wait_min")
"""KPIs whose replications all differ here (no ties at the median)."""


@pytest.fixture(scope="module")
def sixteen() -> tuple[ScenarioConfig, dict[str, Any], pd.DataFrame, str]:
    """R_MANY replications on two workers, with the progress bar drawn into a buffer.

    The first R_FEW rows are exactly a run with R_FEW replications (the seeds of
    replications 0..R-1 do not depend on R; tested above), so one run serves both sizes.
    """
    sc = compose_scenario(STATS)
    shown = io.StringIO()
    with contextlib.redirect_stderr(shown):
        combined, table = run_replications(sc, R_MANY, workers=2, progress=True)
    return sc, combined.metrics, table, shown.getvalue()


def _at(sc: ScenarioConfig, kpi: str, op: str, threshold: float) -> ScenarioConfig:
    """``sc`` with one target: ``kpi op threshold``."""
    return dataclasses.replace(sc, targets={"t": TargetSpec(kpi=kpi, op=op,
                                                           threshold=threshold)})


@pytest.mark.parametrize("kpi", CONTINUOUS)
def test_a_target_at_the_median_is_met_half_the_time(sixteen, kpi: str) -> None:
    sc, metrics, table, _ = sixteen
    assert table[kpi].nunique() == R_MANY  # no ties: the median splits them 8 / 8
    median = float(table[kpi].median())
    for op in (">=", "<="):
        p = combine(metrics, table, _at(sc, kpi, op, median))["targets"]["t"]["probability"]
        assert p == pytest.approx(0.5, abs=1 / R_MANY), (op, p)
    # ... and a target at the 5th percentile is met by (about) 95 % of replications
    low = float(table[kpi].quantile(0.05))
    p_low = combine(metrics, table, _at(sc, kpi, ">=", low))["targets"]["t"]["probability"]
    assert p_low >= 0.9


@pytest.mark.parametrize("kpi", CONTINUOUS)
def test_the_mean_s_interval_narrows_as_replications_grow(sixteen, kpi: str) -> None:
    """The 90 % interval of the mean from 16 replications is narrower than those from 4
    (averaged over the four disjoint blocks of 4, so one lucky block cannot decide):
    expected ratio t(.95,15)/t(.95,3) x sqrt(4/16) = 0.37."""
    sc, metrics, table, _ = sixteen

    def width(rows: pd.DataFrame) -> float:
        lo, hi = combine(metrics, rows, sc)["kpi_stats"][kpi]["mean_ci90"]
        return hi - lo

    few = [width(table.iloc[i:i + R_FEW]) for i in range(0, R_MANY, R_FEW)]
    many = width(table)
    assert 0 < many < 0.75 * sum(few) / len(few), (many, few)
    stats = combine(metrics, table, sc)["kpi_stats"][kpi]
    # Student's t interval: mean ± t(0.95, R-1) sd / sqrt(R); t(0.95, 15) = 1.7531
    assert many == pytest.approx(2 * 1.7531 * stats["sd"] / R_MANY ** 0.5, rel=1e-3)
    assert stats["mean_ci90"][0] < stats["mean"] < stats["mean_ci90"][1]
    # the replications' own 90 % range does not shrink: it estimates where one run lands
    assert stats["p95"] - stats["p05"] > many


def test_replications_show_progress_per_finished_replication(sixteen) -> None:
    *_, shown = sixteen
    assert f"replications done (2 workers) {R_MANY}/{R_MANY}" in shown
    assert shown.count("\r") == R_MANY + 1 and shown.endswith("\n")
