"""Scientific check: with only advertising and word of mouth, awareness follows Bass (1969).

Set-up (the assumptions under which the closed form holds): one channel with a constant
daily reach ``p`` (no carry-over, saturated Hill, uniform flighting, no reserve), every
aware consumer talks with daily chance ``t`` to ``k`` random contacts (no locality, so
contacts mix at random), each reached unaware contact becomes aware with chance ``a``,
no forgetting, no purchases (so no posts or complaints). Then the daily hazard of an
unaware consumer is ``1 - (1 - p) exp(-a t k F)``, i.e. the Bass model with
``p' = -ln(1 - p)`` and ``q' = a t k`` per day.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.response import bass_cdf

TOLERANCE = 0.03
"""Largest allowed |simulated - Bass| share aware on any day. The simulation steps in
whole days (the closed form is continuous) and its contacts are a fixed network, not
perfect mixing; both slow diffusion slightly, by up to ~2.5 points at q = 0.04 / day.
Faster imitation (q >= 0.05 / day) drifts further, so the cases stay at q <= 0.04."""


def bass_overrides(p: float, t: float, k: int, a: float, population: int) -> list[str]:
    silent = ["livestream", "local_life", "lbs_ads", "crm_retarget", "member_push",
              "offline_events"]
    return [
        "market=retail_apparel",
        "plan=integrated",
        f"sim.population={population}",
        "sim.days=112",
        "sim.seed=11",
        "plan.contingency_reserve_share=0",
        "plan.integration.budget_reallocation=false",
        "plan.channels.content_seeding.budget_cny=1000000",
        "plan.channels.content_seeding.flighting=[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
        *[f"plan.channels.{c}.budget_cny=0" for c in silent],
        f"market.channels.content_seeding.max_daily_reach={p}",
        "market.channels.content_seeding.half_saturation_ipc=1e-9",
        "market.channels.content_seeding.carryover=0",
        "market.channels.content_seeding.affinity_weights=[1,1,1]",
        "market.channels.content_seeding.segment_weights=[1,1,1]",
        f"market.population.network_degree={k}",
        "market.population.network_locality_share=0",
        f"market.behaviour.wom_talk_prob_per_day={t}",
        f"market.behaviour.wom_aware_prob_per_contact={a}",
        "market.behaviour.awareness_forget_per_day=0",
        "market.behaviour.purchase_hazard_max_per_day=[0,0,0]",
    ]


@pytest.mark.parametrize(
    ("p", "t", "k", "a"),
    [
        pytest.param(0.004, 0.5, 8, 0.01, id="balanced-q/p=10"),
        pytest.param(0.0035, 1.0, 10, 0.0035, id="imitation-dominated-q/p=10-all-talk"),
        pytest.param(0.01, 0.25, 8, 0.01, id="innovation-dominated-q/p=2"),
    ],
)
def test_awareness_follows_bass_curve(p: float, t: float, k: int, a: float) -> None:
    population = 50_000
    result = run_scenario(compose_scenario(bass_overrides(p, t, k, a, population)))
    share = result.daily["ever_aware"].to_numpy() / population
    days = np.arange(1, share.size + 1)
    expected = bass_cdf(days, -math.log(1 - p), a * t * k)
    gap = np.abs(share - expected)
    assert gap.max() < TOLERANCE, (
        f"max |sim - Bass| = {gap.max():.4f} on day {int(gap.argmax()) + 1}")
    # The curve must actually move through its S: otherwise the check would be vacuous.
    assert share[-1] > 0.5


def test_bass_check_detects_missing_word_of_mouth() -> None:
    """Without word of mouth the same curve misses Bass by far more than the tolerance."""
    p, t, k, a = 0.004, 0.5, 8, 0.01
    overrides = bass_overrides(p, t, k, a, 20_000)
    overrides[overrides.index(f"market.behaviour.wom_talk_prob_per_day={t}")] = (
        "market.behaviour.wom_talk_prob_per_day=0")
    share = run_scenario(compose_scenario(overrides)).daily["ever_aware"].to_numpy() / 20_000
    expected = bass_cdf(np.arange(1, share.size + 1), -math.log(1 - p), a * t * k)
    assert np.abs(share - expected).max() > 3 * TOLERANCE
