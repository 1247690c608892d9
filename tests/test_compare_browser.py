"""``comparison.html`` in a real browser (headless chromium, issue 4 item 4): it loads with
no console errors and no network request, shows the verdict, the ranked table and the
funnels, marks the row the verdict names, and a plan or folder named like markup shows
as text — nothing injected runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import FOUR_WEEKS
from o2osim.config import compose_scenario
from o2osim.model import run_scenario
from o2osim.reports.compare import compare
from o2osim.results import write_run

SMALL = ("sim.population=2000", "sim.days=42", *FOUR_WEEKS)
EVIL = "<script>alert(1)</script>"
FOLDER = "<img src=x onerror=alert(2)>"
"""A run folder whose name is markup."""
ONLY_OWN_ELEMENTS = ("script, iframe, svg, object, embed, "
                     'img:not([src^="data:image/png;base64,"])')
"""Elements the page never writes itself: any of them would have been injected."""


def _edit(folder: Path, change: Any) -> None:
    """Rewrite ``folder/metrics.json`` as ``change(metrics)`` returns it."""
    path = folder / "metrics.json"
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))),
                    encoding="utf-8")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs written without Hydra (named by what ``metrics.json`` records):

    * ``sweep/0``, ``sweep/1`` — the fragmented and the integrated plan; ``sweep/<FOLDER>``
      a copy of the integrated run whose plan is named ``<script>alert(1)</script>``;
      nobody meets every target;
    * ``easy/0``, ``easy/1``, ``easy/2`` — fragmented, integrated, and integrated at 1.5×
      the cost, judged by targets set at the integrated run's own values: ``easy/1`` is the
      cheapest scenario meeting all of them.
    """
    base = tmp_path_factory.mktemp("compare-browser")
    for job, plan in enumerate(("fragmented", "integrated")):
        write_run(base / "sweep" / str(job),
                  run_scenario(compose_scenario([f"plan={plan}", *SMALL])))
    shutil.copytree(base / "sweep" / "1", base / "sweep" / FOLDER)
    _edit(base / "sweep" / FOLDER, lambda m: dict(m, plan=EVIL))
    integrated = json.loads((base / "sweep" / "1" / "metrics.json").read_text(encoding="utf-8"))
    for job, spend in ((0, 1.0), (1, 1.0), (2, 1.5)):
        shutil.copytree(base / "sweep" / str(min(job, 1)), base / "easy" / str(job))

        def easy(m: dict[str, Any], spend: float = spend) -> dict[str, Any]:
            targets = {n: dict(t, threshold=integrated["kpis"][t["kpi"]])
                       for n, t in m["targets"].items()}
            cost = m["kpis"]["total_cost_cny"] * spend
            return dict(m, targets=targets, kpis=dict(m["kpis"], total_cost_cny=cost))

        _edit(base / "easy" / str(job), easy)
    return base


def _open(browser_page: Any, root: Path, tmp_path: Path, name: str) -> tuple[Any, Path]:
    """Compare ``root/name`` and open its page; assert it loaded cleanly."""
    out, _ = compare([str(root / name)], str(tmp_path / "out"))
    page, errors, dialogs = browser_page(out / "comparison.html")
    assert dialogs == [], dialogs  # no alert fired
    assert errors == [], errors
    assert page.locator(ONLY_OWN_ELEMENTS).count() == 0
    images = page.evaluate("Array.from(document.images).map(i => i.complete && "
                           "i.naturalWidth > 0)")
    assert images == [True] * 3  # spend vs conversion, quadrants, funnels: all decoded
    return page, out


def test_page_loads_shows_verdict_table_and_markup_as_text(root: Path, tmp_path: Path,
                                                           browser_page: Any) -> None:
    page, _ = _open(browser_page, root, tmp_path, "sweep")
    verdict = page.locator("p#verdict")
    assert verdict.is_visible()
    assert verdict.inner_text().startswith("No scenario meets all")
    table = page.locator("table#scenario-table")
    assert table.is_visible()
    assert table.locator("tbody tr[data-scenario]").count() == 3
    assert page.locator("table#funnel-table").is_visible()
    assert "Visited a store" in page.locator("table#funnel-table").inner_text()
    body = page.locator("body").inner_text()
    assert EVIL in body and FOLDER in body  # shown, as text
    assert EVIL in table.inner_text()


def test_the_closest_scenario_is_marked_when_none_meets_all(root: Path, tmp_path: Path,
                                                             browser_page: Any) -> None:
    page, _ = _open(browser_page, root, tmp_path, "sweep")
    assert page.locator("tr.best").count() == 0
    row = page.locator("tr.closest")
    assert row.count() == 1
    sid = row.get_attribute("data-scenario")
    assert "◆ closest to meeting all targets" in row.inner_text()
    verdict = page.locator("p#verdict").inner_text()
    assert re.search(r"Closest \(the most targets met, \d of 9, then the smallest total "
                     rf"shortfall relative to the thresholds\): {sid} ", verdict)
    assert "Its nearest miss: " in verdict


def test_the_cheapest_meeting_all_targets_is_highlighted_and_named(
        root: Path, tmp_path: Path, browser_page: Any) -> None:
    page, _ = _open(browser_page, root, tmp_path, "easy")
    row = page.locator("tr.best")
    assert row.count() == 1
    assert row.get_attribute("data-scenario") == "S2"  # easy/1: not easy/2, which costs more
    assert "★ cheapest meeting all targets" in row.inner_text()
    assert row.locator("td").first.inner_text() == "1"  # ranked first
    colour = row.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert colour == "rgb(255, 244, 204)"  # the highlight, not the plain row's white
    verdict = page.locator("p#verdict").inner_text()
    assert verdict.startswith("Cheapest scenario meeting all 9 targets: S2 ")
    assert page.locator("tr.closest").count() == 0
    assert "easy/1" in page.locator("tr.best").inner_text()


def test_a_page_mixing_markets_says_so_and_judges_each_market_alone(
        root: Path, tmp_path: Path, browser_page: Any) -> None:
    for job in (0, 1):
        shutil.copytree(root / "sweep" / str(job), tmp_path / "mixed" / "a" / str(job))
        shutil.copytree(root / "sweep" / str(job), tmp_path / "mixed" / "b" / str(job))
        _edit(tmp_path / "mixed" / "b" / str(job), lambda m: dict(m, market="hotpot_chain"))
    out, _ = compare([str(tmp_path / "mixed")], str(tmp_path / "out"))
    page, errors, dialogs = browser_page(out / "comparison.html")
    assert errors == [] and dialogs == []
    mixing = page.locator("p#mixing")
    assert mixing.is_visible()
    assert mixing.inner_text().startswith("This comparison mixes 2 markets: retail_apparel "
                                          "(2 scenarios), hotpot_chain (2 scenarios).")
    assert page.locator("h2.market").all_inner_texts() == ["Market: retail_apparel",
                                                           "Market: hotpot_chain"]
    for n, ids in ((1, ["S1", "S2"]), (2, ["S3", "S4"])):
        assert page.locator(f"p#verdict-{n}").is_visible()
        rows = page.locator(f"table#scenario-table-{n} tbody tr[data-scenario]")
        assert sorted(r.get_attribute("data-scenario") for r in rows.all()) == ids
    images = page.evaluate("Array.from(document.images).map(i => i.complete && "
                           "i.naturalWidth > 0)")
    assert images == [True] * 6  # each market's three figures
