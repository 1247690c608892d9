"""The content of ``metrics.json``: KPIs (:mod:`o2osim.kpis`), the scorecard against the
targets (:mod:`o2osim.targets`), what drove satisfaction, the channels' ledgers.

Computed from a :class:`~o2osim.record.RunRecord` only (no model); read back with
:func:`o2osim.results.read_metrics`. Definitions: docs/kpis.md.
"""

from __future__ import annotations

from typing import Any

from o2osim import __version__
from o2osim.kpis import KPI_NAMES, UNITS, calendar_sync_rate, compute_kpis
from o2osim.record import RunRecord
from o2osim.results import SCHEMA_VERSION, read_metrics
from o2osim.targets import evaluate

__all__ = ["KPI_NAMES", "SCHEMA_VERSION", "UNITS", "calendar_sync_rate", "compute_metrics",
           "evaluate_targets", "read_metrics", "satisfaction_drivers"]


def evaluate_targets(kpis: dict[str, float], targets: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with its threshold, the value and whether it is met
    (:func:`o2osim.targets.evaluate`: the one place a target's semantics live)."""
    return evaluate(kpis, targets)


def satisfaction_drivers(record: RunRecord) -> dict[str, Any]:
    """Satisfaction and what drove it (docs/kpis.md, ``satisfaction_drivers``).

    ``satisfied_lost_to_gap``: per experience-gap cause, the experiences (store visits and
    online orders, simulated) that were dissatisfying but would have satisfied without
    that one cause — a counterfactual on the same draws
    (:func:`o2osim.components.shopping.satisfied_lost_to_causes`).
    ``dissatisfied_with_gap``: the dissatisfied experiences in which the cause occurred
    (co-occurrence, not cost). ``causes``: each cause in words, where it happens and the
    plan levers that remove it, as the component that counts it declares them.
    """
    tot = record.totals
    causes = sorted(set(tot.gap_counts) | set(tot.satisfied_lost))
    return {
        "experiences": tot.experiences,
        "dissatisfied": tot.experiences - tot.satisfied,
        "satisfied_lost_to_gap": {c: int(tot.satisfied_lost.get(c, 0)) for c in causes},
        "dissatisfied_with_gap": {c: int(tot.gap_counts.get(c, 0)) for c in causes},
        "causes": {c.name: c.as_dict() for c in record.causes},
    }


def compute_metrics(record: RunRecord) -> dict[str, Any]:
    """The content of ``metrics.json``."""
    sc = record.scenario
    kpis = compute_kpis(record)
    targets = evaluate_targets(kpis, sc.targets)
    return {
        "schema_version": SCHEMA_VERSION,
        "kpis": kpis,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
        "units": UNITS,
        "satisfaction_drivers": satisfaction_drivers(record),
        "channels": {
            c.name: {"kind": c.kind, "budget_cny": c.budget_cny, "spend_cny": c.spend_cny,
                     "attributed_revenue_cny": c.attributed_revenue_cny,
                     # what measurement credits (last touch, store orders only with a
                     # unified ID) and what the channel caused (o2osim.ground_truth:
                     # null unless the counterfactuals ran)
                     "measured_revenue_cny": c.attributed_revenue_cny,
                     "incremental_revenue_cny": None}
            for c in record.channels
        },
        "scale_real_per_simulated": record.scale,
        "seed": sc.sim.seed,
        "population": sc.sim.population,
        "days": sc.sim.days,
        "market": sc.market.name,
        "plan": sc.plan.name,
        "version": __version__,
    }
