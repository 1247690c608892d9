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

import functools
import math
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from o2osim.calendar import Calendar
from o2osim.config.field_checks import (  # re-exported: the checks of one setting
    ListOf,
    check_for,
    did_you_mean,
    is_number,
    show,
)
from o2osim.config.schema import (
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


def unknown_key_error(path: str, allowed: Sequence[str], given: str | None = None
                      ) -> ConfigError:
    """The error for a key the schema (or the preset) does not have (``given``: its value)."""
    parent, _, key = path.rpartition(".")
    where = f"under {parent}" if parent else "at the top level"
    return ConfigError(path, "unknown key" + (f" (given {given})" if given is not None else ""),
                       f"allowed keys {where}: {', '.join(allowed)}{did_you_mean(key, allowed)}")


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
        if is_number(v) and not math.isfinite(v):
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
                pattern: str = "", known: frozenset[int] = frozenset()
                ) -> Iterator[ConfigError]:
    """Every problem of ``node`` (a schema dataclass), in the schema's order. ``known``:
    ids of nodes whose own fields are known to pass (the shared, unchanged nodes of a
    sweep's jobs, :func:`clean_nodes`); their rules across fields still run."""
    root = node if root is None else root
    checked = id(node) not in known
    names = [f.name for f in fields(node)] if checked else _nested_fields(type(node))
    for extra in vars(node) if checked else ():  # +key=value lands here as an attribute
        if extra not in names:
            yield unknown_key_error(_join(path, extra), names, show(getattr(node, extra)))
    for name in names:
        value = getattr(node, name)
        p, pat = _join(path, name), _join(pattern, name)
        if is_dataclass(value):
            yield from iter_errors(value, root, p, pat, known)
        elif isinstance(value, dict):
            for key, item in value.items():
                if is_dataclass(item):
                    yield from iter_errors(item, root, f"{p}.{key}", f"{pat}.*", known)
                elif checked:
                    yield from _leaf_errors(f"{p}.{key}", f"{pat}.*", name, item)
        elif checked:
            yield from _leaf_errors(p, pat, name, value)
    for rule in NODE_RULES.get(type(node), ()):
        yield from rule(node, path, root)


def validate_scenario(sc: ScenarioConfig, known: frozenset[int] = frozenset()
                      ) -> ScenarioConfig:
    """Return ``sc`` unchanged, or raise the first :class:`ConfigError` found
    (``known``: see :func:`iter_errors`)."""
    for error in iter_errors(sc, known=known):
        raise error
    return sc


@functools.cache
def _nested_fields(tp: type) -> list[str]:
    """Fields of schema type ``tp`` that hold nodes (a dataclass, or a dict of them)."""
    hints = typing.get_type_hints(tp)
    return [f.name for f in fields(tp) if is_dataclass(hints[f.name])
            or typing.get_origin(hints[f.name]) is dict]


def clean_nodes(sc: ScenarioConfig) -> frozenset[int]:
    """Ids of every schema node of ``sc`` if it has no error at all, else none: a job
    made from ``sc`` by copying only the nodes it changes (:func:`o2osim.config.jobs.
    with_values`) then checks only those nodes' fields (``sc`` must stay alive)."""
    if next(iter_errors(sc), None) is not None:
        return frozenset()
    found: set[int] = set()
    todo: list[Any] = [sc]
    while todo:
        node = todo.pop()
        found.add(id(node))
        for f in fields(node):
            value = getattr(node, f.name)
            items = value.values() if isinstance(value, dict) else [value]
            todo += [v for v in items if is_dataclass(v)]
    return frozenset(found)


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
