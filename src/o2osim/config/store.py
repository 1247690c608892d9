"""Register the schema in Hydra's ConfigStore and turn a composed config into dataclasses."""

from __future__ import annotations

import os
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from o2osim.config.schema import MarketConfig, PlanConfig, ScenarioConfig, SimConfig, TargetSpec

CONF_DIR = Path(os.environ.get("O2OSIM_CONF_DIR", Path(__file__).resolve().parents[3] / "conf"))
"""The ``conf/`` folder at the top of the repository (override with ``O2OSIM_CONF_DIR``)."""


def register_schemas() -> None:
    """Register the schemas the YAML files extend (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="scenario_schema", node=ScenarioConfig)
    cs.store(group="market", name="market_schema", node=MarketConfig)
    cs.store(group="plan", name="plan_schema", node=PlanConfig)


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
                                 for name in (*SECTION_TYPES, "targets")})
    keep = OmegaConf.masked_copy(cfg, ["market", "plan", "targets", "sim"])
    merged = OmegaConf.merge(OmegaConf.structured(ScenarioConfig), keep)
    obj = OmegaConf.to_object(merged)
    assert isinstance(obj, ScenarioConfig)
    return obj


def compose_scenario(overrides: list[str] | None = None) -> ScenarioConfig:
    """Compose ``conf/config.yaml`` with Hydra overrides, as the CLI would (no validation)."""
    register_schemas()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides or []))
    return to_scenario(cfg)
