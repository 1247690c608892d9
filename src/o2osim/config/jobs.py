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
import functools
import itertools
import math
import os
import types
import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

from hydra.core.config_loader import ConfigLoader
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, Override, RangeSweep
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import (
    BooleanNode,
    DictConfig,
    FloatNode,
    IntegerNode,
    ListConfig,
    OmegaConf,
    StringNode,
)
from omegaconf.errors import ValidationError
from omegaconf.nodes import ValueNode

from o2osim.config.explain import given_text
from o2osim.config.schema import ScenarioConfig
from o2osim.config.store import to_scenario
from o2osim.config.validate import ConfigError, clean_nodes, describe_type, validate_scenario

SCENARIO_SECTIONS = ("market", "plan", "targets", "sim", "lang")
"""The parts of a composed config that make the scenario (the rest is Hydra's); ``lang`` is
a single value (the language people read, o2osim.i18n), the others are sections."""

Compose = Callable[[list[str], RunMode], DictConfig]

MAX_JOBS = 10_000
"""Jobs of one sweep (and trials of one search). The preflight checks them all in about
a second per thousand jobs (docs/input-checks.md); each job is a whole run."""


class TooManyJobs(ValueError):
    """A sweep of more than :data:`MAX_JOBS` jobs (counted before any is listed)."""

    def __init__(self, count: int, sizes: dict[str, int]) -> None:
        self.count, self.sizes = count, sizes
        super().__init__(f"{count} jobs")


class JobScenarios:
    """``scenario(job)``: the scenario sections of one job's composed config;
    ``typed(job)``: the same as a typed :class:`ScenarioConfig`, quickly."""

    def __init__(self, loader: ConfigLoader, compose: Compose,
                 check: Callable[[DictConfig], None] | None = None) -> None:
        self._compose = compose
        self._check = check  # called on each composed config, before its scenario is cut
        self._groups = set(loader.list_groups(""))  # top-level config groups (market, plan, ...)
        self._parser = OverridesParser.create(config_loader=loader)
        self._base: dict[tuple[str, ...], DictConfig] = {}
        self._typed: dict[tuple[str, ...], ScenarioConfig | None] = {}
        self._clean: dict[tuple[str, ...], frozenset[int]] = {}
        self._lines: dict[str, Override] = {}

    def typed(self, job: list[str]) -> ScenarioConfig:
        """``to_scenario(self.scenario(job))``, without copying and converting the whole
        config per job: the base is converted once and each job's plain values are set on
        a copy of the path they change (:func:`with_values`), converted by OmegaConf's own
        node types. Anything else (a base with interpolations, which a value could
        change; ``+key``; a mapping value; an interpolation or ``???`` as a value; a value
        OmegaConf refuses) takes the :meth:`scenario` path, errors included."""
        base, values = self._split(job)
        if base not in self._typed:
            cfg = self._base_config(base)
            raw = OmegaConf.to_container(cfg, resolve=False)
            typed = None if "${" in repr(raw) else to_scenario(cfg)
            self._typed[base] = typed
            self._clean[base] = frozenset() if typed is None else clean_nodes(typed)
        sc = self._typed[base]
        if sc is not None:
            try:
                return with_values(sc, values)
            except ConfigError:
                raise
            except Exception:  # noqa: BLE001 — the full path names the error as Hydra does
                pass
        return to_scenario(self.scenario(job))

    def checked(self, job: list[str]) -> ScenarioConfig:
        """``validate_scenario(self.typed(job))``, checking only the settings the job's
        values change where the rest is its presets' (:func:`clean_nodes`)."""
        sc = self.typed(job)
        return validate_scenario(sc, self._clean.get(self._split(job)[0], frozenset()))

    def _split(self, job: list[str]) -> tuple[tuple[str, ...], list[Override]]:
        overrides = [self._parsed(line) for line in job]
        base = tuple(o.input_line or "" for o in overrides if not self._is_value(o))
        return base, [o for o in overrides if self._is_value(o)]

    def _parsed(self, line: str) -> Override:
        """One override line, parsed once (a sweep's jobs repeat most of their lines)."""
        if line not in self._lines:
            self._lines[line] = self._parser.parse_overrides([line])[0]
        return self._lines[line]

    def _base_config(self, base: tuple[str, ...]) -> DictConfig:
        if base not in self._base:
            self._base[base] = scenario_part(self._composed(list(base)))
        return self._base[base]

    def scenario(self, job: list[str]) -> DictConfig:
        base, values = self._split(job)
        cfg = copy.deepcopy(self._base_config(base))
        try:
            apply_values(values, cfg)
        except Exception:  # noqa: BLE001 — compose in full: the error is then Hydra's own
            return scenario_part(self._composed(job))
        return cfg

    def _composed(self, lines: list[str]) -> DictConfig:
        cfg = self._compose(lines, RunMode.RUN)
        if self._check is not None:
            self._check(cfg)
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


_hints = functools.cache(typing.get_type_hints)

_NODES: dict[Any, type[ValueNode]] = {int: IntegerNode, float: FloatNode, bool: BooleanNode,
                                      str: StringNode}


def _convert(tp: Any, value: Any) -> Any:
    """``value`` as OmegaConf would store it in a node of schema type ``tp`` (or raise)."""
    args = typing.get_args(tp)
    optional = typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args
    inner = next(a for a in args if a is not type(None)) if optional else tp
    if optional and value is None:
        return None
    if isinstance(value, str) and ("${" in value or value == "???"):
        raise ValueError("an interpolation or a missing value: the full path resolves it")
    if typing.get_origin(inner) is list:
        if not isinstance(value, list):
            raise ValueError("not a list")
        items = ListConfig(content=value, element_type=typing.get_args(inner)[0])
        return OmegaConf.to_container(items)
    return _NODES[inner](value=None, is_optional=True).validate_and_convert(value)


def with_values(sc: ScenarioConfig, values: list[Override]) -> ScenarioConfig:
    """``sc`` with plain values (``key=v``, ``++key=v`` of an existing leaf) set: each
    node on the way to a changed leaf is copied, the rest shared (nothing is changed in
    place). A scalar OmegaConf refuses is the CLI's :class:`ConfigError`; anything else
    raises for :meth:`JobScenarios.typed` to compose in full."""
    root: Any = copy.copy(sc)
    for o in values:
        if o.is_add() or o.package is not None or o.is_delete():
            raise ValueError(f"not a plain value: {o.input_line}")
        node, tp = root, None
        parts = o.key_or_group.split(".")
        for depth, part in enumerate(parts):
            if is_dataclass(node):
                if part not in {f.name for f in fields(node)}:
                    raise KeyError(part)
                tp = _hints(type(node))[part]
                child = getattr(node, part)
            elif isinstance(node, dict) and part in node:
                tp = typing.get_args(tp)[1]
                child = node[part]
            else:
                raise KeyError(part)
            if depth == len(parts) - 1:
                if is_dataclass(child) or isinstance(child, dict):
                    raise ValueError("a group of settings: the full path merges it")
                try:
                    new = _convert(tp, o.value())
                except ValidationError as exc:
                    if typing.get_origin(tp) is list or isinstance(o.value(), list | dict):
                        raise
                    # as o2osim.config.explain words OmegaConf's error for this override
                    raise ConfigError(o.key_or_group, given_text(o),
                                      f"must be {describe_type(tp)}") from exc
            else:
                new = copy.copy(child)
            if is_dataclass(node):
                setattr(node, part, new)
            else:
                node[part] = new
            node = new
    assert isinstance(root, ScenarioConfig)
    return root


def sweep_jobs(overrides: list[Override]) -> list[list[str]]:
    """The jobs of a basic-sweeper multirun, as that sweeper makes them: one list of
    ``key=value`` lines per combination, keys in first-given order (a key given twice
    keeps its place and takes its last value), the last key varying fastest. Raises
    :class:`TooManyJobs` for more than :data:`MAX_JOBS` jobs (or none), before listing them."""
    sizes = {o.get_key_element(): sweep_size(o) for o in overrides}
    count = math.prod(sizes.values())
    if count > MAX_JOBS or count == 0:
        raise TooManyJobs(count, {k: n for k, n in sizes.items() if n != 1})
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


def sweep_size(o: Override) -> int:
    """How many values ``o`` sweeps over (1 for a plain value), without listing a range."""
    if not o.is_sweep_override():
        return 1
    value = o.value()
    if isinstance(value, RangeSweep) and value.start is not None and value.stop is not None:
        step = value.step if value.step else 1
        return max(0, math.ceil((value.stop - value.start) / step))
    if isinstance(value, ChoiceSweep):
        return len(value.list)
    return sum(1 for _ in o.sweep_string_iterator()) if o.is_discrete_sweep() else 1


def scenario_part(cfg: DictConfig) -> DictConfig:
    """The scenario sections of a composed config, struct as Hydra leaves them."""
    part = OmegaConf.masked_copy(cfg, list(SCENARIO_SECTIONS))
    OmegaConf.set_struct(part, True)
    return part


# --------------------------------------------------------------------------- across preflights

_KEPT: dict[tuple[Any, ...], JobScenarios] = {}
_SEEN: set[tuple[Any, ...]] = set()


def config_stamp(folders: list[str]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every file below ``folders``: a preset edited between two
    checks in one process changes it."""
    found = []
    for folder in folders:
        for here, _, names in os.walk(folder):
            for name in names:
                try:
                    st = os.stat(os.path.join(here, name))
                except OSError:  # a broken link: composing names the file
                    continue
                found.append((os.path.join(here, name), st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


def kept_scenarios(key: tuple[Any, ...], loader: ConfigLoader, compose: Compose,
                   check: Callable[[DictConfig], None]) -> JobScenarios | None:
    """The :class:`JobScenarios` that earlier checks in this process with the same ``key``
    (config folders and their :func:`config_stamp`, config name) filled, bound to this
    check's ``compose``; None for the first check of a key. A command-line process checks
    one command, where composing bases for later would only cost; tests, notebooks and
    the Python API check many, and then each choice of presets is composed once."""
    if key not in _KEPT:
        if key not in _SEEN:
            _SEEN.add(key)
            return None
        _KEPT.clear()
        _KEPT[key] = JobScenarios(loader, compose, check)
    kept = _KEPT[key]
    kept._compose = compose  # errors are explained for this command line
    return kept
