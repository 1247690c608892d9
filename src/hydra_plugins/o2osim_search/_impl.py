"""The sweeper's work (imported when a sweep starts; needs the ``search`` extra).

Built on ``hydra_optuna_sweeper._impl.OptunaSweeperImpl`` of hydra-optuna-sweeper 1.3.0
(pinned: the hooks used here, and Optuna 2.10's sampler internals, are version-specific).
Those private uses go through :mod:`o2osim.config.private_apis`, whose test names the
symbol a new version breaks; everything else here is Optuna's public API.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from omegaconf import OmegaConf
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    DiscreteUniformDistribution,
    IntLogUniformDistribution,
    IntUniformDistribution,
)
from optuna.trial import Trial, TrialState

from o2osim.config.private_apis import optuna_sweeper_module, reseed_sampler
from o2osim.search import JOB_ATTR

_plugin = optuna_sweeper_module()  # hydra-optuna-sweeper's OptunaSweeperImpl, extended here
OptunaSweeperImpl = _plugin.OptunaSweeperImpl
create_params_from_overrides = _plugin.create_params_from_overrides

log = logging.getLogger(__name__)

IDENTITY_ATTR = "o2osim_search_sha256"
"""Study attribute: fingerprint of what the study searches (see :meth:`_identity`)."""
DEFAULT_STUDY = "o2osim"


class SearchStudyMismatch(ValueError):
    """The storage holds a study of another search configuration."""


class SearchSweeperImpl(OptunaSweeperImpl):
    """``OptunaSweeperImpl`` made resumable and seeded per trial (see the package docs)."""

    def sweep(self, arguments: list[str]) -> None:
        assert self.config is not None
        sweep_dir = Path(str(self.sweep_dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)  # SQLite needs the folder
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")  # as Hydra's basic sweeper
        if self.storage is None:  # one in-memory storage shared with the parent's study
            self.storage = optuna.storages.InMemoryStorage()
        self.study_name = self.study_name or DEFAULT_STUDY
        space, _fixed = create_params_from_overrides(
            self._parse_sweeper_params_config() + list(arguments))
        study = optuna.create_study(study_name=self.study_name, storage=self.storage,
                                    sampler=self.sampler, directions=self._get_directions(),
                                    load_if_exists=True)
        identity = self._identity(space)
        known = study.user_attrs.get(IDENTITY_ATTR)
        if known is not None and known != identity:
            raise SearchStudyMismatch(
                f"study {self.study_name!r} in {self.storage} was made by another search "
                "configuration (market, plan, targets, sim settings, search space or sampler "
                "differ); rerun the command that made it to resume it, or choose a new "
                "hydra.sweep.dir (nothing was run)")
        study.set_user_attr(IDENTITY_ATTR, identity)
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            study.tell(t.number, state=TrialState.FAIL)  # a trial an interruption cut short
            log.info(f"Trial {t.number} was interrupted: marked failed")
        trials = study.get_trials(deepcopy=False)
        if not any(t.state in (TrialState.COMPLETE, TrialState.WAITING) for t in trials):
            self._enqueue_composed_values(study, space)
        started = sum(t.state != TrialState.WAITING for t in trials)
        if started:
            log.info(f"Resuming study {self.study_name!r}: {started} of {self.n_trials} "
                     "trials already made")
        self.n_trials = max(0, self.n_trials - started)
        if self.n_trials == 0:
            log.info("No trial left to run: raise hydra.sweeper.n_trials to search further")
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # "Using an existing study"
        try:
            super().sweep(arguments)
        finally:
            optuna.logging.set_verbosity(verbosity)

    def _identity(self, space: dict[str, BaseDistribution]) -> str:
        """What makes two invocations the same search: the scenario the trials start from
        (o2osim's config fingerprint), the search space, the sampler and the direction."""
        from o2osim.config import to_scenario, validate_scenario
        from o2osim.config.fingerprint import scenario_sha256

        assert self.config is not None
        what = {
            "scenario": scenario_sha256(validate_scenario(to_scenario(self.config))),
            "space": {k: repr(space[k]) for k in sorted(space)},
            "sampler": OmegaConf.to_container(self.config.hydra.sweeper.sampler, resolve=True),
            "directions": self._get_directions(),
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()

    def _enqueue_composed_values(self, study: optuna.Study,
                                 space: dict[str, BaseDistribution]) -> None:
        """Trial 0 = the composed config's own value of each searched setting (the plan the
        search starts from), for the settings whose value lies in the search space."""
        assert self.config is not None
        start: dict[str, Any] = {}
        for name, dist in space.items():
            value = OmegaConf.select(self.config, name, default=None)
            value = _as_distribution_value(dist, value)
            if value is not None:
                start[name] = value
        left = sorted(set(space) - set(start))
        if left:
            log.info(f"Trial 0 samples {', '.join(left)}: the composed values lie outside "
                     "the search space")
        with warnings.catch_warnings():  # enqueue_trial is "experimental" in Optuna 2.10
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.enqueue_trial(start)

    def _configure_trials(self, trials: list[Trial],
                          search_space_distributions: dict[str, BaseDistribution],
                          fixed_params: dict[str, Any]) -> Sequence[Sequence[str]]:
        # Called once per batch, right before the launch: number the jobs as the trials.
        numbers = [t.number for t in trials]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            self.job_idx = numbers[0]
        out: list[Sequence[str]] = []
        for i, trial in enumerate(trials):
            self._reseed(trial.number)
            trial.set_user_attr(JOB_ATTR, self.job_idx + i)
            out += super()._configure_trials([trial], search_space_distributions, fixed_params)
        return out

    def _reseed(self, number: int) -> None:
        """Random draws for trial ``number`` from ``(seed, number)`` alone, not from the
        draws of earlier trials in this process (which a resumed search did not make).
        Seeds the private generators of Optuna 2.10's TPE and random samplers."""
        assert self.config is not None
        seed = self.config.hydra.sweeper.sampler.get("seed")
        if seed is None:
            return
        states = np.random.SeedSequence([int(seed), int(number)]).generate_state(2)
        reseed_sampler(self.sampler, (int(states[0]), int(states[1])))


def _as_distribution_value(dist: BaseDistribution, value: Any) -> Any:
    """``value`` as the distribution's external value, or None if it is not one of them."""
    if isinstance(dist, CategoricalDistribution):  # True is not 1 here
        same = [c for c in dist.choices if type(c) is type(value) and c == value]
        return same[0] if same else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(dist, IntUniformDistribution | IntLogUniformDistribution):
        if float(value) != int(value):
            return None
        value = int(value)
    else:
        value = float(value)
    return value if _in_range(dist, value) else None


def _in_range(dist: BaseDistribution, value: float) -> bool:
    """``value`` lies in a numeric distribution: within ``[low, high]`` and, for a stepped
    one, on its grid (as Optuna 2.10 checks it; from the distributions' public fields)."""
    internal = dist.to_internal_repr(value)
    low, high = dist.low, dist.high  # type: ignore[attr-defined]
    if not low <= internal <= high:
        return False
    if isinstance(dist, DiscreteUniformDistribution):
        k = (internal - low) / dist.q
        return abs(k - round(k)) < 1.0e-8
    if isinstance(dist, IntUniformDistribution):
        return (internal - low) % dist.step == 0
    if isinstance(dist, IntLogUniformDistribution):  # step is 1 (Optuna deprecates others)
        return float(internal).is_integer()
    return True
