"""Every KPI, declared once: name, unit, definition, how it is computed from the run
record, which way is better, and the plan levers that move it.

The scorecard, ``metrics.json`` (``kpis``, ``units``), the report's tables and advice,
the terminal formatting and ``docs/kpis.md`` (checked against this list by
``tests/test_kpis.py``) all read :data:`KPIS`. Targets (conf/targets/) may name any KPI.
A new KPI is one entry here (and its definition in docs/kpis.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from o2osim.levers import Lever, on
from o2osim.record import RunRecord

SHARE = "share"
"""Unit of a rate in [0, 1] (printed as a percentage)."""


@dataclass(frozen=True)
class KPI:
    name: str
    unit: str
    definition: str
    compute: Callable[[RunRecord], float | None]
    """The value from the run's record; None for a KPI the record alone cannot give
    (the ground truth's, filled in by :func:`o2osim.ground_truth.attach` when the
    counterfactuals ran; ``metrics.json`` null otherwise)."""
    higher_is_better: bool = True
    levers: tuple[Lever, ...] = ()

    @property
    def is_share(self) -> bool:
        return self.unit == SHARE


def ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else 0.0


def calendar_sync_rate(online_days: set[int], store_days: set[int]) -> float:
    """Share of promotion days running in both channels (seed 000: 同步率 100 %)."""
    union = online_days | store_days
    return ratio(len(online_days & store_days), len(union)) if union else 1.0


def _sync(r: RunRecord) -> float:
    days = r.daily["day"].to_numpy()
    online_days = set(days[r.daily["online_promo"].to_numpy(dtype=bool)].tolist())
    store_days = set(days[r.daily["store_promo"].to_numpy(dtype=bool)].tolist())
    return calendar_sync_rate(online_days, store_days)


def _sum(column: str) -> Callable[[RunRecord], float]:
    return lambda r: float(r.daily[column].sum())


def _total_cost(r: RunRecord) -> float:
    return (float(r.daily["spend_cny"].sum()) + float(r.daily["coupon_subsidy_cny"].sum())
            + r.scenario.plan.integration_cost_cny)


def _redeemed(r: RunRecord) -> int:
    return r.totals.coupons_redeemed_store + r.totals.coupons_redeemed_online


def _revenue(r: RunRecord) -> float:
    return float(r.daily["revenue_cny"].sum())


def _incremental_revenue(r: RunRecord) -> float | None:
    """Revenue the campaign caused: the run's minus the baseline's (None: not run)."""
    if r.baseline_revenue_cny is None:
        return None
    return _revenue(r) - r.baseline_revenue_cny


def _incremental_roi(r: RunRecord) -> float | None:
    inc = _incremental_revenue(r)
    return None if inc is None else ratio(inc, _total_cost(r))


def _p95(r: RunRecord) -> float:
    return float(np.percentile(r.waits_min, 95)) if r.waits_min.size else 0.0


def _walkout_rate(r: RunRecord) -> float:
    s = r.stores
    return ratio(int(s["balked"].sum() + s["reneged"].sum()), int(s["arrivals"].sum()))


ROI_UNIT, STEPS, MINUTES = "CNY revenue per CNY cost", "steps", "minutes"
SIM_CONSUMERS, SIM_ORDERS, SIM_COUPONS = ("simulated consumers", "simulated orders",
                                          "simulated coupons")
SIM_VISITS, SIM_OFFERS, CNY = "simulated visits", "simulated coupon offers", "CNY (whole market)"

UNIFIED_ID = Lever("integration.unified_id_share", "raise it: retargeting aware non-buyers "
                   "needs a unified customer ID", ">=", 0.9)
BOTH = Lever("coupon.redeem_where", "set it to both: online coupons usable in store", "==",
             "both")
GUIDANCE = on("integration.o2o_traffic_guidance", "turn it on: send online traffic to stores")
ONE_MEMBERSHIP = on("integration.unified_membership",
                    "one membership: no re-registration in store")
PARITY = on("integration.price_parity", "keep online and store prices equal")
BRIEFED = on("integration.staff_briefed", "brief store staff on the campaign rules")
SYNCED = Lever("integration.calendar_lag_weeks", "set it to 0: run the store promotion with "
               "the online one", "==", 0)
POS = on("integration.pos_coupon_integrated", "let the till scan online coupons")

KPIS: tuple[KPI, ...] = (
    KPI("conversion_rate", SHARE, "prospects (not customers at the start) who ordered after "
        "becoming aware / prospects ever aware",
        lambda r: ratio(r.consumers.prospects_converted, r.consumers.prospects_aware),
        levers=(UNIFIED_ID, BOTH, GUIDANCE,
                Lever("promise_level", "bring it down to what stores deliver: disappointed "
                      "visitors do not buy"))),
    KPI("satisfaction_rate", SHARE, "satisfied experiences / experiences",
        lambda r: ratio(r.totals.satisfied, r.totals.experiences),
        levers=(Lever("promise_level", "promise what the store delivers "
                      "(market.stores.reality_level)"), PARITY, BRIEFED, SYNCED,
                ONE_MEMBERSHIP,
                Lever("operations.weekend_staff_multiplier", "staff the weekend peaks"))),
    KPI("roi", ROI_UNIT, "incremental_revenue_cny / total_cost_cny: what the campaign caused "
        "per CNY it cost", _incremental_roi,
        levers=(on("integration.budget_reallocation", "move the reserve to the channels with "
                   "the best measured ROI"),
                Lever("channels", "cut spend on saturated channels; lift conversion (above)"))),
    KPI("online_to_store_rate", SHARE, "visited a store after an online exposure / exposed "
        "online",
        lambda r: ratio(r.consumers.store_visitors_after_online, r.consumers.exposed_online),
        levers=(on("integration.o2o_traffic_guidance", "turn it on"),
                Lever("coupon.claim_where", "let store coupons be claimed (both)", "==", "both"),
                Lever("channels.lbs_ads.budget_cny", "more location-based ads near stores"))),
    KPI("offline_member_online_repurchase_rate", SHARE, "store members who bought online / "
        "store members",
        lambda r: ratio(r.consumers.members_bought_online, r.consumers.members),
        levers=(on("integration.unified_membership", "one membership across channels"),
                Lever("channels.member_push.budget_cny", "fund mini-program pushes to "
                      "members"))),
    KPI("coupon_claim_rate", SHARE, "coupons claimed / coupon offers",
        lambda r: ratio(r.totals.coupons_claimed, r.totals.coupons_offered)),
    KPI("coupon_redemption_rate", SHARE, "coupons redeemed / coupons claimed",
        lambda r: ratio(_redeemed(r), r.totals.coupons_claimed)),
    KPI("repurchase_rate", SHARE, "purchasers with two orders or more / purchasers",
        lambda r: ratio(r.consumers.repurchasers, r.consumers.purchasers)),
    KPI("steps_to_redeem", STEPS, "steps to use an online coupon in a store",
        lambda r: float(r.steps_to_redeem), higher_is_better=False,
        levers=(on("integration.unified_membership", "no re-registration step in store"),
                POS)),
    KPI("calendar_sync_rate", SHARE, "promotion days in both channels / in either", _sync,
        levers=(Lever("integration.calendar_lag_weeks", "set it to 0", "==", 0),)),
    KPI("unified_profile_rate", SHARE, "consumers with a unified ID / known consumers",
        lambda r: ratio(r.consumers.unified, r.consumers.known),
        levers=(Lever("integration.unified_id_share", "raise it", ">=", 0.9),)),
    KPI("cross_channel_consistency_rate", SHARE, "store visits where the online promise held "
        "/ store visits", lambda r: ratio(r.totals.consistent_visits, r.totals.store_visits),
        levers=(Lever("coupon.redeem_where", "both", "==", "both"),
                on("integration.price_parity", "keep prices equal"),
                on("integration.staff_briefed", "brief staff"))),
    KPI("population", SIM_CONSUMERS, "simulated consumers",
        lambda r: float(r.consumers.population)),
    KPI("exposed", SIM_CONSUMERS, "noticed at least one paid exposure",
        lambda r: float(r.consumers.exposed)),
    KPI("aware", SIM_CONSUMERS, "aware of the campaign at any time",
        lambda r: float(r.consumers.ever_aware)),
    KPI("purchasers", SIM_CONSUMERS, "at least one order", lambda r: float(r.consumers.purchasers)),
    KPI("store_visits", SIM_VISITS, "store visits", lambda r: float(r.totals.store_visits)),
    KPI("orders_online", SIM_ORDERS, "orders online", lambda r: float(r.totals.orders_online)),
    KPI("orders_offline", SIM_ORDERS, "orders in a store",
        lambda r: float(r.totals.orders_offline)),
    KPI("revenue_cny", CNY, "sum of all order values", _sum("revenue_cny")),
    KPI("spend_cny", CNY, "media money spent", _sum("spend_cny"), higher_is_better=False),
    KPI("budget_cny", CNY, "the plan's media budget incl. the reserve",
        lambda r: float(sum(c.budget_cny for c in r.scenario.plan.channels.values())),
        higher_is_better=False),
    KPI("coupon_subsidy_cny", CNY, "value of the coupons redeemed", _sum("coupon_subsidy_cny"),
        higher_is_better=False),
    KPI("total_cost_cny", CNY, "spend + coupon subsidies + integration cost", _total_cost,
        higher_is_better=False),
    KPI("coupons_claimed", SIM_COUPONS, "coupons claimed",
        lambda r: float(r.totals.coupons_claimed)),
    KPI("coupons_redeemed", SIM_COUPONS, "coupons used in an order",
        lambda r: float(_redeemed(r))),
    KPI("walkouts", SIM_VISITS, "visitors who left a store unserved",
        lambda r: float(r.totals.walkouts), higher_is_better=False),
    KPI("complaints", "simulated posts", "public complaints",
        lambda r: float(r.totals.complaints), higher_is_better=False),
    KPI("mean_wait_min", MINUTES, "mean wait of real store arrivals who did not balk",
        lambda r: float(r.waits_min.mean()) if r.waits_min.size else 0.0,
        higher_is_better=False),
    KPI("p95_wait_min", MINUTES, "95th percentile of those waits", _p95,
        higher_is_better=False),
    KPI("walkout_rate", SHARE, "real arrivals who balked or reneged / real arrivals",
        _walkout_rate, higher_is_better=False),
    KPI("coupon_check_failure_rate", SHARE, "failed coupon checks / checks at the till",
        lambda r: ratio(int(r.stores["coupon_checks_failed"].sum()),
                        int(r.stores["coupon_checks"].sum())), higher_is_better=False),
    # the funnel split online / offline (the run report's funnel)
    KPI("exposed_online", SIM_CONSUMERS, "exposed by an online channel",
        lambda r: float(r.consumers.exposed_online)),
    KPI("exposed_offline_only", SIM_CONSUMERS, "exposed by offline channels only",
        lambda r: float(r.consumers.exposed - r.consumers.exposed_online)),
    KPI("aware_wom_only", SIM_CONSUMERS, "aware without a paid exposure",
        lambda r: float(r.consumers.aware_wom_only)),
    KPI("store_visitors", SIM_CONSUMERS, "visited a store at least once",
        lambda r: float(r.consumers.store_visitors)),
    KPI("store_visitors_after_online", SIM_CONSUMERS, "visited a store after an online exposure",
        lambda r: float(r.consumers.store_visitors_after_online)),
    KPI("purchasers_online", SIM_CONSUMERS, "ordered online at least once",
        lambda r: float(r.consumers.purchasers_online)),
    KPI("purchasers_offline", SIM_CONSUMERS, "ordered in a store at least once",
        lambda r: float(r.consumers.purchasers_offline)),
    KPI("repurchasers", SIM_CONSUMERS, "two orders or more",
        lambda r: float(r.consumers.repurchasers)),
    KPI("repeat_orders_online", SIM_ORDERS, "online orders of consumers who had ordered before",
        lambda r: float(r.totals.repeat_orders_online)),
    KPI("repeat_orders_offline", SIM_ORDERS, "store orders of consumers who had ordered before",
        lambda r: float(r.totals.repeat_orders_offline)),
    # the coupon funnel split online / offline
    KPI("coupons_offered", SIM_OFFERS, "coupon offers seen",
        lambda r: float(r.totals.coupons_offered)),
    KPI("coupons_offered_online", SIM_OFFERS, "offers by online channels",
        lambda r: float(r.totals.coupons_offered_online)),
    KPI("coupons_offered_offline", SIM_OFFERS, "offers by offline channels and store QR codes",
        lambda r: float(r.totals.coupons_offered - r.totals.coupons_offered_online)),
    KPI("coupons_claimed_online", SIM_COUPONS, "claimed from an online offer",
        lambda r: float(r.totals.coupons_claimed_online)),
    KPI("coupons_claimed_offline", SIM_COUPONS, "claimed from an offline offer",
        lambda r: float(r.totals.coupons_claimed - r.totals.coupons_claimed_online
                        - r.totals.coupons_claimed_review - r.totals.coupons_claimed_referral)),
    KPI("coupons_claimed_review", SIM_COUPONS, "earned by a review",
        lambda r: float(r.totals.coupons_claimed_review)),
    KPI("coupons_redeemed_online", SIM_COUPONS, "redeemed online",
        lambda r: float(r.totals.coupons_redeemed_online)),
    KPI("coupons_redeemed_offline", SIM_COUPONS, "redeemed in a store",
        lambda r: float(r.totals.coupons_redeemed_store)),
    # new rules' KPIs go last, so that metrics.json keeps its order
    KPI("referral_rate", SHARE, "contacts newly referred / satisfied experiences",
        lambda r: ratio(r.totals.referrals, r.totals.satisfied),
        levers=(on("referral_reward", "reward satisfied customers who refer a friend with "
                   "the coupon"),)),
    KPI("coupons_claimed_referral", SIM_COUPONS, "earned by referring a contact",
        lambda r: float(r.totals.coupons_claimed_referral)),
    # what the campaign caused: the run against the baseline (o2osim.worlds)
    KPI("incremental_revenue_cny", CNY, "revenue of the run - revenue of the baseline "
        "(no campaign, same random numbers)", _incremental_revenue),
    KPI("baseline_revenue_cny", CNY, "revenue of the baseline: no media, no campaign "
        "coupon or promotion, the plan's structural integration kept; the customer base "
        "still buys", lambda r: r.baseline_revenue_cny),
    # the customer base (o2osim.components.customer_base)
    KPI("gross_roi", ROI_UNIT, "revenue_cny / total_cost_cny (all revenue, the customer "
        "base's included)", lambda r: ratio(_revenue(r), _total_cost(r))),
    KPI("measured_roi", ROI_UNIT, "revenue credited by last touch (online orders, store "
        "orders with a unified ID) / total_cost_cny: what a measurement team sees",
        lambda r: ratio(sum(c.attributed_revenue_cny for c in r.channels), _total_cost(r))),
    KPI("prospects_aware", SIM_CONSUMERS, "consumers who were not customers at the start "
        "and became aware of the campaign", lambda r: float(r.consumers.prospects_aware)),
    KPI("prospects_converted", SIM_CONSUMERS, "of those, ordered after becoming aware",
        lambda r: float(r.consumers.prospects_converted)),
    KPI("regular_occasions", SIM_ORDERS, "purchase occasions of the customer base "
        "(campaign or not)", lambda r: float(r.totals.regular_occasions)),
    KPI("customers_gained", SIM_CONSUMERS, "buyers who became customers (first purchase "
        "or brought back)", lambda r: float(r.totals.customers_gained)),
    KPI("customers_lost", SIM_CONSUMERS, "customers who dropped out for good",
        lambda r: float(r.totals.customers_lost), higher_is_better=False),
    KPI("customers_at_end", SIM_CONSUMERS, "alive customers at the end of the run",
        lambda r: float(r.consumers.customers_at_end)),
)
"""Every KPI, in the order of ``metrics.json``."""

BY_NAME: dict[str, KPI] = {k.name: k for k in KPIS}
KPI_NAMES: tuple[str, ...] = tuple(BY_NAME)
UNITS: dict[str, str] = {k.name: k.unit for k in KPIS if not k.is_share}
"""Unit of every KPI that is not a rate in [0, 1] (``metrics.json`` ``units``)."""


def unit_of(name: str) -> str:
    """A KPI's unit (:data:`SHARE` for rates). For a name not in the registry (a derived
    column such as compare's ``total_spend_cny``, or a file of another version) the unit
    its name says: ``*_rate`` a share, ``*_cny`` CNY, ``*_min`` minutes, ``steps_*``
    steps; otherwise none."""
    known = BY_NAME.get(name)
    if known is not None:
        return known.unit
    for test, unit in ((name.endswith("_rate"), SHARE), (name.endswith("_cny"), CNY),
                       (name.endswith("_min"), MINUTES), (name.startswith("steps_"), STEPS)):
        if test:
            return unit
    return ""


def compute_kpis(record: RunRecord) -> dict[str, float | None]:
    """Every KPI of :data:`KPIS` for a run."""
    return {k.name: k.compute(record) for k in KPIS}
