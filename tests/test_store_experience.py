"""What happens in the store decides who buys and how satisfied they are (issue 3 items
3-5): walk-outs do not buy, a coupon the till cannot verify fails and costs satisfaction,
manual checks are slower with unbriefed staff, and every run reports its stores per day.

Comparisons use the same seed (common random numbers): the runs differ only in the lever.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from conftest import SMALL, RunO2osim
from o2osim.components import store_visits as model_module
from o2osim.config import compose_scenario
from o2osim.model import RunResult, run_scenario
from o2osim.stores import STORE_COLUMNS

# Coupons redeemable in store with a till that cannot scan them: manual checks.
MANUAL = ("plan.integration.pos_coupon_integrated=false",)


@cache
def run(*overrides: str) -> RunResult:
    sc = compose_scenario(["market=hotpot_chain", "sim.population=20000", "sim.days=84",
                           "sim.seed=11", *overrides])
    return run_scenario(sc)


def test_a_till_that_cannot_scan_fails_checks_and_costs_satisfaction() -> None:
    joined, manual = run(), run(*MANUAL)
    k_joined, k_manual = joined.metrics["kpis"], manual.metrics["kpis"]
    assert k_joined["coupon_check_failure_rate"] == 0.0
    fail_prob = compose_scenario(["market=hotpot_chain"]).market.stores.pos_manual_fail_prob
    checks = int(manual.stores["coupon_checks"].sum())
    failed = int(manual.stores["coupon_checks_failed"].sum())
    assert checks > 500
    # Binomial: the observed share is within 4 standard errors of the market's probability.
    assert abs(failed / checks - fail_prob) <= 4 * np.sqrt(fail_prob * (1 - fail_prob) / checks)
    # Satisfaction counts the customer base's ordinary visits too (issue 12), which no
    # coupon check touches: the drop is diluted (0.65 points at this seed, was > 1).
    assert k_manual["satisfaction_rate"] < k_joined["satisfaction_rate"] - 0.005
    assert k_manual["coupons_redeemed"] < k_joined["coupons_redeemed"]


@pytest.mark.parametrize(("levers", "check_time"), [
    ((), "pos_scan_time_min"),
    (MANUAL, "pos_manual_check_time_min"),
    ((*MANUAL, "plan.integration.staff_briefed=false"), "unbriefed"),
])
def test_coupon_checks_take_a_scan_or_a_slower_manual_check(
        monkeypatch: pytest.MonkeyPatch, levers: tuple[str, ...], check_time: str) -> None:
    """Each coupon holder's check at the till takes the scan time with a joined POS, the
    manual time without, and ``unbriefed_check_time_factor`` times that with unbriefed
    staff (what the stores are handed, day by day)."""
    seen: list[np.ndarray] = []
    real = model_module.run_stores_day

    def spy(stores: Any, day: int, store_of: Any, booked: Any, check_min: np.ndarray,
            *rest: Any) -> Any:
        seen.append(check_min[check_min > 0])
        return real(stores, day, store_of, booked, check_min, *rest)

    monkeypatch.setattr(model_module, "run_stores_day", spy)
    sc = compose_scenario(["market=hotpot_chain", "sim.population=5000", "sim.days=56",
                           *levers])
    run_scenario(sc)
    ops = sc.market.operations
    expected = (ops.pos_manual_check_time_min * ops.unbriefed_check_time_factor
                if check_time == "unbriefed" else getattr(ops, check_time))
    times = np.concatenate(seen)
    assert times.size > 50 and np.allclose(times, expected)


def test_customers_who_walk_out_do_not_buy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every store customer balk: no store order, every visit a walk-out, and the
    walk-out penalty drives store satisfaction to (almost) nothing."""
    real = model_module.run_stores_day

    def everyone_balks(*args: Any) -> Any:
        status, *rest = real(*args)
        return (np.ones_like(status), *rest)

    monkeypatch.setattr(model_module, "run_stores_day", everyone_balks)
    sc = compose_scenario(["market=hotpot_chain", "sim.population=5000", "sim.days=56",
                           "sim.seed=3"])
    result = run_scenario(sc)
    assert result.daily["store_visits"].sum() > 100
    assert result.daily["orders_offline"].sum() == 0
    assert result.daily["walkouts"].sum() == result.daily["store_visits"].sum()


def test_stores_csv_has_a_row_per_store_and_day_and_the_scorecard_shows_queues(
        o2osim: RunO2osim, tmp_path: Any) -> None:
    import pandas as pd

    proc = o2osim(*SMALL, "market=local_services", "hydra.run.dir=run")
    assert proc.returncode == 0, proc.stderr
    stores = pd.read_csv(tmp_path / "run" / "stores.csv")
    required = ["store_id", "day", "arrivals", "served", "balked", "reneged",
                "mean_wait_min", "p95_wait_min", "utilisation", "coupon_checks_failed"]
    assert set(required) <= set(stores.columns) and list(stores.columns) == list(STORE_COLUMNS)
    sc = compose_scenario(["market=local_services", *SMALL])
    assert len(stores) == sc.market.stores.count * sc.sim.days
    assert sorted(stores.groupby("store_id")["day"].nunique().unique()) == [sc.sim.days]
    assert ((stores["p95_wait_min"] >= 0) & (stores["utilisation"].between(0, 1))).all()
    for label in ("Mean wait in store", "95th-percentile wait in store",
                  "Store walk-outs (balked or reneged)", "Coupon checks failed at the till"):
        assert label in proc.stdout


def test_walk_ins_judge_the_line_by_the_staff_on_duty_now() -> None:
    """One unit on duty in the morning (ten from minute 300), one walk-in per unit in line
    is too many: the third morning arrival balks, although ten units come later."""
    from o2osim.operations import BALKED, SERVED, Station, simulate_store_day

    n = 6
    arrivals = np.arange(1.0, n + 1)
    station = Station(units_by_part=[1, 10], part_starts_min=[0.0, 300.0],
                      service_min=np.full(n, 100.0), used=np.ones(n, dtype=bool),
                      checkout=False)
    day = simulate_store_day(arrivals, np.zeros(n, dtype=bool), np.full(n, np.inf),
                             np.zeros(n), np.zeros(n, dtype=bool), [station], 600.0,
                             balk_queue_per_server=1.0)
    assert day.status.tolist() == [SERVED, SERVED] + [BALKED] * (n - 2)
