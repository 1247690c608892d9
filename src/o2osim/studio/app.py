"""The studio's page (a Solara app: ``solara run o2osim.studio.app`` serves it, and so does
``o2osim-studio``): the scenario and the levers in the sidebar; the run controller, the
challenge card, the live charts, the scorecard with why, and the attempts in the main
column. Every word comes from the catalogue in the session's language."""

from __future__ import annotations

import solara

from o2osim.i18n import LANGS, html_lang
from o2osim.studio import scenario as scenarios
from o2osim.studio import state
from o2osim.studio.controls import LeverPanel, RunController, ScenarioPicker
from o2osim.studio.panels import AttemptsPanel, ChallengePanel, ChartsPanel, ScorecardPanel
from o2osim.studio.text import s

LANG_NAMES = {"en": "English", "zh": "中文"}


@solara.component
def Page() -> None:
    lang = state.lang.value
    state.ensure_model()
    solara.Title(s("app.title", lang))
    with solara.Head():
        solara.Meta(name="description", content=s("app.tagline", lang))
    with solara.AppBar():
        solara.AppBarTitle(s("app.title", lang))
        solara.ToggleButtonsSingle(value=lang,
                                   on_value=state.lang.set, dense=True,
                                   children=[solara.Button(LANG_NAMES[x], value=x,
                                                           classes=[f"studio-lang-{x}"])
                                             for x in LANGS])
    with solara.Sidebar():
        ScenarioPicker()
        LeverPanel()
    with solara.Column(classes=["studio-main", f"studio-lang-is-{html_lang(lang)}"]):
        solara.Text(s("app.tagline", lang), style={"font-style": "italic"})
        model = state.model.value
        if model is not None:
            solara.Text(s("app.population", lang, population=f"{scenarios.POPULATION:,}",
                          market_size=f"{model.scenario.market.population.market_size:,}"),
                        style={"font-size": "0.8em", "color": "#555"})
        with solara.Columns([1, 1]):
            RunController()
            ChallengePanel()
        ChartsPanel()
        ScorecardPanel()
        AttemptsPanel()
