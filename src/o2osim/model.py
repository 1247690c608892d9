"""CampaignModel: a whole O2O campaign, one Mesa step per day.

Wiring only. The day is :data:`PHASES`, a list of components run in order, each one
rule of the domain in its own module under :mod:`o2osim.components` (the laser-core
shape: ``model.components = [...]``); channels and stores are Mesa agents doing their
own day's work; a Mesa DataCollector gathers the daily series; :meth:`record` hands the
run to everything downstream as a typed :class:`~o2osim.record.RunRecord`.

Time. One step of the model is one calendar day; ``day`` runs 0 .. ``sim.days``-1, and
week ``day // 7`` (0-based) of the plan's campaign calendar decides the phase
(:mod:`o2osim.calendar`; seed 000: 4 + 8 + 4 weeks) and the flighting; days after the
campaign simulate what follows it. Anything that happens inside a day
(the in-store queues) runs on a simpy clock whose day index is this ``day`` — there is
one time axis.

Scale. ``sim.population`` simulated consumers stand for ``market.population.market_size``
real ones; each simulated consumer represents ``scale`` real consumers. Money (budgets,
spend, revenue) is in real CNY; counts of people and orders are in simulated consumers.

Consumers are a struct of arrays owned by the model (docs/architecture.md: ~60x faster
than one Mesa agent per consumer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from o2osim.calendar import Calendar
from o2osim.channels import CellLayout, ChannelAgent
from o2osim.components.awareness import Awareness
from o2osim.components.base import Component, Day, World
from o2osim.components.budget import Budget
from o2osim.components.channel_choice import ChannelChoice
from o2osim.components.coupon_claims import OfferClaims, StoreQRClaims
from o2osim.components.customer_base import RegularDemand, Retention
from o2osim.components.intent import Intent
from o2osim.components.lifecycle import Lifecycle
from o2osim.components.media import Media
from o2osim.components.posting import Posting
from o2osim.components.referral import Referral
from o2osim.components.shopping import Shopping
from o2osim.components.store_visits import StoreVisits
from o2osim.config.schema import ChannelPlan, ScenarioConfig
from o2osim.coupons import CouponBook
from o2osim.population import (
    AWARE,
    EVER_AWARE,
    History,
    Population,
    State,
    build_population,
    count,
    has,
)
from o2osim.record import (
    DAILY_COLUMNS,
    ChannelDays,
    ChannelLedger,
    ConsumerCounts,
    ConsumersAtEnd,
    OrderLog,
    RunRecord,
)
from o2osim.rng import stream
from o2osim.stores import STORE_COLUMNS, StoreAgent
from o2osim.tally import DayTally
from o2osim.worlds import baseline, baseline_key, is_baseline, outcome

PHASES: tuple[type[Component], ...] = (
    Budget,  # the optimisation phase releases the reserve
    Lifecycle,  # dormancy, interest fades
    Media,  # spend, adstock, reach, exposures, coupon offers
    Awareness,  # word of mouth and yesterday's posts; forgetting
    OfferClaims,  # the offers of today's exposures are claimed
    Intent,  # who sets out to buy because of the campaign
    RegularDemand,  # the customer base's own purchase occasions join them
    ChannelChoice,  # store or online
    StoreVisits,  # the stores' simpy day
    Shopping,  # trips, orders, experiences
    Retention,  # who became a customer, who dropped out
    Posting,  # what each experience leads to: interest, reviews (and their reward), complaints
    StoreQRClaims,  # visitors scan the store's QR code for a coupon
    Referral,  # satisfied customers refer a contact for a coupon (plan.referral_reward)
)
"""The phases of a day, in order: the one place the order is written."""


class CampaignModel(mesa.Model):
    """An O2O campaign in one market under one plan (docs/architecture.md)."""

    def __init__(self, scenario: ScenarioConfig,
                 reserve_weights: np.ndarray | None = None) -> None:
        super().__init__(rng=scenario.sim.seed)
        self.scenario = scenario
        market, plan, sim = scenario.market, scenario.plan, scenario.sim
        self.day = 0
        self.scale = market.population.market_size / sim.population
        self.pop = build_population(
            market.population, sim.population, market.stores.count,
            plan.integration.unified_id_share, stream(sim.seed, "population"),
            stream(sim.seed, "network"))
        layout = CellLayout.for_channels(market.channels)
        calendar = Calendar.of(plan)
        self.channels = [
            ChannelAgent(self, i, name, spec, plan.channels.get(name) or ChannelPlan(0.0),
                         plan.contingency_reserve_share, layout, calendar)
            for i, (name, spec) in enumerate(market.channels.items())]
        self.stores = [StoreAgent(self, s, market.operations, plan.operations)
                       for s in range(market.stores.count)]
        dow = np.asarray(market.operations.day_of_week_weights, dtype=np.float32)
        promo = frozenset(calendar.promo_weeks(plan))
        lag = plan.integration.calendar_lag_weeks
        self.world = World(
            scenario=scenario, pop=self.pop, scale=self.scale, channels=self.channels,
            stores=self.stores, layout=layout,
            coupons=CouponBook(plan, market.behaviour, self.scale, sim.seed),
            seed=sim.seed, calendar=calendar, online_promo_weeks=promo,
            store_promo_weeks=frozenset(w + lag for w in promo), dow_weights=dow / dow.mean(),
            reserve_weights=reserve_weights)
        self.components = [phase(self.world) for phase in PHASES]
        self._by_type = {type(c): c for c in self.components}
        self.totals = DayTally()
        self.today = self._new_day(None)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in DAILY_COLUMNS})
        # mesa 3.3's Agent._ids counts unique ids in a class-level dict keyed by the model,
        # which keeps every model alive for the life of the process (~90 MB at 1 M
        # consumers: in-process counterfactuals and sweeps never freed one). Every agent
        # of this model is made above and none later, so its counter can go.
        mesa.Agent._ids.pop(self, None)

    def component(self, kind: type[Any]) -> Any:
        """The model's component of type ``kind``."""
        return self._by_type[kind]

    def _new_day(self, yesterday: Day | None) -> Day:
        week = self.day // 7 + 1
        day = Day(index=self.day, week=week, online_promo=week in self.world.online_promo_weeks,
                  store_promo=week in self.world.store_promo_weeks)
        if yesterday is not None:
            day.posted_yesterday, day.complained_yesterday = (yesterday.promoters,
                                                              yesterday.detractors)
        return day

    def step(self) -> None:
        """One day of the campaign: every phase in order, then the day's tally and row."""
        day = self._new_day(self.today if self.day else None)
        self.today = day
        self.world.coupons.begin_day(day.index)
        for component in self.components:
            component.step(day)
        self.totals.add(day.tally)
        self.datacollector.collect(self)
        self.day += 1

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        days = self.scenario.sim.days
        for d in range(days):
            self.step()
            if progress is not None:
                progress(d + 1, days)

    # ------------------------------------------------------------------ outputs

    def daily_value(self, name: str) -> Any:
        """Today's value of a ``daily.csv`` column."""
        day, t = self.today, self.today.tally
        derived: dict[str, Callable[[], Any]] = {
            "day": lambda: day.index,
            "week": lambda: day.week,
            "phase": lambda: self.world.calendar.phase_of(day.index),
            "online_promo": lambda: day.online_promo,
            "store_promo": lambda: day.store_promo,
            "spend_cny": lambda: day.spend_cny,
            "aware": lambda: count(self.pop.state, AWARE),
            "ever_aware": lambda: count(self.pop.history, EVER_AWARE),
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

    def daily(self) -> pd.DataFrame:
        daily = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return daily[list(DAILY_COLUMNS)]

    def record(self) -> RunRecord:
        """The typed record of the run so far (:mod:`o2osim.record`)."""
        sc = self.scenario
        waits = self.component(StoreVisits).wait_samples
        return RunRecord(
            scenario=sc, scale=self.scale,
            steps_to_redeem=self.component(Shopping).steps_store, totals=self.totals,
            daily=self.daily(), stores=self.store_ledger(),
            waits_min=np.concatenate(waits) if waits else np.empty(0, dtype=np.float32),
            channels=[ChannelLedger(
                name=c.name, kind=c.spec.kind,
                budget_cny=float(sc.plan.channels[c.name].budget_cny)
                if c.name in sc.plan.channels else 0.0,
                spend_cny=c.spent_cny, attributed_revenue_cny=c.attributed_revenue_cny)
                for c in self.channels],
            consumers=consumer_counts(self.pop),
            causes=tuple(cause for c in self.components for cause in c.causes),
            orders=OrderLog(**self.component(Shopping).orders.columns()),
            at_end=ConsumersAtEnd(
                segment=self.pop.segment, affinity=self.pop.affinity,
                store_id=self.pop.store_id, distance_km=self.pop.distance_km,
                state=self.pop.state, exposures=self.component(Media).exposures,
                band_edges_km=self.world.layout.band_edges_km,
                customer_at_start=self.pop.extra["customer_at_start"],
                alive=self.pop.extra["alive"]),
            channel_days=channel_days(self.channels, self.day))


def consumer_counts(pop: Population) -> ConsumerCounts:
    """The population at the end of the run, counted (for the record)."""
    hist, state = pop.history, pop.state
    prospect = ~pop.extra["customer_at_start"]
    return ConsumerCounts(
        population=pop.size,
        ever_aware=count(hist, History.EVER_AWARE),
        exposed=count(hist, History.EXPOSED),
        exposed_online=count(hist, History.EXPOSED_ONLINE),
        aware_wom_only=int(np.count_nonzero(has(hist, History.EVER_AWARE)
                                            & ~has(hist, History.EXPOSED))),
        purchasers=count(state, State.BUYER),
        repurchasers=int(np.count_nonzero(pop.orders >= 2)),
        store_visitors=count(hist, History.VISITED),
        store_visitors_after_online=count(hist, History.VISITED_AFTER_ONLINE),
        purchasers_online=count(hist, History.ONLINE_BUYER),
        purchasers_offline=count(hist, History.STORE_BUYER),
        members=count(state, State.MEMBER),
        members_bought_online=int(np.count_nonzero(has(state, State.MEMBER)
                                                   & has(hist, History.MEMBER_BOUGHT_ONLINE))),
        known=count(state, State.ACCOUNT | State.MEMBER),
        unified=count(state, State.UNIFIED),
        prospects_aware=int(np.count_nonzero(prospect & has(hist, History.EVER_AWARE))),
        prospects_converted=int(np.count_nonzero(prospect & pop.extra["bought_aware"])),
        customers_at_end=int(np.count_nonzero(pop.extra["alive"])),
    )


def channel_days(channels: list[ChannelAgent], days: int) -> ChannelDays:
    """Each channel's daily spend, impressions and reach as (days, channels) arrays."""
    def table(name: str, dtype: type) -> np.ndarray:
        return np.array([getattr(c, name) for c in channels], dtype=dtype).T.reshape(
            days, len(channels))
    return ChannelDays(spend_cny=table("daily_spend_cny", np.float64),
                       impressions=table("daily_impressions", np.float64),
                       reach=table("daily_reach", np.int64))


def _daily_value(model: CampaignModel, name: str) -> Any:
    return model.daily_value(name)


def _reporter(name: str) -> partial[Any]:
    """Named, picklable DataCollector reporter (Mesa: lambdas do not pickle)."""
    return partial(_daily_value, name=name)


@dataclass
class RunResult:
    """What a run produced: KPIs / scorecard (``metrics``), the daily series, the stores'
    ledger, and the typed record they were computed from."""

    metrics: dict[str, Any]
    daily: pd.DataFrame
    stores: pd.DataFrame
    record: RunRecord | None = None
    baseline: Any = None
    """What the market without the campaign produced (:class:`o2osim.worlds.Outcome`)."""
    records: Any = None
    """The analyst's tables to write into the run folder (:class:`o2osim.records.Records`;
    None when ``sim.records`` is ``none``)."""


_BASELINES: dict[str, Any] = {}
"""Baselines this process has run, by :func:`o2osim.worlds.baseline_key`: a run is
deterministic, so plans that share a baseline (a sweep over the campaign's own levers,
the ground truth's worlds) run it once."""
_BASELINES_KEPT = 64


def baseline_outcome(sc: ScenarioConfig,
                     progress: Callable[[int, int], None] | None = None,
                     run: CampaignModel | None = None) -> Any:
    """What the market without the campaign produces on ``sc``'s seed
    (:func:`o2osim.worlds.baseline`; an :class:`o2osim.worlds.Outcome`), run once per
    process for plans that share it. ``run``: the scenario's own finished model, which is
    the baseline when the plan has no campaign at all."""
    if is_baseline(sc):
        if run is None:
            run = CampaignModel(sc)
            run.run(progress)
        return outcome(run)
    key = baseline_key(sc)
    if key not in _BASELINES:
        base_model = CampaignModel(baseline(sc))
        base_model.run(progress)
        _BASELINES[key] = outcome(base_model)
        while len(_BASELINES) > _BASELINES_KEPT:
            _BASELINES.pop(next(iter(_BASELINES)))
    return _BASELINES[key]


def run_scenario(sc: ScenarioConfig,
                 progress: bool | Callable[[int, int], None] = False) -> RunResult:
    """Simulate one scenario and the same market without the campaign (the baseline,
    :mod:`o2osim.worlds`: the ROI is what the campaign caused, ``kpis.roi``), and compute
    its metrics.

    ``progress``: True draws a bar of the simulated days on stderr
    (:mod:`o2osim.progress`; the caller decides whether stderr is a terminal); a callable
    is called with (days done, days) after every day of both runs. Display only: results
    are the same.
    """
    import dataclasses

    from o2osim.metrics import compute_metrics
    from o2osim.records import build_records

    model = CampaignModel(sc)
    model.run(_progress_printer("simulating day") if progress is True else progress or None)
    base = None
    if getattr(sc.sim, "baseline", True):
        base = baseline_outcome(sc, _progress_printer("baseline without the campaign: day")
                                if progress is True else progress or None, model)
    rec = dataclasses.replace(model.record(), baseline_revenue_cny=None if base is None
                              else base.revenue_cny)
    return RunResult(metrics=compute_metrics(rec), daily=rec.daily, stores=rec.stores,
                     record=rec, baseline=base, records=build_records(rec))


def _progress_printer(label: str) -> Callable[[int, int], None]:
    from o2osim.progress import ProgressBar

    bar: list[ProgressBar] = []

    def show(done: int, total: int) -> None:
        if not bar:
            bar.append(ProgressBar(label, total))
        bar[0].update(done)

    return show
