"""The report's ground-truth section: what the campaign and each channel caused (the
counterfactual runs of :mod:`o2osim.ground_truth`) next to what measurement credits them
with (last touch, first touch, linear), from ``metrics.json``'s ``ground_truth`` section.
What each number means: docs/ground-truth.md. Words: ``report.ground_truth.*`` of the
catalogue (:mod:`o2osim.i18n`)."""

from __future__ import annotations

from typing import Any

from o2osim.i18n import t
from o2osim.reports.formats import count, ratio, value_of
from o2osim.reports.page import Block, Code, Heading, Inline, Para, Strong, Table

RULE_NAMES = ("last_touch", "first_touch", "linear")
"""The measurement rules whose ROI the table shows (``metrics.json`` ``measured_roi``)."""


def _g(key: str, **fmt: Any) -> str:
    return t(f"report.ground_truth.{key}", **fmt)


def _signed(x: float | None) -> str:
    return t("report.scorecard.n_a") if x is None else f"{x:+.2f}"


def ground_truth_section(metrics: dict[str, Any]) -> list[Block]:
    """The section's blocks (a one-paragraph note when the counterfactuals did not run)."""
    blocks: list[Block] = [Heading(2, _g("heading"), "ground-truth")]
    gt = metrics.get("ground_truth")
    if not isinstance(gt, dict):
        blocks.append(Para([_g("not_computed_1"), Code("sim.ground_truth=on"), " (",
                            Code("auto"), _g("not_computed_2")], caption=True))
        return blocks
    camp, k = gt["campaign"], metrics.get("kpis", {})
    base = gt["baseline"]["revenue_cny"]
    given = str(gt.get("method", ""))
    methods = {"exact_shapley": "method_exact", "pairwise_shapley": "method_pairwise",
               "none": "method_none"}
    method = _g(methods[given]) if given in methods else given
    blocks.append(Para(_g(
        "summary", runs=gt.get("runs", 0), base=count(base),
        added=count(camp["incremental_revenue_cny"]), orders=count(camp["incremental_orders"]),
        margin=count(camp["incremental_margin_cny"]), roi=_two(k.get("roi")),
        gross_roi=_two(k.get("gross_roi")), measured_roi=_two(k.get("measured_roi")),
        method=method) + _replications_note(metrics)))
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
        [_g("offers"), "", count(offers), "", "", count(
            camp["offers_without_media"]["margin_cny"]), "", "", "", "", ""],
        [_g("interactions"), "",
         count(camp["shapley_residual"]["revenue_cny"]), "", "", "", "", "", "", "", ""],
        [Strong(_g("campaign")), count(spend_all), count(camp["incremental_revenue_cny"]),
         _g("sum", n=count(camp["sum_leave_one_out"]["revenue_cny"])),
         _g("sum", n=count(camp["sum_one_in"]["revenue_cny"])),
         count(camp["incremental_margin_cny"]), ratio(media, spend_all),
         *(ratio(float(measured.get(r, 0.0)), spend_all) for r in RULE_NAMES), ""],
    ]
    realloc = gt.get("reallocation")
    if isinstance(realloc, dict):
        rule = _g("realloc_measured" if realloc.get("run_rule") == "measured_roi"
                  else "realloc_none")
        blocks.append(Para(_g(
            "reallocation", caused=count(realloc["incremental_revenue_cny"]),
            gain=_signed_money(realloc["gain_cny"]), rule=rule,
            roi=_two(realloc.get("roi")), run_roi=_two(k.get("roi")))))
    blocks.append(Table([_g(h) for h in (
        "channel", "spend", "true_revenue", "leave_one_out", "one_in", "margin", "true_roi",
        "last_touch", "first_touch", "linear", "gap")], rows, "ground-truth-table"))
    blocks.append(Para(_g("caption"), caption=True))
    return blocks


def _replications_note(metrics: dict[str, Any]) -> str:
    reps = metrics.get("replications", 1)
    if not isinstance(reps, int) or reps <= 1:
        return ""
    return _g("replications", seed=metrics.get("seed"), reps=reps)


def _signed_money(x: Any) -> str:
    if not isinstance(x, int | float):
        return t("report.scorecard.n_a")
    return ("+" if x >= 0 else "−") + count(abs(x))


def _two(x: Any) -> str:
    return t("report.scorecard.n_a") if not isinstance(x, int | float) else f"{x:.2f}"
