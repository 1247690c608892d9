"""Typed schema of a scenario: ``market`` (the world) + ``plan`` (the decisions).

These dataclasses are registered in Hydra's ConfigStore (see
:mod:`o2osim.config.store`), so every YAML file under ``conf/`` is checked
against them when it is composed: unknown keys and wrong types are rejected
before any simulation work. Range rules that a type cannot express
(probabilities in [0, 1], non-negative budgets, a coupon worth less than its
threshold, ...) live in :mod:`o2osim.config.validate`.

Units are in the names: ``*_cny`` yuan, ``*_km`` kilometres, ``*_days`` days,
``*_share`` / ``*_prob`` a number in [0, 1], ``*_per_day`` a daily rate.
Where a default comes from, see ``docs/parameters.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

SEGMENTS = ("new", "active", "dormant")
"""Consumer lifecycle segments (seed 004: 新用户 / 活跃用户 / 沉睡用户)."""

AFFINITIES = ("online_heavy", "offline_heavy", "omni")
"""Channel affinity of a consumer: online-heavy / offline-heavy / omni (docs/parameters.md,
"Population")."""

CHANNEL_KINDS = ("online", "offline")
REQUIRES = ("none", "online_account", "store_member", "unified_id")
AUDIENCES = ("all", "aware_nonbuyers", "customers")
WHERE = ("online", "store", "both")
COUPON_KINDS = ("threshold", "percent")
GROUND_TRUTH_MODES = ("auto", "on", "off")
"""``sim.ground_truth``: run the counterfactuals of :mod:`o2osim.ground_truth` (``auto``:
only for small runs, ``o2osim.ground_truth.AUTO_MAX_CONSUMER_DAYS``)."""
RECORDS_FORMATS = ("parquet", "csv", "none")
"""``sim.records``: how the run folder's orders / consumers / channels_daily are written."""


def _three(a: float, b: float, c: float) -> Any:
    return field(default_factory=lambda: [a, b, c])


# --------------------------------------------------------------------------- market


@dataclass
class PopulationSpec:
    """Who lives in the market (docs/parameters.md, "Population")."""

    market_size: int = 1_000_000
    """Real consumers represented; each simulated consumer stands for
    ``market_size / sim.population`` of them (money and capacities scale)."""
    segment_shares: list[float] = _three(0.6, 0.25, 0.15)
    """Shares of new / active / dormant consumers (seed 004 lifecycle)."""
    affinity_shares: list[float] = _three(0.35, 0.30, 0.35)
    """Shares of online-heavy / offline-heavy / omni consumers."""
    distance_km_median: float = 3.0
    """Median distance to the nearest store (log-normal)."""
    distance_km_sigma: float = 0.8
    """Log-scale spread of the distance to the nearest store."""
    price_sensitivity_mean: float = 0.5
    """Mean of the Beta-distributed price sensitivity (0 = indifferent, 1 = coupon hunter)."""
    price_sensitivity_concentration: float = 4.0
    """Beta concentration (alpha + beta) of price sensitivity."""
    online_account_share: float = 0.30
    """Share holding an online account (mini-program / shop follower) at the start."""
    store_member_share: float = 0.15
    """Share holding a store (POS) membership at the start."""
    network_degree: int = 8
    """Contacts each consumer reaches when talking or posting (social network: docs/model.md,
    "A day, in order", step 4)."""
    network_locality_share: float = 0.6
    """Share of a consumer's contacts living in the same store catchment."""


@dataclass
class ChannelSpec:
    """A media channel as the market offers it: cost and response (docs/model.md, "A day, in
    order", step 2).

    Reach follows the marketing-mix forms of Robyn / Meridian / PyMC-Marketing:
    geometric adstock of impressions, then Hill saturation.
    """

    kind: str = "online"
    """``online`` or ``offline`` (seed 004 channel matrix)."""
    cpm_cny: float = 40.0
    """Cost per thousand impressions."""
    max_daily_reach: float = 0.05
    """Ceiling of the daily probability that a targeted consumer notices the channel."""
    half_saturation_ipc: float = 0.5
    """Adstocked impressions per targeted consumer per day at which reach is half its ceiling."""
    hill_shape: float = 1.0
    """Hill exponent (1 = concave, >1 = S-shaped)."""
    carryover: float = 0.3
    """Geometric adstock retention per day, in [0, 1)."""
    affinity_weights: list[float] = _three(1.0, 1.0, 1.0)
    """Relative exposure of online-heavy / offline-heavy / omni consumers."""
    segment_weights: list[float] = _three(1.0, 1.0, 1.0)
    """Relative exposure of new / active / dormant consumers."""
    lbs_radius_km: float | None = None
    """Location-based targeting: only consumers within this distance of a store; None = no LBS."""
    requires: str = "none"
    """Who the channel can reach at all: none | online_account | store_member | unified_id."""
    audience: str = "all"
    """all | aware_nonbuyers (retargeting) | customers (members and campaign buyers: CRM)."""
    interest_per_exposure: float = 1.0
    """Interest (purchase intent stock) added by one noticed exposure."""
    carries_coupon: bool = False
    """Exposures offer the plan's coupon (claim where the plan allows)."""
    sends_to_store: bool = False
    """The creative can carry a store invitation (QR coupon, store locator, booking link);
    it only does when the plan turns on ``integration.o2o_traffic_guidance``."""
    personal_offer_online: bool = False
    """Exposures carry a personal online offer (mini-program push with a member discount,
    seed 000 apparel journey); reached customers then tend to buy online."""


@dataclass
class StationSpec:
    """One step of a store visit, served by ``units`` (staff, tables, rooms or slots)."""

    units: int = 2
    """Units per store (before the plan's staffing multipliers, if staffed)."""
    staffed: bool = True
    """Units are people: the plan's staffing multipliers apply (tables and rooms are not)."""
    service_time_mean_min: float = 5.0
    service_time_cv: float = 1.0
    """Coefficient of variation of the gamma-distributed service time (1 = exponential)."""
    use_share: float = 1.0
    """Share of visitors who use this station (e.g. not everyone tries clothes on)."""
    checkout: bool = False
    """Coupons are verified here (the till)."""


@dataclass
class OperationsSpec:
    """How a store runs a day (issue 3: simpy in-store operations)."""

    open_hour: float = 10.0
    close_hour: float = 22.0
    arrival_profile: list[float] = field(default_factory=lambda: [1.0] * 24)
    """Relative arrivals in each clock hour 0-23 (only open hours count)."""
    day_of_week_weights: list[float] = field(
        default_factory=lambda: [0.85, 0.85, 0.9, 0.95, 1.1, 1.3, 1.05])
    """Relative shopping intent Monday..Sunday (day 0 of the campaign is a Monday)."""
    daypart_start_hours: list[float] = field(default_factory=lambda: [14.0, 18.0])
    """Clock hours at which the 2nd and 3rd day parts (afternoon, evening) start."""
    stations: dict[str, StationSpec] = field(default_factory=dict)
    """Stations in the order a visit passes them."""
    balk_queue_per_server: float = 3.0
    """A walk-in leaves at once when this many people per unit wait at the first station."""
    patience_mean_min: float = 20.0
    """Mean (exponential) patience of a walk-in while queueing."""
    booked_patience_mean_min: float = 45.0
    wait_tolerance_min: float = 10.0
    """Queueing a walk-in accepts without a worse experience."""
    booked_wait_tolerance_min: float = 3.0
    """Queueing a customer with a booking accepts (they were promised no queue)."""
    pos_scan_time_min: float = 0.3
    """Time to scan an online coupon at a joined-up till."""
    pos_manual_check_time_min: float = 3.0
    """Time to check an online coupon by hand when the till cannot scan it."""
    unbriefed_check_time_factor: float = 1.5
    """Manual checks take this much longer when staff were not briefed."""
    bookable_share: float = 0.5
    """Share of the first station's daily capacity that can be booked in advance."""


@dataclass
class StoreSpec:
    """The market's stores and what a purchase is worth (docs/model.md, "A day, in order",
    steps 7-9)."""

    count: int = 20
    basket_mean_cny: float = 420.0
    """Mean basket value of one order (log-normal)."""
    basket_sigma: float = 0.45
    """Log-scale spread of the basket value."""
    gross_margin_share: float = 0.55
    store_price_premium_share: float = 0.08
    """How much dearer the store is than the online promotion when prices are not in parity."""
    member_discount_share: float = 0.05
    """Member benefit (discount) when the member is recognised."""
    reality_level: float = 0.72
    """What a store visit delivers on the 0-1 experience scale (store as it really is)."""
    online_reality_level: float = 0.80
    """What an online order delivers on the same scale."""
    stockout_prob: float = 0.06
    """Chance that the promoted item is out of stock at a visit."""
    pos_manual_fail_prob: float = 0.35
    """Chance that a manual (non-scanned) check of an online coupon fails at the till."""


@dataclass
class BehaviourSpec:
    """How consumers decide: awareness, visit, purchase, repurchase (docs/model.md, "A day, in
    order")."""

    awareness_forget_per_day: float = 0.01
    """Daily chance that an aware consumer not reached again forgets the campaign."""
    interest_retention_per_day: float = 0.95
    """Geometric retention of a consumer's interest stock per day."""
    interest_half_saturation: float = 3.0
    """Interest at which purchase intent is half its ceiling (Hill, shape 2)."""
    purchase_hazard_max_per_day: list[float] = _three(0.03, 0.05, 0.02)
    """Ceiling of the daily purchase-intent hazard for new / active / dormant consumers."""
    wom_talk_prob_per_day: float = 0.01
    """Daily chance that an aware consumer talks about the campaign to their contacts."""
    wom_aware_prob_per_contact: float = 0.10
    """Chance a reached, unaware contact becomes aware (Bass q = talk x degree x this)."""
    wom_interest_per_contact: float = 0.4
    """Interest added to a contact reached by word of mouth."""
    ugc_post_prob_satisfied: float = 0.08
    """Chance a satisfied customer posts (UGC / review) that reaches their contacts."""
    ugc_post_prob_review_reward: float = 0.25
    """Same, when the plan rewards a post-visit review with a next-visit coupon."""
    complaint_prob_dissatisfied: float = 0.25
    """Chance a dissatisfied customer complains publicly (negative sentiment)."""
    ugc_interest_per_post: float = 1.0
    """Interest a post adds to each contact (negative for complaints)."""
    referral_prob_satisfied: float = 0.05
    """Chance a satisfied customer refers one contact when the plan rewards referrals
    (``plan.referral_reward``). Assumption, to be calibrated: about one referral in
    twenty rewarded satisfied experiences (seeds 001 / 003: shared experiences reach
    friends)."""
    referral_interest: float = 1.0
    """Interest a referral adds to the referred contact. Assumption: as much as a post
    (``ugc_interest_per_post``), a personal recommendation at least as strong as one
    contact's talk (``wom_interest_per_contact``)."""
    store_choice_share: list[float] = _three(0.20, 0.90, 0.60)
    """Chance an intending online-heavy / offline-heavy / omni consumer at the store picks it."""
    distance_decay_km: float = 10.0
    """Store choice falls as exp(-distance / this)."""
    o2o_guidance_store_uplift: float = 2.5
    """Multiplier on the odds of choosing the store for consumers sent to it online."""
    store_conversion_prob: float = 0.60
    """Chance a store visit with nothing going wrong ends in a purchase."""
    online_conversion_prob: float = 0.35
    """Chance an online shopping session ends in an order."""
    dissatisfied_store_buy_share: float = 0.3
    """Share of the store conversion chance left when the visit disappoints (the
    disconfirmation forms before the till; Oliver 1980)."""
    promise_attraction: float = 1.0
    """Interest per exposure is scaled by 1 + this x (promise_level - baseline_expectation):
    bolder promises attract more, and disappoint more."""
    stockout_substitute_share: float = 0.5
    """Share of visitors meeting a stock-out who buy something else."""
    coupon_claim_prob: float = 0.35
    """Chance a consumer offered a coupon claims it (scaled by price sensitivity)."""
    price_elasticity: float = 4.0
    """Demand multiplier exp(this x price sensitivity x relative discount) for coupons,
    promotions and price gaps (response.price_response)."""
    step_dropoff_prob: float = 0.07
    """Share of coupon holders lost at each step of redemption (seed 000: steps <= 3)."""
    repurchase_gap_days: int = 14
    """Days after a purchase before the next purchase intent can arise."""
    repurchase_interest_satisfied: float = 2.0
    """Interest a satisfied customer keeps after a purchase."""
    repurchase_interest_dissatisfied: float = 0.0
    """Interest a dissatisfied customer keeps after a purchase."""
    dormancy_days: int = 60
    """Active customers with no purchase for this long become dormant (seed 004)."""
    member_join_prob_in_store: float = 0.4
    """Chance a non-member store buyer joins the store membership (QR at the till)."""
    crm_online_repurchase_share: float = 0.55
    """Chance a repurchase is made online when the customer is reached by an online
    push (mini-program / WeChat) with a personal offer."""


@dataclass
class ExperienceSpec:
    """Expectation-disconfirmation satisfaction (Oliver 1980; Anderson & Sullivan 1993)."""

    baseline_expectation: float = 0.65
    """What a consumer who never saw the campaign content expects (0-1 scale)."""
    satisfied_share_at_zero_gap: float = 0.90
    """Share of customers satisfied when the experience exactly meets expectation."""
    noise_sd: float = 0.12
    """Spread of individual satisfaction around its expected value."""
    gain_weight: float = 0.5
    """Weight of a surplus (performance above expectation)."""
    loss_weight: float = 1.5
    """Weight of a shortfall; > gain_weight (Anderson & Sullivan 1993 asymmetry)."""
    penalty_coupon_refused: float = 0.30
    penalty_price_mismatch: float = 0.10
    penalty_promo_missing: float = 0.15
    penalty_reregistration: float = 0.08
    penalty_benefit_not_recognised: float = 0.06
    penalty_staff_unbriefed: float = 0.12
    unbriefed_error_prob: float = 0.35
    """Chance an unbriefed store gets a campaign rule wrong at a campaign visit."""
    penalty_stockout: float = 0.15
    penalty_wait_per_hour: float = 0.6
    """Shortfall per hour queued beyond the customer's tolerance."""
    penalty_walkout: float = 0.30
    """Shortfall of a visitor who left (balked or reneged) without being served."""


@dataclass
class CustomerBaseSpec:
    """The customer base that buys without the campaign (docs/model.md, "The customer
    base"): the generative story of Pareto/NBD (Schmittlein, Morrison & Colombo 1987) in
    its BG/NBD form (Fader, Hardie & Lee 2005). While alive, a customer buys at a lasting
    individual rate ``lambda_i ~ Gamma(r, alpha)``; after each repeat purchase they drop
    out for good with their own chance ``p_i ~ Beta(a, b)``. The market's active
    customers are alive at day 0; new consumers make an organic first purchase at
    ``acquisition_per_year``; dormant ones have lapsed. For scale, the published CDNOW
    fit is r = 0.243, alpha = 4.414 weeks, a = 0.793, b = 2.426 (Fader et al. 2005)."""

    rate_shape_r: float = 0.6
    """r: shape of the Gamma distribution of individual purchase rates (lower: more
    heterogeneous)."""
    rate_scale_alpha_weeks: float = 8.0
    """alpha, in weeks: the Gamma's rate parameter; the mean purchase rate of an alive
    customer is r / alpha per week."""
    dropout_a: float = 0.8
    """a of the Beta distribution of the dropout chance after a repeat purchase."""
    dropout_b: float = 4.0
    """b of that Beta distribution; the mean dropout chance is a / (a + b)."""
    acquisition_per_year: float = 0.02
    """Share of consumers who never bought that make an organic first purchase in a year
    (no campaign needed)."""
    dissatisfied_dropout_multiplier: float = 2.0
    """A dissatisfied experience multiplies the customer's dropout chance at that trip
    (capped at 1): satisfaction lengthens relationships (Bolton 1998)."""


@dataclass
class MarketConfig:
    name: str = MISSING
    description: str = ""
    population: PopulationSpec = field(default_factory=PopulationSpec)
    channels: dict[str, ChannelSpec] = field(default_factory=dict)
    stores: StoreSpec = field(default_factory=StoreSpec)
    operations: OperationsSpec = field(default_factory=OperationsSpec)
    behaviour: BehaviourSpec = field(default_factory=BehaviourSpec)
    experience: ExperienceSpec = field(default_factory=ExperienceSpec)
    customer_base: CustomerBaseSpec = field(default_factory=CustomerBaseSpec)


# --------------------------------------------------------------------------- plan


@dataclass
class ChannelPlan:
    budget_cny: float = 0.0
    """Media budget of the channel over the campaign."""
    flighting: list[float] | None = None
    """Relative weight of each campaign week (normalised to sum 1), one per week of
    ``plan.calendar``; None: 0 in the planning weeks, 1 in the execution weeks, 0.5 in the
    optimisation weeks (seed 000's phases: spend starts with execution and tapers)."""


@dataclass
class CalendarPlan:
    """The campaign's calendar (seed 000: 4 weeks planning, 8 weeks execution, 4 weeks
    optimisation). Everything that depends on the calendar derives from it
    (:mod:`o2osim.calendar`)."""

    planning_weeks: int = 4
    """Weeks of preparation before any spend (no media, no promotion)."""
    execution_weeks: int = 8
    """Weeks the campaign runs at full weight; the default promotion weeks."""
    optimisation_weeks: int = 4
    """Weeks after execution in which the reserve is released and spend tapers."""
    reserve_release_week: int | None = None
    """Campaign week (1-based) whose first day releases the contingency reserve; None: the
    first optimisation week (or never, without optimisation weeks)."""


@dataclass
class CouponRule:
    """A coupon (docs/model.md, "A day, in order", step 5): 满x减y or a percentage, where
    claimed and redeemed."""

    kind: str = "threshold"
    """threshold (满x减y: value_cny off a basket of at least threshold_cny) | percent."""
    threshold_cny: float = 300.0
    value_cny: float = 50.0
    percent_off: float = 0.0
    """For kind=percent: share taken off the basket."""
    claim_where: str = "online"
    redeem_where: str = "both"
    validity_days: int = 14
    quantity_cap: int = 60_000
    """Coupons that can be claimed in the whole market (real coupons)."""
    per_person_limit: int = 1
    stacks_with_member_benefit: bool = True
    base_steps: int = 2
    """Steps of the rule itself (claim online -> scan in store = 2, seed 000)."""


@dataclass
class IntegrationLevers:
    """How well online and offline are joined (seed 000 pain points 1-3)."""

    unified_membership: bool = True
    """One membership: no re-registration in store, benefits recognised in every channel."""
    unified_id_share: float = 0.9
    """Share of known customers (account or member) linked to one customer ID (CDP)."""
    pos_coupon_integrated: bool = True
    """The till scans online coupons; otherwise staff check them by hand."""
    calendar_lag_weeks: int = 0
    """Weeks the store promotion lags the online one (0 = calendars in sync)."""
    o2o_traffic_guidance: bool = True
    """Online creatives send people to stores (store coupon, locator, booking)."""
    price_parity: bool = True
    staff_briefed: bool = True
    budget_reallocation: bool = True
    """Release the contingency reserve in the optimisation phase to the channels with the
    best measured ROI (seeds 001, 002)."""


@dataclass
class OperationsPlan:
    """Store operations the plan decides (issue 3)."""

    staff_multiplier: float = 1.0
    """Scales the staffed units of every station."""
    weekend_staff_multiplier: float = 1.0
    """Further scaling on Saturdays and Sundays."""
    daypart_staff_multiplier: list[float] = _three(1.0, 1.0, 1.0)
    """Further scaling in the morning / afternoon / evening day parts."""
    store_staff_multipliers: list[float] = field(default_factory=list)
    """Per-store scaling of staffed units, one value per store (empty = 1 for every store)."""
    booking_share: float = 0.0
    """Share of store visits booked online (possible for consumers with an online account)."""
    open_hour: float | None = None
    """Opening hour; None keeps the market's."""
    close_hour: float | None = None


@dataclass
class PlanConfig:
    name: str = MISSING
    description: str = ""
    channels: dict[str, ChannelPlan] = field(default_factory=dict)
    calendar: CalendarPlan = field(default_factory=CalendarPlan)
    """Planning, execution and optimisation weeks, and when the reserve is released."""
    promo_weeks: list[int] | None = None
    """Campaign weeks (1-based) in which the online promotion runs; None: the execution
    weeks (weeks 5-12 of the seeds' calendar)."""
    promo_discount_share: float = 0.10
    """Price cut of the campaign promotion while it runs in a channel."""
    contingency_reserve_share: float = 0.12
    """Share of each channel budget held back (seed 001: 10-15 %)."""
    integration_cost_cny: float = 0.0
    """Fixed cost of joining systems and briefing staff (counted in ROI)."""
    promise_level: float = 0.72
    """What online content promises about the store visit (0-1, same scale as reality)."""
    review_reward: bool = False
    """A next-visit coupon for a post-visit review (hotpot journey, seed 000)."""
    referral_reward: bool = False
    """The plan's coupon for a satisfied customer who refers a contact, who becomes
    aware with interest (local-services journey: membership and referral; seeds 001 /
    003: 体验分享 / 晒单 reach friends; :mod:`o2osim.components.referral`)."""
    coupon: CouponRule = field(default_factory=CouponRule)
    integration: IntegrationLevers = field(default_factory=IntegrationLevers)
    operations: OperationsPlan = field(default_factory=OperationsPlan)


# --------------------------------------------------------------------------- targets / sim


@dataclass
class TargetSpec:
    kpi: str = MISSING
    op: str = ">="
    threshold: float = MISSING
    label: str = ""
    source: str = ""


@dataclass
class SimConfig:
    population: int = 100_000
    """Simulated consumers."""
    days: int = 112
    """Simulated days (112 = 16 weeks: 4 planning + 8 execution + 4 optimisation)."""
    seed: int = 0
    replications: int = 1
    """Independent replications (seeds derived from ``seed``); metrics then carry
    means, spreads, 90 % intervals and the probability of meeting each target."""
    workers: int = 0
    """Processes for replications (0 = every core, one for small jobs); results do not
    depend on it."""
    ground_truth: str = "auto"
    """What the campaign and each channel caused, from counterfactual runs on the same
    random numbers (docs/ground-truth.md): ``on``, ``off`` or ``auto`` (on for small runs
    only: about 2 x channels + 3 extra runs)."""
    records: str = "parquet"
    """The analyst's tables in the run folder (docs/records.md): ``parquet``
    (``orders.parquet``, ``consumers.parquet``, ``channels_daily.parquet``), ``csv`` (the
    same tables as ``.csv``) or ``none``; the simulation is the same in every case."""
    baseline: bool = True
    """Also run the market without the campaign on the same seed (o2osim.worlds), so that
    ``roi`` is what the campaign caused (docs/kpis.md). ``false`` halves a run's cost;
    ``roi``, ``incremental_revenue_cny`` and ``baseline_revenue_cny`` are then null
    (``gross_roi`` and ``measured_roi`` remain)."""


@dataclass
class ScenarioConfig:
    market: MarketConfig = MISSING
    plan: PlanConfig = MISSING
    targets: dict[str, TargetSpec] = field(default_factory=dict)
    sim: SimConfig = field(default_factory=SimConfig)
    lang: str = "en"
    """The language people read (o2osim.i18n): ``en`` or ``zh`` (Simplified Chinese) for
    the terminal scorecard, the report and its figures; the simulation is the same."""
