"""Range and consistency checks a type cannot express (placeholder, filled in by the CLI work)."""

from __future__ import annotations

from o2osim.config.schema import ScenarioConfig


class ConfigError(ValueError):
    """Bad input: one line naming the field, the value given and what is allowed."""


def validate_scenario(sc: ScenarioConfig) -> ScenarioConfig:
    return sc
