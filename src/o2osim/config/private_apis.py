"""Every use of a dependency's private API, in one module, each with the reason.

o2osim uses the public APIs of Hydra, OmegaConf and Optuna everywhere else: a single
run's config is ``hydra.compose``, overrides are parsed with
``hydra.core.override_parser``, a sweep's jobs are expanded from
``Override.sweep_string_iterator`` (:mod:`o2osim.config.jobs`), job values are applied
with ``OmegaConf.update``, and search-space bounds are read from Optuna's distribution
attributes. What is left has no public equivalent:

* :func:`hydra_args_parser` — Hydra's command-line parser (``-m``, ``--cfg``,
  ``--config-dir``, ...), ``hydra._internal.utils.get_args_parser``: the preflight must
  read the command line exactly as ``@hydra.main`` will, and Hydra offers no public one.
* :func:`start_hydra` — the Hydra session of ``@hydra.main``, with ``--config-dir``'s
  folder on the config search path: ``hydra._internal.utils.create_config_search_path``
  and ``Hydra.create_main_hydra2``. The public ``initialize_config_dir`` takes one folder,
  and ``ConfigSearchPath.prepend`` on its loader is too late (it "only takes effect if
  called before the ConfigRepository is instantiated"); ``hydra.searchpath`` would put
  the folder into every composed config and clash with a user's own ``hydra.searchpath``.
* :func:`compose_multirun` and :func:`configured_mode` — ``Hydra.compose_config`` with
  ``run_mode=MULTIRUN`` and ``Hydra.get_mode``, reached through
  ``GlobalHydra.instance().hydra``: the public ``hydra.compose`` composes in RUN mode only,
  and a sweep's master config (sweep values left out, ``hydra.overrides.task`` and
  ``hydra.job.override_dirname`` with them, missing choices allowed) and whether the
  config itself asks for a multirun (``hydra.mode``) exist only in MULTIRUN mode.
* :func:`reseed_sampler` — the random generators of Optuna 2.10's TPE and random
  samplers (``_rng``, ``_random_sampler._rng``): the search draws trial ``N`` from
  ``(seed, N)`` alone so a resumed search makes the trials of an uninterrupted one;
  ``BaseSampler.reseed_rng()`` reseeds at random, and a new sampler per trial would seed
  TPE's two generators alike and change every search's trials.
* :func:`optuna_sweeper_module` — ``hydra_plugins.hydra_optuna_sweeper._impl`` of
  hydra-optuna-sweeper 1.3.0, whose ``OptunaSweeperImpl`` the search sweeper extends (the
  plugin's only extension point): it overrides ``_configure_trials`` and calls
  ``_parse_sweeper_params_config`` and ``_get_directions`` (:data:`OPTUNA_SWEEPER_HOOKS`).

``tests/test_private_apis.py`` checks each of these — the symbol exists, has the signature
relied on and behaves as relied on in a tiny example — and names the symbol when a new
Hydra, Optuna or plugin version breaks one. Add any new private use here, and a check
there.
"""

from __future__ import annotations

import argparse
import os
from types import ModuleType
from typing import Any

from hydra.core.config_loader import ConfigLoader
from hydra.core.config_search_path import SearchPathQuery
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import DictConfig

OPTUNA_SWEEPER_HOOKS = ("_configure_trials", "_parse_sweeper_params_config", "_get_directions")
"""Private methods of the plugin's ``OptunaSweeperImpl`` the search sweeper overrides or calls."""


def hydra_args_parser() -> argparse.ArgumentParser:
    """Hydra's own command-line parser, as ``@hydra.main`` uses it."""
    from hydra._internal.utils import get_args_parser

    return get_args_parser()


def start_hydra(primary_dir: str, config_dir: str | None, job_name: str) -> ConfigLoader:
    """Initialise the global Hydra as ``@hydra.main`` does for ``--config-dir config_dir``
    (searched after ``primary_dir`` and the plugins' folders, before the schemas); returns
    its config loader. The caller clears ``GlobalHydra`` when done."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_config_search_path

    search_path = create_config_search_path(primary_dir)
    if config_dir is not None:
        search_path.prepend(provider="command-line", path=f"file://{os.path.abspath(config_dir)}",
                            anchor=SearchPathQuery(provider="schema"))
    Hydra.create_main_hydra2(task_name=job_name, config_search_path=search_path)
    return GlobalHydra.instance().config_loader()


def _hydra() -> Any:
    gh = GlobalHydra.instance()
    if not gh.is_initialized():
        raise RuntimeError("no Hydra session: use hydra.initialize_config_dir first")
    return gh.hydra


def compose_multirun(config_name: str, overrides: list[str]) -> DictConfig:
    """The config of a multirun (its sweep values left out) in the current Hydra session,
    composed as Hydra composes it before sweeping (command-line error messages)."""
    cfg = _hydra().compose_config(config_name, overrides, run_mode=RunMode.MULTIRUN,
                                  from_shell=True, with_log_configuration=False)
    assert isinstance(cfg, DictConfig)
    return cfg


def configured_mode(config_name: str, overrides: list[str]) -> RunMode | None:
    """``hydra.mode`` of the config as composed with ``overrides`` (None if unset or if it
    does not compose): a config can ask for a multirun without ``-m``."""
    mode = _hydra().get_mode(config_name, overrides)
    return mode if isinstance(mode, RunMode) else None


def reseed_sampler(sampler: Any, states: tuple[int, int]) -> bool:
    """Seed the random generators of an Optuna TPE or random sampler with ``states``
    (TPE: its own generator and that of its random sampler for the startup trials).
    False for other samplers (left as they are)."""
    import optuna

    if isinstance(sampler, optuna.samplers.TPESampler):
        sampler._rng.seed(int(states[0]))
        sampler._random_sampler._rng.seed(int(states[1]))
        return True
    if isinstance(sampler, optuna.samplers.RandomSampler):
        sampler._rng.seed(int(states[0]))
        return True
    return False


def optuna_sweeper_module() -> ModuleType:
    """``hydra_plugins.hydra_optuna_sweeper._impl`` (needs the ``search`` extra): its
    ``OptunaSweeperImpl`` and ``create_params_from_overrides``."""
    from hydra_plugins.hydra_optuna_sweeper import _impl

    return _impl
