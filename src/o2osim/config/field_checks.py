"""The checks of one setting: a range, a list's shape, a fixed set of names; and which
check applies to which setting of the schema (by path, by name, by naming convention).

Every numeric setting has a range with both ends (``tests/test_validation.py`` checks
it, ``docs/parameters.md`` lists them: :mod:`o2osim.config.ranges`). Rules relating
several settings, and the walk that applies these, are in :mod:`o2osim.config.validate`.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from o2osim.config.schema import (
    AUDIENCES,
    CHANNEL_KINDS,
    COUPON_KINDS,
    GROUND_TRUTH_MODES,
    RECORDS_FORMATS,
    REQUIRES,
    WHERE,
)
from o2osim.i18n import LANGS
from o2osim.values import scalar_text


def show(value: Any) -> str:
    """A value as the user would write it in YAML or on the command line."""
    scalar = scalar_text(value)
    if scalar is not None:
        return scalar
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when a choice is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# --------------------------------------------------------------------------- field checks
# A check returns None when the value is fine, else the "what is allowed" text.

Check = Callable[[Any], "str | None"]


def is_number(v: Any) -> bool:
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
    "sim.ground_truth": OneOf(GROUND_TRUTH_MODES),
    "sim.records": OneOf(RECORDS_FORMATS),
    "lang": OneOf(LANGS),
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
    "rate_shape_r": Interval(0, 100, lo_open=True),
    "rate_scale_alpha_weeks": Interval(0, 10_000, lo_open=True),
    **dict.fromkeys(("dropout_a", "dropout_b"), Interval(0, 1000, lo_open=True)),
    "acquisition_per_year": UNIT,
    "dissatisfied_dropout_multiplier": Interval(1, 100),
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
