"""The run report in a real browser (headless chromium, issue 4 item 4): it loads with
no console errors and no network request, shows the scorecard (with replications: the
chance of meeting all targets together and a caution for few replications), and every
string that comes from a config or a folder name shows as text — nothing injected runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FOUR_WEEKS
from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.replications import run_replications
from o2osim.reports.report import write_report
from o2osim.results import write_run

INJECTED = {
    "plan.name": "<script>alert(1)</script>",
    "plan.description": "<img src=x onerror=alert(2)>",
    "market.description": "<iframe src=javascript:alert(3)></iframe>",
    "targets.conversion.label": '<svg onload=alert(4)> & "quoted"',
}
FOLDER = "out/<script>alert(5)</script>"
"""A run folder whose name is markup (``hydra.run.dir``; the ``/`` makes it two levels)."""

ONLY_OWN_ELEMENTS = ("script, iframe, svg, object, embed, "
                     'img:not([src^="data:image/png;base64,"])')
"""Elements the report never writes itself: any of them would have been injected."""


@pytest.fixture(scope="module")
def fragmented_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fragmented")
    sc = compose_scenario(["plan=fragmented", "sim.population=3000", "sim.days=60"])
    write_run(folder, run_scenario(sc))
    write_report(folder)
    return folder


def test_report_loads_cleanly_and_shows_the_scorecard(fragmented_run: Path,
                                                      browser_page) -> None:
    metrics = json.loads((fragmented_run / "metrics.json").read_text(encoding="utf-8"))
    page, errors, dialogs = browser_page(fragmented_run / "report.html")
    assert errors == [] and dialogs == []
    assert page.locator("h2#scorecard").is_visible()
    table = page.locator("table#scorecard-table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == len(metrics["targets"])
    text = table.inner_text()
    for t in metrics["targets"].values():
        assert t["label"] in text
    assert "MISSED" in text  # the fragmented plan misses conversion (and more)
    for section in ("funnel-table", "channel-table", "coupon-table"):
        assert page.locator(f"table#{section}").is_visible(), section
    images = page.evaluate("Array.from(document.images).map(i => i.complete && "
                           "i.naturalWidth > 0)")
    assert images == [True] * 6  # every figure decoded: funnel, channels, coupons, ...
    assert page.locator(ONLY_OWN_ELEMENTS).count() == 0


def test_the_report_opens_with_its_verdict_marked_in_colour_and_symbol(
        fragmented_run: Path, browser_page) -> None:
    metrics = json.loads((fragmented_run / "metrics.json").read_text(encoding="utf-8"))
    page, errors, _ = browser_page(fragmented_run / "report.html")
    assert errors == []
    first = page.locator("h1 + *")
    assert first.get_attribute("id") == "verdict"  # the first thing under the title
    missed = [t for t in metrics["targets"].values() if not t["met"]]
    assert first.locator("p").inner_text().startswith(
        f"✗ {len(missed)} of {len(metrics['targets'])} targets missed")
    items = first.locator("li").all_inner_texts()
    for t in missed:
        side = " short, " if t["op"] == ">=" else " over, "
        assert any(i.startswith(f"✗ {t['label']}: ") and side in i for i in items), t
    style = "e => getComputedStyle(e).{}"
    box = first.evaluate(style.format("borderLeftColor"))
    assert box == "rgb(180, 35, 24)"  # red: a target is missed
    rows = page.locator("table#scorecard-table tbody tr")
    colours = {}
    for i, t in enumerate(metrics["targets"].values()):
        mark = rows.nth(i).locator("td strong")
        assert mark.inner_text() == ("✓ met" if t["met"] else "✗ MISSED")
        colours[t["met"]] = (mark.evaluate(style.format("color")),
                             rows.nth(i).locator("td").first.evaluate(
                                 style.format("backgroundColor")))
    assert colours[False] == ("rgb(180, 35, 24)", "rgb(253, 236, 234)")
    if True in colours:
        assert colours[True] == ("rgb(26, 127, 55)", "rgb(238, 248, 240)")


def test_strings_from_configs_and_folder_names_show_as_text(o2osim, tmp_path: Path,
                                                            browser_page) -> None:
    proc = o2osim("sim.population=2000", "sim.days=30", *FOUR_WEEKS,
                  *(f"{key}='{value}'" for key, value in INJECTED.items()),
                  f"hydra.run.dir='{FOLDER}'")
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / FOLDER
    page, errors, dialogs = browser_page(run / "report.html")
    assert dialogs == [], dialogs  # no alert fired
    assert errors == [], errors
    assert page.locator(ONLY_OWN_ELEMENTS).count() == 0
    body = page.locator("body").inner_text()
    for value in [*INJECTED.values(), FOLDER]:
        assert value in body, value  # shown, as text
    assert INJECTED["plan.name"] in page.title()

    md = (run / "report.md").read_text(encoding="utf-8")
    outside_code = re.sub(r"(`+).*?\1", "", md)
    assert re.search(r"(?<!\\)<", outside_code) is None  # no raw HTML in the Markdown


def test_replicated_report_shows_the_chance_of_meeting_all_targets(tmp_path: Path,
                                                                  browser_page) -> None:
    sc = compose_scenario(["market=hotpot_chain", "sim.population=2000", "sim.days=42"])
    result, _ = run_replications(sc, 3, workers=1)
    write_run(tmp_path, result)
    write_report(tmp_path)
    m = result.metrics
    page, errors, dialogs = browser_page(tmp_path / "report.html")
    assert errors == [] and dialogs == []
    together = (f"All {len(m['targets'])} targets together: met in "
                f"{round(3 * m['all_targets_probability'])} of 3 replications")
    shown = page.get_by_text(together)
    assert shown.count() == 1 and shown.is_visible()
    assert page.get_by_text("Probabilities from only 3 replications are rough").is_visible()
    header = page.locator("table#scorecard-table thead th").all_inner_texts()
    assert header[-3:] == ["met in (replications)", "90 % of runs between",
                           "mean, 90 % confidence"]
    rows = page.locator("table#scorecard-table tbody tr")
    assert rows.count() == len(m["targets"])
    for i, t in enumerate(m["targets"].values()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[6] == f"{round(3 * t['probability'])} of 3 ({100 * t['probability']:.0f} %)"
        assert cells[7].count("–") == 1 and cells[8].count("–") == 1  # one interval a cell
    for table in ("store-table", "satisfaction-table"):
        assert page.locator(f"table#{table}").is_visible(), table
    images = page.evaluate("Array.from(document.images).map(i => i.complete && "
                           "i.naturalWidth > 0)")
    assert images == [True] * 6
