"""Replications: deterministic whatever the workers, uncertainty fields, R = 1 = one run;
satisfaction drivers averaged like the KPIs; probabilities checked against replications of
other seeds."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
from typing import Any

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from scipy.stats import betabinom

from o2osim.config import compose_scenario
from o2osim.config.schema import ScenarioConfig, TargetSpec
from o2osim.model import run_scenario
from o2osim.replications import combine, replication_seeds, run_replications, share_ci90

SMALL = ["market=hotpot_chain", "sim.population=2000", "sim.days=30", "sim.seed=3"]


def test_one_replication_is_the_single_run() -> None:
    sc = compose_scenario(SMALL)
    single = run_scenario(sc).metrics
    combined, table = run_replications(sc, 1, workers=1)
    assert combined.metrics["kpis"] == single["kpis"]
    assert len(table) == 1 and combined.metrics["replications"] == 1
    assert combined.metrics["satisfaction_drivers"] == single["satisfaction_drivers"]
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
    every = pd.concat([(table[t["kpi"]] >= t["threshold"]) if t["op"] == ">="
                       else (table[t["kpi"]] <= t["threshold"])
                       for t in m["targets"].values()], axis=1).all(axis=1)
    assert m["all_targets_probability"] == every.mean()
    assert m["all_targets_probability_ci90"] == share_ci90(int(every.sum()), 4)


def test_share_interval_is_clopper_pearson() -> None:
    """Exact binomial 90 % interval (Clopper & Pearson 1934): for 0 of n the upper end is
    1 - 0.05^(1/n); for n of n the lower end is 0.05^(1/n); symmetric in between."""
    assert share_ci90(0, 3) == [0.0, pytest.approx(1 - 0.05 ** (1 / 3))]
    assert share_ci90(3, 3) == [pytest.approx(0.05 ** (1 / 3)), 1.0]
    lo, hi = share_ci90(10, 20)
    assert lo == pytest.approx(1 - hi) and 0.30 < lo < 0.31  # 0.3020 (tables)
    assert share_ci90(1, 20)[1] < share_ci90(1, 5)[1]  # narrows with more replications


def test_satisfaction_drivers_are_means_over_the_replications() -> None:
    """Like the KPIs they explain: not replication 0's counts."""
    sc = compose_scenario(STATS)
    combined, _ = run_replications(sc, 3, workers=1)
    singles = [run_scenario(dataclasses.replace(sc, sim=dataclasses.replace(sc.sim, seed=s)))
               .metrics["satisfaction_drivers"] for s in replication_seeds(sc.sim.seed, 3)]
    drivers = combined.metrics["satisfaction_drivers"]
    assert drivers["experiences"] == pytest.approx(np.mean([d["experiences"] for d in singles]))
    assert drivers["dissatisfied"] == pytest.approx(np.mean([d["dissatisfied"]
                                                             for d in singles]))
    for section in ("satisfied_lost_to_gap", "dissatisfied_with_gap"):
        for cause, value in drivers[section].items():
            assert value == pytest.approx(np.mean([d[section].get(cause, 0)
                                                   for d in singles])), (section, cause)
    assert drivers != singles[0]


def test_replication_seeds_are_stable_and_distinct() -> None:
    seeds = replication_seeds(7, 5)
    assert seeds[0] == 7 and len(set(seeds)) == 5
    assert replication_seeds(7, 3) == seeds[:3]


# --------------------------------------------------------------------------- statistics

STATS = ["market=hotpot_chain", "sim.population=2000", "sim.days=49", "sim.seed=3"]
"""Tiny, but past the campaign's start (week 5): every replication has buyers."""
R_FEW, R_MANY = 4, 16
CONTINUOUS = ("roi", "revenue_cny", "satisfaction_rate", "mean_wait_min")
"""KPIs that vary from replication to replication (satisfaction, a ratio of small counts,
can tie)."""


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


R_OTHER = 31
"""Replications of another seed whose median sets the threshold (odd: the median is the
16th order statistic)."""


@pytest.fixture(scope="module")
def others() -> pd.DataFrame:
    """R_OTHER replications of the same scenario from another seed: independent of
    :func:`sixteen`'s (disjoint seeds, checked). In this process: the suite already keeps
    every core busy, and worker processes would each import the engine again."""
    sc = compose_scenario([*STATS[:-1], "sim.seed=4"])
    return run_replications(sc, R_OTHER, workers=1)[1]


@pytest.mark.parametrize("kpi", CONTINUOUS)
def test_a_target_at_an_independent_median_is_met_about_half_the_time(sixteen, others,
                                                                     kpi: str) -> None:
    """A target at the median of R_OTHER = 31 replications of other seeds is met by about
    half of the R_MANY = 16 replications of ``sixteen``.

    Tolerance: if both sets are draws of one distribution F, ``1 - F(threshold)`` is the
    16th of 31 uniform order statistics from the top, Beta(16, 16); given it, the count of
    the 16 that meet the target is binomial, so the count is Beta-binomial(16, 16, 16)
    (sd 2.4 of 16, wider than a plain binomial's 2.0 because the median is estimated).
    We accept its central 99 %: 2 to 14 of 16. A threshold at the second-lowest of the 31
    (about their 6th percentile: ``1 - F`` ~ Beta(30, 2)) must be met by at least the
    0.5 % quantile of Beta-binomial(16, 30, 2).
    """
    sc, metrics, table, _ = sixteen
    assert not set(table["seed"]) & set(others["seed"])  # independent replications
    median = float(others[kpi].median())
    p = {op: combine(metrics, table, _at(sc, kpi, op, median))["targets"]["t"]["probability"]
         for op in (">=", "<=")}
    count = int((table[kpi] >= median).sum())
    at = int((table[kpi] == median).sum())  # a ratio of counts can tie (satisfaction)
    assert p[">="] == count / R_MANY and p["<="] == pytest.approx(1 - p[">="] + at / R_MANY)
    half = (R_OTHER + 1) // 2
    lo, hi = betabinom(R_MANY, half, half).ppf([0.005, 0.995])
    assert lo <= count <= hi, (count, lo, hi)
    low = float(np.sort(others[kpi].to_numpy())[1])
    p_low = combine(metrics, table, _at(sc, kpi, ">=", low))["targets"]["t"]["probability"]
    assert p_low * R_MANY >= betabinom(R_MANY, R_OTHER - 1, 2).ppf(0.005), p_low


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


def test_small_jobs_run_in_process_unless_workers_are_given() -> None:
    from o2osim.replications import SMALL_JOB_CONSUMER_DAYS, auto_workers

    small = compose_scenario(["sim.population=2000", "sim.days=30"])
    big = compose_scenario(["sim.population=100000", "sim.days=112"])
    assert 4 * 2000 * 30 < SMALL_JOB_CONSUMER_DAYS <= 4 * 100_000 * 112
    assert auto_workers(small, 4, 0) == 1
    assert auto_workers(small, 4, 2) == 2  # given: respected
    assert auto_workers(big, 4, 0) == min(4, os.cpu_count() or 1)
    assert auto_workers(big, 1, 3) == 1  # never more processes than replications


def test_share_interval_closed_forms_equal_the_beta_quantiles() -> None:
    """All or none successful: the closed form used without scipy is Clopper-Pearson's."""
    from scipy.stats import beta

    for n in (1, 2, 3, 8, 20):
        assert share_ci90(0, n)[1] == pytest.approx(float(beta.ppf(0.95, 1, n)), abs=1e-12)
        assert share_ci90(n, n)[0] == pytest.approx(float(beta.ppf(0.05, n, 1)), abs=1e-12)
