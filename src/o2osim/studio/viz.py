"""The studio's model and charts in Mesa's own SolaraViz, for a notebook::

    from o2osim.studio.viz import solara_viz
    solara_viz("zh")          # the last expression of a Jupyter cell shows it

SolaraViz builds :class:`~o2osim.studio.model.StudioModel` from its model parameters
(market, plan preset, seed: Mesa's ``Select`` and ``SliderInt`` inputs), steps it one day
at a time with Mesa's own controller (play, pause, step, reset with the same parameters)
and redraws the studio's charts (:mod:`o2osim.studio.charts`) after each step. Mesa's
sidebar speaks English whatever the language (its labels are Mesa's own); the trainer's
page, ``o2osim-studio``, is built from the same model and charts with every word from
the catalogue, and adds the levers, the challenges, the scorecard and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization import SolaraViz

from o2osim.i18n import check_lang
from o2osim.studio import charts
from o2osim.studio import scenario as scenarios
from o2osim.studio.model import StudioModel
from o2osim.studio.text import s


def chart_component(draw: Callable[[StudioModel, str], bytes], lang: str
                    ) -> Callable[[StudioModel], Any]:
    """A Mesa component (a function of the model) showing one of the studio's charts."""
    def component(model: StudioModel) -> Any:
        return solara.Image(draw(model, lang))

    component.__name__ = f"{draw.__name__}_chart"
    return component


def model_params(lang: str) -> dict[str, Any]:
    """SolaraViz's inputs: the market, the plan preset and the seed."""
    return {
        "market": {"type": "Select", "value": scenarios.DEFAULT_MARKET,
                   "values": list(scenarios.presets("market")),
                   "label": s("setup.market", lang)},
        "plan": {"type": "Select", "value": scenarios.DEFAULT_PLAN,
                 "values": list(scenarios.presets("plan")), "label": s("setup.plan", lang)},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1,
                 "label": s("setup.seed", lang)},
    }


def solara_viz(lang: str = "en", play_interval_ms: int = 50) -> Any:
    """Mesa's SolaraViz over the studio's model with the studio's five charts."""
    lang = check_lang(lang)
    return SolaraViz(StudioModel(), components=[chart_component(c, lang)
                                                for c in charts.CHARTS],
                     model_params=model_params(lang), name=s("app.title", lang),
                     play_interval=play_interval_ms)
