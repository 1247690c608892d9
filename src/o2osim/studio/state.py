"""The studio's state for one browser session, and what changes it.

Solara's module-level reactive variables are kept per browser session (per virtual
kernel), so twenty trainees on one studio each play their own campaign. The model is a
reactive :class:`~o2osim.studio.model.StudioModel`; a step redraws the page through Mesa's
``update_counter`` (:func:`mesa.visualization.utils.force_update`), as SolaraViz's own
controller does.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import solara
from mesa.visualization.utils import force_update

from o2osim.config import ConfigError
from o2osim.i18n import DEFAULT_LANG, check_lang
from o2osim.studio import LANG_ENV
from o2osim.studio import scenario as scenarios
from o2osim.studio.challenges import Card, Score, load_cards
from o2osim.studio.model import StudioModel


def default_lang() -> str:
    return check_lang(os.environ.get(LANG_ENV, DEFAULT_LANG), LANG_ENV)


@dataclass(frozen=True)
class Attempt:
    """A scored attempt of the session."""

    number: int
    time: str
    score: Score
    changed: tuple[str, ...]


lang = solara.reactive(default_lang())
card_id: solara.Reactive[str | None] = solara.reactive(None)
market = solara.reactive(scenarios.DEFAULT_MARKET)
plan = solara.reactive(scenarios.DEFAULT_PLAN)
seed = solara.reactive(0)
values: solara.Reactive[dict[str, Any]] = solara.reactive({})
model: solara.Reactive[StudioModel | None] = solara.reactive(None)
pending = solara.reactive(False)
error: solara.Reactive[str | None] = solara.reactive(None)
playing = solara.reactive(False)
fast_forward = solara.reactive(False)
"""Running to the end: the charts wait for the last day (a redraw costs more CPU than a
month of the model)."""
started_at: solara.Reactive[float | None] = solara.reactive(None)
run_seconds: solara.Reactive[float | None] = solara.reactive(None)
attempts: solara.Reactive[list[Attempt]] = solara.reactive([])
last_score: solara.Reactive[Score | None] = solara.reactive(None)
hints_shown = solara.reactive(0)


_CARDS: list[list[Card]] = []


def cards() -> list[Card]:
    """The shipped challenge cards (read once per process)."""
    if not _CARDS:
        _CARDS.append(load_cards())
    return _CARDS[0]


def card() -> Card | None:
    return next((c for c in cards() if c.id == card_id.value), None)


def chart_key(current: StudioModel) -> object:
    """When the charts are drawn again: every day when stepping, every week while playing,
    on the last day when running to the end."""
    if current.finished:
        return current.day
    if fast_forward.value:
        return "running"
    return current.day // 7 if playing.value else current.day


def rebuild() -> None:
    """A new model of the current market, plan, levers and seed (Mesa's reset)."""
    playing.set(False)
    try:
        chosen = card()
        built = StudioModel(market.value, plan.value, values.value, seed.value,
                            thresholds=chosen.thresholds if chosen is not None else None)
    except ConfigError as err:
        error.set(str(err))
        return
    error.set(None)
    model.set(built)
    pending.set(False)
    started_at.set(None)
    run_seconds.set(None)
    force_update()


def ensure_model() -> StudioModel | None:
    if not values.value:
        values.set(scenarios.preset_values(market.value, plan.value))
    if model.value is None and error.value is None:
        rebuild()
    return model.value


def set_lever(setting: str, value: Any) -> None:
    """Move a lever; a model that has not run a day yet follows at once."""
    values.set({**values.value, setting: value})
    current = model.value
    if current is None or current.day == 0:
        rebuild()
    else:
        pending.set(True)


def choose_scenario(new_market: str, new_plan: str) -> None:
    market.set(new_market)
    plan.set(new_plan)
    values.set(scenarios.preset_values(new_market, new_plan))
    rebuild()


def choose_card(new_id: str | None) -> None:
    """Play ``new_id`` (None: free play): its market, starting plan and levers."""
    card_id.set(new_id)
    last_score.set(None)
    hints_shown.set(0)
    chosen = card()
    if chosen is None:
        choose_scenario(market.value, plan.value)
        return
    market.set(chosen.market)
    plan.set(chosen.start_plan)
    values.set(chosen.start_values())
    rebuild()


def step_days(n: int) -> None:
    """Advance ``n`` days (the clock for the time to the scorecard starts with day 1)."""
    current = ensure_model()
    if current is None or current.finished:
        return
    if current.day == 0:
        started_at.set(time.perf_counter())
    for i in range(n):
        if current.finished:
            break
        current.step()
        if i % 28 == 27:  # a redraw of the charts takes about a second: monthly
            force_update()
    if current.finished and run_seconds.value is None and started_at.value is not None:
        run_seconds.set(time.perf_counter() - started_at.value)
        playing.set(False)
    force_update()


def add_attempt(result: Score) -> None:
    chosen = card()
    start = chosen.start_values() if chosen else {}
    changed = tuple(k for k, v in result.values.items() if start.get(k) != v)
    attempts.set([*attempts.value, Attempt(len(attempts.value) + 1,
                                           time.strftime("%H:%M:%S"), result, changed)])
    last_score.set(result)
