"""A studio scenario: a market, a plan preset, the levers the trainee moved, a seed.

The presets are composed once each (Hydra, about half a second) and copied for every
model; the levers are set on the typed copy and the whole scenario is checked by
:func:`o2osim.config.validate_scenario`, as the command line checks it, so a bad
combination (a coupon worth more than its threshold) is the CLI's one-line error before a
model is built.

**Population**: :data:`POPULATION` simulated consumers (docs/studio.md says why: the stores
see the real market's customers whatever the sample, docs/model.md "Real customers in the
stores", so a small sample changes no queue; it keeps the sampling error of a rate near
0.3 points and a run within seconds).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from functools import cache
from typing import Any

from o2osim.config import ConfigError, ScenarioConfig
from o2osim.studio import levers

POPULATION = 20_000
"""Simulated consumers in a studio run (the market's real ones stay 1 000 000)."""
DEFAULT_MARKET, DEFAULT_PLAN = "retail_apparel", "fragmented"
_compose_lock = threading.Lock()  # Hydra's global state: one composition at a time


def presets(group: str) -> tuple[str, ...]:
    """The shipped presets of ``market`` or ``plan``, sorted."""
    from o2osim.config import CONF_DIR

    return tuple(sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")
                        if not p.stem.startswith("_")))


def check_choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(field, repr(value), "allowed: " + ", ".join(allowed))
    return str(value)


@cache
def _preset(market: str, plan: str, population: int) -> ScenarioConfig:
    from o2osim.config import compose_scenario, register_schemas

    with _compose_lock:
        register_schemas()
        return compose_scenario([f"market={market}", f"plan={plan}",
                                 f"sim.population={population}"])


def base(market: str, plan: str, population: int = POPULATION) -> ScenarioConfig:
    """A fresh copy of the preset scenario ``market`` x ``plan`` (checked names)."""
    check_choice("market", market, presets("market"))
    check_choice("plan", plan, presets("plan"))
    return copy.deepcopy(_preset(market, plan, population))


def channels_of(market: str) -> tuple[str, ...]:
    """The market's channels, in the market's order."""
    return tuple(base(market, DEFAULT_PLAN).market.channels)


def preset_values(market: str, plan: str) -> dict[str, Any]:
    """Every lever's value in the preset plan (by setting)."""
    sc = base(market, plan)
    return levers.values_of(sc.plan, sc.market.channels)


def build(market: str, plan: str, values: Mapping[str, Any] | None = None, seed: int = 0,
          population: int = POPULATION, days: int | None = None,
          thresholds: Mapping[str, float] | None = None) -> ScenarioConfig:
    """The checked scenario: the preset with ``values`` (setting -> value in the plan's
    unit) set, and ``thresholds`` (target -> threshold: a challenge card's own goals) in
    its targets. Raises :class:`o2osim.config.ConfigError` (one line: field, value, what is
    allowed) for an unknown setting, a value out of its lever's range, or a plan the
    model's checks refuse."""
    from o2osim.config import validate_scenario

    sc = base(market, plan, population)
    known = levers.by_setting(sc.market.channels)
    for setting, value in (values or {}).items():
        spec = known.get(setting)
        if spec is None:
            raise ConfigError(f"plan.{setting}", repr(value), "a lever of the studio: "
                              + ", ".join(sorted(known)))
        problem = spec.check(value)
        if problem is not None:
            raise ConfigError(f"plan.{setting}", repr(value), problem)
        levers.put(sc.plan, setting, value)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("sim.seed", repr(seed), "a whole number >= 0")
    sc.sim.seed = seed
    if days is not None:
        sc.sim.days = days
    for name, threshold in (thresholds or {}).items():
        sc.targets[name].threshold = float(threshold)
    sc.sim.ground_truth = "off"  # the studio shows what a run measures; docs/ground-truth.md
    sc.sim.records = "none"
    return validate_scenario(sc)
