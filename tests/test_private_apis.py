"""The private APIs o2osim still relies on (all called from ``o2osim.config.private_apis``)
are there, with the signature used, and behave as relied on, on tiny examples. A failure
names the symbol: a new Hydra, Optuna or hydra-optuna-sweeper changed it; adapt
``private_apis`` (or the plugin pin) before anything else.

The last tests check that the public replacements of former private uses
(``o2osim.config.jobs.sweep_jobs`` and ``apply_values``, the search's range check) still
agree with the originals, while those exist to compare against.
"""

from __future__ import annotations

import argparse
import inspect
import warnings
from collections.abc import Iterator
from pathlib import Path

import hydra
import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import OmegaConf

from o2osim import cli
from o2osim.config import private_apis
from o2osim.config.jobs import apply_values, sweep_jobs


def params(fn: object) -> list[str]:
    return list(inspect.signature(fn).parameters)  # type: ignore[arg-type]


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Path]:
    """A Hydra session on a two-value config (and a config that asks for a multirun)."""
    (tmp_path / "config.yaml").write_text("a: 1\nb: 2\n", encoding="utf-8")
    (tmp_path / "multi.yaml").write_text("a: 1\nhydra:\n  mode: MULTIRUN\n", encoding="utf-8")
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(tmp_path), job_name="t", version_base="1.3"):
        yield tmp_path
    GlobalHydra.instance().clear()


# --------------------------------------------------------------------------- Hydra


def test_hydra_get_args_parser_reads_the_command_line_as_hydra_main() -> None:
    from hydra._internal import utils

    assert callable(getattr(utils, "get_args_parser", None)), \
        "hydra._internal.utils.get_args_parser is gone"
    parser = private_apis.hydra_args_parser()
    assert isinstance(parser, argparse.ArgumentParser)
    args = parser.parse_args(["-m", "--config-dir", "mine", "--config-name", "c", "a=1,2"])
    assert (args.multirun, args.config_dir, args.config_name, args.overrides) == (
        True, "mine", "c", ["a=1,2"]), "hydra._internal.utils.get_args_parser: options changed"
    for name in (*cli.PASS_THROUGH, "run", "config_path"):
        assert hasattr(args, name), f"hydra._internal.utils.get_args_parser: no {name!r}"


def test_hydra_session_searches_the_config_dir_after_the_primary(tmp_path: Path) -> None:
    from hydra._internal import utils
    from hydra._internal.hydra import Hydra

    assert params(utils.create_config_search_path) == ["search_path_dir"], \
        "hydra._internal.utils.create_config_search_path: signature changed"
    assert params(Hydra.create_main_hydra2)[-2:] == ["task_name", "config_search_path"], \
        "hydra._internal.hydra.Hydra.create_main_hydra2: signature changed"
    (tmp_path / "main" / "g").mkdir(parents=True)
    (tmp_path / "extra" / "g").mkdir(parents=True)
    (tmp_path / "main" / "config.yaml").write_text("defaults:\n  - g: a\n", encoding="utf-8")
    (tmp_path / "main" / "g" / "a.yaml").write_text("v: main\n", encoding="utf-8")
    (tmp_path / "extra" / "g" / "a.yaml").write_text("v: extra\n", encoding="utf-8")
    (tmp_path / "extra" / "g" / "b.yaml").write_text("v: b\n", encoding="utf-8")
    GlobalHydra.instance().clear()
    try:
        loader = private_apis.start_hydra(str(tmp_path / "main"), str(tmp_path / "extra"), "t")
        assert sorted(loader.get_group_options("g")) == ["a", "b"]
        assert hydra.compose("config", ["g=b"]).g.v == "b"
        assert hydra.compose("config").g.v == "main"  # the primary folder comes first
        assert hydra.compose("config", return_hydra_config=True).hydra.job.name == "t"
    finally:
        GlobalHydra.instance().clear()


def test_hydra_compose_config_composes_a_multirun(tiny: Path) -> None:
    from hydra._internal.hydra import Hydra

    hydra = GlobalHydra.instance().hydra
    assert isinstance(hydra, Hydra), "GlobalHydra.instance().hydra is no longer a Hydra"
    for name in ("config_name", "overrides", "run_mode", "with_log_configuration",
                 "from_shell"):
        assert name in params(Hydra.compose_config), \
            f"hydra._internal.hydra.Hydra.compose_config has no {name!r} parameter"
    cfg = private_apis.compose_multirun("config", ["a=5,6", "b=3"])
    assert (cfg.a, cfg.b) == (1, 3), "Hydra.compose_config(MULTIRUN): sweep values not left out"
    assert list(cfg.hydra.overrides.task) == ["a=5,6", "b=3"], \
        "Hydra.compose_config(MULTIRUN): hydra.overrides.task changed"


def test_hydra_get_mode_reads_the_configs_mode(tiny: Path) -> None:
    from hydra._internal.hydra import Hydra

    assert params(Hydra.get_mode)[1:] == ["config_name", "overrides"], \
        "hydra._internal.hydra.Hydra.get_mode: signature changed"
    assert private_apis.configured_mode("multi", []) == RunMode.MULTIRUN, \
        "Hydra.get_mode: hydra.mode of the config not read"
    assert private_apis.configured_mode("config", []) is None, \
        "Hydra.get_mode: a config without hydra.mode has a mode"


# --------------------------------------------------------------------------- Optuna


def test_optuna_sampler_generators_reseed_the_draws() -> None:
    optuna = pytest.importorskip("optuna")
    from optuna.distributions import UniformDistribution

    def first_draws(sampler: object, states: tuple[int, int]) -> list[float]:
        assert private_apis.reseed_sampler(sampler, states)
        study = optuna.create_study(sampler=sampler)
        return [study.ask().suggest_float("x", 0, 1) for _ in range(3)]

    for make in (optuna.samplers.TPESampler, optuna.samplers.RandomSampler):
        sampler = make(seed=1)
        assert hasattr(sampler, "_rng"), f"optuna {make.__name__}._rng is gone"
        if make is optuna.samplers.TPESampler:
            assert hasattr(sampler._random_sampler, "_rng"), \
                "optuna TPESampler._random_sampler._rng is gone"
        a = first_draws(make(seed=1), (7, 8))
        assert first_draws(make(seed=99), (7, 8)) == a, \
            f"optuna {make.__name__}: reseeding its _rng no longer fixes its draws"
        assert first_draws(make(seed=1), (9, 10)) != a
    assert not private_apis.reseed_sampler(object(), (1, 2))
    assert UniformDistribution(0, 1).low == 0  # the public fields the search reads


def test_optuna_sweeper_impl_has_the_hooks_the_search_extends() -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    plugin = private_apis.optuna_sweeper_module()
    impl = getattr(plugin, "OptunaSweeperImpl", None)
    assert impl is not None, "hydra_plugins.hydra_optuna_sweeper._impl.OptunaSweeperImpl is gone"
    assert params(impl.__init__)[1:] == [
        "sampler", "direction", "storage", "study_name", "n_trials", "n_jobs",
        "max_failure_rate", "search_space", "custom_search_space", "params"], \
        "OptunaSweeperImpl.__init__: signature changed"
    expected = {"_configure_trials": ["self", "trials", "search_space_distributions",
                                      "fixed_params"],
                "_parse_sweeper_params_config": ["self"], "_get_directions": ["self"]}
    assert set(expected) == set(private_apis.OPTUNA_SWEEPER_HOOKS)
    for hook, names in expected.items():
        assert callable(getattr(impl, hook, None)), f"OptunaSweeperImpl.{hook} is gone"
        assert params(getattr(impl, hook)) == names, f"OptunaSweeperImpl.{hook}: signature changed"
    sweep = inspect.getsource(impl.sweep)
    for used in ("self._configure_trials(", "self.job_idx", "self.sampler", "self.n_trials"):
        assert used in sweep, f"OptunaSweeperImpl.sweep no longer uses {used}"
    space, fixed = plugin.create_params_from_overrides(["x=interval(0,1)", "y=choice(a,b)",
                                                        "z=3"])
    assert set(space) == {"x", "y"} and fixed == {"z": "3"}, \
        "hydra_optuna_sweeper._impl.create_params_from_overrides: result changed"


# --------------------------------------------------------------------------- replacements


def test_sweep_jobs_are_those_of_hydras_basic_sweeper() -> None:
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    except ImportError:
        pytest.skip("Hydra's BasicSweeper moved: nothing to compare against")
    parser = OverridesParser.create()
    for lines in (["a=1,2", "b=x", "c=range(3)"], ["a=1", "a=2,3", "b=4,5"],
                  ["market=m1,m2", "+p.q=[1,2]", "s='x,y'", "t=choice(u,v)"], []):
        overrides = parser.parse_overrides(lines)
        assert sweep_jobs(overrides) == BasicSweeper.split_arguments(overrides, None)[0], lines


def test_apply_values_is_hydras_override_step() -> None:
    try:
        from hydra._internal.config_loader_impl import ConfigLoaderImpl
    except ImportError:
        pytest.skip("Hydra's ConfigLoaderImpl moved: nothing to compare against")
    parser = OverridesParser.create()
    for lines in (["a.b=3", "a.c=[1,2]"], ["+a.new=1", "++a.b=5"], ["a.d={x: 1}"]):
        ours, hydras = (OmegaConf.create({"a": {"b": 1, "c": [0], "d": {"y": 2}}})
                        for _ in range(2))
        overrides = parser.parse_overrides(lines)
        apply_values(overrides, ours)
        ConfigLoaderImpl._apply_overrides_to_config(overrides, hydras)
        assert ours == hydras, lines
    with pytest.raises(ValueError):
        apply_values(parser.parse_overrides(["+a.b=2"]), OmegaConf.create({"a": {"b": 1}}))


def test_search_range_check_is_optunas() -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    from optuna import distributions as d

    from hydra_plugins.o2osim_search._impl import _in_range

    dists = [d.UniformDistribution(0.5, 2.0), d.LogUniformDistribution(1.0, 100.0),
             d.DiscreteUniformDistribution(0.0, 1.0, 0.25), d.IntUniformDistribution(2, 10, 2),
             d.IntLogUniformDistribution(1, 64)]
    for dist in dists:
        if not hasattr(dist, "_contains"):
            pytest.skip("optuna's _contains is gone: nothing to compare against")
        for value in (0.0, 0.5, 0.75, 1.0, 1.1, 2.0, 3.0, 4.0, 64.0, 100.0, 101.0):
            if isinstance(dist, d.IntUniformDistribution | d.IntLogUniformDistribution):
                value = int(value)
            with warnings.catch_warnings():  # IntLogUniformDistribution.step is deprecated
                warnings.simplefilter("ignore", FutureWarning)
                want = dist._contains(dist.to_internal_repr(value))
            assert _in_range(dist, value) == want, (dist, value)
