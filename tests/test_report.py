"""The run report: built from a run folder's files, self-contained, names the levers,
splits the funnel and the coupons online / offline, and tables money by channel."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.replications import run_replications
from o2osim.reports.report import Code, Para, render_html, render_markdown, write_report
from o2osim.results import write_run

FIGURES = ("funnel.png", "channels.png", "coupons.png", "daily.png", "satisfaction.png",
           "stores.png")


@pytest.fixture(scope="module")
def fragmented(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], float]:
    """A fragmented-plan run folder with its report; and how long the report took."""
    folder = tmp_path_factory.mktemp("fragmented")
    sc = compose_scenario(["plan=fragmented", "sim.population=3000", "sim.days=60"])
    write_run(folder, run_scenario(sc))
    start = time.perf_counter()
    write_report(folder)
    seconds = time.perf_counter() - start
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
    aware = _row(md, "Aware of the campaign")
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
    campaign = _row(md, "**campaign**")
    assert campaign[3:] == [f"{k['total_cost_cny']:,.0f}", f"{k['revenue_cny']:,.0f}",
                            f"{k['roi']:.2f}"]
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
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "3 replications" in md and "with 90 % confidence" in md
    assert "Means over the 3 replications." in md
    spend = [float(x) for x in table["spend_cny"]]
    channels = result.metrics["channels"]
    assert sum(c["spend_cny"] for c in channels.values()) == pytest.approx(sum(spend) / 3)


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
    from o2osim.reports.report import advice

    integrated = {"integration": {"unified_id_share": 0.92, "o2o_traffic_guidance": True},
                  "coupon": {"redeem_where": "both"}, "promise_level": 0.72}
    fragmented = {"integration": {"unified_id_share": 0.0, "o2o_traffic_guidance": False},
                  "coupon": {"redeem_where": "online"}, "promise_level": 0.88}
    assert "unified_id_share" not in advice("conversion_rate", integrated)
    text = advice("conversion_rate", fragmented)
    assert "unified_id_share` (now 0.0)" in text and "redeem_where` (now online)" in text
