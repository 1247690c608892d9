"""The studio as a trainee uses it (issue 13 item 5): ``o2osim-studio`` on a free local
port, in headless chromium with every request not to 127.0.0.1 blocked (any is a
failure), in English and in Chinese: open a challenge, move a budget, step a day and a week,
play and pause, reset, run to the end; the budget, the day, the scorecard, why and the charts
update, with no console error and no failed request.

In Chinese the attempt is also scored (three seeds): the verdict and the attempts table.
``O2OSIM_STUDIO_SCREENSHOTS=docs/images`` also writes the screenshots of docs/studio.md."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from o2osim import i18n
from o2osim.studio.challenges import load_cards

CARD = next(c for c in load_cards() if c.id == "retail_know_your_customer")

SHOTS = os.environ.get("O2OSIM_STUDIO_SCREENSHOTS")
FIRST_NUMBER = ("parseInt(document.querySelector('.studio-day').innerText.match(/\\d+/)[0])")
"""The day shown by the run panel (its first number), in JavaScript."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=i18n.LANGS)
def studio(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    lang, port = request.param, _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "o2osim.studio.cli", "--port", str(port),
                             "--lang", lang], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""  # printed once it answers
        url = f"http://127.0.0.1:{port}"
        assert url in line, line
        yield url, lang
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()


def test_a_trainee_plays_a_challenge_offline(studio, _chromium) -> None:
    url, lang = studio
    page = _chromium.new_page(viewport={"width": 1400, "height": 1000})
    outside, failed, errors = [], [], []

    def route(r):
        if r.request.url.startswith("http://127.0.0.1:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".studio-run", timeout=120_000)
    assert i18n.message("studio.app.title", lang) in page.inner_text("header")
    page.locator(".studio-card-select").click()
    title = CARD.words(lang)["title"]  # channels open, a cap the start plan nearly fills
    page.get_by_role("option", name=re.compile(re.escape(title))).click()
    page.wait_for_selector(".studio-challenge", timeout=60_000)
    card_title = page.locator(".studio-challenge .v-card__title").inner_text()
    assert card_title.strip()
    budget = page.locator(".studio-budget")
    before = budget.inner_text()
    assert before.strip()
    slider = page.locator(".studio-lever-channels-content_seeding-budget_cny [role=slider]")
    slider.focus()
    slider.press("Home")  # the content budget, 5.7 M CNY, to 0
    expect(budget).not_to_contain_text(before.splitlines()[0], timeout=30_000)
    assert "5.90" in budget.inner_text()  # 0.20 M CNY remained, now 5.90 M CNY
    assert re.search(r"\d", budget.inner_text())
    day = page.locator(".studio-day")
    page.locator(".studio-step").click()  # a day, a week, play and pause, reset
    page.wait_for_function(f"() => {FIRST_NUMBER} === 1", timeout=60_000)
    page.locator(".studio-week").click()
    page.wait_for_function(f"() => {FIRST_NUMBER} === 8", timeout=60_000)
    page.locator(".studio-play").click()
    page.wait_for_function(f"() => {FIRST_NUMBER} > 8", timeout=60_000)
    page.locator(".studio-play").click()  # now the pause button
    expect(page.locator(".studio-step")).to_be_enabled(timeout=30_000)
    played = int(re.findall(r"\d+", day.inner_text())[0])
    assert played > 8
    page.locator(".studio-reset").click()  # the same seed, back to day 0
    page.wait_for_function(f"() => {FIRST_NUMBER} === 0", timeout=60_000)
    page.locator(".studio-to-end").click()
    page.wait_for_selector(".studio-scorecard-table", timeout=180_000)
    page.wait_for_selector(".studio-finished", timeout=60_000)
    table = page.locator(".studio-scorecard-table")
    assert table.locator("tbody tr").count() == 9
    marks = {i18n.message("studio.scorecard.met", lang),
             i18n.message("studio.scorecard.missed", lang)}
    assert any(m in table.inner_text() for m in marks)
    assert page.locator(".studio-why").inner_text().strip()
    images = page.evaluate("Array.from(document.querySelectorAll('.studio-charts img'))"
                           ".map(i => i.complete && i.naturalWidth > 0)")
    assert images == [True] * 5
    assert "112" in day.inner_text()
    if lang == "zh":  # score the attempt once (three runs): the verdict and the attempts row
        page.locator(".studio-submit").click()
        page.wait_for_selector(".studio-attempts-table", timeout=240_000)
        verdict = page.locator(".studio-verdict").inner_text()
        assert i18n.message("studio.challenge.failed", lang)[:4] in verdict  # 0 for members
        assert page.locator(".studio-attempts-table tbody tr").count() == 1
        assert CARD.id in page.locator(".studio-attempts-table").inner_text()
        download = i18n.message("studio.attempts.export", lang)
        assert page.get_by_text(download).count() == 1
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"studio-{lang}.png"), full_page=False)
    print(f"{lang}: opened and played in {time.perf_counter() - started:.1f} s")
    assert outside == [] and failed == [] and errors == []
    page.close()
