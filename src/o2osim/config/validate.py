"""Range and consistency checks a type cannot express.

Hydra and OmegaConf already reject unknown keys and wrong types when a config is
composed (the dataclasses of :mod:`o2osim.config.schema`). What is left is checked
here, before any simulation work: shares and probabilities in [0, 1], money never
negative, enumerations, the coupon worth less than its threshold, plan channels the
market has, and so on.

Rules are looked up per field, most specific first: by schema path
(``plan.coupon.kind``, dict keys written ``*``), then by field name, then by name
pattern (``*_cny``, ``*_share``, ``*_prob*``, ...). Rules that relate several fields
are attached to the dataclass that holds them. The walk follows the schema's field
order, so the first error is always the same one.

Every error is a :class:`ConfigError` whose message is one line::

    <full.field.path>: <value given> — <what is allowed>
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from o2osim.config.schema import (
    AUDIENCES,
    CAMPAIGN_WEEKS,
    CHANNEL_KINDS,
    COUPON_KINDS,
    REQUIRES,
    WHERE,
    ChannelPlan,
    CouponRule,
    OperationsPlan,
    OperationsSpec,
    PlanConfig,
    ScenarioConfig,
)


class ConfigError(ValueError):
    """Bad input: one line naming the field, the value given and what is allowed."""

    def __init__(self, path: str, given: str, allowed: str) -> None:
        self.path = path
        self.given = given
        self.allowed = allowed
        super().__init__(" ".join(f"{path}: {given} — {allowed}".split()))


def show(value: Any) -> str:
    """A value as the user would write it in YAML or on the command line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when a choice is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def unknown_key_error(path: str, allowed: Sequence[str], given: str | None = None
                      ) -> ConfigError:
    """The error for a key the schema (or the preset) does not have (``given``: its value)."""
    parent, _, key = path.rpartition(".")
    where = f"under {parent}" if parent else "at the top level"
    return ConfigError(path, "unknown key" + (f" (given {given})" if given is not None else ""),
                       f"allowed keys {where}: {', '.join(allowed)}{did_you_mean(key, allowed)}")


# --------------------------------------------------------------------------- field checks
# A check returns None when the value is fine, else the "what is allowed" text.

Check = Callable[[Any], "str | None"]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _fmt(x: float) -> str:
    return show(float(x))


@dataclass(frozen=True)
class Interval:
    """A number between ``lo`` and ``hi`` (either may be open or absent)."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, v: float) -> bool:
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        return not (self.hi is not None and (v >= self.hi if self.hi_open else v > self.hi))

    def __call__(self, v: Any) -> str | None:
        return None if self.contains(v) else f"must be {self.text()}"

    def text(self) -> str:
        if self.lo is not None and self.hi is not None:
            return (f"in {'(' if self.lo_open else '['}{_fmt(self.lo)}, {_fmt(self.hi)}"
                    f"{')' if self.hi_open else ']'}")
        if self.lo is not None:
            return f"{'>' if self.lo_open else '>='} {_fmt(self.lo)}"
        assert self.hi is not None
        return f"{'<' if self.hi_open else '<='} {_fmt(self.hi)}"


@dataclass(frozen=True)
class ListOf:
    """A list of numbers, checked as a whole: length, element range, total, no repeats."""

    allowed: str
    each: Interval = Interval()
    length: int | None = None
    min_length: int = 0
    total: float | None = None
    distinct: bool = False

    def __call__(self, v: Any) -> str | None:
        ok = (
            (self.length is None or len(v) == self.length)
            and len(v) >= self.min_length
            and all(self.each.contains(x) for x in v)
            and (not self.distinct or len(set(v)) == len(v))
        )
        if not ok:
            return f"must be {self.allowed}"
        if self.total is not None and abs(sum(v) - self.total) > 1e-6:
            return f"must be {self.allowed} (these sum to {sum(v):.6g})"
        return None


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of names (long sets are shortened, with a pointer to the list)."""

    choices: tuple[str, ...]
    listed_in: str = ""
    max_listed: int = 12

    def __call__(self, v: Any) -> str | None:
        if v in self.choices:
            return None
        names = ", ".join(self.choices[: self.max_listed])
        if len(self.choices) > self.max_listed:
            names += f", ... ({len(self.choices)} in all, see {self.listed_in})"
        return f"must be one of: {names}{did_you_mean(v, self.choices)}"


UNIT = Interval(0, 1)
POSITIVE = Interval(0, lo_open=True)
NON_NEGATIVE = Interval(0)
AT_LEAST_ONE = Interval(1)


def _kpi_check() -> Check:
    # Imported late: o2osim.metrics imports the engine, which imports this package.
    from o2osim.metrics import KPI_NAMES

    return OneOf(tuple(KPI_NAMES), listed_in="docs/kpis.md")


BY_PATH: dict[str, Check] = {
    "sim.population": Interval(100, 20_000_000),
    "sim.days": Interval(1, 3650),
    "sim.seed": NON_NEGATIVE,
    "market.channels.*.kind": OneOf(CHANNEL_KINDS),
    "plan.coupon.kind": OneOf(COUPON_KINDS),
    "plan.promo_weeks": ListOf(f"distinct whole weeks 1..{CAMPAIGN_WEEKS}, at least one",
                               Interval(1, CAMPAIGN_WEEKS), min_length=1, distinct=True),
    "plan.channels.*.flighting": ListOf(f"{CAMPAIGN_WEEKS} non-negative weekly weights",
                                        NON_NEGATIVE, length=CAMPAIGN_WEEKS),
    "plan.integration.calendar_lag_weeks": Interval(0, 12),
    "targets.*.op": OneOf((">=", "<=")),
}
"""Checks for one field of the schema (dict keys written ``*``)."""

_SHARES3 = ListOf("3 non-negative numbers summing to 1", NON_NEGATIVE, length=3, total=1.0)
_WEIGHTS3 = ListOf("3 non-negative numbers", NON_NEGATIVE, length=3)
_UNIT3 = ListOf("3 numbers in [0, 1]", UNIT, length=3)

BY_NAME: dict[str, Check] = {
    **dict.fromkeys(("segment_shares", "affinity_shares"), _SHARES3),
    **dict.fromkeys(("affinity_weights", "segment_weights"), _WEIGHTS3),
    **dict.fromkeys(("store_choice_share", "purchase_hazard_max_per_day"), _UNIT3),
    **dict.fromkeys(("max_daily_reach", "interest_retention_per_day", "reality_level",
                     "online_reality_level", "promise_level", "baseline_expectation",
                     "awareness_forget_per_day", "percent_off"), UNIT),
    "satisfied_share_at_zero_gap": Interval(0, 1, lo_open=True, hi_open=True),
    "carryover": Interval(0, 1, hi_open=True),
    "contingency_reserve_share": Interval(0, 0.5),
    **dict.fromkeys(("cpm_cny", "basket_mean_cny", "half_saturation_ipc", "hill_shape",
                     "noise_sd", "distance_km_median",
                     "interest_half_saturation", "lbs_radius_km", "distance_decay_km",
                     "price_sensitivity_concentration"), POSITIVE),
    "price_sensitivity_mean": Interval(0, 1, lo_open=True, hi_open=True),
    **dict.fromkeys(("gain_weight", "loss_weight", "quantity_cap"), NON_NEGATIVE),
    "arrival_profile": ListOf("24 non-negative hourly weights (hours 0-23)", NON_NEGATIVE,
                              length=24),
    "day_of_week_weights": ListOf("7 non-negative weights, Monday..Sunday", NON_NEGATIVE,
                                  length=7),
    "daypart_start_hours": ListOf("2 hours in [0, 24] (afternoon and evening start)",
                                  Interval(0, 24), length=2),
    "daypart_staff_multiplier": ListOf("3 non-negative numbers (morning, afternoon, evening)",
                                       NON_NEGATIVE, length=3),
    "store_staff_multipliers": ListOf("non-negative numbers, one per store", NON_NEGATIVE),
    "replications": Interval(1, 1000),
    "validity_days": Interval(1, 3650),  # expiry days are int16: day + validity < 32767
    "workers": Interval(0, 256),
    **dict.fromkeys(("count", "network_degree", "market_size", "units", "repurchase_gap_days",
                     "dormancy_days", "per_person_limit", "base_steps"),
                    AT_LEAST_ONE),
    "requires": OneOf(REQUIRES),
    "audience": OneOf(AUDIENCES),
    **dict.fromkeys(("claim_where", "redeem_where"), OneOf(WHERE)),
}
"""Checks for a field name wherever it appears."""

BY_PATTERN: tuple[tuple[Callable[[str], bool], Check], ...] = (
    (lambda n: n.endswith("_cny"), NON_NEGATIVE),
    (lambda n: n.endswith("_share") or "prob" in n.split("_"), UNIT),
    (lambda n: n.startswith("penalty_") or "interest" in n.split("_"), NON_NEGATIVE),
    (lambda n: n.split("_")[-1] in ("hour", "hours"), Interval(0, 24)),
    (lambda n: n.split("_")[-1] in ("km", "sigma", "min", "cv", "multiplier", "factor",
                                    "weights", "profile"), NON_NEGATIVE),
)
"""Checks by naming convention (units in the names, see schema.py); first match wins."""


def check_for(pattern: str, name: str) -> Check | None:
    """The check that applies to a field (None: only the type and finiteness are checked)."""
    if pattern == "targets.*.kpi":
        return _kpi_check()
    found = BY_PATH.get(pattern) or BY_NAME.get(name)
    if found is not None:
        return found
    return next((check for matches, check in BY_PATTERN if matches(name)), None)


# --------------------------------------------------------------------------- rules across fields

NodeRule = Callable[[Any, str, ScenarioConfig], Iterator[ConfigError]]


def _coupon_worth(c: CouponRule, path: str, root: ScenarioConfig) -> Iterator[ConfigError]:
    if c.kind == "threshold":
        if not 0 < c.value_cny < c.threshold_cny:
            detail = ("is worth more than" if c.value_cny > c.threshold_cny
                      else "is not less than" if c.value_cny > 0 else "takes nothing off")
            yield ConfigError(
                f"{path}.value_cny",
                f"{show(c.value_cny)} {detail} its threshold {path}.threshold_cny="
                f"{show(c.threshold_cny)}",
                "a threshold coupon must take off more than 0 and less than its threshold")
    elif c.kind == "percent" and not 0 < c.percent_off < 1:
        yield ConfigError(f"{path}.percent_off", show(c.percent_off),
                          "a percent coupon must take off more than 0 and less than 1 "
                          "(0.1 = 10 % off)")


def _flighting_has_a_week(ch: ChannelPlan, path: str, root: ScenarioConfig
                          ) -> Iterator[ConfigError]:
    if ch.budget_cny > 0 and not any(ch.flighting):
        yield ConfigError(f"{path}.flighting", show(ch.flighting),
                          f"a channel with budget_cny={show(ch.budget_cny)} needs at least "
                          "one week with a weight > 0")


def _plan_channels_in_market(plan: PlanConfig, path: str, root: ScenarioConfig
                             ) -> Iterator[ConfigError]:
    offered = list(root.market.channels)
    for name in plan.channels:
        if name not in offered:
            yield ConfigError(f"{path}.channels.{name}",
                              f"{name!r} is not a channel of market {root.market.name!r}",
                              f"the market's channels are: {', '.join(offered)}"
                              f"{did_you_mean(name, offered)}")


def _opens_before_closing(open_hour: float, close_hour: float, path: str,
                          ) -> Iterator[ConfigError]:
    if not open_hour < close_hour:
        yield ConfigError(f"{path}.close_hour",
                          f"{show(close_hour)} is not after open_hour={show(open_hour)}",
                          "a store must close after it opens (hours 0-24, same day)")


def _market_hours(ops: OperationsSpec, path: str, root: ScenarioConfig) -> Iterator[ConfigError]:
    yield from _opens_before_closing(ops.open_hour, ops.close_hour, path)


def _plan_hours(ops: OperationsPlan, path: str, root: ScenarioConfig) -> Iterator[ConfigError]:
    if ops.open_hour is None and ops.close_hour is None:
        return  # the market's hours, checked there
    market = root.market.operations
    yield from _opens_before_closing(
        market.open_hour if ops.open_hour is None else ops.open_hour,
        market.close_hour if ops.close_hour is None else ops.close_hour, path)


def _one_multiplier_per_store(ops: OperationsPlan, path: str, root: ScenarioConfig
                              ) -> Iterator[ConfigError]:
    given, stores = ops.store_staff_multipliers, root.market.stores.count
    if given and len(given) != stores:
        yield ConfigError(f"{path}.store_staff_multipliers", show(given),
                          f"give one multiplier per store ({stores} stores) or none")


NODE_RULES: dict[type, tuple[NodeRule, ...]] = {
    CouponRule: (_coupon_worth,),
    ChannelPlan: (_flighting_has_a_week,),
    PlanConfig: (_plan_channels_in_market,),
    OperationsSpec: (_market_hours,),
    OperationsPlan: (_plan_hours, _one_multiplier_per_store),
}
"""Rules that relate fields of one node (run after the node's own fields)."""


# --------------------------------------------------------------------------- the walk


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _leaf_errors(path: str, pattern: str, name: str, value: Any) -> Iterator[ConfigError]:
    if value is None:  # only Optional fields can be null (OmegaConf enforces the type)
        return
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for i, v in items:
        if _is_number(v) and not math.isfinite(v):
            at = path if i is None else f"{path}[{i}]"
            yield ConfigError(at, show(v), "must be a finite number")
            return
    check = check_for(pattern, name)
    if check is None:
        return
    if isinstance(value, list) and not isinstance(check, ListOf):
        for i, v in items:  # a scalar rule applies to every element
            allowed = check(v)
            if allowed:
                yield ConfigError(f"{path}[{i}]", show(v), allowed)
                return
        return
    allowed = check(value)
    if allowed:
        yield ConfigError(path, show(value), allowed)


def iter_errors(node: Any, root: ScenarioConfig | None = None, path: str = "",
                pattern: str = "") -> Iterator[ConfigError]:
    """Every problem of ``node`` (a schema dataclass), in the schema's order."""
    root = node if root is None else root
    names = [f.name for f in fields(node)]
    for extra in vars(node):  # keys added with +key=value land here as attributes
        if extra not in names:
            yield unknown_key_error(_join(path, extra), names, show(getattr(node, extra)))
    for name in names:
        value = getattr(node, name)
        p, pat = _join(path, name), _join(pattern, name)
        if is_dataclass(value):
            yield from iter_errors(value, root, p, pat)
        elif isinstance(value, dict):
            for key, item in value.items():
                if is_dataclass(item):
                    yield from iter_errors(item, root, f"{p}.{key}", f"{pat}.*")
                else:
                    yield from _leaf_errors(f"{p}.{key}", f"{pat}.*", name, item)
        else:
            yield from _leaf_errors(p, pat, name, value)
    for rule in NODE_RULES.get(type(node), ()):
        yield from rule(node, path, root)


def validate_scenario(sc: ScenarioConfig) -> ScenarioConfig:
    """Return ``sc`` unchanged, or raise the first :class:`ConfigError` found."""
    for error in iter_errors(sc):
        raise error
    return sc


# --------------------------------------------------------------------------- types, for messages


def type_at(path: str) -> Any:
    """The schema's type of a dotted path (``plan.promo_weeks[0]``), or None if unknown."""
    tp: Any = ScenarioConfig
    for token in path.replace("[", ".[").split("."):
        if not token:
            continue
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if is_dataclass(tp):
            hints = typing.get_type_hints(tp)
            if token not in hints:
                return None
            tp = hints[token]
        elif origin is dict:
            tp = args[1]
        elif origin is list:
            tp = args[0]
        else:
            return None
    return tp


def describe_type(tp: Any) -> str:
    """What a value of schema type ``tp`` must look like, in words."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return " or ".join(describe_type(a) for a in inner) + " or null"
    if origin is list:
        return f"a list of {describe_type(args[0]).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        return "a mapping of names to settings"
    if is_dataclass(tp):
        keys = ", ".join(f.name for f in fields(tp))
        return f"a group of settings, set one key at a time ({keys})"
    return {bool: "true or false", int: "an integer", float: "a number",
            str: "a string"}.get(tp, str(tp))
