"""Scenarios composed once per choice of presets in a process (the Python API of
:func:`compose_scenario`).

Hydra composes from scratch on every call (the defaults list, every preset file, the
schema merge): ~0.5 s of CPU on this project's machine, more than a small run. Tests,
notebooks and the studio compose many scenarios that differ only in plain values
(``sim.seed=3``, ``plan.coupon.value_cny=30``), so the presets chosen (``market=``,
``plan=``, ...) are composed once and each call's values are set on a copy, as the
preflight of a sweep already does (:class:`o2osim.config.jobs.JobScenarios`, whose test
checks that the scenarios are exactly those of composing in full). Anything that path
does not take — a call that fails, a value it would word differently — is composed in
full (:func:`o2osim.config.store.compose_scenario`), so errors are Hydra's own as before.
A preset edited between two calls is seen: the cache is keyed by every preset file's
path, time and size (:func:`o2osim.config.jobs.config_stamp`).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence

from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode

from o2osim.config import store
from o2osim.config.jobs import JobScenarios, config_stamp
from o2osim.config.schema import ScenarioConfig

_KEPT: dict[tuple[object, ...], JobScenarios] = {}  # one key at a time: the last folders


def compose_scenario(overrides: Sequence[str] | None = None,
                     config_dir: str | os.PathLike[str] | None = None) -> ScenarioConfig:
    """:func:`o2osim.config.store.compose_scenario` (same arguments, same scenario, same
    errors), each choice of presets composed once per process (module docstring); the
    result is the caller's own (a deep copy: changing it changes no later call's)."""
    lines = [str(line) for line in (overrides or [])]
    if config_dir is not None and not os.path.isdir(config_dir):
        return store.compose_scenario(lines, config_dir)  # the error, worded as before
    folders = [str(store.CONF_DIR)]
    if config_dir is not None:
        folders.append(os.path.abspath(config_dir))
    try:
        key = (tuple(folders), config_stamp(folders))
        kept = _KEPT.get(key)
        if kept is None:
            def compose(job: list[str], mode: RunMode) -> object:
                return store.compose_config(job, config_dir)

            with store.hydra_session(config_dir):
                kept = JobScenarios(GlobalHydra.instance().config_loader(), compose)  # type: ignore[arg-type]
            _KEPT.clear()
            _KEPT[key] = kept
        return copy.deepcopy(kept.typed(lines))
    except Exception:  # noqa: BLE001 — composed in full: the same errors as before
        return store.compose_scenario(lines, config_dir)
