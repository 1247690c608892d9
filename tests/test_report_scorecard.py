"""The terminal scorecard of a replicated run: the chance of meeting all targets together,
its interval, and a plain warning when it rests on few replications."""

from __future__ import annotations

from typing import Any

from o2osim.replications import share_ci90
from o2osim.reports import format_scorecard

TARGETS = {
    "conversion": {"kpi": "conversion_rate", "op": ">=", "threshold": 0.15, "value": 0.16,
                   "met": True, "label": "Full-channel conversion", "probability": 2 / 3},
    "roi": {"kpi": "roi", "op": ">=", "threshold": 1.8, "value": 1.9, "met": True,
            "label": "Marketing ROI", "probability": 1.0},
}


def _metrics(reps: int, together: int) -> dict[str, Any]:
    return {"market": "hotpot_chain", "plan": "integrated", "seed": 3, "targets": TARGETS,
            "replications": reps, "all_targets_probability": together / reps,
            "all_targets_probability_ci90": share_ci90(together, reps)}


def test_replicated_scorecard_shows_all_targets_together_and_warns() -> None:
    text = format_scorecard(_metrics(3, 2), width=200)
    assert ("All 2 targets together: met in 2 of 3 replications (p=0.67, 90 % interval "
            "14 % - 98 %)") in text
    assert ("WARNING: Probabilities from only 3 replications are rough: each is a share of "
            "3 runs. Use sim.replications=20 or more before relying on them.") in text
    assert "MET p=0.67" in text  # each target's share of replications stays in its row


def test_the_notes_wrap_to_the_terminal() -> None:
    lines = format_scorecard(_metrics(3, 2), width=60).splitlines()
    assert max(len(ln) for ln in lines) <= 60
    assert any(ln.startswith("WARNING: Probabilities from only 3") for ln in lines)


def test_enough_replications_no_warning_and_a_single_run_no_probabilities() -> None:
    many = format_scorecard(_metrics(20, 10), width=200)
    assert "All 2 targets together: met in 10 of 20 replications (p=0.50" in many
    assert "WARNING" not in many
    single = {k: v for k, v in _metrics(1, 1).items()}
    single["targets"] = {k: {f: v for f, v in t.items() if f != "probability"}
                         for k, t in TARGETS.items()}
    text = format_scorecard(single, width=200)
    assert "together" not in text and "WARNING" not in text
    assert text.splitlines()[-1] == "All targets met"


def test_a_missed_target_never_prints_its_threshold_as_the_value() -> None:
    # issue 11: 3 replications printed ">= 1.80   1.80   MISSED p=0.67" for a mean of 1.7958
    metrics = dict(_metrics(3, 0), targets={
        "roi": dict(TARGETS["roi"], value=1.7958, met=False, probability=2 / 3),
        "conversion": dict(TARGETS["conversion"], value=0.1496, met=False),
        "steps": {"kpi": "steps_to_redeem", "op": "<=", "threshold": 3, "value": 3.004,
                  "met": False, "label": "Steps", "probability": 0.0},
        "sync": {"kpi": "calendar_sync_rate", "op": ">=", "threshold": 1.0, "value": 1.0,
                 "met": True, "label": "Sync", "probability": 1.0}})
    rows = {ln.split("  ")[0]: ln.split() for ln in
            format_scorecard(metrics, width=200).splitlines()}
    assert rows["Marketing ROI"][-5:] == [">=", "1.80", "1.796", "MISSED", "p=0.67"]
    assert rows["Full-channel conversion"][-7:] == [">=", "15.0", "%", "14.96", "%", "MISSED",
                                                    "p=0.67"]
    assert rows["Steps"][-5:] == ["<=", "3", "3.004", "MISSED", "p=0.00"]
    assert rows["Sync"][-7:] == [">=", "100.0", "%", "100.0", "%", "MET", "p=1.00"]
