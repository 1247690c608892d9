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
import functools
import math
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from o2osim.calendar import Calendar
from o2osim.config.schema import (
    AUDIENCES,
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
    max_length: int | None = None
    nonzero: bool = False
    """At least one element above zero (weights that would switch everything off)."""

    def __call__(self, v: Any) -> str | None:
        ok = (
            (self.length is None or len(v) == self.length)
            and len(v) >= self.min_length
            and (self.max_length is None or len(v) <= self.max_length)
            and all(self.each.contains(x) for x in v)
            and (not self.distinct or len(set(v)) == len(v))
        )
        if not ok:
            return f"must be {self.allowed}"
        if self.total is not None and abs(sum(v) - self.total) > 1e-6:
            return f"must be {self.allowed} (these sum to {sum(v):.6g})"
        if self.nonzero and not any(x > 0 for x in v):
            return f"must be {self.allowed}, not all zero"
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

# Upper bounds. None of them is a modelling claim: each is far beyond any real campaign
# and keeps the arithmetic of a run finite (budgets x scale, exp(elasticity x ...),
# queue lengths), so a typo (1e308, an extra six zeros) is an error, not a run that
# crashes in the report or simulates for hours.
MONEY_MAX_CNY = 1e11
"""Budgets and fixed costs: 100 billion CNY."""
PRICE_MAX_CNY = 1e6
"""One basket, coupon, threshold or CPM: a million CNY."""
DAY_MIN = 1440.0
"""Times within a store day, in minutes: at most a day."""
SEED_MAX = 2**32 - 1
MAX_STORES = 5000
MAX_UNITS = 10_000
MAX_DAYS = 3650
MAX_WEEKS = MAX_DAYS // 7
MAX_MARKET_SIZE = 100_000_000
"""Real consumers: 100 M (a large province); stores serve every real visitor."""
MAX_DEGREE = 100
"""Contacts per consumer: an int32 matrix of population x degree (8 GB at 20 M x 100)."""

_FRACTION = Interval(0, 1, lo_open=True, hi_open=True)
_INTEREST = Interval(0, 100)
_WEIGHT = Interval(0, 1e6)
_MULTIPLIER = Interval(0, 100, lo_open=True)
_HOURS = Interval(0, 24)
_MINUTES_POSITIVE = Interval(0, DAY_MIN, lo_open=True)
_CV = Interval(0, 10, lo_open=True)


def _kpi_check() -> Check:
    # Imported late: o2osim.metrics imports the engine, which imports this package.
    from o2osim.metrics import KPI_NAMES

    return OneOf(tuple(KPI_NAMES), listed_in="docs/kpis.md")


BY_PATH: dict[str, Check] = {
    "sim.population": Interval(100, 20_000_000),
    "sim.days": Interval(1, MAX_DAYS),
    "sim.seed": Interval(0, SEED_MAX),
    "market.channels.*.kind": OneOf(CHANNEL_KINDS),
    "plan.coupon.kind": OneOf(COUPON_KINDS),
    "plan.promo_weeks": ListOf("distinct whole weeks of the campaign (1-based), at least one",
                               Interval(1, MAX_WEEKS), min_length=1, distinct=True),
    "plan.channels.*.flighting": ListOf("weekly weights in [0, 1000000], one per campaign week",
                                        _WEIGHT, max_length=MAX_WEEKS),
    "plan.calendar.planning_weeks": Interval(0, MAX_WEEKS),
    "plan.calendar.execution_weeks": Interval(1, MAX_WEEKS),
    "plan.calendar.optimisation_weeks": Interval(0, MAX_WEEKS),
    "plan.calendar.reserve_release_week": Interval(1, MAX_WEEKS),
    "plan.integration.calendar_lag_weeks": Interval(0, 12),
    "targets.*.op": OneOf((">=", "<=")),
    "targets.*.threshold": Interval(-1e12, 1e12),
}
"""Checks for one field of the schema (dict keys written ``*``)."""

_SHARES3 = ListOf("3 non-negative numbers summing to 1", NON_NEGATIVE, length=3, total=1.0)
_WEIGHTS3 = ListOf("3 weights in [0, 1000000]", _WEIGHT, length=3, nonzero=True)
_UNIT3 = ListOf("3 numbers in [0, 1]", UNIT, length=3)

BY_NAME: dict[str, Check] = {
    **dict.fromkeys(("segment_shares", "affinity_shares"), _SHARES3),
    **dict.fromkeys(("affinity_weights", "segment_weights"), _WEIGHTS3),
    **dict.fromkeys(("store_choice_share", "purchase_hazard_max_per_day"), _UNIT3),
    **dict.fromkeys(("max_daily_reach", "interest_retention_per_day", "reality_level",
                     "online_reality_level", "promise_level", "baseline_expectation",
                     "awareness_forget_per_day", "percent_off"), UNIT),
    "satisfied_share_at_zero_gap": _FRACTION,
    "carryover": Interval(0, 1, hi_open=True),
    "contingency_reserve_share": Interval(0, 0.5),
    "market_size": Interval(1, MAX_MARKET_SIZE),
    "network_degree": Interval(1, MAX_DEGREE),
    "count": Interval(1, MAX_STORES),
    "units": Interval(1, MAX_UNITS),
    **dict.fromkeys(("budget_cny", "integration_cost_cny"), Interval(0, MONEY_MAX_CNY)),
    **dict.fromkeys(("cpm_cny", "basket_mean_cny"), Interval(0, PRICE_MAX_CNY, lo_open=True)),
    **dict.fromkeys(("threshold_cny", "value_cny"), Interval(0, PRICE_MAX_CNY)),
    "basket_sigma": Interval(0, 3),
    "distance_km_sigma": Interval(0, 3),
    "half_saturation_ipc": Interval(0, 1e6, lo_open=True),
    "hill_shape": Interval(0, 20, lo_open=True),
    "noise_sd": Interval(0, 1, lo_open=True),
    **dict.fromkeys(("distance_km_median", "lbs_radius_km", "distance_decay_km"),
                    Interval(0, 1000, lo_open=True)),
    "interest_half_saturation": Interval(0, 1000, lo_open=True),
    "price_sensitivity_concentration": Interval(0, 1000, lo_open=True),
    "price_sensitivity_mean": _FRACTION,
    **dict.fromkeys(("gain_weight", "loss_weight", "penalty_wait_per_hour"), Interval(0, 10)),
    "quantity_cap": Interval(0, 1e9),
    "arrival_profile": ListOf("24 hourly weights (hours 0-23) in [0, 1000000]", _WEIGHT,
                              length=24, nonzero=True),
    "day_of_week_weights": ListOf("7 weights, Monday..Sunday, in [0, 1000000]", _WEIGHT,
                                  length=7, nonzero=True),
    "daypart_start_hours": ListOf("2 hours in [0, 24] (afternoon and evening start)",
                                  _HOURS, length=2),
    "daypart_staff_multiplier": ListOf("3 numbers in (0, 100] (morning, afternoon, evening)",
                                       _MULTIPLIER, length=3),
    "store_staff_multipliers": ListOf("numbers in (0, 100], one per store", _MULTIPLIER,
                                      max_length=MAX_STORES),
    **dict.fromkeys(("staff_multiplier", "weekend_staff_multiplier"), _MULTIPLIER),
    "unbriefed_check_time_factor": Interval(1, 10),
    "o2o_guidance_store_uplift": Interval(0, 100),
    "promise_attraction": Interval(0, 1),
    "price_elasticity": Interval(0, 20),
    "balk_queue_per_server": Interval(0, 1000),
    **dict.fromkeys(("pos_scan_time_min", "pos_manual_check_time_min"), Interval(0, 60,
                                                                                lo_open=True)),
    **dict.fromkeys(("wait_tolerance_min", "booked_wait_tolerance_min"), Interval(0, DAY_MIN)),
    "service_time_cv": _CV,
    "replications": Interval(1, 1000),
    "validity_days": Interval(1, MAX_DAYS),  # expiry days are int16: day + validity < 32767
    "workers": Interval(0, 256),
    **dict.fromkeys(("repurchase_gap_days", "dormancy_days"), Interval(1, MAX_DAYS)),
    "per_person_limit": Interval(1, 100),
    "base_steps": Interval(1, 20),
    "requires": OneOf(REQUIRES),
    "audience": OneOf(AUDIENCES),
    **dict.fromkeys(("claim_where", "redeem_where"), OneOf(WHERE)),
}
"""Checks for a field name wherever it appears."""

BY_PATTERN: tuple[tuple[Callable[[str], bool], Check], ...] = (
    (lambda n: n.endswith("_cny"), Interval(0, MONEY_MAX_CNY)),
    (lambda n: n.endswith("_share") or "prob" in n.split("_"), UNIT),
    (lambda n: n.startswith("penalty_"), UNIT),
    (lambda n: "interest" in n.split("_"), _INTEREST),
    (lambda n: n.split("_")[-1] in ("hour", "hours"), _HOURS),
    (lambda n: n.endswith("_min"), _MINUTES_POSITIVE),
)
"""Checks by naming convention (units in the names, see schema.py); first match wins."""


@functools.cache
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
    if ch.budget_cny > 0 and ch.flighting is not None and not any(ch.flighting):
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


MAX_CONSUMER_DAYS = 2e10
"""Simulated consumers x days x replications of one job. The consumer rules cost ~30 ns
per consumer-day on one core of the project's machine, a whole run 40-70 ns with its
stores and report: 2e10 is 10-25 minutes of work."""
MAX_CONTACTS = 500_000_000
"""Simulated consumers x network_degree: the contacts matrix (int32) stays within 2 GB."""


def _run_size(sc: ScenarioConfig, path: str, root: ScenarioConfig) -> Iterator[ConfigError]:
    s = sc.sim
    work = s.population * s.days * s.replications
    if work > MAX_CONSUMER_DAYS:
        yield ConfigError(
            "sim.population",
            f"{show(s.population)} x sim.days={show(s.days)} x sim.replications="
            f"{show(s.replications)} = {work:.3g} consumer-days",
            f"at most {MAX_CONSUMER_DAYS:.0e} consumer-days per job (about 10-25 minutes at "
            "40-70 ns each); simulate fewer consumers, days or replications, or split the "
            "replications over jobs (sim.seed)")
    degree = sc.market.population.network_degree
    if s.population * degree > MAX_CONTACTS:
        yield ConfigError(
            "market.population.network_degree",
            f"{show(degree)} x sim.population={show(s.population)} = "
            f"{s.population * degree:.3g} contacts",
            f"at most {MAX_CONTACTS:.0e} contacts (2 GB); fewer contacts or consumers")


def _arrivals_while_open(sc: ScenarioConfig, path: str, root: ScenarioConfig
                         ) -> Iterator[ConfigError]:
    ops, plan_ops = sc.market.operations, sc.plan.operations
    open_h = ops.open_hour if plan_ops.open_hour is None else plan_ops.open_hour
    close_h = ops.close_hour if plan_ops.close_hour is None else plan_ops.close_hour
    profile = ops.arrival_profile
    if len(profile) != 24 or not 0 <= open_h < close_h <= 24:
        return  # reported by the field checks
    if not any(w > 0 for h, w in enumerate(profile) if h + 1 > open_h and h < close_h):
        yield ConfigError("market.operations.arrival_profile", show(profile),
                          f"at least one hour the stores are open ({show(open_h)}-"
                          f"{show(close_h)}) needs a weight > 0, or no one ever arrives")


def _dayparts_in_order(ops: OperationsSpec, path: str, root: ScenarioConfig
                       ) -> Iterator[ConfigError]:
    starts = ops.daypart_start_hours
    if len(starts) == 2 and starts[0] > starts[1]:
        yield ConfigError(f"{path}.daypart_start_hours", show(starts),
                          "the afternoon must start before the evening")


def _plan_fits_calendar(plan: PlanConfig, path: str, root: ScenarioConfig
                        ) -> Iterator[ConfigError]:
    """Weekly settings have the calendar's weeks (``plan.calendar``; o2osim.calendar)."""
    cal = Calendar.of(plan)
    shape = (f"plan.calendar has {cal.weeks} weeks ({cal.planning_weeks} planning + "
             f"{cal.execution_weeks} execution + {cal.optimisation_weeks} optimisation)")
    for name, ch in plan.channels.items():
        if ch.flighting is not None and len(ch.flighting) != cal.weeks:
            yield ConfigError(f"{path}.channels.{name}.flighting",
                              f"{show(ch.flighting)} has {len(ch.flighting)} weeks",
                              f"give one weight per campaign week: {shape}; or leave it "
                              "unset for the phases' default weights")
    late = [w for w in plan.promo_weeks or () if w > cal.weeks]
    if late:
        yield ConfigError(f"{path}.promo_weeks", show(plan.promo_weeks),
                          f"promotion weeks must lie in the campaign, weeks 1-{cal.weeks}: "
                          f"{shape}")
    release = plan.calendar.reserve_release_week
    if release is not None and not cal.planning_weeks < release <= cal.weeks:
        yield ConfigError(f"{path}.calendar.reserve_release_week", show(release),
                          f"must be a week after planning, {cal.planning_weeks + 1}-"
                          f"{cal.weeks}: {shape}")


def _campaign_fits_days(sc: ScenarioConfig, path: str, root: ScenarioConfig
                        ) -> Iterator[ConfigError]:
    """The whole campaign is simulated: ``sim.days`` covers the calendar (days after it
    simulate what follows the campaign)."""
    cal = Calendar.of(sc.plan)
    if 1 <= sc.sim.days < cal.days:  # (below 1: sim.days's own range says so)
        part = ("not even the planning phase" if sc.sim.days <= 7 * cal.planning_weeks
                else "the campaign would stop before its end")
        yield ConfigError(
            "sim.days", f"{show(sc.sim.days)} is shorter than the campaign ({part})",
            f"at least {cal.days} days for plan.calendar's {cal.weeks} weeks "
            f"({cal.planning_weeks} planning + {cal.execution_weeks} execution + "
            f"{cal.optimisation_weeks} optimisation); simulate more days or shorten the "
            "calendar, e.g. plan.calendar.planning_weeks=1 plan.calendar.execution_weeks=2 "
            "plan.calendar.optimisation_weeks=1 (docs/cli.md, 'The campaign calendar')")


NODE_RULES: dict[type, tuple[NodeRule, ...]] = {
    CouponRule: (_coupon_worth,),
    ChannelPlan: (_flighting_has_a_week,),
    PlanConfig: (_plan_channels_in_market, _plan_fits_calendar),
    OperationsSpec: (_market_hours, _dayparts_in_order),
    OperationsPlan: (_plan_hours, _one_multiplier_per_store),
    ScenarioConfig: (_campaign_fits_days, _run_size, _arrivals_while_open),
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
