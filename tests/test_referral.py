"""The referral reward (:mod:`o2osim.components.referral`, ``plan.referral_reward``): a
satisfied customer refers a contact with ``referral_prob_satisfied`` and is offered the
plan's coupon; the referred contact becomes aware, with interest; nobody is referred twice.

Off (every preset), the rule draws nothing and changes nothing. On, its draws come from its
own stream, so with a referral chance of 0 the run is the same as with the lever off.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from o2osim.components.referral import Referral
from o2osim.config import ConfigError, compose_scenario, validate_scenario
from o2osim.metrics import compute_metrics
from o2osim.model import CampaignModel, run_scenario
from o2osim.population import EVER_AWARE
from o2osim.results import write_run

SHORT = ("market=local_services", "plan=integrated", "sim.population=3000", "sim.days=56",
         "sim.seed=5", "plan.calendar.planning_weeks=2", "plan.calendar.execution_weeks=4",
         "plan.calendar.optimisation_weeks=2")
LONG = ("market=local_services", "plan=integrated", "sim.population=3000", "sim.days=112",
        "sim.seed=7")
ON = "plan.referral_reward=true"
UNCAPPED = "plan.coupon.quantity_cap=100000000"  # the presets' cap is used up by offers


def run_files(tmp_path: Path, name: str, *overrides: str) -> dict[str, bytes]:
    """The run's output files (as the CLI writes them), byte for byte."""
    folder = tmp_path / name
    write_run(folder, run_scenario(validate_scenario(compose_scenario(list(overrides)))))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def model_of(*overrides: str) -> CampaignModel:
    model = CampaignModel(validate_scenario(compose_scenario(list(overrides))))
    model.run()
    return model


def test_lever_off_draws_nothing_and_changes_nothing(tmp_path: Path) -> None:
    base = run_files(tmp_path, "base", *SHORT)
    # off, the rule's parameters do not matter
    assert run_files(tmp_path, "off", *SHORT, "market.behaviour.referral_prob_satisfied=0.9",
                     "market.behaviour.referral_interest=5") == base
    # on with a chance of 0, it draws only from its own stream: the same run again
    assert run_files(tmp_path, "on0", *SHORT, ON,
                     "market.behaviour.referral_prob_satisfied=0") == base
    model = model_of(*SHORT)
    assert model.totals.referrals == 0 and model.totals.coupons_claimed_referral == 0
    assert model.component(Referral).attempts == 0
    assert "referred" not in model.pop.extra  # no state of its own either
    assert compute_metrics(model.record())["kpis"]["referral_rate"] == 0.0


def test_referral_rate_is_the_referral_chance_less_the_contacts_already_referred() -> None:
    p = 0.3
    model = model_of(*LONG, ON, f"market.behaviour.referral_prob_satisfied={p}", UNCAPPED)
    t, attempts = model.totals, model.component(Referral).attempts
    satisfied = t.satisfied
    assert satisfied > 200, satisfied
    # every satisfied experience refers with chance p: attempts ~ Binomial(satisfied, p)
    se = math.sqrt(p * (1 - p) / satisfied)
    assert abs(attempts / satisfied - p) <= 4 * se, (attempts, satisfied)
    # a referral to someone already referred (or to oneself) is not counted
    assert 0 < t.referrals <= attempts
    lost = attempts - t.referrals
    assert lost / attempts < 0.15, (lost, attempts)  # measured: about 4 % here
    rate = compute_metrics(model.record())["kpis"]["referral_rate"]
    assert rate == pytest.approx(t.referrals / satisfied)
    assert p - 4 * se - lost / satisfied <= rate <= attempts / satisfied


def test_referred_consumers_are_aware_once_and_referrers_earn_coupons() -> None:
    model = model_of(*LONG, ON, "market.behaviour.referral_prob_satisfied=0.5", UNCAPPED)
    t, referred = model.totals, model.pop.extra["referred"]
    assert referred.dtype == np.uint8
    assert int(referred.sum()) == t.referrals > 0  # each one counted once
    who = np.flatnonzero(referred)
    assert np.all((model.pop.history[who] & EVER_AWARE) > 0)
    # at most one coupon per counted referral, through the coupon book (claim chance, limit)
    assert 0 < t.coupons_claimed_referral <= t.referrals
    assert t.coupons_claimed_referral <= t.coupons_claimed
    kpis = compute_metrics(model.record())["kpis"]
    assert kpis["coupons_claimed"] == t.coupons_claimed


def test_the_coupon_cap_bounds_referral_coupons_too() -> None:
    cap = 3000  # real coupons: 9 simulated ones at 3 000 of 1 000 000 consumers
    model = model_of(*LONG, ON, "market.behaviour.referral_prob_satisfied=0.5",
                     f"plan.coupon.quantity_cap={cap}")
    t = model.totals
    assert t.referrals > 0
    assert t.coupons_claimed <= cap / model.scale
    assert t.coupons_claimed_referral <= t.coupons_claimed


def test_referrals_make_more_consumers_aware() -> None:
    # common random numbers: the same seeds with the lever off and on
    for seed in (1, 2):
        sim = (*LONG[:-1], f"sim.seed={seed}")
        off = model_of(*sim).record().consumers.ever_aware
        on = model_of(*sim, ON, "market.behaviour.referral_prob_satisfied=0.5").record()
        assert on.consumers.ever_aware > off, (seed, on.consumers.ever_aware, off)


@pytest.mark.parametrize(("override", "path", "value"), [
    ("market.behaviour.referral_prob_satisfied=1.5",
     "market.behaviour.referral_prob_satisfied", "1.5"),
    ("market.behaviour.referral_prob_satisfied=-0.1",
     "market.behaviour.referral_prob_satisfied", "-0.1"),
    ("market.behaviour.referral_interest=-1", "market.behaviour.referral_interest", "-1"),
])
def test_bad_referral_parameters_are_refused_in_one_line(override: str, path: str,
                                                        value: str) -> None:
    sc = compose_scenario([*SHORT, ON, override])
    with pytest.raises(ConfigError) as err:
        validate_scenario(sc)
    message = str(err.value)
    assert "\n" not in message
    assert err.value.path == path, message
    assert message.startswith(f"{path}: {value} — "), message
