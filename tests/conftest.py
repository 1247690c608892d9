"""Shared helpers: a small scenario, the market presets, the ``o2osim`` command run in a
throwaway folder, and a page opened in headless chromium (``browser_page``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from o2osim.config import CONF_DIR

FOUR_WEEKS = ("plan.calendar.planning_weeks=1", "plan.calendar.execution_weeks=2",
              "plan.calendar.optimisation_weeks=1")
"""A 4-week campaign calendar (1 planning, 2 execution, 1 optimisation week): the CLI
refuses a ``sim.days`` shorter than the plan's calendar (16 weeks by default)."""
SMALL = ("sim.population=2000", "sim.days=30", *FOUR_WEEKS)
"""Overrides that keep a run to a second or two (a 4-week campaign and 2 days after it)."""


def market_presets() -> tuple[str, ...]:
    """The market presets, sorted: ``conf/market/*.yaml``, what ``market=`` accepts. Tests
    that loop over markets use this, so a new preset file is tested without editing them.
    What the presets share (``conf/market_base.yaml``) is not in ``conf/market/``; a file
    named ``_*.yaml`` there would be a base too, not a preset."""
    return tuple(sorted(p.stem for p in (CONF_DIR / "market").glob("*.yaml")
                        if not p.stem.startswith("_")))


RunO2osim = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def o2osim(tmp_path: Path) -> RunO2osim:
    """Run ``python -m o2osim.cli ARGS`` with ``tmp_path`` as working directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    env.update(CI="1", COLUMNS="100")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "o2osim.cli", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=600)

    return run


# --------------------------------------------------------------------------- browser

CHROMIUM = os.environ.get("O2OSIM_CHROMIUM", "/usr/bin/chromium")
"""Debian's chromium (``apt-get install chromium``; .ci/run installs it). Playwright's
own browser download is not used."""

SKIP_BROWSER = "O2OSIM_SKIP_BROWSER"

OpenPage = Callable[[str | os.PathLike[str]], tuple[Any, list[str], list[str]]]


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Any]:
    """One headless chromium for the session. Missing chromium or playwright is a test
    failure (CI installs both), unless O2OSIM_SKIP_BROWSER=1."""
    if os.environ.get(SKIP_BROWSER) == "1":
        pytest.skip(f"{SKIP_BROWSER}=1: browser tests skipped")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: install it (apt-get install chromium) or set "
                    f"{SKIP_BROWSER}=1 to skip the browser tests", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(_chromium: Any) -> Iterator[OpenPage]:
    """A function that opens a local HTML file in headless chromium and returns
    ``(page, console_errors, dialogs)`` once the page has loaded.

    ``console_errors``: console errors, uncaught exceptions and every request that left
    the machine (the network is blocked: a self-contained page makes none).
    ``dialogs``: messages of alert / confirm / prompt dialogs (dismissed), e.g. from a
    script injected through an unescaped string. Each page gets a fresh context.
    """
    contexts: list[Any] = []

    def open_page(path: str | os.PathLike[str]) -> tuple[Any, list[str], list[str]]:
        context = _chromium.new_context()
        contexts.append(context)
        errors: list[str] = []
        dialogs: list[str] = []

        def route(r: Any) -> None:
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                errors.append(f"network request (blocked): {r.request.url}")
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "assert") else None)
        page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}")
                if r.url.startswith(("file:", "data:")) else None)
        page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        return page, errors, dialogs

    yield open_page
    for context in contexts:
        context.close()
