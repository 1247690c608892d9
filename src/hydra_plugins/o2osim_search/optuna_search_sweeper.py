"""Hydra's Optuna sweeper, resumable: the sweeper of ``conf/experiment/cheapest_plan.yaml``.

It takes the configuration of ``hydra-optuna-sweeper`` 1.3.0 (``hydra/sweeper: optuna``:
``params``, ``sampler``, ``storage``, ``study_name``, ``n_trials``, ``n_jobs``, ...) and
runs the same ask / launch / tell loop, with these differences (``_impl.py``):

* ``n_trials`` is the size of the whole study: running the command again with the same
  ``hydra.sweep.dir`` (and so the same SQLite storage) finishes an interrupted search,
  and raising ``n_trials`` extends a finished one;
* job ``N`` of the sweep is Optuna trial ``N``, in every invocation (folder ``N/``);
* trial 0 is the composed plan itself (the master config's value of every searched
  setting, where it lies in the search space);
* the sampler's random draws for trial ``N`` come from ``(sampler.seed, N)``, so the
  trials of an extended or resumed search are those of one uninterrupted search;
* a study made by another configuration (another market, other search space, ...) is
  refused rather than continued.

Optuna is imported only when a sweep starts, so this module loads (Hydra scans every
plugin at start-up) without the ``search`` extra installed.
"""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class OptunaSearchSweeper(Sweeper):
    """A resumable Optuna sweeper (see the module docstring)."""

    def __init__(self, sampler: Any, direction: Any, storage: Any | None,
                 study_name: str | None, n_trials: int, n_jobs: int,
                 max_failure_rate: float, search_space: DictConfig | None,
                 custom_search_space: str | None, params: DictConfig | None) -> None:
        from ._impl import SearchSweeperImpl

        self.sweeper = SearchSweeperImpl(sampler, direction, storage, study_name, n_trials,
                                         n_jobs, max_failure_rate, search_space,
                                         custom_search_space, params)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        self.sweeper.setup(hydra_context=hydra_context, task_function=task_function,
                           config=config)

    def sweep(self, arguments: list[str]) -> None:
        return self.sweeper.sweep(arguments)
