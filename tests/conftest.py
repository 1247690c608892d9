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


# --------------------------------------------------------------------------- scheduling

SHARED_SCOPES = ("module", "class", "package")
"""Fixture scopes whose value the tests of one module share: such a module runs on one
xdist worker (it would build the fixture once per worker otherwise), and so does a module
that caches runs in a function of its own (``functools.cache``)."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """How the suite spreads over the cores (``-n auto --dist loadgroup
    --no-loadscope-reorder``, pyproject.toml): a module whose tests share a module-scoped
    fixture goes to one worker as a whole; every other test goes on its own, so that long
    tests (the six scale-invariance scenarios, the calibration levers) run side by side
    instead of one file after another. Slow-marked tests are handed out first and the
    shared modules next, so that no long test starts last and keeps one core busy while
    the other idles. Scheduling only: what a test checks does not depend on it."""
    def shares(item: pytest.Item) -> bool:
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        module = getattr(item, "module", None)
        own = vars(module).values() if module is not None else ()
        return (any(d[-1].scope in SHARED_SCOPES for d in defs if d)
                or any(hasattr(v, "cache_info") and v.__module__ == module.__name__
                       for v in own)
                # a shared fixture only asked for by name (request.getfixturevalue)
                or any(getattr(getattr(v, "_fixture_function_marker", None), "scope", None)
                       in SHARED_SCOPES for v in own))

    def module_of(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    # The whole module, not only its tests that use the shared value: a test of the module
    # run on the same worker between two that share it would tear the value down
    # (pytest ends a module's fixtures when the next test is another module's).
    shared = {module_of(item) for item in items if shares(item)}
    unit_of: dict[str, str] = {}  # test -> its unit of work: its module, or itself
    first: dict[str, tuple[int, int]] = {}  # unit -> (priority, position of its first test)
    for k, item in enumerate(items):
        module = module_of(item)
        unit = module if module in shared else item.nodeid
        if unit == module and not any(True for _ in item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(module))
        priority = 0 if item.get_closest_marker("slow") else (1 if unit == module else 2)
        unit_of[item.nodeid] = unit
        was = first.get(unit, (priority, k))
        first[unit] = (min(was[0], priority), was[1])
    position = {item.nodeid: k for k, item in enumerate(items)}
    items.sort(key=lambda it: (*first[unit_of[it.nodeid]], position[it.nodeid]))


def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker, fail loudly when the units of :func:`pytest_collection_modifyitems`
    did not reach the scheduler: xdist hands a ``xdist_group`` to it as a ``@group`` suffix of
    the test's id, which pytest 9.2's structured ids silently drop (pytest-xdist issue 1386;
    the tests then spread one by one and a module's shared fixture is built on each worker).
    pyproject.toml's dev extra keeps pytest below 9.2 for this."""
    if not getattr(session.config.option, "loadgroup", False):
        return  # not an xdist worker under --dist loadgroup
    lost = [item.nodeid for item in session.items
            if any(True for _ in item.iter_markers("xdist_group")) and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"pytest {pytest.__version__} drops xdist's group of {len(lost)} tests (e.g. "
            f"{lost[0]}): see pytest-xdist issue 1386; install pytest<9.2 "
            "(pip install -e '.[dev]')")
