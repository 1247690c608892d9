"""The controls: the scenario (challenge card, market, plan preset, seed), the plan's levers
with their units and the budget committed, and the run controller (reset, play / pause,
step, run to the end) that follows Mesa's ``ModelController``: a threaded task steps the
model while playing and redraws through Mesa's ``update_counter``."""

from __future__ import annotations

import time
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from o2osim.studio import levers, state
from o2osim.studio import scenario as scenarios
from o2osim.studio.text import lever_help, lever_label, lever_value, money, s


def choice(label: str, options: list[tuple[Any, str]], value: Any, on_value: Any,
           disabled: bool = False, classes: list[str] | None = None) -> None:
    """A drop-down whose items show words but hold values."""
    solara.v.Select(label=label, items=[{"text": t, "value": v} for v, t in options],
                    v_model=value, on_v_model=on_value, disabled=disabled, dense=True,
                    class_=" ".join(classes or []))


@solara.component
def ScenarioPicker() -> None:
    lang = state.lang.value
    card = state.card()
    with solara.Card(s("setup.title", lang), classes=["studio-scenario"]):
        choice(s("setup.challenge", lang),
               [("", s("mode.free", lang)),
                *[(c.id, f"{c.level} · {c.words(lang)['title']}") for c in state.cards()]],
               state.card_id.value or "", lambda v: state.choose_card(v or None),
               classes=["studio-card-select"])
        locked = card is not None
        choice(s("setup.market", lang), [(m, s(f"market.{m}", lang))
                                         for m in scenarios.presets("market")],
               state.market.value, lambda v: state.choose_scenario(v, state.plan.value),
               disabled=locked, classes=["studio-market-select"])
        choice(s("setup.plan", lang), [(p, s(f"plan.{p}", lang))
                                       for p in scenarios.presets("plan")],
               state.plan.value, lambda v: state.choose_scenario(state.market.value, v),
               disabled=locked)
        solara.InputInt(s("setup.seed", lang), value=state.seed.value,
                        on_value=lambda v: (state.seed.set(max(0, int(v or 0))),
                                            state.rebuild()))


@solara.component
def LeverControl(spec: levers.LeverSpec, value: Any, is_open: bool) -> None:
    lang = state.lang.value
    label = f"{lever_label(spec, lang)}: {lever_value(spec, value, lang)}"
    if not is_open:
        label += f" ({s('lever.locked', lang)})"
    key = spec.setting.replace(".", "-")
    classes = ["studio-lever", f"studio-lever-{key}"]

    def set_value(shown: Any) -> None:
        state.set_lever(spec.setting, spec.stored(shown))

    with solara.Column(gap="0px", classes=classes):
        if spec.unit == "switch":
            solara.Switch(label=label, value=bool(value), on_value=set_value,
                          disabled=not is_open)
        elif spec.unit == "choice":
            choice(label, [(c, s(f"choice.{c}", lang)) for c in spec.choices], value,
                   set_value, disabled=not is_open)
        else:
            solara.Text(label, style={"display": "block", "font-size": "0.9em"})
            solara.SliderFloat("", value=float(spec.shown(value)), min=spec.lo,
                               max=spec.hi, step=spec.step, on_value=set_value,
                               disabled=not is_open, thumb_label=False)
        solara.Text(lever_help(spec, lang), style={"font-size": "0.75em", "color": "#666"})


@solara.component
def BudgetSummary() -> None:
    lang = state.lang.value
    card = state.card()
    total = levers.budget_total_cny(state.values.value)
    cap = card.budget_cap_cny if card else None
    with solara.Column(gap="0px", classes=["studio-budget"]):
        if cap is None:
            solara.Text(s("budget.total", lang, total=money(total, lang), cap="—"))
        else:
            solara.Text(s("budget.total", lang, total=money(total, lang), cap=money(cap, lang)))
            if total <= cap + 0.5:
                solara.Text(s("budget.remaining", lang, remaining=money(cap - total, lang)),
                            classes=["studio-remaining"])
            else:
                solara.Error(s("budget.over", lang, over=money(total - cap, lang)),
                             classes=["studio-over"])
        solara.Text(s("budget.note", lang), style={"font-size": "0.75em", "color": "#666"})


@solara.component
def LeverPanel() -> None:
    lang = state.lang.value
    card = state.card()
    values = state.values.value
    specs = levers.levers_for(scenarios.channels_of(state.market.value))
    for group in levers.GROUPS:
        in_group = [x for x in specs if x.group == group]
        # a card opens the groups holding its open levers; free play opens the budgets
        expand = (any(card.is_open(x.setting) for x in in_group) if card is not None
                  else group == "channels")
        with solara.Details(s(f"group.{group}", lang), expand=expand).key(
                f"{group}-{state.card_id.value}"):  # a new card: its groups open afresh
            if group == "channels":
                BudgetSummary()
            for spec in in_group:
                LeverControl(spec, values.get(spec.setting),
                             card is None or card.is_open(spec.setting))


@solara.component
def RunController() -> None:
    """Reset, play / pause, step a day or a week, run to the end; the day and phase."""
    lang = state.lang.value
    update_counter.get()
    model = state.ensure_model()
    to_end = state.fast_forward

    def play() -> None:
        while state.playing.value and model is not None and not model.finished:
            state.step_days(1)
            time.sleep(0.05)

    def run_to_end() -> None:
        if to_end.value and model is not None:
            state.step_days(model.days)
            to_end.set(False)

    solara.lab.use_task(play, dependencies=[state.playing.value, model],  # type: ignore
                        prefer_threaded=True)
    solara.lab.use_task(run_to_end, dependencies=[to_end.value, model],  # type: ignore
                        prefer_threaded=True)
    busy = state.playing.value or to_end.value
    done = model is None or model.finished
    with solara.Card(s("run.title", lang), classes=["studio-run"]):
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button(s("run.reset", lang), on_click=state.rebuild, color="primary",
                          outlined=True, classes=["studio-reset"],
                          disabled=to_end.value and not done)
            solara.Button(s("run.pause", lang) if state.playing.value else s("run.play", lang),
                          on_click=lambda: state.playing.set(not state.playing.value),
                          color="primary", disabled=done or to_end.value,
                          classes=["studio-play"])
            solara.Button(s("run.step", lang), on_click=lambda: state.step_days(1),
                          disabled=done or busy, classes=["studio-step"])
            solara.Button(s("run.week", lang), on_click=lambda: state.step_days(7),
                          disabled=done or busy, classes=["studio-week"])
            solara.Button(s("run.to_end", lang), on_click=lambda: to_end.set(True),
                          color="primary", disabled=done or busy, classes=["studio-to-end"])
        if model is not None:
            phase = model.world.calendar.phase_of(max(model.day - 1, 0))
            solara.Text(s("run.day", lang, day=model.day, days=model.days) + " · "
                        + s("run.phase", lang, phase=s(f"phase.{phase}", lang)),
                        classes=["studio-day"])
        if state.pending.value:
            solara.Warning(s("setup.pending", lang))
        if state.error.value:
            solara.Error(s("run.error", lang, error=state.error.value),
                         classes=["studio-error"])
        if state.run_seconds.value is not None:
            solara.Success(s("run.finished", lang, seconds=state.run_seconds.value),
                           classes=["studio-finished"])
