"""The campaign model as Mesa's SolaraViz builds it: keyword arguments, one step a day,
``running`` until the last day.

:class:`StudioModel` adds nothing to the campaign: it builds the scenario from a market,
a plan preset and lever values (:func:`o2osim.studio.scenario.build`) and hands it to
:class:`o2osim.model.CampaignModel`. Resetting (Mesa's convention: a new instance of the
model's class from the same keyword arguments) therefore replays the same seed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from o2osim.config import ScenarioConfig
from o2osim.model import CampaignModel, consumer_counts
from o2osim.studio import scenario as scenarios


class StudioModel(CampaignModel):
    """``CampaignModel`` of ``market`` x ``plan`` with ``values`` set (setting -> value in
    the plan's unit), ``seed`` and ``population`` (``thresholds``: a challenge card's own
    goal thresholds in the targets); or of a ready ``scenario``."""

    def __init__(self, market: str = scenarios.DEFAULT_MARKET,
                 plan: str = scenarios.DEFAULT_PLAN, values: Mapping[str, Any] | None = None,
                 seed: int = 0, population: int = scenarios.POPULATION,
                 scenario: ScenarioConfig | None = None,
                 thresholds: Mapping[str, float] | None = None) -> None:
        sc = scenario if scenario is not None else scenarios.build(
            market, plan, values, seed, population, thresholds=thresholds)
        super().__init__(sc)
        self.market_name, self.plan_name = market, plan
        self.values = dict(values or {})
        self._lock = threading.Lock()  # a play loop and a run-to-the-end never interleave
        self.metrics: dict[str, Any] | None = None

    @property
    def days(self) -> int:
        return self.scenario.sim.days

    @property
    def finished(self) -> bool:
        return self.day >= self.days

    def step(self) -> None:
        """One day; nothing after the last (``running`` turns False there)."""
        with self._lock:
            if self.finished:
                self.running = False
                return
            super().step()
            if self.finished:
                self.running = False
                self.metrics = self._final_metrics()

    def run_days(self, n: int) -> None:
        for _ in range(n):
            if self.finished:
                break
            self.step()

    def _final_metrics(self) -> dict[str, Any]:
        """The run's metrics, its ROI against the market without the campaign (the
        baseline is run here, once per plan's structure: :func:`o2osim.model.baseline_outcome`)."""
        import dataclasses

        from o2osim.metrics import compute_metrics
        from o2osim.model import baseline_outcome

        base = baseline_outcome(self.scenario, run=self)
        return compute_metrics(dataclasses.replace(self.record(),
                                                   baseline_revenue_cny=base.revenue_cny))

    def funnel(self) -> dict[str, int]:
        """The funnel so far (simulated consumers)."""
        c = consumer_counts(self.pop)
        return {"exposed": c.exposed, "aware": c.ever_aware, "visited": c.store_visitors,
                "purchased": c.purchasers, "repurchased": c.repurchasers}
