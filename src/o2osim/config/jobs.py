"""The scenarios of a sweep's jobs, composed once per choice of presets.

Hydra composes a job from scratch (defaults list, every preset file, the schema merge):
about 0.25 s on this project's machine, so checking a 100-job sweep before it starts
(:func:`o2osim.cli.preflight`) used to take a minute. The jobs of a sweep mostly differ
in plain values (``plan.coupon.value_cny=10,20,...``), not in presets, so
:class:`JobScenarios` composes once per distinct set of preset / Hydra overrides and
applies each job's value overrides to a copy with Hydra's own override step
(``ConfigLoaderImpl._apply_overrides_to_config``, hydra-core 1.3, the same call
``compose`` makes after merging the defaults). Same result, same errors: if applying
a job's values fails, the job is composed in full so the error is Hydra's own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.hydra import Hydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

SCENARIO_SECTIONS = ("market", "plan", "targets", "sim")
"""The parts of a composed config that make the scenario (the rest is Hydra's)."""

Compose = Callable[[list[str], RunMode], DictConfig]


class JobScenarios:
    """``scenario(job)``: the scenario sections of one job's composed config."""

    def __init__(self, h: Hydra, compose: Compose) -> None:
        self._compose = compose
        self._repo = h.config_loader.repository  # type: ignore[attr-defined]
        self._parser = OverridesParser.create(config_loader=h.config_loader)
        self._base: dict[tuple[str, ...], DictConfig] = {}

    def scenario(self, job: list[str]) -> DictConfig:
        overrides = self._parser.parse_overrides(job)
        base = tuple(o.input_line or "" for o in overrides if not self._is_value(o))
        values = [o for o in overrides if self._is_value(o)]
        if base not in self._base:
            self._base[base] = scenario_part(self._compose(list(base), RunMode.RUN))
        cfg = copy.deepcopy(self._base[base])
        try:
            ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        except Exception:  # noqa: BLE001 — compose in full: the error is then Hydra's own
            return scenario_part(self._compose(job, RunMode.RUN))
        return cfg

    def _is_value(self, o: Override) -> bool:
        """A plain value of the scenario (not a preset, a package, a deletion or Hydra's)."""
        return (not o.is_hydra_override() and o.package is None and not o.is_delete()
                and o.key_or_group.split(".")[0] in SCENARIO_SECTIONS
                and not self._repo.group_exists(o.key_or_group))


def scenario_part(cfg: DictConfig) -> DictConfig:
    """The scenario sections of a composed config, struct as Hydra leaves them."""
    part = OmegaConf.masked_copy(cfg, list(SCENARIO_SECTIONS))
    OmegaConf.set_struct(part, True)
    return part
