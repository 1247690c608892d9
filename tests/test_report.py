"""The run report: built from a run folder's files, self-contained, names the levers
(ranked by the satisfied customers each experience gap cost, values with units), splits
the funnel and the coupons online / offline, tables money by channel and the store
queues, and shows the chance of meeting all targets when replicated."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest
import yaml
from matplotlib.text import Text

from o2osim.components.shopping import CAUSES
from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.replications import run_replications
from o2osim.reports import report_figures
from o2osim.reports.advice import advice, cause_label, format_setting, satisfaction_levers
from o2osim.reports.page import Code, Para, render_html, render_markdown
from o2osim.reports.report import write_report
from o2osim.reports.report_sections import report_blocks
from o2osim.reports.scorecard import format_value
from o2osim.results import write_run

FIGURES = ("funnel.png", "channels.png", "coupons.png", "daily.png", "satisfaction.png",
           "stores.png")


@pytest.fixture(scope="module")
def fragmented(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], float]:
    """A fragmented-plan run folder with its report; and how long the report took."""
    folder = tmp_path_factory.mktemp("fragmented")
    sc = compose_scenario(["plan=fragmented", "sim.population=3000", "sim.days=60"])
    write_run(folder, run_scenario(sc))
    _write_hydra_config(folder, sc)
    start = time.process_time()  # CPU seconds: wall time swings 2-5x with the load here
    write_report(folder)
    seconds = time.process_time() - start
    return folder, json.loads((folder / "metrics.json").read_text(encoding="utf-8")), seconds


def test_report_is_written_from_the_run_folder(fragmented) -> None:
    folder, _, seconds = fragmented
    for name in ("report.md", "report.html", *FIGURES):
        assert (folder / name).is_file(), name
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == len(FIGURES)
    assert "http" not in text  # opens offline: nothing fetched from the network
    assert "<script" not in text  # the page runs no code
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "## What to change" in md
    # the fragmented plan misses conversion: the report names a lever for it
    assert "unified_id_share" in md and "Full-channel conversion" in md
    assert seconds < 5, seconds  # "no more than a few seconds" on top of a run


def _write_hydra_config(folder: Path, sc: Any) -> None:
    """What Hydra records in ``.hydra/config.yaml`` (the report reads the plan's values)."""
    (folder / ".hydra").mkdir(exist_ok=True)
    config = {"market": dataclasses.asdict(sc.market), "plan": dataclasses.asdict(sc.plan)}
    (folder / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def _row(md: str, first_cell: str) -> list[str]:
    """The cells of the Markdown table row that starts with ``first_cell``."""
    line = next(ln for ln in md.splitlines() if ln.startswith(f"| {first_cell} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_funnel_is_split_online_and_offline(fragmented) -> None:
    folder, metrics, _ = fragmented
    k = metrics["kpis"]
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Funnel, online and offline" in md

    exposed = _row(md, "Exposed to ads")
    assert exposed[1] == f"{k['exposed']:,.0f}"
    assert exposed[3] == f"{k['exposed_online']:,.0f} reached by an online channel"
    assert exposed[4] == f"{k['exposed_offline_only']:,.0f} reached by offline channels only"
    aware = _row(md, "Ever aware of the campaign")
    assert aware[5] == f"{k['aware_wom_only']:,.0f} by word of mouth only"
    visited = _row(md, "Visited a store")
    assert visited[1] == f"{k['store_visitors']:,.0f}"
    purchased = _row(md, "Purchased")
    assert purchased[1] == f"{k['purchasers']:,.0f}"
    assert purchased[3].startswith(f"{k['purchasers_online']:,.0f} bought online")
    assert purchased[4].startswith(f"{k['purchasers_offline']:,.0f} bought in store")
    assert f"{100 * k['conversion_rate']:.1f} % of the aware" in purchased[2]
    again = _row(md, "Purchased twice or more")
    assert again[3] == f"{k['repeat_orders_online']:,.0f} repeat orders online"


def test_spend_revenue_and_roi_by_channel(fragmented) -> None:
    folder, metrics, _ = fragmented
    k = metrics["kpis"]
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "| channel | kind | budget (CNY) | spend / cost (CNY) | revenue (CNY) | ROI" in md
    for name, c in metrics["channels"].items():
        row = _row(md, f"`{name}`")
        assert row[1] == c["kind"]
        assert row[3] == f"{c['spend_cny']:,.0f}"
        assert row[4] == f"{c['attributed_revenue_cny']:,.0f}"
        if c["spend_cny"] > 0:
            assert row[5] == f"{c['attributed_revenue_cny'] / c['spend_cny']:.2f}"
    campaign = _row(md, "**campaign**")  # what the campaign caused (issue 12: roi)
    assert campaign[3:] == [f"{k['total_cost_cny']:,.0f}",
                            f"{k['incremental_revenue_cny']:,.0f}", f"{k['roi']:.2f}"]
    gross = _row(md, "all revenue, the customer base's included (gross ROI)")
    assert gross[3:] == [f"{k['total_cost_cny']:,.0f}", f"{k['revenue_cny']:,.0f}",
                         f"{k['gross_roi']:.2f}"]
    traced = sum(c["attributed_revenue_cny"] for c in metrics["channels"].values())
    assert _row(md, "revenue not traced to a channel")[4] == f"{k['revenue_cny'] - traced:,.0f}"


def test_coupon_funnel_online_and_in_store(fragmented) -> None:
    folder, metrics, _ = fragmented
    k = metrics["kpis"]
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "![Coupon funnel, online and offline](coupons.png)" in md
    for step in ("offered", "claimed", "redeemed"):
        row = _row(md, step)
        assert row[1] == f"{k[f'coupons_{step}_online']:,.0f}", step
        assert row[2] == f"{k[f'coupons_{step}_offline']:,.0f}", step
        assert row[4] == f"{k[f'coupons_{step}']:,.0f}", step
    # the fragmented plan's coupons are online-only: nothing redeemed in store
    assert k["coupons_redeemed_offline"] == 0 and k["coupons_redeemed_online"] > 0


def test_replicated_report_shows_means_and_both_intervals(tmp_path: Path) -> None:
    sc = compose_scenario(["market=hotpot_chain", "sim.population=2000", "sim.days=49"])
    result, table = run_replications(sc, 3, workers=1)
    write_run(tmp_path, result)
    write_report(tmp_path)
    m = result.metrics
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "3 replications" in md and "Means over the 3 replications." in md
    assert ("| target | KPI | rule | mean | result | missed by (share of the threshold) | "
            "met in (replications) | 90 % of runs between | mean, 90 % confidence |") in md
    for t in m["targets"].values():  # one statistic per cell
        row = _row(md, t["label"])
        assert row[4] == ("**✓ met**" if t["met"] else "**✗ MISSED**")
        assert row[6] == f"{round(3 * t['probability'])} of 3 ({100 * t['probability']:.0f} %)"
        lo, hi = t["interval_90"]
        assert row[7] == f"{format_value(t['kpi'], lo)} – {format_value(t['kpi'], hi)}"
        ci = m["kpi_stats"][t["kpi"]]["mean_ci90"]
        assert row[8] == f"{format_value(t['kpi'], ci[0])} – {format_value(t['kpi'], ci[1])}"
    together = round(3 * m["all_targets_probability"])
    assert (f"**All {len(m['targets'])} targets together: met in {together} of 3 replications "
            f"({100 * m['all_targets_probability']:.0f} %).**") in md
    assert "**Caution:** Probabilities from only 3 replications are rough" in md
    stores = md.split("## Store queues")[1]
    assert _row(stores, "mean wait")[1:3] == [
        format_value("mean_wait_min", m["kpis"]["mean_wait_min"]),
        f"{format_value('mean_wait_min', m['kpi_stats']['mean_wait_min']['p05'])} – "
        f"{format_value('mean_wait_min', m['kpi_stats']['mean_wait_min']['p95'])}"]
    assert f"Replication 0 of 3 (seed {m['seed']})" in stores  # the chart's replication
    spend = [float(x) for x in table["spend_cny"]]
    channels = result.metrics["channels"]
    assert sum(c["spend_cny"] for c in channels.values()) == pytest.approx(sum(spend) / 3)


def test_a_run_with_many_replications_gets_no_caution() -> None:
    metrics = {"kpis": {}, "replications": 12, "all_targets_probability": 0.5,
               "all_targets_probability_ci90": [0.25, 0.75],
               "targets": {"roi": {"kpi": "roi", "op": ">=", "threshold": 1.8, "value": 1.9,
                                   "met": True, "label": "ROI", "probability": 0.5,
                                   "interval_90": [1.5, 2.2]}}}
    md = render_markdown(report_blocks(metrics, {}))
    assert "**All 1 targets together: met in 6 of 12 replications (50 %).**" in md
    assert "anywhere from 25 % to 75 % (90 % confidence)" in md
    assert "Caution" not in md


def test_strings_are_escaped_for_markdown_and_html() -> None:
    evil = "<script>alert(1)</script> *x* [a](b) `c` | & _y_"
    blocks = [Para(["plan ", Code(evil), " and ", evil])]
    page = render_html(blocks)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    md = render_markdown(blocks)
    code, text = md.split(" and ")
    assert code == "plan ``" + evil + "``"  # a code span longer than the backticks inside
    assert text.strip() == (r"\<script>alert(1)\</script> \*x\* \[a\](b) \`c\` | \& \_y\_")


def test_what_to_change_skips_levers_already_pulled() -> None:
    integrated = {"integration": {"unified_id_share": 0.92, "o2o_traffic_guidance": True},
                  "coupon": {"redeem_where": "both"}, "promise_level": 0.72}
    fragmented = {"integration": {"unified_id_share": 0.0, "o2o_traffic_guidance": False},
                  "coupon": {"redeem_where": "online"}, "promise_level": 0.88}
    assert "unified_id_share" not in advice("conversion_rate", integrated)
    text = advice("conversion_rate", fragmented)
    assert "unified_id_share` (now 0 %)" in text and "redeem_where` (now online)" in text


# --------------------------------------------------------------------------- what to change


def test_setting_values_are_shown_with_units() -> None:
    assert format_setting("channels.lbs_ads.budget_cny", 3000000.0) == "3,000,000 CNY"
    assert format_setting("promise_level", 0.72) == "0.72"
    assert format_setting("operations.booking_share", 0.3) == "30 %"
    assert format_setting("integration.unified_id_share", 0.0) == "0 %"
    assert format_setting("operations.weekend_staff_multiplier", 1.0) == "×1.00"
    assert format_setting("integration.calendar_lag_weeks", 1) == "1 week"
    assert format_setting("integration.calendar_lag_weeks", 4) == "4 weeks"
    assert format_setting("integration.price_parity", False) == "off"
    assert format_setting("coupon.redeem_where", "online") == "online"
    assert format_setting("channels", {"a": 1}) is None


def test_what_to_change_shows_plan_values_with_units(fragmented) -> None:
    folder, metrics, _ = fragmented
    md = (folder / "report.md").read_text(encoding="utf-8")
    advice_part = md.split("## What to change")[1].split("## Funnel")[0]
    assert "`plan.channels.lbs_ads.budget_cny` (now 1,800,000 CNY)" in advice_part
    assert "`plan.integration.unified_id_share` (now 0 %)" in advice_part
    assert "`plan.promise_level` (now 0.88)" in advice_part
    for value in re.findall(r"\(now ([^)]*)\)", advice_part):
        # a raw float (3000000.0, 0.0), an unseparated amount or a Python bool
        assert not re.fullmatch(r"-?\d+\.0|\d{4,}(\.\d+)?|True|False", value), value


WALKOUTS = {
    "experiences": 400, "dissatisfied": 80,
    "satisfied_lost_to_gap": {"walked_out": 30, "price_mismatch": 5, "stockout": 3,
                              "long_wait": 2, "staff_unbriefed": 0, "over_promise": 0},
    "dissatisfied_with_gap": {"walked_out": 41, "price_mismatch": 30, "stockout": 6,
                              "long_wait": 9, "staff_unbriefed": 12, "over_promise": 0},
    "causes": {c.name: c.as_dict() for c in CAUSES},  # as a run writes them
}
"""Walk-outs cost most satisfied customers (the audit's case: the old fixed list skipped
staffing because ``weekend_staff_multiplier`` was already 1)."""
PLAN = {"operations": {"staff_multiplier": 1.0, "weekend_staff_multiplier": 1.0,
                       "booking_share": 0.3},
        "integration": {"price_parity": False, "staff_briefed": False},
        "promise_level": 0.72}


def test_satisfaction_levers_are_ranked_by_satisfied_customers_lost() -> None:
    ranked = satisfaction_levers(WALKOUTS, PLAN)
    assert [r.cause for r in ranked] == ["walked_out", "price_mismatch", "stockout",
                                         "long_wait"]  # causes that cost none are left out
    staffing = " ".join(ranked[0].levers)
    assert "`plan.operations.weekend_staff_multiplier` (now ×1.00)" in staffing
    assert "`plan.operations.staff_multiplier` (now ×1.00)" in staffing
    assert "`plan.operations.booking_share` (now 30 %)" in staffing
    assert ranked[1].levers == ["`plan.integration.price_parity` (now off): keep online and "
                                "store prices equal"]
    assert "market.stores.stockout_prob" in ranked[2].levers[0]  # not a plan lever
    text = advice("satisfaction_rate", PLAN, WALKOUTS)
    assert text.index("weekend_staff_multiplier") < text.index("price_parity")


def test_report_ranks_what_to_change_for_a_missed_satisfaction_target() -> None:
    metrics = {"kpis": {}, "satisfaction_drivers": WALKOUTS,
               "targets": {"satisfaction": {"kpi": "satisfaction_rate", "op": ">=",
                                            "threshold": 0.85, "value": 0.8, "met": False,
                                            "label": "Customer satisfaction"}}}
    md = render_markdown(report_blocks(metrics, {}, PLAN))
    steps = [ln for ln in md.splitlines() if re.match(r"  \d\. ", ln)]
    assert steps[0].startswith("  1. **walk-outs from the queue**: without it 30 more store "
                               "visits would have left the customer satisfied")
    assert "weekend_staff_multiplier` (now ×1.00)" in steps[0]
    assert steps[1].startswith("  2. **store prices above online prices**")
    assert "the same levers as for walk-outs from the queue" in steps[3]  # long waits
    assert "staff not briefed" in steps[4]  # present, though it alone tipped none
    row = _row(md, "walk-outs from the queue")
    assert row[1:4] == ["30", "37.5 %", "41"]  # lost, share of the dissatisfied, present in
    assert "Without **walk-outs from the queue**: 30 more store visits would have left the " \
           "customer satisfied." in md


# --------------------------------------------------------------------------- sections


def test_store_queue_numbers_sit_next_to_the_chart(fragmented) -> None:
    folder, metrics, _ = fragmented
    k = metrics["kpis"]
    md = (folder / "report.md").read_text(encoding="utf-8")
    section = md.split("## Store queues")[1]
    for label, kpi in (("mean wait", "mean_wait_min"), ("95th-percentile wait", "p95_wait_min"),
                       ("walk-out rate", "walkout_rate"),
                       ("coupon check failures", "coupon_check_failure_rate")):
        assert _row(section, label)[1] == format_value(kpi, k[kpi]), label
    assert section.index("| mean wait |") < section.index("![Store queues](stores.png)")
    assert "walk-outs are real customers, not simulated consumers" in section


def test_satisfaction_section_counts_satisfied_customers_lost(fragmented) -> None:
    folder, metrics, _ = fragmented
    drivers = metrics["satisfaction_drivers"]
    md = (folder / "report.md").read_text(encoding="utf-8")
    section = md.split("## Satisfaction and what drove it")[1].split("## Store queues")[0]
    assert "![Satisfied customers lost to each cause](satisfaction.png)" in section
    assert (f"{drivers['dissatisfied']:,} of {drivers['experiences']:,} customer experiences"
            in section)
    top = max(drivers["satisfied_lost_to_gap"], key=drivers["satisfied_lost_to_gap"].get)
    row = _row(section, cause_label(top, drivers))
    assert row[1] == f"{drivers['satisfied_lost_to_gap'][top]:,}"
    assert row[3] == f"{drivers['dissatisfied_with_gap'][top]:,}"


# --------------------------------------------------------------------------- figures


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The matplotlib figures the report draws (instead of writing them)."""
    figs: list[Any] = []

    def keep(fig: Any, path: Path, outside: Any = ()) -> Path:
        figs.append(fig)
        return path

    monkeypatch.setattr(report_figures, "save_figure", keep)
    yield figs
    for fig in figs:
        plt.close(fig)


def _texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _legend_texts(legend: Any) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def test_coupon_funnel_is_linear_with_a_label_on_every_bar_only(drawn, tmp_path) -> None:
    k = {"coupons_offered_online": 3974, "coupons_claimed_online": 300,
         "coupons_redeemed_online": 23}
    report_figures.figure_coupons(k, tmp_path / "c.png")
    ax = drawn[0].axes[0]
    assert ax.get_yscale() == "linear"
    assert _texts(ax) == ["3,974", "300", "23"]  # no "0" over an empty bar
    assert [round(p.get_height()) for p in ax.patches] == [3974, 300, 23]
    assert len(_legend_texts(ax.get_legend())) == 1  # only the kinds that have coupons


def test_funnel_legend_says_what_the_purple_split_is(drawn, tmp_path) -> None:
    k = {"exposed": 100, "exposed_online": 80, "exposed_offline_only": 20, "aware": 110,
         "aware_wom_only": 10, "store_visitors": 30, "store_visitors_after_online": 20,
         "purchasers": 25, "purchasers_online": 15, "purchasers_offline": 14,
         "repurchasers": 3}
    report_figures.figure_funnel(k, tmp_path / "f.png")
    ax = drawn[0].axes[0]
    legend = " | ".join(_legend_texts(ax.get_legend()))
    assert "online and store" not in legend
    assert "visited a store after an online ad" in legend and "bought online and in store" in legend
    assert [t.get_text() for t in ax.get_yticklabels()][-2] == "Ever aware"


def test_daily_chart_tells_aware_that_day_from_ever_aware(drawn, fragmented, tmp_path) -> None:
    folder, _, _ = fragmented
    import pandas as pd

    daily = pd.read_csv(folder / "daily.csv")
    report_figures.figure_daily(daily, tmp_path / "d.png")
    fig = drawn[0]
    assert _legend_texts(fig.axes[1].get_legend()) == [
        "aware that day (forgetting lowers it)", "ever aware (the funnel's count)"]
    assert "planning phase (weeks 1-4)" in _legend_texts(fig.legends[0])


def test_store_chart_labels_real_customers_and_the_phases(drawn, fragmented, tmp_path) -> None:
    folder, _, _ = fragmented
    import pandas as pd

    daily, stores = pd.read_csv(folder / "daily.csv"), pd.read_csv(folder / "stores.csv")
    report_figures.figure_stores(stores, daily, tmp_path / "s.png", " (replication 0 of 3)")
    ax, ax2 = drawn[0].axes
    legend = _legend_texts(ax.get_legend())
    assert any("real customers" in t for t in legend)
    assert "execution phase (weeks 5-9)" in legend  # the weeks a 60-day run spent in it
    assert "real customers" in ax2.get_ylabel()
    assert ax.get_title() == "Store queues (replication 0 of 3)"


def test_satisfaction_chart_draws_the_lost_counts(drawn, tmp_path) -> None:
    report_figures.figure_satisfaction(WALKOUTS, tmp_path / "s.png")
    ax = drawn[0].axes[0]
    assert ax.get_title() == "Satisfied customers lost to each cause"
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths) and max(widths) == 30  # walk-outs, the longest bar
    assert "(present in 41 dissatisfied)" in _texts(ax)  # co-occurrence, secondary


def test_a_kpi_without_levers_is_not_said_to_have_them_all_pulled() -> None:
    from o2osim.reports.advice import NO_KNOWN_LEVER

    assert advice("coupon_claim_rate", PLAN) == NO_KNOWN_LEVER
    assert advice("no_such_kpi", PLAN) == NO_KNOWN_LEVER
    assert "already pulled" in advice("calendar_sync_rate",
                                      {"integration": {"calendar_lag_weeks": 0}})


def test_causes_come_from_the_run_not_from_the_report() -> None:
    """A cause the engine declares in metrics.json is worded and advised on with no edit
    in the report; a run that declares none shows its key."""
    drivers = {"satisfied_lost_to_gap": {"cold_food": 7}, "dissatisfied_with_gap": {},
               "causes": {"cold_food": {"label": "food served cold", "short": "cold food",
                                        "where": "store", "levers": [
                                            {"setting": "operations.staff_multiplier",
                                             "advice": "more kitchen staff",
                                             "pulled_op": "", "pulled_value": None}]}}}
    assert cause_label("cold_food", drivers) == "food served cold"
    ranked = satisfaction_levers(drivers, PLAN)
    assert ranked[0].levers == ["`plan.operations.staff_multiplier` (now ×1.00): more "
                                "kitchen staff"]
    assert cause_label("cold_food", {}) == "cold food"


# --------------------------------------------------------------------------- honest display


def outside_labels(fig: Any, bbox_inches: Any = None) -> list[str]:
    """The texts of ``fig`` that reach outside the image it is saved as (``bbox_inches``:
    the region saved, in inches; None: the whole figure), measured on the renderer once
    the figure is drawn: titles, axis labels, the tick labels drawn (in view), texts,
    annotations, legends and the figure's own texts."""
    from matplotlib.transforms import Bbox

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    region = fig.bbox if bbox_inches is None else Bbox(bbox_inches.get_points() * fig.dpi)
    texts = list(fig.texts)
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for axis, (lo, hi) in ((ax.xaxis, sorted(ax.get_xlim())),
                               (ax.yaxis, sorted(ax.get_ylim()))):
            for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(),
                                  strict=False):
                if lo - 1e-9 <= loc <= hi + 1e-9:
                    texts.append(label)
    out = []
    for t in texts:
        if not t.get_visible() or not t.get_text().strip():
            continue
        box = Text.get_window_extent(t, renderer)
        if (box.x0 < region.x0 - 1 or box.x1 > region.x1 + 1 or box.y0 < region.y0 - 1
                or box.y1 > region.y1 + 1):
            out.append(t.get_text())
    return out


@pytest.fixture
def saved_clipped(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every figure saved while the fixture is active is checked as it is saved:
    ``(file name, text)`` of each text reaching outside the saved image."""
    from matplotlib.figure import Figure

    found: list[tuple[str, str]] = []
    save = Figure.savefig

    def checked(fig: Any, path: Any, *args: Any, **kwargs: Any) -> Any:
        box = kwargs.get("bbox_inches")
        found.extend((Path(str(path)).name, text)
                     for text in outside_labels(fig, box if box != "tight" else None))
        return save(fig, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", checked)
    return found


LONG_CHANNELS = {
    name: {"kind": "online", "budget_cny": 1e6, "spend_cny": spend,
           "attributed_revenue_cny": revenue}
    for name, spend, revenue in (
        ("a_channel_name_as_long_as_a_user_may_give_it", 1.5e6, 1.4e6),
        ("livestream", 1.6e6, 6.5e6), ("member_push", 0.0, 0.0),
        ("lbs_ads_near_every_store_of_the_chain", 1.1e6, 0.7e6), ("crm_retarget", 0.5e6, 6.6e6))
}


def test_no_figure_label_is_clipped(fragmented, saved_clipped, tmp_path: Path) -> None:
    folder, metrics, _ = fragmented
    write_report(folder)  # the report's six figures, as written
    report_figures.figure_channels(LONG_CHANNELS, tmp_path / "long.png")
    report_figures.figure_channels(dict(list(metrics["channels"].items())[:1]),
                                   tmp_path / "one.png")
    assert saved_clipped == []


def test_the_clipping_check_finds_a_clipped_label(saved_clipped, tmp_path: Path) -> None:
    from o2osim.reports.figures_common import save_figure, subplots

    fig, ax = subplots(figsize=(4, 3))
    ax.bar([0, 1], [1, 2])
    ax.set_xticks([0, 1], ["a_very_long_channel_name_that_sticks_out", "b"], rotation=20,
                  ha="right")
    fig.subplots_adjust(left=0.02, bottom=0.3)  # what tight_layout would have fixed
    fig.savefig(tmp_path / "bad.png")
    plt.close(fig)
    assert ("bad.png", "a_very_long_channel_name_that_sticks_out") in saved_clipped
    saved_clipped.clear()
    fig, ax = subplots(figsize=(4, 3))
    ax.bar([0, 1], [1, 2])
    ax.set_xticks([0, 1], ["a_very_long_channel_name_that_sticks_out", "b"], rotation=20,
                  ha="right")
    save_figure(fig, tmp_path / "laid_out.png")
    assert saved_clipped == []


def test_the_channel_chart_is_horizontal_with_every_channel_named(drawn, tmp_path) -> None:
    report_figures.figure_channels(LONG_CHANNELS, tmp_path / "c.png")
    ax = drawn[0].axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == list(LONG_CHANNELS)  # top to bottom, in the plan's order
    assert all(t.get_rotation() == 0 for t in ax.get_yticklabels())
    rois = sorted(t.get_text() for t in ax.texts)
    assert rois == ["ROI 0.64", "ROI 0.93", "ROI 13.20", "ROI 4.06", "not funded"]


VERDICT_TARGETS = {
    "roi": {"kpi": "roi", "op": ">=", "threshold": 1.8, "value": 1.7958, "met": False,
            "label": "Marketing ROI"},
    "sync": {"kpi": "calendar_sync_rate", "op": ">=", "threshold": 1.0, "value": 0.997,
             "met": False, "label": "Calendar in sync"},
    "steps": {"kpi": "steps_to_redeem", "op": "<=", "threshold": 3, "value": 3,
              "met": True, "label": "Steps to redeem"},
}


def test_the_report_opens_with_its_verdict_and_marks_met_and_missed() -> None:
    blocks = report_blocks({"kpis": {}, "targets": VERDICT_TARGETS}, {})
    md = render_markdown(blocks)
    lines = md.splitlines()
    assert lines[0].startswith("# o2osim report")
    assert lines[2] == "> **✗ 2 of 3 targets missed**; 1 met:"  # right under the title
    assert ("> * **✗** **Marketing ROI**: 1.796, needs >= 1.80 — 0.004 CNY of revenue per "
            "CNY of cost short, 0.2 % of the threshold.") in lines
    assert ("> * **✗** **Calendar in sync**: 99.7 %, needs >= 100.0 % — 0.3 percentage "
            "points short, 0.3 % of the threshold.") in lines
    assert "> * **✓** Met: Steps to redeem." in lines
    assert _row(md, "Marketing ROI")[2:6] == [
        ">= 1.80", "1.796", "**✗ MISSED**", "0.004 CNY of revenue per CNY of cost (0.2 %)"]
    assert _row(md, "Steps to redeem")[3:6] == ["3", "**✓ met**", "—"]
    page = render_html(blocks)
    assert page.index('<div class="callout missed" id="verdict">') < page.index("Seed ")
    rows = re.findall(r'<tr class="(met|missed)">', page)
    assert rows == ["missed", "missed", "met"]  # the scorecard's rows, tinted
    assert '<strong class="missed">✗ MISSED</strong>' in page
    assert '<strong class="met">✓ met</strong>' in page
    assert "strong.met{color:" in page and "strong.missed{color:" in page
    all_met = render_markdown(report_blocks(
        {"kpis": {}, "targets": {"steps": VERDICT_TARGETS["steps"]}}, {}))
    assert all_met.splitlines()[2] == "> **✓ All 1 targets met**."
