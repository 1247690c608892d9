"""``o2osim.reports.formats``: the one rule by which the scorecard, the run report and
``o2osim-compare`` print a KPI — a value that misses its target never prints as the
threshold (issue 11, item 3), tested at the boundary."""

from __future__ import annotations

import math
from typing import Any

import pytest

from o2osim.reports.formats import (
    format_rule,
    format_share,
    format_shortfall,
    format_threshold,
    format_value,
)
from o2osim.targets import met


def target(kpi: str, op: str, threshold: float) -> dict[str, Any]:
    return {"kpi": kpi, "op": op, "threshold": threshold}


ROI = target("roi", ">=", 1.8)
CONVERSION = target("conversion_rate", ">=", 0.15)
STEPS = target("steps_to_redeem", "<=", 3)
SYNC = target("calendar_sync_rate", ">=", 1.0)
WAIT = target("p95_wait_min", "<=", 10.0)
COST = target("total_cost_cny", "<=", 5e6)


@pytest.mark.parametrize(("t", "value", "shown"), [
    pytest.param(ROI, 1.7958, "1.796", id="roi-just-under"),
    pytest.param(ROI, 1.79996, "1.79996", id="roi-five-decimals"),
    pytest.param(ROI, 1.8042, "1.804", id="roi-just-over"),
    pytest.param(CONVERSION, 0.1496, "14.96 %", id="share-just-under"),
    pytest.param(CONVERSION, 0.14996, "14.996 %", id="share-closer"),
    pytest.param(STEPS, 3.004, "3.004", id="steps-just-over"),
    pytest.param(SYNC, 0.9996, "99.96 %", id="sync-just-under"),
    pytest.param(WAIT, 10.04, "10.04 min", id="minutes-just-over"),
    pytest.param(COST, 5_000_000.4, "5,000,000.4 CNY", id="cny-just-over"),
])
def test_a_value_near_its_threshold_gets_the_digits_that_tell_them_apart(
        t: dict[str, Any], value: float, shown: str) -> None:
    assert format_value(t["kpi"], value, t) == shown
    assert shown != format_threshold(t["kpi"], t["threshold"])
    # read back, the printed value meets the target exactly when the value does
    printed = float(shown.split()[0].replace(",", "")) / (100 if shown.endswith("%") else 1)
    assert met(t, printed) == met(t, value)


@pytest.mark.parametrize(("t", "value", "shown"), [
    pytest.param(ROI, 1.8, "1.80", id="roi"),
    pytest.param(CONVERSION, 0.15, "15.0 %", id="share"),
    pytest.param(STEPS, 3, "3", id="steps"),
    pytest.param(STEPS, 3.0, "3", id="steps-float"),
    pytest.param(SYNC, 1.0, "100.0 %", id="sync"),
])
def test_a_value_equal_to_its_threshold_meets_it_and_prints_as_it(
        t: dict[str, Any], value: float, shown: str) -> None:
    assert met(t, value)
    assert format_value(t["kpi"], value, t) == shown == format_threshold(t["kpi"],
                                                                        t["threshold"])


def test_far_from_the_threshold_the_unit_decides_the_digits() -> None:
    assert format_value("roi", 1.926, ROI) == "1.93" == format_value("roi", 1.926)
    assert format_value("conversion_rate", 0.1234, CONVERSION) == "12.3 %"
    assert format_value("steps_to_redeem", 4.0, STEPS) == "4"
    assert format_value("revenue_cny", 12_468_968.4) == "12,468,968 CNY"
    assert format_value("mean_wait_min", 3.21) == "3.2 min"
    assert format_value("purchasers", 1234.0) == "1,234"
    assert format_value("purchasers", 5.5) == "5.5"  # a mean over replications


def test_closer_than_the_added_digits_prints_the_comparison() -> None:
    assert format_value("conversion_rate", 0.15 - 1e-12, CONVERSION) == "< 15.0 %"
    assert format_value("roi", 1.8 + 1e-12, ROI) == "> 1.80"
    # 0.15 is 15.000000000000002 % in binary: still "equal" to its own threshold
    assert format_value("conversion_rate", 0.15, CONVERSION) == "15.0 %"


def test_a_threshold_prints_exactly() -> None:
    assert format_rule("conversion_rate", ">=", 0.15) == ">= 15.0 %"
    assert format_rule("conversion_rate", ">=", 0.1525) == ">= 15.25 %"
    assert format_rule("roi", ">=", 1.825) == ">= 1.825"
    assert format_rule("roi", ">=", 1.8) == ">= 1.80"
    assert format_rule("steps_to_redeem", "<=", 3) == "<= 3"
    assert format_rule("steps_to_redeem", "<=", 2.5) == "<= 2.5"
    # a value is printed with at least the threshold's decimals: 1.83 vs >= 1.825
    assert format_value("roi", 1.83, target("roi", ">=", 1.825)) == "1.830"


def test_missing_and_infinite_values_are_not_numbers_to_read() -> None:
    for value in (None, math.nan, math.inf, "abc", True):
        assert format_value("roi", value, ROI) == "n/a"
        assert format_value("roi", value) == "n/a"


@pytest.mark.parametrize(("t", "value", "words"), [
    pytest.param(CONVERSION, 0.14, "1.0 percentage points short, 6.7 % of the threshold",
                 id="share"),
    pytest.param(SYNC, 0.997, "0.3 percentage points short, 0.3 % of the threshold",
                 id="sync-not-0-percent"),
    pytest.param(CONVERSION, 0.1496, "0.04 percentage points short, 0.3 % of the threshold",
                 id="share-small"),
    pytest.param(ROI, 1.7958, "0.004 CNY of revenue per CNY of cost short, 0.2 % of the "
                 "threshold", id="roi"),
    pytest.param(STEPS, 4, "1 step over, 33 % of the threshold", id="step"),
    pytest.param(STEPS, 3.004, "0.004 steps over, 0.1 % of the threshold", id="steps-small"),
    pytest.param(target("conversion_rate", ">=", 0.2), 0.18002,
                 "2.0 percentage points short, 10 % of the threshold", id="9.99-reads-10"),
    pytest.param(target("walkout_rate", "<=", 0.0), 0.05, "5.0 percentage points over",
                 id="zero-threshold-no-share"),
    pytest.param(ROI, 1.9, "met", id="met"),
    pytest.param(ROI, None, "no value", id="missing"),
])
def test_a_shortfall_is_in_the_kpis_unit_and_a_share_of_the_threshold_never_0(
        t: dict[str, Any], value: Any, words: str) -> None:
    assert format_shortfall(t, value) == words


def test_a_share_reads_whole_from_10_percent_and_never_0() -> None:
    assert [format_share(x) for x in (0.25, 0.0996, 0.067, 0.003, 0.0004, 0.0)] == [
        "25 %", "10 %", "6.7 %", "0.3 %", "0.04 %", "0 %"]


def test_a_target_without_a_usable_rule_leaves_the_value_as_it_is() -> None:
    for broken in (target("roi", ">=", math.nan), {"kpi": "roi", "op": "~", "threshold": 1},
                   {"kpi": "roi", "op": ">=", "threshold": "abc"}, {"kpi": "roi"}):
        assert format_value("roi", 1.7958, broken) == "1.80"
        assert format_shortfall(broken, 1.7958) == "no value"
