"""KPIs of a run and the scorecard against the targets (definitions: docs/kpis.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2osim import __version__
from o2osim.population import (
    ACCOUNT,
    BUYER,
    EVER_AWARE,
    EXPOSED,
    EXPOSED_ONLINE,
    MEMBER,
    MEMBER_BOUGHT_ONLINE,
    ONLINE_BUYER,
    STORE_BUYER,
    UNIFIED,
    VISITED,
    VISITED_AFTER_ONLINE,
)

if TYPE_CHECKING:
    from o2osim.model import CampaignModel


KPI_NAMES: tuple[str, ...] = (
    "conversion_rate",
    "satisfaction_rate",
    "roi",
    "online_to_store_rate",
    "offline_member_online_repurchase_rate",
    "coupon_claim_rate",
    "coupon_redemption_rate",
    "repurchase_rate",
    "steps_to_redeem",
    "calendar_sync_rate",
    "unified_profile_rate",
    "cross_channel_consistency_rate",
    "population",
    "exposed",
    "aware",
    "purchasers",
    "store_visits",
    "orders_online",
    "orders_offline",
    "revenue_cny",
    "spend_cny",
    "budget_cny",
    "coupon_subsidy_cny",
    "total_cost_cny",
    "coupons_claimed",
    "coupons_redeemed",
    "walkouts",
    "complaints",
    "mean_wait_min",
    "p95_wait_min",
    "walkout_rate",
    "coupon_check_failure_rate",
    # the funnel split online / offline (the run report's funnel)
    "exposed_online",
    "exposed_offline_only",
    "aware_wom_only",
    "store_visitors",
    "store_visitors_after_online",
    "purchasers_online",
    "purchasers_offline",
    "repurchasers",
    "repeat_orders_online",
    "repeat_orders_offline",
    # the coupon funnel split online / offline
    "coupons_offered",
    "coupons_offered_online",
    "coupons_offered_offline",
    "coupons_claimed_online",
    "coupons_claimed_offline",
    "coupons_claimed_review",
    "coupons_redeemed_online",
    "coupons_redeemed_offline",
)
"""Every KPI written under ``"kpis"`` in ``metrics.json``; targets may name any of them."""

UNITS: dict[str, str] = {
    "population": "simulated consumers",
    "exposed": "simulated consumers",
    "aware": "simulated consumers",
    "purchasers": "simulated consumers",
    "store_visits": "simulated visits",
    "orders_online": "simulated orders",
    "orders_offline": "simulated orders",
    "coupons_claimed": "simulated coupons",
    "coupons_redeemed": "simulated coupons",
    "walkouts": "simulated visits",
    "exposed_online": "simulated consumers",
    "exposed_offline_only": "simulated consumers",
    "aware_wom_only": "simulated consumers",
    "store_visitors": "simulated consumers",
    "store_visitors_after_online": "simulated consumers",
    "purchasers_online": "simulated consumers",
    "purchasers_offline": "simulated consumers",
    "repurchasers": "simulated consumers",
    "repeat_orders_online": "simulated orders",
    "repeat_orders_offline": "simulated orders",
    "coupons_offered": "simulated coupon offers",
    "coupons_offered_online": "simulated coupon offers",
    "coupons_offered_offline": "simulated coupon offers",
    "coupons_claimed_online": "simulated coupons",
    "coupons_claimed_offline": "simulated coupons",
    "coupons_claimed_review": "simulated coupons",
    "coupons_redeemed_online": "simulated coupons",
    "coupons_redeemed_offline": "simulated coupons",
    "complaints": "simulated posts",
    "revenue_cny": "CNY (whole market)",
    "spend_cny": "CNY (whole market)",
    "budget_cny": "CNY (whole market)",
    "coupon_subsidy_cny": "CNY (whole market)",
    "total_cost_cny": "CNY (whole market)",
    "roi": "CNY revenue per CNY cost",
    "steps_to_redeem": "steps",
    "mean_wait_min": "minutes",
    "p95_wait_min": "minutes",
}
"""Unit of every KPI that is not a rate in [0, 1]."""


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else 0.0


def _count(flags: np.ndarray, bit: np.uint8) -> int:
    return int(np.count_nonzero(flags & bit))


def calendar_sync_rate(online_days: set[int], store_days: set[int]) -> float:
    """Share of promotion days running in both channels (seed 000: 同步率 100 %)."""
    union = online_days | store_days
    return _ratio(len(online_days & store_days), len(union)) if union else 1.0


def compute_kpis(model: CampaignModel, daily: pd.DataFrame) -> dict[str, float]:
    """Every KPI of :data:`KPI_NAMES` (definitions: docs/kpis.md)."""
    pop, tot, sc = model.pop, model.totals, model.scenario
    hist, state = pop.history, pop.state
    aware = _count(hist, EVER_AWARE)
    purchasers = _count(state, BUYER)
    members = state & MEMBER
    known = _count(state, ACCOUNT | MEMBER)
    spend = float(daily["spend_cny"].sum())
    revenue = float(daily["revenue_cny"].sum())
    subsidy = float(daily["coupon_subsidy_cny"].sum())
    total_cost = spend + subsidy + sc.plan.integration_cost_cny
    redeemed = tot.coupons_redeemed_store + tot.coupons_redeemed_online
    days = daily["day"].to_numpy()
    online_days = set(days[daily["online_promo"].to_numpy(dtype=bool)].tolist())
    store_days = set(days[daily["store_promo"].to_numpy(dtype=bool)].tolist())
    kpis: dict[str, float] = {
        "conversion_rate": _ratio(purchasers, aware),
        "satisfaction_rate": _ratio(tot.satisfied, tot.experiences),
        "roi": _ratio(revenue, total_cost),
        "online_to_store_rate": _ratio(_count(hist, VISITED_AFTER_ONLINE),
                                       _count(hist, EXPOSED_ONLINE)),
        "offline_member_online_repurchase_rate": _ratio(
            int(np.count_nonzero((members > 0) & ((hist & MEMBER_BOUGHT_ONLINE) > 0))),
            int(np.count_nonzero(members))),
        "coupon_claim_rate": _ratio(tot.coupons_claimed, tot.coupons_offered),
        "coupon_redemption_rate": _ratio(redeemed, tot.coupons_claimed),
        "repurchase_rate": _ratio(int(np.count_nonzero(pop.orders >= 2)), purchasers),
        "steps_to_redeem": float(model.steps_store),
        "calendar_sync_rate": calendar_sync_rate(online_days, store_days),
        "unified_profile_rate": _ratio(_count(state, UNIFIED), known),
        "cross_channel_consistency_rate": _ratio(tot.consistent_visits, tot.store_visits),
        "population": float(pop.size),
        "exposed": float(_count(hist, EXPOSED)),
        "aware": float(aware),
        "purchasers": float(purchasers),
        "store_visits": float(tot.store_visits),
        "orders_online": float(tot.orders_online),
        "orders_offline": float(tot.orders_offline),
        "revenue_cny": revenue,
        "spend_cny": spend,
        "budget_cny": float(sum(c.budget_cny for c in sc.plan.channels.values())),
        "coupon_subsidy_cny": subsidy,
        "total_cost_cny": total_cost,
        "coupons_claimed": float(tot.coupons_claimed),
        "coupons_redeemed": float(redeemed),
        "walkouts": float(tot.walkouts),
        "complaints": float(tot.complaints),
    }
    kpis.update(store_kpis(model))
    kpis.update(funnel_kpis(model))
    assert set(kpis) == set(KPI_NAMES)
    return kpis


def funnel_kpis(model: CampaignModel) -> dict[str, float]:
    """The funnel and the coupon funnel split online / offline (docs/kpis.md).

    Every paid exposure makes its consumer aware, so the aware are the exposed (online,
    or offline only) plus those reached by word of mouth alone.
    """
    pop, tot = model.pop, model.totals
    hist = pop.history
    exposed = _count(hist, EXPOSED)
    exposed_online = _count(hist, EXPOSED_ONLINE)
    claimed_offline = tot.coupons_claimed - tot.coupons_claimed_online - tot.coupons_claimed_review
    return {
        "exposed_online": float(exposed_online),
        "exposed_offline_only": float(exposed - exposed_online),
        "aware_wom_only": float(np.count_nonzero(((hist & EVER_AWARE) > 0)
                                                  & ((hist & EXPOSED) == 0))),
        "store_visitors": float(_count(hist, VISITED)),
        "store_visitors_after_online": float(_count(hist, VISITED_AFTER_ONLINE)),
        "purchasers_online": float(_count(hist, ONLINE_BUYER)),
        "purchasers_offline": float(_count(hist, STORE_BUYER)),
        "repurchasers": float(np.count_nonzero(pop.orders >= 2)),
        "repeat_orders_online": float(tot.repeat_orders_online),
        "repeat_orders_offline": float(tot.repeat_orders_offline),
        "coupons_offered": float(tot.coupons_offered),
        "coupons_offered_online": float(tot.coupons_offered_online),
        "coupons_offered_offline": float(tot.coupons_offered - tot.coupons_offered_online),
        "coupons_claimed_online": float(tot.coupons_claimed_online),
        "coupons_claimed_offline": float(claimed_offline),
        "coupons_claimed_review": float(tot.coupons_claimed_review),
        "coupons_redeemed_online": float(tot.coupons_redeemed_online),
        "coupons_redeemed_offline": float(tot.coupons_redeemed_store),
    }


def store_kpis(model: CampaignModel) -> dict[str, float]:
    """Queue KPIs over every real arrival at every store (issue 3)."""
    ledger = model.store_ledger()
    waits = (np.concatenate(model.wait_samples) if model.wait_samples
             else np.empty(0, dtype=np.float32))
    arrivals = int(ledger["arrivals"].sum())
    return {
        "mean_wait_min": float(waits.mean()) if waits.size else 0.0,
        "p95_wait_min": float(np.percentile(waits, 95)) if waits.size else 0.0,
        "walkout_rate": _ratio(int(ledger["balked"].sum() + ledger["reneged"].sum()), arrivals),
        "coupon_check_failure_rate": _ratio(int(ledger["coupon_checks_failed"].sum()),
                                            int(ledger["coupon_checks"].sum())),
    }


def evaluate_targets(kpis: dict[str, float], targets: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with its threshold, the value and whether it is met."""
    out: dict[str, dict[str, Any]] = {}
    for name, t in targets.items():
        value = kpis[t.kpi]
        met = value >= t.threshold if t.op == ">=" else value <= t.threshold
        out[name] = {"kpi": t.kpi, "op": t.op, "threshold": t.threshold, "value": value,
                     "met": bool(met), "label": t.label, "source": t.source}
    return out


def satisfaction_drivers(model: CampaignModel) -> dict[str, Any]:
    """Satisfaction and what drove it (docs/kpis.md, ``satisfaction_drivers``).

    ``satisfied_lost_to_gap``: per experience-gap cause, the experiences (store visits and
    online orders, simulated) that were dissatisfying but would have satisfied without
    that one cause — a counterfactual on the same draws
    (:func:`o2osim.journey.satisfied_lost_to_causes`). ``dissatisfied_with_gap``: the
    dissatisfied experiences in which the cause occurred (co-occurrence, not cost).
    """
    tot = model.totals
    causes = sorted(set(tot.gap_counts) | set(tot.satisfied_lost))
    return {
        "experiences": tot.experiences,
        "dissatisfied": tot.experiences - tot.satisfied,
        "satisfied_lost_to_gap": {c: int(tot.satisfied_lost.get(c, 0)) for c in causes},
        "dissatisfied_with_gap": {c: int(tot.gap_counts.get(c, 0)) for c in causes},
    }


def compute_metrics(model: CampaignModel, daily: pd.DataFrame) -> dict[str, Any]:
    """The content of ``metrics.json``."""
    sc = model.scenario
    kpis = compute_kpis(model, daily)
    targets = evaluate_targets(kpis, sc.targets)
    return {
        "kpis": kpis,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
        "units": UNITS,
        "satisfaction_drivers": satisfaction_drivers(model),
        "channels": {
            c.name: {"kind": c.spec.kind,
                     "budget_cny": float(sc.plan.channels[c.name].budget_cny)
                     if c.name in sc.plan.channels else 0.0,
                     "spend_cny": c.spent_cny,
                     "attributed_revenue_cny": c.attributed_revenue_cny}
            for c in model.channels
        },
        "scale_real_per_simulated": model.scale,
        "seed": sc.sim.seed,
        "population": sc.sim.population,
        "days": sc.sim.days,
        "market": sc.market.name,
        "plan": sc.plan.name,
        "version": __version__,
    }
