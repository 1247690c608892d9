"""A sweep's jobs, and their scenarios composed once per choice of presets.

Hydra composes a job from scratch (defaults list, every preset file, the schema merge):
about 0.25 s on this project's machine, so checking a 100-job sweep before it starts
(:func:`o2osim.cli.preflight`) used to take a minute. The jobs of a sweep mostly differ
in plain values (``plan.coupon.value_cny=10,20,...``), not in presets, so
:class:`JobScenarios` composes once per distinct set of preset / Hydra overrides and
applies each job's value overrides to a copy, as the last step of Hydra's composition
does (:func:`apply_values`: ``OmegaConf.update``, public API). Same result, same errors:
if applying a job's values fails, the job is composed in full so the error is Hydra's
own. :func:`sweep_jobs` lists a sweep's jobs as Hydra's basic sweeper does.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable

from hydra.core.config_loader import ConfigLoader
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

SCENARIO_SECTIONS = ("market", "plan", "targets", "sim")
"""The parts of a composed config that make the scenario (the rest is Hydra's)."""

Compose = Callable[[list[str], RunMode], DictConfig]


class JobScenarios:
    """``scenario(job)``: the scenario sections of one job's composed config."""

    def __init__(self, loader: ConfigLoader, compose: Compose) -> None:
        self._compose = compose
        self._groups = set(loader.list_groups(""))  # top-level config groups (market, plan, ...)
        self._parser = OverridesParser.create(config_loader=loader)
        self._base: dict[tuple[str, ...], DictConfig] = {}

    def scenario(self, job: list[str]) -> DictConfig:
        overrides = self._parser.parse_overrides(job)
        base = tuple(o.input_line or "" for o in overrides if not self._is_value(o))
        values = [o for o in overrides if self._is_value(o)]
        if base not in self._base:
            self._base[base] = scenario_part(self._compose(list(base), RunMode.RUN))
        cfg = copy.deepcopy(self._base[base])
        try:
            apply_values(values, cfg)
        except Exception:  # noqa: BLE001 — compose in full: the error is then Hydra's own
            return scenario_part(self._compose(job, RunMode.RUN))
        return cfg

    def _is_value(self, o: Override) -> bool:
        """A plain value of the scenario (not a preset, a package, a deletion or Hydra's)."""
        return (not o.is_hydra_override() and o.package is None and not o.is_delete()
                and o.key_or_group.split(".")[0] in SCENARIO_SECTIONS
                and o.key_or_group not in self._groups)


def apply_values(values: list[Override], cfg: DictConfig) -> None:
    """Apply value overrides (``key=v``, ``+key=v``, ``++key=v``) to ``cfg`` as Hydra's
    composition applies them once the defaults are merged. Raises on any failure, where
    Hydra's messages may differ: the caller then composes in full for Hydra's own."""
    for o in values:
        if o.package is not None or o.is_delete():
            raise ValueError(f"not a plain value: {o.input_line}")
        key, value = o.key_or_group, o.value()
        if o.is_add():
            if (OmegaConf.select(cfg, key, throw_on_missing=False) is not None
                    and not isinstance(value, dict | list)):
                raise ValueError(f"{key} exists: {o.input_line} cannot add it")
            OmegaConf.update(cfg, key, value, merge=True, force_add=True)
        elif o.is_force_add():
            OmegaConf.update(cfg, key, value, merge=True, force_add=True)
        else:
            OmegaConf.update(cfg, key, value, merge=True)


def sweep_jobs(overrides: list[Override]) -> list[list[str]]:
    """The jobs of a basic-sweeper multirun, as that sweeper makes them: one list of
    ``key=value`` lines per combination, keys in first-given order (a key given twice
    keeps its place and takes its last value), the last key varying fastest."""
    lists: dict[str, list[str]] = {}
    for o in overrides:
        key = o.get_key_element()
        if not o.is_sweep_override():
            lists[key] = [f"{key}={o.get_value_element_as_str()}"]
        elif o.is_discrete_sweep():
            lists[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
        else:
            kind = o.value_type.name if o.value_type is not None else "?"
            raise HydraException(f"BasicSweeper does not support sweep type : {kind}")
    return [list(job) for job in itertools.product(*lists.values())]


def scenario_part(cfg: DictConfig) -> DictConfig:
    """The scenario sections of a composed config, struct as Hydra leaves them."""
    part = OmegaConf.masked_copy(cfg, list(SCENARIO_SECTIONS))
    OmegaConf.set_struct(part, True)
    return part
