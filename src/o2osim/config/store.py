"""Register the schemas in Hydra's ConfigStore, find the presets, compose a scenario and
turn a composed config into dataclasses."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hydra import compose
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from o2osim.config.private_apis import start_hydra
from o2osim.config.schema import MarketConfig, PlanConfig, ScenarioConfig, SimConfig, TargetSpec

CONF_ENV = "O2OSIM_CONF_DIR"
"""Environment variable naming another presets folder (replaces the shipped one)."""


def find_conf_dir() -> Path:
    """The presets folder: ``$O2OSIM_CONF_DIR`` if set; else ``o2osim/conf`` inside the
    installed package (``pip install .`` or a wheel copies ``conf/`` there,
    ``pyproject.toml``); else ``conf/`` at the top of the source tree (a source checkout
    or an editable install, whose package folder is ``src/o2osim``)."""
    if os.environ.get(CONF_ENV):
        return Path(os.environ[CONF_ENV]).resolve()
    here = Path(__file__).resolve()
    packaged, source_tree = here.parents[1] / "conf", here.parents[3] / "conf"
    if (packaged / "config.yaml").is_file() or not (source_tree / "config.yaml").is_file():
        return packaged
    return source_tree


CONF_DIR = find_conf_dir()
"""The presets (``config.yaml`` and the groups ``market/``, ``plan/``, ``targets/``, ...):
see :func:`find_conf_dir`."""


SCHEMAS = {"scenario_schema": ScenarioConfig, "market_schema": MarketConfig,
           "plan_schema": PlanConfig}
"""The schemas the YAML files extend, by the name their defaults lists use. They sit at the
root of the ConfigStore, outside the ``market`` and ``plan`` groups, so that they are no
choice of ``market=`` / ``plan=`` and ``o2osim --help`` lists only real presets: a preset
extends its schema with ``- /plan_schema`` (``conf/market_base.yaml``: ``- /market_schema``),
which lands in the preset's own package."""


_REGISTERED: dict[str, object] = {}
"""The ConfigStore entries :func:`register_schemas` made, by file name."""


def register_schemas() -> None:
    """Register the schemas the YAML files extend (idempotent). Once per process: storing
    turns each dataclass into an OmegaConf node (~0.05 s of CPU here), so while the store still
    holds the entries made here, nothing is stored again."""
    cs = ConfigStore.instance()
    if _REGISTERED and all(cs.repo.get(file) is entry for file, entry in _REGISTERED.items()):
        return
    for name, node in SCHEMAS.items():
        cs.store(name=name, node=node)
        _REGISTERED[f"{name}.yaml"] = cs.repo[f"{name}.yaml"]


SECTION_TYPES = {"market": MarketConfig, "plan": PlanConfig, "sim": SimConfig}


def to_scenario(cfg: DictConfig) -> ScenarioConfig:
    """Typed :class:`ScenarioConfig` from a composed config (drops the ``hydra`` node).

    Presets that extend the schemas (``market_schema``, ``plan_schema``,
    ``scenario_schema``) compose into typed nodes, which convert section by section
    (~10 ms); anything else is merged into the schema first (~170 ms), which types it.
    """
    if (all(OmegaConf.get_type(cfg, name) is kind for name, kind in SECTION_TYPES.items())
            and all(OmegaConf.get_type(cfg.targets, k) is TargetSpec for k in cfg.targets)):
        return ScenarioConfig(**{name: OmegaConf.to_object(cfg[name])
                                 for name in (*SECTION_TYPES, "targets")},
                              **({"lang": cfg.lang} if "lang" in cfg else {}))
    keep = OmegaConf.masked_copy(cfg, ["market", "plan", "targets", "sim", "lang"])
    merged = OmegaConf.merge(OmegaConf.structured(ScenarioConfig), keep)
    obj = OmegaConf.to_object(merged)
    assert isinstance(obj, ScenarioConfig)
    return obj


@contextmanager
def hydra_session(config_dir: str | os.PathLike[str] | None = None,
                  job_name: str = "o2osim") -> Iterator[None]:
    """A Hydra session over the presets, as ``o2osim [--config-dir DIR]`` sets it up:
    :data:`CONF_DIR` first, then ``config_dir`` (a folder of your own presets: ``market/``,
    ``plan/``, ...; docs/own-scenarios.md), then the schemas. Clears any global Hydra on
    entry and on exit."""
    if config_dir is not None and not Path(config_dir).is_dir():
        from o2osim.config.validate import ConfigError

        raise ConfigError("config_dir", repr(str(config_dir)), "must be an existing folder")
    register_schemas()
    GlobalHydra.instance().clear()
    try:
        start_hydra(str(CONF_DIR), None if config_dir is None else str(config_dir), job_name)
        yield
    finally:
        GlobalHydra.instance().clear()


def compose_config(overrides: Sequence[str] | None = None,
                   config_dir: str | os.PathLike[str] | None = None,
                   return_hydra_config: bool = False) -> DictConfig:
    """``conf/config.yaml`` composed with Hydra override lines (``"plan=fragmented"``,
    ``"sim.seed=3"``), searching ``config_dir`` for presets of your own as
    ``--config-dir`` does. No validation; Hydra's own exceptions for what does not compose.
    """
    with hydra_session(config_dir):
        return compose(config_name="config", overrides=list(overrides or []),
                       return_hydra_config=return_hydra_config)


def compose_scenario(overrides: Sequence[str] | None = None,
                     config_dir: str | os.PathLike[str] | None = None) -> ScenarioConfig:
    """Compose ``conf/config.yaml`` with Hydra override lines, as the CLI would, into the
    typed scenario (no validation: :func:`o2osim.config.validate_scenario` checks it, and
    :func:`o2osim.run` composes, validates and runs as the CLI does).

    ``config_dir``: a folder of your own presets, searched after the shipped ones as
    ``o2osim --config-dir`` searches it (docs/own-scenarios.md).
    """
    return to_scenario(compose_config(overrides, config_dir))


def asks_for_sweep(cfg: DictConfig) -> bool:
    """True if a config composed with its ``hydra`` node asks for a multirun
    (``hydra.mode: MULTIRUN``, as ``+experiment=cheapest_plan`` does)."""
    return OmegaConf.select(cfg, "hydra.mode") == RunMode.MULTIRUN


def hydra_record(cfg: DictConfig, run_dir: str, run_dir_override: str) -> dict[str, str]:
    """The files of ``.hydra/`` (name -> YAML text) as Hydra's ``run_job`` writes them for
    a single run of ``cfg`` (composed with its ``hydra`` node) into ``run_dir``: the task
    config, the hydra config with the run's folder, mode and working folder filled in,
    and the task overrides. ``run_dir_override``: ``run_dir`` as the value of the
    ``hydra.run.dir=`` override (quoted as the CLI quotes it)."""
    task = copy.deepcopy(cfg)
    with read_write(task), open_dict(task):
        del task["hydra"]
    hydra_cfg = OmegaConf.masked_copy(cfg, "hydra")
    with read_write(hydra_cfg), open_dict(hydra_cfg):
        hydra_cfg.hydra.run.dir = run_dir
        hydra_cfg.hydra.mode = RunMode.RUN
        hydra_cfg.hydra.overrides.hydra = [f"hydra.run.dir={run_dir_override}", "hydra.mode=RUN"]
        hydra_cfg.hydra.runtime.output_dir = os.path.abspath(run_dir)
        hydra_cfg.hydra.runtime.cwd = os.getcwd()
    return {"config.yaml": OmegaConf.to_yaml(task), "hydra.yaml": OmegaConf.to_yaml(hydra_cfg),
            "overrides.yaml": OmegaConf.to_yaml(cfg.hydra.overrides.task)}
