"""Scale invariance (issue 11, item 1): a KPI's expected value does not depend on how many
consumers are simulated; only its noise does.

For every market under both plans, replications at 10 000, 100 000 and 1 000 000 simulated
consumers (each standing for ``market_size / population`` real ones; the market has
1 000 000): the means of satisfaction, walk-out rate, p95 wait, conversion and ROI at
10 000 and at 100 000 agree with those at 1 000 000 within their replication confidence
intervals (Welch's t, two-sided, Bonferroni over every comparison for a family-wise
error of 5 %).

Power. The test also computes, from the replications' own spread, the smallest
difference each comparison detects with 80 % power, and requires it to be below the bias
the old store model produced in that scenario (each simulated visitor brought ``scale``
copies of itself to one store on one day), wherever that bias was material: a return of
the old defect fails here. Old biases, 10 000 vs 1 000 000 consumers, measured on b3fc532
at seed 0 (:data:`OLD_BIAS_10K`): walk-out rate +1.7 to +12.9 percentage points, p95 wait
+2.0 to +12.2 minutes, satisfaction -2.3 to -10.6 points under the integrated plan
(docs/model.md, "Real customers in the stores"). At 100 000 the old biases were smaller
and were not measured: the detectable differences there are printed, not required.

Store KPIs (walk-outs, waits) are as noisy at every population: the stores simulate the
same real customers whatever the simulated population. Hence replications at 1 000 000
too.

Cost: 6 scenarios x (24 + 6 + 6) runs, about 1.5-2 minutes of CPU each. Each scenario runs
its replications one after another in the test's own process (no worker processes to
start, each of which would import the engine again): the suite spreads the six scenarios
over the cores instead (tests/conftest.py, ``pytest_collection_modifyitems``).
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

from o2osim.config import compose_scenario
from o2osim.replications import run_replications

MARKETS = ("retail_apparel", "hotpot_chain", "local_services")
PLANS = ("integrated", "fragmented")
REPLICATIONS = {10_000: 24, 100_000: 6, 1_000_000: 6}
"""10 000: 24 replications since the customer base (issue 12) — regular customers' visits
make a small run's satisfaction noisier, and at 10 the test could no longer see the old
bias it must be able to see (retail x fragmented: detectable 0.028 > 0.019)."""
"""Replications per population (a 1 000 000-consumer run costs ~5 s of CPU, 10 000 ~2 s)."""
REFERENCE = 1_000_000
KPIS = ("satisfaction_rate", "walkout_rate", "p95_wait_min", "conversion_rate", "gross_roi")
"""``gross_roi``: revenue over cost of the run itself. The runs skip their baseline
(``sim.baseline=false``: the incremental ``roi`` is the difference of two runs of the same
engine at the same population, the baseline a plan like any other), which halves this
test's cost."""
FAMILY_ALPHA = 0.05
POWER = 0.80
OLD_BIAS_10K = {  # satisfaction, walk-out rate, p95 wait (min): 10 000 minus 1 000 000
    ("retail_apparel", "integrated"): (-0.0226, 0.0384, 4.09),
    ("retail_apparel", "fragmented"): (0.0191, 0.0174, 1.95),
    ("hotpot_chain", "integrated"): (-0.0525, 0.0681, 6.48),
    ("hotpot_chain", "fragmented"): (0.0007, 0.0235, 2.36),
    ("local_services", "integrated"): (-0.1058, 0.1295, 12.16),
    ("local_services", "fragmented"): (-0.0005, 0.0626, 6.60),
}
"""The old model's bias at 10 000 consumers (module docstring), per market and plan."""
MATERIAL = {"satisfaction_rate": 0.01, "walkout_rate": 0.005, "p95_wait_min": 0.5}
"""Old biases below these were not material: the test need not be able to see them."""

COMPARISONS = len(MARKETS) * len(PLANS) * len(KPIS) * (len(REPLICATIONS) - 1)


def _welch(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """Difference of means, its standard error and Welch-Satterthwaite degrees of freedom."""
    va = stats.tvar(a) / len(a) if len(a) > 1 else 0.0
    vb = stats.tvar(b) / len(b) if len(b) > 1 else 0.0
    se = math.sqrt(va + vb)
    parts = [(v, len(x)) for v, x in ((va, a), (vb, b)) if v > 0]
    df = (se ** 4 / sum(v * v / (n - 1) for v, n in parts)) if parts else 1e9
    return float(sum(a) / len(a) - sum(b) / len(b)), se, df


@pytest.mark.slow
@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("market", MARKETS)
def test_kpis_do_not_depend_on_the_number_of_simulated_consumers(market: str, plan: str) -> None:
    runs = {}
    for n, reps in REPLICATIONS.items():
        sc = compose_scenario([f"market={market}", f"plan={plan}", f"sim.population={n}",
                               "sim.seed=11", "sim.baseline=false"])
        _, table = run_replications(sc, reps, workers=1)
        runs[n] = table
    alpha = FAMILY_ALPHA / COMPARISONS
    problems, report = [], []
    for n in REPLICATIONS:
        if n == REFERENCE:
            continue
        for kpi in KPIS:
            a, b = list(runs[n][kpi]), list(runs[REFERENCE][kpi])
            diff, se, df = _welch(a, b)
            crit = stats.t.ppf(1 - alpha / 2, df)
            detectable = (crit + stats.t.ppf(POWER, df)) * se
            report.append(f"{kpi} {n:,} vs {REFERENCE:,}: diff {diff:+.4f}, "
                          f"CI +-{crit * se:.4f}, detects {detectable:.4f}")
            if abs(diff) > crit * se:
                problems.append(f"{kpi}: mean at {n:,} consumers differs from {REFERENCE:,} "
                                f"by {diff:+.4f} (allowed +-{crit * se:.4f})")
            old = dict(zip(MATERIAL, OLD_BIAS_10K[market, plan], strict=True)).get(kpi)
            if (n == 10_000 and old is not None and abs(old) >= MATERIAL[kpi]
                    and detectable > abs(old)):
                problems.append(f"{kpi}: the test cannot see the old bias of {old:+.4f} "
                                f"at {n:,} consumers (detects {detectable:.4f})")
    print("\n".join(report))
    assert not problems, "\n".join(problems + report)
