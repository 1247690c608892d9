"""Scenario configuration: typed schema, Hydra registration, validation.

Only this package and :mod:`o2osim.cli` touch Hydra / OmegaConf; the engine receives
the typed dataclasses of :mod:`o2osim.config.schema`.
"""

from o2osim.config.composed import compose_scenario
from o2osim.config.schema import MarketConfig, PlanConfig, ScenarioConfig, SimConfig
from o2osim.config.store import (
    CONF_DIR,
    compose_config,
    find_conf_dir,
    hydra_session,
    register_schemas,
    to_scenario,
)
from o2osim.config.validate import ConfigError, validate_scenario

__all__ = [
    "CONF_DIR",
    "ConfigError",
    "MarketConfig",
    "PlanConfig",
    "ScenarioConfig",
    "SimConfig",
    "compose_config",
    "compose_scenario",
    "find_conf_dir",
    "hydra_session",
    "register_schemas",
    "to_scenario",
    "validate_scenario",
]
