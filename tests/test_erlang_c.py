"""Scientific check: the simpy store matches queueing theory where its assumptions hold.

One station, Poisson arrivals, exponential service (cv = 1), c servers, no balking or
reneging, a long day: an M/M/c queue, whose mean wait in queue is Erlang C.
"""

from __future__ import annotations

import numpy as np
import pytest

from o2osim.operations import Station, simulate_store_day
from o2osim.response import erlang_c_wait_min

REL_TOLERANCE = 0.10
"""Largest allowed relative gap between simulated and Erlang C mean wait; with the
sample sizes below the standard error of the simulated mean is a few per cent."""


def mmc_wait(c: int, lam: float, mu: float, n: int, seed: int, units_by_part=None,
             part_starts=None) -> float:
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    horizon = float(arrivals[-1]) + 1.0
    station = Station(units_by_part=units_by_part or [c], part_starts_min=part_starts or [0.0],
                      service_min=rng.exponential(1 / mu, n), used=np.ones(n, dtype=bool),
                      checkout=False)
    result = simulate_store_day(arrivals, np.zeros(n, dtype=bool), np.full(n, np.inf),
                                np.zeros(n), np.zeros(n, dtype=bool), [station], horizon,
                                balk_queue_per_server=np.inf)
    assert (result.status == 0).all()
    warm = n // 10  # drop the empty-store start
    return float(result.wait_min[warm:].mean())


@pytest.mark.parametrize(
    ("c", "lam", "mu", "n"),
    [
        pytest.param(1, 0.5, 1.0, 60_000, id="M/M/1-rho0.5"),
        pytest.param(3, 1.0, 0.4, 60_000, id="M/M/3-rho0.83"),
        pytest.param(5, 2.25, 0.5, 150_000, id="M/M/5-rho0.9-heavy"),
        pytest.param(10, 2.0, 0.25, 300_000, id="M/M/10-rho0.8"),
    ],
)
def test_mean_wait_matches_erlang_c(c: int, lam: float, mu: float, n: int) -> None:
    simulated = mmc_wait(c, lam, mu, n, seed=1)
    theory = erlang_c_wait_min(c, lam, mu)
    assert abs(simulated - theory) / theory < REL_TOLERANCE, (simulated, theory)


def test_erlang_c_closed_form_known_value() -> None:
    # M/M/1: Wq = rho / (mu - lambda) = 0.5 / 0.5 = 1 minute.
    assert erlang_c_wait_min(1, 0.5, 1.0) == pytest.approx(1.0)
    # M/M/2 with a = 1: C = 1/3, Wq = (1/3) / (2 - 1) = 1/3.
    assert erlang_c_wait_min(2, 1.0, 1.0) == pytest.approx(1 / 3)


def test_more_staff_never_lengthens_waits() -> None:
    """Common random numbers: the same arrivals and service times, more servers."""
    waits = [mmc_wait(c, 1.0, 0.3, 20_000, seed=2) for c in (4, 5, 6, 8)]
    assert waits == sorted(waits, reverse=True)


def test_rota_takes_units_away_in_a_quiet_day_part() -> None:
    """Two units all day versus one unit in the first half: the first half waits longer."""
    full = mmc_wait(2, 0.8, 0.5, 20_000, seed=3)
    thin = mmc_wait(2, 0.8, 0.5, 20_000, seed=3, units_by_part=[1, 2],
                    part_starts=[0.0, 12_500.0])
    assert thin > full * 1.5
