"""The report's ground-truth section: what the campaign and each channel caused (the
counterfactual runs of :mod:`o2osim.ground_truth`) next to what measurement credits them
with (last touch, first touch, linear), from ``metrics.json``'s ``ground_truth`` section.
What each number means: docs/ground-truth.md."""

from __future__ import annotations

from typing import Any

from o2osim.reports.formats import count, ratio, value_of
from o2osim.reports.page import Block, Code, Heading, Inline, Para, Strong, Table

RULE_NAMES = {"last_touch": "last touch", "first_touch": "first touch", "linear": "linear"}


def _signed(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.2f}"


def ground_truth_section(metrics: dict[str, Any]) -> list[Block]:
    """The section's blocks (a one-paragraph note when the counterfactuals did not run)."""
    blocks: list[Block] = [Heading(2, "What the campaign caused, and what measurement "
                                      "credits", "ground-truth")]
    gt = metrics.get("ground_truth")
    if not isinstance(gt, dict):
        blocks.append(Para(["Not computed for this run: the true effect of each channel "
                            "needs counterfactual runs (about 2 x channels + 3 runs of "
                            "this size). Run with ", Code("sim.ground_truth=on"), " (",
                            Code("auto"), " runs them only for small runs; "
                            "docs/ground-truth.md)."], caption=True))
        return blocks
    camp, k = gt["campaign"], metrics.get("kpis", {})
    base = gt["baseline"]["revenue_cny"]
    method = {"exact_shapley": "the exact Shapley value over every subset of channels",
              "pairwise_shapley": "the Shapley value's pairwise form (one-in + leave-one-"
                                  "out) / 2, the remainder of higher interactions spread "
                                  "in proportion",
              "none": "no channel is funded"}.get(gt.get("method", ""), gt.get("method", ""))
    blocks.append(Para(
        f"On the run's own random numbers, {gt.get('runs', 0)} runs: the baseline without "
        f"the campaign (no media, no campaign coupon or promotion, the plan's integration "
        f"kept) sells {count(base)} CNY; the campaign adds {count(camp['incremental_revenue_cny'])}"
        f" CNY ({count(camp['incremental_orders'])} simulated orders, margin "
        f"{count(camp['incremental_margin_cny'])} CNY after coupons). The scorecard's ROI "
        f"{_two(k.get('roi'))} is this increment over the total cost; all revenue over the "
        f"same cost (gross ROI) would say {_two(k.get('gross_roi'))}, last-touch "
        f"measurement {_two(k.get('measured_roi'))}. Channels are split by {method}."
        + _replications_note(metrics)))
    rows: list[list[Inline]] = []
    for name, c in gt["channels"].items():
        if not c.get("funded"):
            continue
        spend = float(c["spend_cny"])
        m_roi = c["measured_roi"]
        rows.append([Code(name), count(spend), count(c["incremental_revenue_cny"]),
                     count(c["leave_one_out"]["revenue_cny"]), count(c["one_in"]["revenue_cny"]),
                     count(c["incremental_margin_cny"]), _two(c["true_roi"]),
                     *(_two(m_roi[r]) for r in RULE_NAMES),
                     _signed(c["roi_gap"]["last_touch"])])
    media, offers = camp["media"]["revenue_cny"], camp["offers_without_media"]["revenue_cny"]
    spend_all = value_of(k, "spend_cny")
    measured = gt.get("measured_total_cny", {})
    rows += [
        ["offers without media (promotion, coupons)", "", count(offers), "", "", count(
            camp["offers_without_media"]["margin_cny"]), "", "", "", "", ""],
        ["interactions of 3+ channels (in the split)", "",
         count(camp["shapley_residual"]["revenue_cny"]), "", "", "", "", "", "", "", ""],
        [Strong("campaign"), count(spend_all), count(camp["incremental_revenue_cny"]),
         count(camp["sum_leave_one_out"]["revenue_cny"]) + " (sum)",
         count(camp["sum_one_in"]["revenue_cny"]) + " (sum)",
         count(camp["incremental_margin_cny"]), ratio(media, spend_all),
         *(ratio(float(measured.get(r, 0.0)), spend_all) for r in RULE_NAMES), ""],
    ]
    realloc = gt.get("reallocation")
    if isinstance(realloc, dict):
        rule = ("which moves it by the measured, last-touch ROI"
                if realloc.get("run_rule") == "measured_roi"
                else "which keeps each channel's own reserve")
        blocks.append(Para(
            f"Reallocating the contingency reserve by each channel's true ROI (hindsight: "
            f"this run's split) would have made the campaign cause "
            f"{count(realloc['incremental_revenue_cny'])} CNY, "
            f"{_signed_money(realloc['gain_cny'])} CNY against this run's plan, {rule} "
            f"(incremental ROI {_two(realloc.get('roi'))} instead of "
            f"{_two(k.get('roi'))}). A real team moves money by what it can measure; the "
            f"difference is what last touch costs it."))
    blocks.append(Table(["channel", "spend (CNY)", "true incremental revenue (CNY)",
                         "leave-one-out", "one-in", "incremental margin (CNY)",
                         "true ROI", "measured ROI: last touch", "first touch", "linear",
                         "gap: last touch - true"], rows, "ground-truth-table"))
    blocks.append(Para(
        "True incremental revenue: the channel's share of what the media caused, on the "
        "same random numbers. Leave-one-out: the run minus the run without the channel "
        "(what it adds to the others); one-in: the channel alone minus no media (what it "
        "does on its own). Their difference is the channel's interactions: a channel that "
        "needs others (retargeting needs people made aware) has a small one-in, one that "
        "shares an audience with others a small leave-one-out. Measured ROI: the revenue a "
        "measurement rule credits per CNY spent — orders online always, store orders only "
        "for customers with a unified ID; last touch is what the plan's reallocation uses. "
        "Margin: the market's gross margin on the orders minus coupon values. The "
        "campaign's ROI columns are over media spend.", caption=True))
    return blocks


def _replications_note(metrics: dict[str, Any]) -> str:
    reps = metrics.get("replications", 1)
    if not isinstance(reps, int) or reps <= 1:
        return ""
    return (f" The counterfactuals are replication 0's (seed {metrics.get('seed')}); the "
            f"scorecard's ROI is the mean of {reps} replications.")


def _signed_money(x: Any) -> str:
    if not isinstance(x, int | float):
        return "n/a"
    return ("+" if x >= 0 else "−") + count(abs(x))


def _two(x: Any) -> str:
    return "n/a" if not isinstance(x, int | float) else f"{x:.2f}"
