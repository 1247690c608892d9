"""Checking a sweep before it starts composes each choice of presets once and applies the
jobs' values to copies (o2osim.config.jobs): the scenarios, and so their fingerprints, must
be exactly those of composing every job in full, as Hydra does when it runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hydra.core.config_loader import ConfigLoader
from hydra.types import RunMode
from omegaconf import OmegaConf

from conftest import market_presets
from o2osim import cli
from o2osim.config import ConfigError, register_schemas, to_scenario
from o2osim.config.fingerprint import scenario_sha256
from o2osim.config.jobs import Compose, JobScenarios, scenario_part

JOBS = [
    [],
    ["plan.coupon.value_cny=30"],
    ["market=hotpot_chain", "plan.coupon.value_cny=30"],
    ["plan.coupon.value_cny=30", "market=hotpot_chain"],  # order of preset and value
    ["market=local_services", "plan=fragmented", "plan.channels.livestream.budget_cny=0",
     "sim.seed=4", "sim.population=5000"],
    ["plan.operations.store_staff_multipliers=[1.0,0.5]", "plan.promo_weeks=[5,6]"],
    ["hydra.sweep.dir=/tmp/x", "plan.integration.calendar_lag_weeks=2"],
    ["++plan.coupon.value_cny=40", "++sim.seed=9"],  # force-add of existing keys
]


@pytest.fixture
def session() -> Iterator[tuple[ConfigLoader, Compose]]:
    register_schemas()
    with cli._hydra_session(None, None) as loader:
        yield loader, cli.composing(cli.CONFIG_NAME)


def test_jobs_compose_to_the_scenarios_of_a_full_composition(
        session: tuple[ConfigLoader, Compose]) -> None:
    h, compose = session
    scenarios = JobScenarios(h, compose)
    for job in JOBS:
        fast = to_scenario(scenarios.scenario(job))
        full = to_scenario(compose(job, RunMode.RUN))
        assert fast == full, job
        assert scenario_sha256(fast) == scenario_sha256(full), job
    assert len(scenarios._base) == 4  # (), market=hotpot, local_services+fragmented, hydra


def test_a_bad_value_fails_as_in_a_full_composition(
        session: tuple[ConfigLoader, Compose]) -> None:
    h, compose = session
    scenarios = JobScenarios(h, compose)
    for job in (["plan.coupon.value_cny=abc"], ["plan.coupon.valeu_cny=3"],
                ["+plan.channels.new_channel.budget_cny=10", "market=hotpot_chain"]):
        with pytest.raises(Exception) as fast:
            scenarios.scenario(job)
        with pytest.raises(Exception) as full:
            compose(job, RunMode.RUN)
        assert type(fast.value) is type(full.value)
        assert str(fast.value) == str(full.value)


def test_typed_sections_convert_as_the_schema_merge_does(
        session: tuple[ConfigLoader, Compose]) -> None:
    """to_scenario's section-by-section path gives what merging into the schema gives."""
    _, compose = session
    from o2osim.config.schema import ScenarioConfig
    for job in ([f"market={m}", f"plan={p}"] for m in market_presets()
                for p in ("fragmented", "integrated")):
        cfg = compose(job, RunMode.RUN)
        merged = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(ScenarioConfig),
                                                     scenario_part(cfg)))
        assert to_scenario(cfg) == merged


def test_a_sweep_with_a_bad_job_names_it_before_any_work(tmp_path) -> None:  # noqa: ANN001
    register_schemas()
    with pytest.raises(ConfigError) as err:
        cli.preflight(["-m", "plan.coupon.value_cny=10,abc,30",
                       f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert "plan.coupon.value_cny" in str(err.value) and "job 1" in str(err.value)
    assert not (tmp_path / "sweep").exists()
