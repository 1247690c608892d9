"""CampaignModel: a whole O2O campaign, one Mesa step per day.

Wiring only: the consumer rules live in :mod:`o2osim.journey`, channels in
:mod:`o2osim.channels`, stores in :mod:`o2osim.stores`, KPIs in :mod:`o2osim.metrics`.

Time. One step of the model is one calendar day; ``day`` runs 0 .. ``sim.days``-1, and
week ``day // 7`` (0-based) of the 16-week campaign decides the phase (weeks 1-4
planning, 5-12 execution, 13-16 optimisation; seed 000) and the flighting. Anything that
happens inside a day (in-store queues, issue 3) runs on a clock whose day index is this
``day`` — there is one time axis.

Scale. ``sim.population`` simulated consumers stand for ``market.population.market_size``
real ones; each simulated consumer represents ``scale`` real consumers. Money (budgets,
spend, revenue) is in real CNY; counts of people and orders are in simulated consumers.

Consumers are a struct of arrays owned by the model (DESIGN §3: ~60x faster than one
Mesa agent per consumer); channels and stores are Mesa agents; a Mesa DataCollector
gathers the daily series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from o2osim import coupons
from o2osim.channels import CellLayout, ChannelAgent
from o2osim.config.schema import CAMPAIGN_WEEKS, ChannelPlan, ScenarioConfig
from o2osim.journey import (
    ONLINE,
    STORE,
    DayTally,
    ShopContext,
    StoreOutcome,
    choose_channel,
    claim_coupons,
    claim_coupons_at,
    forget,
    make_aware,
    purchase_intent,
    shop,
    word_of_mouth,
)
from o2osim.population import (
    ACCOUNT,
    AWARE,
    BUYER,
    EXPOSED,
    EXPOSED_ONLINE,
    GUIDED,
    PUSHED,
    UNIFIED,
    build_population,
)
from o2osim.rng import stream
from o2osim.stores import STORE_COLUMNS, StoreAgent, run_stores_day

OPTIMISATION_START_DAY = 12 * 7


def phase_of(day: int) -> str:
    """Campaign phase of a day (seed 000: 4 weeks planning, 8 execution, 4 optimisation)."""
    week = day // 7
    return "planning" if week < 4 else "execution" if week < 12 else "optimisation"


DAILY_COLUMNS = (
    "day", "week", "phase", "online_promo", "store_promo", "spend_cny", "exposed_online",
    "exposed_offline", "aware", "ever_aware", "newly_aware_ads", "newly_aware_wom",
    "coupons_offered", "coupons_claimed", "coupons_redeemed", "coupons_refused", "store_visits",
    "walkouts", "orders_online", "orders_offline", "revenue_cny", "coupon_subsidy_cny",
    "experiences", "satisfied", "ugc_posts", "complaints", "coupon_checks",
    "coupon_checks_failed",
)


class CampaignModel(mesa.Model):
    """An O2O campaign in one market under one plan (DESIGN §2-3)."""

    def __init__(self, scenario: ScenarioConfig) -> None:
        super().__init__(rng=scenario.sim.seed)
        self.scenario = scenario
        market, plan, sim = scenario.market, scenario.plan, scenario.sim
        self.day = 0
        self.scale = market.population.market_size / sim.population
        seed = sim.seed
        self.rng_exposure = stream(seed, "exposure")
        self.rng_wom = stream(seed, "word_of_mouth")
        self.rng_coupon = stream(seed, "coupon")
        self.rng_intent = stream(seed, "intent")
        self.rng_shop = stream(seed, "shop")
        self.rng_store = stream(seed, "store_operations")

        self.pop = build_population(
            market.population, sim.population, market.stores.count,
            plan.integration.unified_id_share, stream(seed, "population"),
            stream(seed, "network"))
        radii = sorted({float(c.lbs_radius_km) for c in market.channels.values()
                        if c.lbs_radius_km is not None})
        self.layout = CellLayout(tuple(radii))
        self._static_cell = self.layout.static_part(
            np.zeros_like(self.pop.segment), self.pop.affinity,
            self.layout.band_of(self.pop.distance_km))
        self._segment_stride = np.int16(3 * self.layout.bands)

        self.channels: list[ChannelAgent] = []
        for i, (name, spec) in enumerate(market.channels.items()):
            cplan = plan.channels.get(name)
            self.channels.append(ChannelAgent(self, i, name, spec, cplan or ChannelPlan(0.0),
                                              plan.contingency_reserve_share, self.layout))
        self.W = np.stack([c.weights for c in self.channels]) if self.channels else np.zeros((0, 1))
        self.online_mask = np.array([c.spec.kind == "online" for c in self.channels])
        self.ch_interest = np.array([c.spec.interest_per_exposure for c in self.channels],
                                    dtype=np.float32)
        self.ch_coupon = np.array([c.spec.carries_coupon for c in self.channels])
        self.ch_to_store = np.array([c.spec.sends_to_store for c in self.channels])
        self.ch_push = np.array([c.spec.personal_offer_online for c in self.channels])

        self.stores = [StoreAgent(self, s, market.operations, plan.operations)
                       for s in range(market.stores.count)]
        self.wait_samples: list[np.ndarray] = []
        self.dow_weights = np.asarray(market.operations.day_of_week_weights, dtype=np.float32)
        self.dow_weights = self.dow_weights / self.dow_weights.mean()

        self.steps_store = coupons.steps_to_redeem_in_store(plan)
        self.coupon_cap_left = plan.coupon.quantity_cap / self.scale
        self.attraction = np.float32(
            1.0 + market.behaviour.promise_attraction
            * (plan.promise_level - market.experience.baseline_expectation))
        promo = set(plan.promo_weeks)
        lag = plan.integration.calendar_lag_weeks
        self.online_promo_weeks = promo
        self.store_promo_weeks = {w + lag for w in promo}
        self.promoters = np.empty(0, dtype=np.int64)
        self.detractors = np.empty(0, dtype=np.int64)

        self.totals = DayTally()
        self.today = DayTally()
        self.spend_today_cny = 0.0
        self.sat_today = 0
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in DAILY_COLUMNS})

    # ------------------------------------------------------------------ helpers

    def _cells(self) -> np.ndarray:
        """Targeting cell of every consumer today (see channels.CellLayout)."""
        pop = self.pop
        base = self._static_cell + pop.segment.astype(np.int16) * self._segment_stride
        known = (pop.state & 7).astype(np.int16)
        aware = ((pop.state & AWARE) > 0).astype(np.int16)
        buyer = ((pop.state & BUYER) > 0).astype(np.int16)
        return ((base * 8 + known) * 2 + aware) * 2 + buyer

    def _attribute(self, idx: np.ndarray, cells: np.ndarray, p_cell: np.ndarray,
                   subset: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Channel (index) of each exposure, drawn in proportion to the channels' reach."""
        chans = np.flatnonzero(subset)
        probs = p_cell[chans][:, cells[idx]]
        cum = np.cumsum(probs, axis=0)
        r = u[idx] * cum[-1]
        pick = np.minimum((r[None, :] > cum).sum(axis=0), chans.size - 1)
        return chans[pick]

    def _reallocate_reserve(self) -> None:
        """Optimisation phase: release the contingency reserve (seeds 001, 002).

        With ``budget_reallocation`` the reserve goes to channels in proportion to their
        *measured* ROI — revenue the measurement can trace to the channel (online orders,
        and store orders of customers with a unified ID) per CNY spent. Without it each
        channel spends its own reserve as planned.
        """
        days_left = CAMPAIGN_WEEKS * 7 - OPTIMISATION_START_DAY
        pool = sum(c.reserve_cny for c in self.channels)
        if self.scenario.plan.integration.budget_reallocation and pool > 0:
            roi = np.array([c.attributed_revenue_cny / c.spent_cny if c.spent_cny > 0 else 0.0
                            for c in self.channels])
            share = roi / roi.sum() if roi.sum() > 0 else np.array(
                [c.reserve_cny / pool for c in self.channels])
            for c, s in zip(self.channels, share, strict=True):
                c.extra_daily_cny = pool * float(s) / days_left
                c.budget_cny = c.spent_cny + float(np.sum(c.weekly_cny[12:])) + pool * float(s)
        else:
            for c in self.channels:
                c.extra_daily_cny = c.reserve_cny / days_left

    # ------------------------------------------------------------------ the day

    def step(self) -> None:
        """One day of the campaign."""
        sc = self.scenario
        market, plan = sc.market, sc.plan
        beh, pop, day = market.behaviour, self.pop, self.day
        n = pop.size
        week = day // 7 + 1
        online_promo = week in self.online_promo_weeks
        store_promo = week in self.store_promo_weeks
        t = DayTally()
        self.today = t
        if day == OPTIMISATION_START_DAY:
            self._reallocate_reserve()

        # Lifecycle: customers without a purchase for long become dormant (seed 004).
        since = day - pop.last_purchase_day.astype(np.int32)
        lapsed = (pop.segment == 1) & (since > beh.dormancy_days)
        pop.segment[lapsed] = 2
        pop.interest *= np.float32(beh.interest_retention_per_day)

        # Channels: spend -> adstock -> Hill reach per targeting cell.
        cells = self._cells()
        n_cell = np.bincount(cells, minlength=self.layout.size)
        targeted = self.W @ n_cell
        for c, tgt in zip(self.channels, targeted, strict=True):
            c.step_day(day, float(tgt) * self.scale)
        self.spend_today_cny = sum(c.spend_today_cny for c in self.channels)
        reach = np.array([c.reach_prob for c in self.channels])
        p_cell = np.minimum(reach[:, None] * self.W, 1.0)
        miss_on = np.prod(1.0 - p_cell[self.online_mask], axis=0)
        miss_off = np.prod(1.0 - p_cell[~self.online_mask], axis=0)
        u = self.rng_exposure.random((3, n), dtype=np.float32)
        exp_on = np.flatnonzero(u[0] < (1.0 - miss_on)[cells])
        exp_off = np.flatnonzero(u[1] < (1.0 - miss_off)[cells])
        t.exposed_online, t.exposed_offline = exp_on.size, exp_off.size

        offered_parts = []
        offered_online = 0  # the online offers come first in ``offered``
        for idx, mask, where in ((exp_on, self.online_mask, "online"),
                                 (exp_off, ~self.online_mask, "store")):
            if idx.size == 0:
                continue
            ch = self._attribute(idx, cells, p_cell, mask, u[2])
            pop.last_channel[idx] = ch
            pop.interest[idx] += self.ch_interest[ch] * self.attraction
            pop.history[idx] |= EXPOSED
            if where == "online":
                pop.history[idx] |= EXPOSED_ONLINE
                if plan.integration.o2o_traffic_guidance:
                    pop.state[idx[self.ch_to_store[ch]]] |= GUIDED
                pop.state[idx[self.ch_push[ch]]] |= PUSHED
            if coupons.claimable(plan.coupon, where):
                offered_parts.append(idx[self.ch_coupon[ch]])
                if where == "online":
                    offered_online = offered_parts[-1].size
        exposed_any = np.union1d(exp_on, exp_off)
        was_aware = (pop.state[exposed_any] & AWARE) > 0
        make_aware(pop, exposed_any)
        t.newly_aware_ads = int((~was_aware).sum())

        # Word of mouth and UGC over the social network; forgetting.
        talkers = np.flatnonzero(((pop.state & AWARE) > 0)
                                 & (self.rng_wom.random(n, dtype=np.float32)
                                    < beh.wom_talk_prob_per_day))
        newly, reached = word_of_mouth(pop, talkers, self.promoters, self.detractors, beh,
                                       self.rng_wom)
        make_aware(pop, newly)
        t.newly_aware_wom = newly.size
        keep = reached
        keep[exposed_any] = True
        forget(pop, keep, beh.awareness_forget_per_day, self.rng_wom)

        # Coupons offered by today's exposures.
        offered = np.concatenate(offered_parts) if offered_parts else np.empty(0, np.int64)
        t.coupons_offered, t.coupons_offered_online = offered.size, offered_online
        at = claim_coupons_at(pop, offered, day, plan, beh, self.coupon_cap_left,
                              self.rng_coupon)
        self.coupon_cap_left -= at.size
        t.coupons_claimed = at.size
        t.coupons_claimed_online = int(np.count_nonzero(at < offered_online))

        # Intent, channel choice, shopping.
        ui = self.rng_intent.random((2, n), dtype=np.float32)
        intenders = purchase_intent(pop, day, beh, plan, ui[0] / self.dow_weights[day % 7])
        choice = choose_channel(pop, intenders, day, plan, beh, online_promo, store_promo,
                                ui[1][intenders])
        visitors = intenders[choice == STORE]
        online = intenders[choice == ONLINE]
        outcome = self._run_stores(visitors, day)
        ops = market.operations
        ctx = ShopContext(day=day, online_promo=online_promo, store_promo=store_promo,
                          plan=plan, beh=beh, exp=market.experience, stores=market.stores,
                          scale=self.scale, steps_store=self.steps_store,
                          wait_tolerance_min=ops.wait_tolerance_min,
                          booked_wait_tolerance_min=ops.booked_wait_tolerance_min)
        promoters, detractors = [], []
        for who, channel in ((visitors, STORE), (online, ONLINE)):
            if who.size == 0:
                continue
            buyers, values, exp_idx, sat = shop(pop, who, channel, ctx, self.rng_shop, t,
                                                outcome if channel == STORE else None)
            self._attribute_revenue(buyers, values, channel)
            t.experiences += exp_idx.size
            t.satisfied += int(sat.sum())
            pr, de = self._after_experience(exp_idx, sat, buyers)
            promoters.append(pr)
            detractors.append(de)
        if visitors.size and coupons.claimable(plan.coupon, "store"):
            # In-store QR: visitors without a coupon can claim one for a next purchase.
            t.coupons_offered += visitors.size
            got = claim_coupons(pop, visitors, day, plan, beh, self.coupon_cap_left,
                                self.rng_coupon)
            self.coupon_cap_left -= got
            t.coupons_claimed += got
        self.promoters = np.concatenate(promoters) if promoters else np.empty(0, np.int64)
        self.detractors = np.concatenate(detractors) if detractors else np.empty(0, np.int64)
        t.ugc_posts, t.complaints = self.promoters.size, self.detractors.size

        self._accumulate(t)
        self.datacollector.collect(self)
        self.day += 1

    def _run_stores(self, visitors: np.ndarray, day: int) -> StoreOutcome:
        """Run every store's simpy day with the real customers behind today's visitors.

        Each simulated visitor stands for ``scale`` real ones (stochastic rounding); the
        first copy is the visitor, the others share the store's capacity. Coupon checks:
        a scan when the POS is joined, a slower manual check (slower still with
        unbriefed staff) that fails with ``pos_manual_fail_prob`` otherwise (seed 000).
        """
        sc, pop, rng = self.scenario, self.pop, self.rng_store
        plan, ops, st = sc.plan, sc.market.operations, sc.market.stores
        integ = plan.integration
        k = visitors.size
        u = rng.random((4, k))
        checking = ((pop.coupon_expiry_day[visitors] >= day)
                    & coupons.redeemable(plan.coupon, "store"))
        if integ.pos_coupon_integrated:
            check_time = ops.pos_scan_time_min
            fails = np.zeros(k, dtype=bool)
        else:
            check_time = ops.pos_manual_check_time_min * (
                1.0 if integ.staff_briefed else ops.unbriefed_check_time_factor)
            fails = u[0] < st.pos_manual_fail_prob
        check_min = np.where(checking, check_time, 0.0)
        # Online booking needs an online account and online content that links to the
        # store's reservation book (o2o_traffic_guidance; seed 000 门店预约 / 到店核销).
        booked = (((pop.state[visitors] & ACCOUNT) > 0) & integ.o2o_traffic_guidance
                  & (u[1] < plan.operations.booking_share))
        whole = int(self.scale)
        copies = whole + (u[2] < self.scale - whole)
        copies = np.maximum(copies, 1)
        owner = np.repeat(np.arange(k), copies)  # real arrival -> visitor
        first = (np.cumsum(copies) - copies).astype(np.int64)
        status, wait, failed, honoured = run_stores_day(
            self.stores, day, pop.store_id[visitors][owner].astype(np.int64), booked[owner],
            check_min[owner], (fails & checking)[owner], rng)
        self.wait_samples.append(wait[status != 1].astype(np.float32))
        checks = STORE_COLUMNS.index("coupon_checks")  # checks done at tills today
        self.today.coupon_checks += sum(int(store.ledger[-1][checks]) for store in self.stores)
        self.today.coupon_checks_failed += int(failed.sum())
        # What the customer lives as waiting: the queues, plus a manual coupon check's
        # time beyond a scan (issue 3: delay at verification feeds the experience gap).
        verify_delay = np.maximum(check_min - ops.pos_scan_time_min, 0.0) * (status[first] == 0)
        return StoreOutcome(walked_out=status[first] != 0, wait_min=wait[first] + verify_delay,
                            check_failed=failed[first], booked=honoured[first])

    def _attribute_revenue(self, buyers: np.ndarray, values: np.ndarray, channel: int) -> None:
        """Credit revenue to the last channel where measurement can see the order:
        online orders always, store orders only with a unified ID (seed 000 效果难衡)."""
        ch = self.pop.last_channel[buyers]
        seen = ch >= 0
        if channel == STORE:
            seen &= (self.pop.state[buyers] & UNIFIED) > 0
        if not seen.any():
            return
        credit = np.bincount(ch[seen], weights=values[seen], minlength=len(self.channels))
        for c, v in zip(self.channels, credit, strict=True):
            c.attributed_revenue_cny += float(v) * self.scale

    def _after_experience(self, exp_idx: np.ndarray, sat: np.ndarray,
                          buyers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Satisfaction drives repurchase intent, posts and complaints (DESIGN §2;
        Anderson & Sullivan 1993: satisfaction -> repurchase; seed 000 hotpot journey:
        a review earns a next-visit coupon)."""
        beh, plan, pop = self.scenario.market.behaviour, self.scenario.plan, self.pop
        bought = np.isin(exp_idx, buyers, assume_unique=False)
        pop.interest[exp_idx[bought & sat]] = np.float32(beh.repurchase_interest_satisfied)
        pop.interest[exp_idx[~sat]] = np.float32(beh.repurchase_interest_dissatisfied)
        u = self.rng_shop.random(exp_idx.size)
        p_post = (beh.ugc_post_prob_review_reward if plan.review_reward
                  else beh.ugc_post_prob_satisfied)
        promoters = exp_idx[sat & (u < p_post)]
        detractors = exp_idx[~sat & (u < beh.complaint_prob_dissatisfied)]
        if plan.review_reward and promoters.size:
            got = claim_coupons(pop, promoters, self.day + 1, plan, beh,
                                self.coupon_cap_left, self.rng_coupon)
            self.coupon_cap_left -= got
            self.today.coupons_claimed += got
            self.today.coupons_claimed_review += got
        return promoters, detractors

    def _accumulate(self, t: DayTally) -> None:
        tot = self.totals
        for f in vars(t):  # counts add; per-cause counts add key by key (CauseCounts)
            setattr(tot, f, getattr(tot, f) + getattr(t, f))

    # ------------------------------------------------------------------ reporters

    def daily_value(self, name: str) -> Any:
        t, day = self.today, self.day
        week = day // 7 + 1
        derived: dict[str, Callable[[], Any]] = {
            "day": lambda: day,
            "week": lambda: week,
            "phase": lambda: phase_of(day),
            "online_promo": lambda: week in self.online_promo_weeks,
            "store_promo": lambda: week in self.store_promo_weeks,
            "spend_cny": lambda: self.spend_today_cny,
            "aware": lambda: int(((self.pop.state & AWARE) > 0).sum()),
            "ever_aware": lambda: int(((self.pop.history & 1) > 0).sum()),
            "coupons_redeemed": lambda: t.coupons_redeemed_store + t.coupons_redeemed_online,
        }
        if name in derived:
            return derived[name]()
        return getattr(t, name)

    def store_ledger(self) -> pd.DataFrame:
        """One row per store and day: arrivals, outcomes, waits, utilisation, coupon checks."""
        rows = [row for s in self.stores for row in s.ledger]
        frame = pd.DataFrame(rows, columns=list(STORE_COLUMNS))
        return frame.sort_values(["day", "store_id"], kind="stable").reset_index(drop=True)

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        days = self.scenario.sim.days
        for d in range(days):
            self.step()
            if progress is not None:
                progress(d + 1, days)


def _daily_value(model: CampaignModel, name: str) -> Any:
    return model.daily_value(name)


def _reporter(name: str) -> partial[Any]:
    """Named, picklable DataCollector reporter (Mesa: lambdas do not pickle)."""
    return partial(_daily_value, name=name)


@dataclass
class RunResult:
    """What a run produced: KPIs / scorecard (``metrics``) and the daily series."""

    metrics: dict[str, Any]
    daily: pd.DataFrame
    stores: pd.DataFrame


def run_scenario(sc: ScenarioConfig,
                 progress: bool | Callable[[int, int], None] = False) -> RunResult:
    """Simulate one scenario and compute its metrics.

    ``progress``: True draws a bar of the simulated days on stderr
    (:mod:`o2osim.progress`; the caller decides whether stderr is a terminal); a callable
    is called with (days done, days) after every day. Display only: results are the same.
    """
    from o2osim.metrics import compute_metrics

    model = CampaignModel(sc)
    model.run(_progress_printer() if progress is True else progress or None)
    daily = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    daily = daily[list(DAILY_COLUMNS)]
    return RunResult(metrics=compute_metrics(model, daily), daily=daily,
                     stores=model.store_ledger())


def _progress_printer() -> Callable[[int, int], None]:
    from o2osim.progress import ProgressBar

    bar: list[ProgressBar] = []

    def show(done: int, total: int) -> None:
        if not bar:
            bar.append(ProgressBar("simulating day", total))
        bar[0].update(done)

    return show
