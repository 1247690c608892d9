"""``o2osim.targets``: what a target met, its shortfall, its relative shortfall and a
missing value mean — the one rule the scorecard, replications, search and compare use."""

from __future__ import annotations

import math

import numpy as np
import pytest

from o2osim import targets
from o2osim.config.schema import TargetSpec

AT_LEAST = TargetSpec(kpi="conversion_rate", op=">=", threshold=0.15, label="conversion")
AT_MOST = TargetSpec(kpi="steps_to_redeem", op="<=", threshold=3.0, label="steps")
ZERO = TargetSpec(kpi="walkout_rate", op="<=", threshold=0.0)


def test_met_for_at_least_and_at_most_the_threshold_itself_included() -> None:
    assert targets.met(AT_LEAST, 0.15) and targets.met(AT_LEAST, 0.2)
    assert not targets.met(AT_LEAST, 0.149)
    assert targets.met(AT_MOST, 3) and targets.met(AT_MOST, 2.0)
    assert not targets.met(AT_MOST, 4)
    assert targets.met(AT_LEAST, np.float32(0.5)) and targets.met(AT_MOST, np.int64(3))


def test_shortfall_is_in_the_kpis_unit_and_zero_when_met() -> None:
    assert targets.shortfall(AT_LEAST, 0.12) == pytest.approx(0.03)  # 3 percentage points
    assert targets.shortfall(AT_MOST, 5) == 2.0  # steps
    assert targets.shortfall(AT_LEAST, 0.3) == 0.0
    assert targets.shortfall(AT_MOST, 1) == 0.0


def test_relative_shortfall_is_a_share_of_the_threshold() -> None:
    assert targets.relative_shortfall(AT_LEAST, 0.12) == pytest.approx(0.2)
    assert targets.relative_shortfall(AT_MOST, 4) == pytest.approx(1 / 3)
    assert targets.relative_shortfall(AT_LEAST, 0.15) == 0.0
    both = {"conversion": AT_LEAST, "steps": AT_MOST}
    kpis = {"conversion_rate": 0.12, "steps_to_redeem": 4}
    assert targets.total_relative_shortfall(kpis, both) == pytest.approx(0.2 + 1 / 3)
    assert targets.total_relative_shortfall({"conversion_rate": 0.2, "steps_to_redeem": 3},
                                            both) == 0.0


def test_threshold_zero_divides_by_one() -> None:
    assert targets.met(ZERO, 0.0) and not targets.met(ZERO, 0.25)
    assert targets.shortfall(ZERO, 0.25) == 0.25
    assert targets.relative_shortfall(ZERO, 0.25) == 0.25
    at_least_zero = {"kpi": "roi", "op": ">=", "threshold": 0}
    assert targets.relative_shortfall(at_least_zero, -0.5) == 0.5


@pytest.mark.parametrize("value", [None, math.nan, "0.2", True, [0.2], object()])
def test_a_missing_or_non_numeric_value_is_not_met_with_relative_shortfall_one(value) -> None:
    for target in (AT_LEAST, AT_MOST, ZERO):
        assert targets.met(target, value) is False
        assert targets.relative_shortfall(target, value) == 1.0
        assert math.isnan(targets.shortfall(target, value))
    assert targets.total_relative_shortfall({}, {"a": AT_LEAST, "b": AT_MOST}) == 2.0


def test_infinity_is_a_number() -> None:
    assert targets.met(AT_LEAST, math.inf) and not targets.met(AT_MOST, math.inf)
    assert targets.relative_shortfall(AT_MOST, math.inf) == math.inf


def test_targets_as_mappings_of_metrics_json_and_the_default_rule() -> None:
    recorded = {"kpi": "conversion_rate", "op": ">=", "threshold": 0.15, "value": 0.12}
    assert targets.relative_shortfall(recorded, recorded["value"]) == pytest.approx(0.2)
    assert targets.met({"kpi": "x", "threshold": 1.0}, 1.0)  # op defaults to >=
    with pytest.raises(ValueError, match="op"):
        targets.met({"kpi": "x", "op": "==", "threshold": 1.0}, 1.0)


def test_evaluate_gives_the_targets_section_of_metrics_json() -> None:
    specs = {"conversion": AT_LEAST, "steps": AT_MOST}
    out = targets.evaluate({"conversion_rate": 0.2, "steps_to_redeem": 4.0}, specs)
    assert out == {
        "conversion": {"kpi": "conversion_rate", "op": ">=", "threshold": 0.15, "value": 0.2,
                       "met": True, "label": "conversion", "source": ""},
        "steps": {"kpi": "steps_to_redeem", "op": "<=", "threshold": 3.0, "value": 4.0,
                  "met": False, "label": "steps", "source": ""},
    }
    assert all(type(t["met"]) is bool for t in out.values())
    missing = targets.evaluate({}, {"conversion": AT_LEAST})["conversion"]
    assert missing["value"] is None and missing["met"] is False


def test_closeness_counts_targets_missed_before_their_shortfall() -> None:
    both = {"conversion": AT_LEAST, "steps": AT_MOST}
    assert targets.closeness({"conversion_rate": 0.2, "steps_to_redeem": 3}, both) == (0, 0.0)
    one_far = targets.closeness({"conversion_rate": 0.03, "steps_to_redeem": 3}, both)
    two_near = targets.closeness({"conversion_rate": 0.149, "steps_to_redeem": 3.1}, both)
    assert one_far[0] == 1 and two_near[0] == 2
    assert one_far[1] > two_near[1]  # by the sum alone, the two near misses would rank first
    assert one_far < two_near
    assert targets.closeness({}, both) == (2, 2.0)  # missing values: missed, shortfall 1 each


def test_the_search_picks_its_closest_plan_by_the_same_rule() -> None:
    from o2osim.search import Trial, pick_best

    def trial(n: int, cost: float, conversion: float, steps: float) -> Trial:
        ts = {"conversion": {"kpi": "conversion_rate", "op": ">=", "threshold": 0.15,
                             "value": conversion},
              "steps": {"kpi": "steps_to_redeem", "op": "<=", "threshold": 3.0,
                        "value": steps}}
        return Trial(number=n, state="COMPLETE", params={}, value=0.0, folder=None,
                     metrics={"kpis": {"total_cost_cny": cost}, "targets": ts})

    two_near, one_far = trial(0, 1e6, 0.149, 3.1), trial(1, 2e6, 0.03, 3.0)
    assert pick_best([two_near, one_far]) == (one_far, False)
    cheaper_twin = trial(2, 1.5e6, 0.03, 3.0)
    assert pick_best([two_near, one_far, cheaper_twin]) == (cheaper_twin, False)
