"""Replications: deterministic whatever the workers, uncertainty fields, R = 1 = one run."""

from __future__ import annotations

import pandas.testing as pdt

from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.replications import replication_seeds, run_replications

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
