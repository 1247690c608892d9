"""The training studio (``o2osim-studio``, docs/studio.md): a local web app in which a new
marketer plays a campaign day by day, meets challenge cards and learns why a plan fails.

Built on Mesa's visualisation (Solara): the model is a :class:`~o2osim.model.CampaignModel`
run live, one Mesa step a day (:mod:`o2osim.studio.model`). The modules, from data to page:

* :mod:`~o2osim.studio.levers` — the plan levers a trainee can move, with units and ranges;
* :mod:`~o2osim.studio.scenario` — a scenario from a market, a plan preset and lever values;
* :mod:`~o2osim.studio.model` — the model as SolaraViz builds it (keyword arguments);
* :mod:`~o2osim.studio.challenges` — the cards of ``conf/challenges/`` and their scoring;
* :mod:`~o2osim.studio.why` — what a missed target hinged on, from the run's own counts;
* :mod:`~o2osim.studio.charts`, :mod:`~o2osim.studio.panels`, :mod:`~o2osim.studio.app` —
  the page;
* :mod:`~o2osim.studio.cli` — the command.

Every word a person reads comes from ``o2osim/locale/<lang>/studio.yaml`` (:mod:`o2osim.i18n`)
or, for a card, from the card itself in both languages. Importing this package is light:
Solara and altair load with the page.
"""

LANG_ENV = "O2OSIM_STUDIO_LANG"
"""The language the page opens in (``o2osim-studio --lang`` sets it)."""
