"""TEMPORARY stand-in while the engine is written; replaced by the real CampaignModel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from o2osim import __version__
from o2osim.config.schema import ScenarioConfig
from o2osim.metrics import KPI_NAMES


@dataclass
class RunResult:
    metrics: dict[str, Any]
    daily: pd.DataFrame


def run_scenario(sc: ScenarioConfig, progress: bool = False) -> RunResult:
    kpis = {k: 0.0 for k in KPI_NAMES}
    targets = {
        name: {"kpi": t.kpi, "op": t.op, "threshold": t.threshold, "value": kpis[t.kpi],
               "met": False, "label": t.label}
        for name, t in sc.targets.items()
    }
    metrics = {"kpis": kpis, "targets": targets, "all_targets_met": False,
               "seed": sc.sim.seed, "market": sc.market.name, "plan": sc.plan.name,
               "version": __version__}
    daily = pd.DataFrame({"day": range(sc.sim.days), "phase": "planning"})
    return RunResult(metrics, daily)
