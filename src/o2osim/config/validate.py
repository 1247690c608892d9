"""Range and consistency checks that a type cannot express.

Every failure is a :class:`ConfigError` whose message is one line:
``<field path>: <value given> — <what is allowed>``. Checks run before any simulation.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Callable, Iterator
from typing import Any

from o2osim.config.schema import (
    AUDIENCES,
    CAMPAIGN_WEEKS,
    CHANNEL_KINDS,
    COUPON_KINDS,
    REQUIRES,
    WHERE,
    ScenarioConfig,
)


class ConfigError(ValueError):
    """Bad input: one line naming the field, the value given and what is allowed."""


def did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _fail(path: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{path}: {value!r} — {allowed}")


# --------------------------------------------------------------------------- rules by name

Rule = Callable[[float], bool]
UNIT = ("must be between 0 and 1", lambda v: 0.0 <= v <= 1.0)
PROBABILITY_FIELDS = {
    "max_daily_reach", "interest_retention_per_day", "reality_level", "online_reality_level",
    "promise_level", "baseline_expectation", "awareness_forget_per_day",
    "wom_talk_prob_per_day", "wom_aware_prob_per_contact", "percent_off",
}
SPECIAL: dict[str, tuple[str, Rule]] = {
    "satisfied_share_at_zero_gap": ("must be strictly between 0 and 1", lambda v: 0 < v < 1),
    "carryover": ("must be in [0, 1)", lambda v: 0 <= v < 1),
    "contingency_reserve_share": ("must be between 0 and 0.5", lambda v: 0 <= v <= 0.5),
    "cpm_cny": ("must be > 0", lambda v: v > 0),
    "half_saturation_ipc": ("must be > 0", lambda v: v > 0),
    "hill_shape": ("must be > 0", lambda v: v > 0),
    "lbs_radius_km": ("must be > 0 (or null for no LBS targeting)", lambda v: v > 0),
    "basket_mean_cny": ("must be > 0", lambda v: v > 0),
    "noise_sd": ("must be > 0", lambda v: v > 0),
    "distance_km_median": ("must be > 0", lambda v: v > 0),
    "count": ("must be at least 1 store", lambda v: v >= 1),
    "network_degree": ("must be at least 1", lambda v: v >= 1),
    "market_size": ("must be at least 1", lambda v: v >= 1),
    "repurchase_gap_days": ("must be at least 1 day", lambda v: v >= 1),
    "dormancy_days": ("must be at least 1 day", lambda v: v >= 1),
    "units": ("must be at least 1", lambda v: v >= 1),
    "service_time_mean_min": ("must be > 0 minutes", lambda v: v > 0),
    "patience_mean_min": ("must be > 0 minutes", lambda v: v > 0),
    "booked_patience_mean_min": ("must be > 0 minutes", lambda v: v > 0),
    "open_hour": ("must be an hour in [0, 24)", lambda v: 0 <= v < 24),
    "close_hour": ("must be an hour in (0, 24]", lambda v: 0 < v <= 24),
    "calendar_lag_weeks": ("must be a whole number of weeks from 0 to 12", lambda v: 0 <= v <= 12),
    "validity_days": ("must be at least 1 day", lambda v: v >= 1),
    "per_person_limit": ("must be at least 1", lambda v: v >= 1),
    "base_steps": ("must be at least 1 step", lambda v: v >= 1),
}
"""Fields with their own range (checked wherever they appear)."""

SHARE_LISTS = {"segment_shares", "affinity_shares"}
UNIT_LISTS = {"store_choice_share", "purchase_hazard_max_per_day"}
NONNEGATIVE_LISTS = {"affinity_weights", "segment_weights", "arrival_profile",
                     "day_of_week_weights", "daypart_staff_multiplier", "flighting"}
CHOICES = {"kind": None, "requires": REQUIRES, "audience": AUDIENCES,
           "claim_where": WHERE, "redeem_where": WHERE}


def _walk(obj: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, field name, value) of every leaf of a dataclass tree."""
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from _walk(getattr(obj, f.name), f"{path}.{f.name}" if path else f.name)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk(value, f"{path}.{key}")
    else:
        yield path, path.rsplit(".", 1)[-1], obj


def _check_leaf(path: str, name: str, value: Any, parent_kind: str) -> None:
    if value is None:
        return
    if isinstance(value, list):
        if name in SHARE_LISTS:
            if len(value) != 3 or any(v < 0 for v in value) or abs(sum(value) - 1) > 1e-6:
                _fail(path, value, "must be 3 non-negative shares summing to 1")
        elif name in UNIT_LISTS:
            if len(value) != 3 or any(not 0 <= v <= 1 for v in value):
                _fail(path, value, "must be 3 numbers between 0 and 1")
        elif name in NONNEGATIVE_LISTS:
            if any(not math.isfinite(v) or v < 0 for v in value):
                _fail(path, value, "must be non-negative numbers")
        return
    if isinstance(value, bool) or isinstance(value, str):
        if name in CHOICES and isinstance(value, str):
            options = CHANNEL_KINDS if parent_kind == "channel" else COUPON_KINDS
            allowed = CHOICES[name] or options
            if value not in allowed:
                _fail(path, value, "allowed: " + ", ".join(allowed))
        return
    if not math.isfinite(float(value)):
        _fail(path, value, "must be a finite number")
    if name in SPECIAL:
        allowed, ok = SPECIAL[name]
        if not ok(float(value)):
            _fail(path, value, allowed)
    elif name in PROBABILITY_FIELDS or name.endswith(("_share", "_prob")):
        allowed, ok = UNIT
        if not ok(float(value)):
            _fail(path, value, allowed)
    elif float(value) < 0:
        _fail(path, value, "must be >= 0")


def validate_scenario(sc: ScenarioConfig) -> ScenarioConfig:
    """Check every field of a composed scenario; raise :class:`ConfigError` on the first
    problem (fields in schema order), return the scenario unchanged otherwise."""
    from o2osim.metrics import KPI_NAMES

    for part in ("sim", "market", "plan"):
        for path, name, value in _walk(getattr(sc, part), part):
            kind = "channel" if ".channels." in path and part == "market" else "coupon"
            _check_leaf(path, name, value, kind)

    sim, market, plan = sc.sim, sc.market, sc.plan
    if not 100 <= sim.population <= 20_000_000:
        _fail("sim.population", sim.population, "must be between 100 and 20000000 consumers")
    if not 1 <= sim.days <= 3650:
        _fail("sim.days", sim.days, "must be between 1 and 3650 days")
    if market.population.market_size < sim.population:
        _fail("market.population.market_size", market.population.market_size,
              f"must be at least sim.population={sim.population} (each simulated consumer "
              "stands for one or more real ones)")

    channels = list(market.channels)
    for name, cp in plan.channels.items():
        if name not in market.channels:
            _fail(f"plan.channels.{name}", name,
                  f"market {market.name} has no such channel; its channels: "
                  + ", ".join(channels) + did_you_mean(name, channels))
        if len(cp.flighting) != CAMPAIGN_WEEKS:
            _fail(f"plan.channels.{name}.flighting", cp.flighting,
                  f"must have exactly {CAMPAIGN_WEEKS} weekly weights")
        if cp.budget_cny > 0 and sum(cp.flighting) <= 0:
            _fail(f"plan.channels.{name}.flighting", cp.flighting,
                  "all weights are 0 but the channel has a budget")

    rule = plan.coupon
    if rule.kind == "threshold":
        if rule.value_cny <= 0:
            _fail("plan.coupon.value_cny", rule.value_cny, "a coupon must be worth more than 0")
        if rule.value_cny >= rule.threshold_cny:
            _fail("plan.coupon.value_cny", rule.value_cny,
                  f"is worth more than its threshold plan.coupon.threshold_cny="
                  f"{rule.threshold_cny}; a 满x减y coupon must take off less than x")
    elif not 0 < rule.percent_off < 1:
        _fail("plan.coupon.percent_off", rule.percent_off,
              "a percentage coupon must take off more than 0 and less than 1")

    weeks = plan.promo_weeks
    if not weeks or any(not 1 <= w <= CAMPAIGN_WEEKS for w in weeks) or len(set(weeks)) != len(
            weeks):
        _fail("plan.promo_weeks", weeks, f"must be distinct weeks from 1 to {CAMPAIGN_WEEKS}")

    for path, ops in (("market.operations", market.operations),
                      ("plan.operations", plan.operations)):
        o, c = ops.open_hour, ops.close_hour
        if o is not None and c is not None and c <= o:
            _fail(f"{path}.close_hour", c, f"must be after open_hour={o}")
    if len(market.operations.arrival_profile) != 24:
        _fail("market.operations.arrival_profile", market.operations.arrival_profile,
              "must have 24 hourly weights (clock hours 0-23)")
    if len(market.operations.day_of_week_weights) != 7:
        _fail("market.operations.day_of_week_weights", market.operations.day_of_week_weights,
              "must have 7 weights (Monday to Sunday)")
    if not market.operations.stations:
        _fail("market.operations.stations", {}, "a store needs at least one station")

    for name, t in sc.targets.items():
        if t.kpi not in KPI_NAMES:
            _fail(f"targets.{name}.kpi", t.kpi,
                  "not a KPI; see docs/kpis.md" + did_you_mean(t.kpi, list(KPI_NAMES)))
        if t.op not in (">=", "<="):
            _fail(f"targets.{name}.op", t.op, "allowed: >=, <=")
        if not math.isfinite(t.threshold):
            _fail(f"targets.{name}.threshold", t.threshold, "must be a finite number")
    return sc
