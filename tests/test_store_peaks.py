"""Regular store traffic: peaks queue as the seeds describe, and bookings, staffing and
O2O guidance move the waits (issue 12 item 2; docs/model.md, "The customer base").

The stores serve the customer base's regular customers beside the campaign's, as real
customers (docs/model.md, "Real customers in the stores"). Seed 000's hotpot journey
promises "扫码核销(无需排队)" — no queue thanks to reservations: that needs a queue to
remove. Every comparison below runs the same market on the same seed (common random
numbers: a regular customer's occasion, arrival minute, patience and service times do
not move with the lever), so a difference is the lever's, not noise. Each run is
four weeks (a one-week planning phase, two of execution, one of optimisation) at a
small simulated population: the stores see the real market's arrivals whatever the
population.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from conftest import FOUR_WEEKS
from o2osim.config import compose_scenario
from o2osim.model import run_scenario

BASE = ("sim.population=20000", "sim.days=28", "sim.seed=11", *FOUR_WEEKS)


@cache
def run(market: str, plan: str, *overrides: str) -> tuple[dict[str, float], pd.DataFrame]:
    sc = compose_scenario([f"market={market}", f"plan={plan}", *BASE, *overrides])
    res = run_scenario(sc)
    return res.metrics["kpis"], res.stores


def weekend(stores: pd.DataFrame) -> pd.DataFrame:
    return stores[stores["day"] % 7 >= 5]


def weekday(stores: pd.DataFrame) -> pd.DataFrame:
    return stores[stores["day"] % 7 < 5]


def test_hotpot_weekend_dinners_queue_for_tens_of_minutes_without_bookings() -> None:
    """Today's hotpot chain takes no online booking: on weekends the dinner peak queues
    (the busiest store-days' 95th-percentile wait is tens of minutes), weekdays much
    less."""
    _, stores = run("hotpot_chain", "fragmented")
    busiest = weekend(stores)["p95_wait_min"].quantile(0.75)
    assert busiest >= 10.0, f"weekend p95 waits, upper quartile {busiest:.1f} min"
    assert weekend(stores)["p95_wait_min"].mean() > 1.5 * weekday(stores)["p95_wait_min"].mean()
    assert weekend(stores)["reneged"].sum() + weekend(stores)["balked"].sum() > 0


def test_apparel_fitting_rooms_queue_at_weekend_peaks() -> None:
    _, stores = run("retail_apparel", "fragmented")
    assert weekend(stores)["mean_wait_min"].mean() > weekday(stores)["mean_wait_min"].mean()
    assert weekend(stores)["p95_wait_min"].max() >= 5.0


@pytest.mark.parametrize("market", ["retail_apparel", "local_services"])
def test_more_staff_shorter_waits_at_peaks(market: str) -> None:
    """Staffed stations (fitting rooms, service chairs) get more units: the weekend waits
    and the walk-outs fall at every step (the tables of a hotpot store are not staff)."""
    waits, walkouts = [], []
    for mult in (0.5, 1.0, 1.5):  # apparel: 1, 2, 3 fitting rooms
        k, stores = run(market, "fragmented", f"plan.operations.staff_multiplier={mult}")
        waits.append(weekend(stores)["mean_wait_min"].mean())
        walkouts.append(k["walkout_rate"])
    assert waits[0] > waits[1] > waits[2], waits
    assert walkouts[0] > walkouts[1] > walkouts[2], walkouts


def test_more_bookings_fewer_walkouts_and_queue_costs_at_hotpot_peaks() -> None:
    """Online bookings (an online account, and content that links to the reservation
    book: ``o2o_traffic_guidance``) put the booked ahead of walk-ins and they never balk:
    as the booked share grows, fewer real customers walk out and fewer experiences are
    lost to waiting."""
    rates, lost = [], []
    for share in (0.0, 0.3, 0.6):
        k, _ = run("hotpot_chain", "fragmented", "plan.integration.o2o_traffic_guidance=true",
                   f"plan.operations.booking_share={share}")
        rates.append(k["walkout_rate"])
        lost.append(k["walkouts"])
    assert rates[0] > rates[1] > rates[2], rates
    assert lost[0] > lost[1] > lost[2], lost


def test_o2o_guidance_sends_more_people_to_the_stores() -> None:
    """O2O guidance (online creatives that send people to a store) is visible in the
    stores: more arrivals, and more of the exposed online visit a store."""
    k_off, s_off = run("retail_apparel", "fragmented")
    k_on, s_on = run("retail_apparel", "fragmented",
                     "plan.integration.o2o_traffic_guidance=true")
    assert s_on["arrivals"].sum() > s_off["arrivals"].sum()
    assert k_on["online_to_store_rate"] > k_off["online_to_store_rate"]
