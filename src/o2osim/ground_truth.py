"""Ground truth per channel: what the campaign and each channel *caused*, next to what a
measurement system would credit them with (seed 000 效果难衡; docs/ground-truth.md).

A simulator knows what would have happened without the campaign or without one channel:
it runs the same scenario again with the channel switched off, on the same seed. Every
component's stream restarts per day and draws keyed by consumer (:mod:`o2osim.rng`), so
the counterfactual world sees the same random numbers wherever the two worlds agree
(common random numbers; docs/ground-truth.md says where they do not).

The worlds, all on the run's seed (:func:`variant`):

* **full**: the plan as it is (the run itself);
* **baseline**: no campaign — every channel's budget 0 (no media), no campaign coupon
  (quantity cap 0, so no claim of any kind: offers, store QR codes, review and referral
  rewards), no campaign promotion (no promotion weeks), no review / referral reward; the
  plan's structural integration (memberships, unified ID share, POS, price parity,
  staffing, bookings, opening hours) and the market are kept;
* **offers only** (``v(∅)``): the campaign's coupon and promotion without any media;
* **leave-one-out** (LOO): the plan without one channel's budget (its reserve leaves the
  pool too);
* **one-in**: the offers and one channel alone;
* for the exact Shapley split, every subset of the funded channels.

The split of the media's effect ``v(N) - v(∅)`` over the funded channels is the Shapley
value (Shapley 1953), exact over all ``2^k`` subsets when ``k <= EXACT_SHAPLEY_MAX``,
otherwise its pairwise form ``(one-in + LOO) / 2`` — exact when channels interact only
in pairs — with the remainder (interactions of three and more channels) spread in
proportion to those values and reported (``shapley_residual_cny``). Outcomes are vectors
(revenue, orders, margin) and the Shapley value is linear, so one split serves all three.
The whole campaign's incremental revenue is ``full - baseline`` = the channels' shares +
the offers without media (``v(∅) - baseline``).

Measurement (:class:`Measurement`) watches the full run: each day's paid touches (the
channel of each consumer's last exposure of the day) and each order as the engine's
last-touch attribution sees it (online orders always, store orders only with a unified
ID). It credits every visible order three ways: last touch (the engine's own rule,
``attributed_revenue_cny``), first touch, and linear (equal credit to every touch before
the order).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from o2osim.config.schema import ScenarioConfig
from o2osim.model import CampaignModel
from o2osim.population import UNIFIED
from o2osim.worlds import OUTCOMES, Outcome, funded_channels, outcome, variant

__all__ = ["OUTCOMES", "Outcome", "funded_channels", "outcome", "variant"]  # re-exported

EXACT_SHAPLEY_MAX = 4
"""Funded channels up to which the Shapley split is exact (2^k runs; 16 at 4)."""

AUTO_MAX_CONSUMER_DAYS = 2_240_000
"""``sim.ground_truth=auto`` runs the counterfactuals only when both the simulated
consumer-days (``sim.population x sim.days``) and the real market's consumer-days
(``market.population.market_size x sim.days``: the stores serve real arrivals, the larger
cost) are at most this: 20 000 consumers over 16 weeks. Measured here: a run of that size
takes ~0.35 s CPU, its 17 counterfactuals (7 channels) ~6 s; the default run (100 000
simulated, 1 M real consumers) ~1.5-2 s a run, ~30 s for all."""

RULES = ("last_touch", "first_touch", "linear")
"""The measurement rules credited next to the truth."""


def wanted(sc: ScenarioConfig) -> bool:
    """Does ``sim.ground_truth`` ask for the counterfactuals of this scenario?"""
    mode = getattr(sc.sim, "ground_truth", "auto")
    if mode == "on":
        return True
    if mode == "off":
        return False
    days = sc.sim.days
    return (sc.sim.population * days <= AUTO_MAX_CONSUMER_DAYS
            and sc.market.population.market_size * days <= AUTO_MAX_CONSUMER_DAYS)


def simulate(sc: ScenarioConfig) -> Outcome:
    """Run one world and return its outcome (totals only: no metrics, no files)."""
    return _simulate_daily(sc)[0]


def _simulate_daily(sc: ScenarioConfig) -> tuple[Outcome, np.ndarray]:
    """One world's outcome and its revenue per day (real CNY)."""
    model = CampaignModel(sc)
    model.run()
    return outcome(model), daily_revenue(model)


def daily_revenue(model: CampaignModel) -> np.ndarray:
    """A finished model's revenue per day (real CNY, float64)."""
    return model.daily()["revenue_cny"].to_numpy(dtype=np.float64)


# --------------------------------------------------------------------------- measurement


class Measurement:
    """What a measurement system credits each channel with, watched on a running model.

    Hooks into the model's shopping component at the one place the engine attributes
    revenue (``Shopping.attribute_revenue``: the engine's last touch is computed there
    from the same buyers, values and states), and reads each day's paid touches after
    the day (``Day.exposed`` and ``Population.last_channel``, which only Media writes,
    before any shopping). A consumer exposed online and offline on one day counts the
    offline channel only (the engine keeps one last channel). Observes only: the run's
    results do not change.
    """

    def __init__(self, model: CampaignModel) -> None:
        from o2osim.components.base import STORE
        from o2osim.components.shopping import Shopping

        self.model, self._store = model, STORE
        n, k = model.pop.size, len(model.channels)
        self.touches = np.zeros((n, k), dtype=np.uint16)
        self.first = np.full(n, -1, dtype=np.int8)
        self.credit = {rule: np.zeros(k) for rule in RULES}
        self.visible_revenue_cny = 0.0
        self.revenue_cny = 0.0
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        shopping = model.component(Shopping)
        engine_rule = shopping.attribute_revenue

        def observed(buyers: np.ndarray, values: np.ndarray, channel: int) -> None:
            engine_rule(buyers, values, channel)
            self._order(buyers, values, channel)

        shopping.attribute_revenue = observed

    def _order(self, buyers: np.ndarray, values: np.ndarray, channel: int) -> None:
        pop = self.model.pop
        money = values.astype(np.float64) * self.model.scale
        self.revenue_cny += float(money.sum())
        last = pop.last_channel[buyers].astype(np.int64)
        seen = last >= 0
        if channel == self._store:
            seen &= (pop.state[buyers] & UNIFIED) > 0
        self._pending.append((buyers[seen].copy(), money[seen], last[seen]))

    def end_of_day(self) -> None:
        """Count today's touches, then credit today's orders (touches up to the order)."""
        day, pop = self.model.today, self.model.pop
        idx = day.exposed
        if idx.size:
            ch = pop.last_channel[idx].astype(np.int64)
            self.touches[idx, ch] += np.uint16(1)
            new = self.first[idx] < 0
            self.first[idx[new]] = ch[new]
        k = self.touches.shape[1]
        for buyers, money, last in self._pending:
            if buyers.size == 0:
                continue
            self.visible_revenue_cny += float(money.sum())
            self.credit["last_touch"] += np.bincount(last, weights=money, minlength=k)
            self.credit["first_touch"] += np.bincount(self.first[buyers].astype(np.int64),
                                                      weights=money, minlength=k)
            counts = self.touches[buyers].astype(np.float64)
            self.credit["linear"] += (counts / counts.sum(axis=1, keepdims=True)).T @ money
        self._pending.clear()

    def credited(self) -> dict[str, dict[str, float]]:
        """Rule -> channel -> CNY credited."""
        names = [c.name for c in self.model.channels]
        return {rule: {n: float(v) for n, v in zip(names, self.credit[rule], strict=True)}
                for rule in RULES}


def measured_run(sc: ScenarioConfig) -> tuple[Outcome, Measurement]:
    """The full run with its measurement watched."""
    model = CampaignModel(sc)
    meas = Measurement(model)
    for _ in range(sc.sim.days):
        model.step()
        meas.end_of_day()
    return outcome(model), meas


# --------------------------------------------------------------------------- the split


def shapley_exact(players: list[str], value: Callable[[frozenset[str]], np.ndarray]
                  ) -> dict[str, np.ndarray]:
    """Exact Shapley values (Shapley 1953) of ``players`` for the set function ``value``:
    ``phi_i = sum over S not holding i of |S|! (k-|S|-1)! / k! (v(S+i) - v(S))``."""
    k = len(players)
    phi: dict[str, Any] = dict.fromkeys(players, 0.0)
    for i in players:
        others = [p for p in players if p != i]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                phi[i] += weight * (value(s | {i}) - value(s))
    return phi


def shapley_pairwise(players: list[str], loo: dict[str, np.ndarray],
                     one_in: dict[str, np.ndarray], media: np.ndarray
                     ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The Shapley value's pairwise form ``(one-in + LOO) / 2`` (exact when channels
    interact only in pairs: then ``one-in_i = v_i``, ``LOO_i = v_i + sum_j I_ij`` and
    ``phi_i = v_i + sum_j I_ij / 2``), with the remainder ``media - sum phi`` (higher
    interactions) spread in proportion to ``|phi|`` (equally if all are 0), so that the
    split adds up to ``media`` = v(N) - v(∅). Returns the split and the remainder."""
    phi = {p: (loo[p] + one_in[p]) / 2.0 for p in players}
    residual = media - sum(phi.values(), np.zeros(len(OUTCOMES)))
    weights = np.array([np.abs(phi[p]) for p in players]).reshape(len(players), -1)
    totals = weights.sum(axis=0)
    for j, p in enumerate(players):
        share = np.where(totals > 0, weights[j] / np.where(totals > 0, totals, 1.0),
                         1.0 / len(players))
        phi[p] = phi[p] + share * residual
    return phi, residual


@dataclass
class GroundTruth:
    """Every world's outcome and the measurement of the full run."""

    players: list[str]
    method: str  # "exact_shapley" | "pairwise_shapley" | "none" (no funded channel)
    full: Outcome
    baseline: Outcome
    offers_only: Outcome
    leave_one_out: dict[str, Outcome]
    one_in: dict[str, Outcome]
    shapley: dict[str, np.ndarray]
    shapley_residual: np.ndarray
    measured: dict[str, dict[str, float]]
    spend_cny: dict[str, float]
    total_cost_cny: float
    measured_visible_revenue_cny: float
    runs: int
    cpu_seconds: float = field(default=0.0, compare=False)
    reallocates_by_measured: bool = False
    """Does the plan itself reallocate the reserve (by the measured ROI)?"""
    reallocated_by_truth: Outcome | None = None
    """The plan with its reserve reallocated by the channels' true ROI instead of the
    measured one (hindsight: the split of this very run; None with no reserve or no
    funded channel)."""
    daily_incremental_revenue_cny: Any = field(default=None, compare=False, repr=False)
    """Each channel's share of the media's effect per day (real CNY, days x the market's
    channels; the same split as the totals, so each column sums to the channel's
    incremental revenue): ``channels_daily``'s ``<channel>_incremental_revenue_cny``."""

    @property
    def incremental(self) -> np.ndarray:
        """The whole campaign's effect: full - baseline (revenue, orders, margin)."""
        return self.full.vector() - self.baseline.vector()

    def as_dict(self) -> dict[str, Any]:
        """The ``ground_truth`` section of ``metrics.json`` (docs/kpis.md)."""
        inc, media = self.incremental, self.full.vector() - self.offers_only.vector()
        loo = {p: self.full.vector() - o.vector() for p, o in self.leave_one_out.items()}
        one = {p: o.vector() - self.offers_only.vector() for p, o in self.one_in.items()}

        def split(v: np.ndarray) -> dict[str, float]:
            return {k: float(x) for k, x in zip(OUTCOMES, v, strict=True)}

        channels: dict[str, Any] = {}
        for name, spend in self.spend_cny.items():
            true = self.shapley.get(name, np.zeros(len(OUTCOMES)))
            true_roi = true[0] / spend if spend > 0 else None
            measured = {r: self.measured[r].get(name, 0.0) for r in RULES}
            m_roi = {r: (v / spend if spend > 0 else None) for r, v in measured.items()}
            channels[name] = {
                "funded": name in self.players,
                "spend_cny": spend,
                "incremental_revenue_cny": float(true[0]),
                "incremental_orders": float(true[1]),
                "incremental_margin_cny": float(true[2]),
                "leave_one_out": split(loo.get(name, np.zeros(len(OUTCOMES)))),
                "one_in": split(one.get(name, np.zeros(len(OUTCOMES)))),
                "true_roi": true_roi,
                "measured_revenue_cny": measured,
                "measured_roi": m_roi,
                "roi_gap": {r: (None if true_roi is None else v - true_roi)
                            for r, v in m_roi.items()},
            }
        return {
            "method": self.method,
            "runs": self.runs,
            "players": list(self.players),
            "baseline": dataclasses.asdict(self.baseline),
            "offers_only": dataclasses.asdict(self.offers_only),
            "full": dataclasses.asdict(self.full),
            "campaign": {
                "incremental_revenue_cny": float(inc[0]),
                "incremental_orders": float(inc[1]),
                "incremental_margin_cny": float(inc[2]),
                "incremental_roi": _ratio(float(inc[0]), self.total_cost_cny),
                "total_cost_cny": self.total_cost_cny,
                "offers_without_media": split(self.offers_only.vector()
                                              - self.baseline.vector()),
                "media": split(media),
                "sum_leave_one_out": split(sum(loo.values(), np.zeros(len(OUTCOMES)))),
                "sum_one_in": split(sum(one.values(), np.zeros(len(OUTCOMES)))),
                "shapley_residual": split(self.shapley_residual),
            },
            "reallocation": self._reallocation(),
            "measured_total_cny": {r: float(sum(self.measured[r].values())) for r in RULES},
            "measured_visible_revenue_cny": self.measured_visible_revenue_cny,
            "channels": channels,
        }


    def _reallocation(self) -> dict[str, Any] | None:
        """The reserve reallocated by the true ROI against the run (the ``reallocation``
        part of the section; docs/ground-truth.md)."""
        if self.reallocated_by_truth is None:
            return None
        alt, base = self.reallocated_by_truth, self.baseline
        cost = alt.spend_cny + alt.coupon_subsidy_cny + (self.total_cost_cny
                                                         - self.full.spend_cny
                                                         - self.full.coupon_subsidy_cny)
        inc = alt.revenue_cny - base.revenue_cny
        return {"run_rule": "measured_roi" if self.reallocates_by_measured else "none",
                "revenue_cny": alt.revenue_cny, "incremental_revenue_cny": inc,
                "roi": _ratio(inc, cost),
                "gain_cny": alt.revenue_cny - self.full.revenue_cny}


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def evaluate(sc: ScenarioConfig, progress: Callable[[int, int], None] | None = None,
             baseline: Outcome | None = None) -> GroundTruth:
    """Run the worlds of the module docstring for ``sc`` and split the effect
    (``baseline``: the baseline's outcome when the run already has it — every run does,
    :func:`o2osim.model.run_scenario` — so it is not run again)."""
    start = time.process_time()
    players = funded_channels(sc)
    k = len(players)
    exact = k <= EXACT_SHAPLEY_MAX
    planned = ((2 if k == 0 else (2 ** k + 1 if exact else 2 * k + 3)) - (baseline is not None)
               + (k > 0 and sc.plan.contingency_reserve_share > 0))
    done = [0]
    cache: dict[frozenset[str], Outcome] = {}
    daily: dict[frozenset[str], np.ndarray] = {}

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], planned)

    full, meas = measured_run(sc)
    tick()
    ran_baseline = baseline is None
    if baseline is None:
        baseline = simulate(variant(sc, (), offers=False))
        tick()
    cache[frozenset(players)] = full
    daily[frozenset(players)] = daily_revenue(meas.model)

    def world(subset: frozenset[str]) -> Outcome:
        if subset not in cache:
            cache[subset], daily[subset] = _simulate_daily(variant(sc, subset))
            tick()
        return cache[subset]

    offers_only = world(frozenset())
    loo = {p: world(frozenset(players) - {p}) for p in players}
    one_in = {p: world(frozenset({p})) for p in players}
    media = full.vector() - offers_only.vector()
    none = frozenset[str]()
    if k == 0:
        method, phi, residual = "none", {}, np.zeros(len(OUTCOMES))
        phi_daily: dict[str, np.ndarray] = {}
    elif exact:
        method = "exact_shapley"
        phi = shapley_exact(players, lambda s: world(s).vector() - offers_only.vector())
        residual = np.zeros(len(OUTCOMES))
        phi_daily = shapley_exact(players, lambda s: daily[s] - daily[none])
    else:
        method = "pairwise_shapley"
        phi, residual = shapley_pairwise(
            players, {p: full.vector() - loo[p].vector() for p in players},
            {p: one_in[p].vector() - offers_only.vector() for p in players}, media)
        # per day: the same pairwise values, the remainder by the totals' revenue weights
        top = frozenset(players)
        pair = {p: (daily[top] - daily[top - {p}] + daily[frozenset({p})] - daily[none]) / 2
                for p in players}
        rest = daily[top] - daily[none] - sum(pair.values(), np.zeros_like(daily[top]))
        pair_total = {p: float(pair[p].sum()) for p in players}
        weight = np.array([abs(pair_total[p]) for p in players])
        weight = weight / weight.sum() if weight.sum() > 0 else np.full(k, 1.0 / k)
        phi_daily = {p: pair[p] + w * rest for p, w in zip(players, weight, strict=True)}
    spend = {c.name: float(c.spent_cny) for c in meas.model.channels}
    by_truth = reallocated_by_truth(sc, meas.model.channels, phi, spend)
    if by_truth is not None:
        tick()
    zeros = np.zeros(sc.sim.days)
    per_day = np.stack([np.asarray(phi_daily.get(c.name, zeros), dtype=np.float64)
                        for c in meas.model.channels], axis=1) if spend else \
        np.zeros((sc.sim.days, 0))
    total_cost = full.spend_cny + full.coupon_subsidy_cny + sc.plan.integration_cost_cny
    return GroundTruth(
        players=players, method=method, full=full, baseline=baseline,
        offers_only=offers_only, leave_one_out=loo, one_in=one_in, shapley=phi,
        shapley_residual=residual, measured=meas.credited(), spend_cny=spend,
        total_cost_cny=total_cost, measured_visible_revenue_cny=meas.visible_revenue_cny,
        runs=len(cache) + ran_baseline + (by_truth is not None),
        cpu_seconds=time.process_time() - start, reallocated_by_truth=by_truth,
        reallocates_by_measured=sc.plan.integration.budget_reallocation,
        daily_incremental_revenue_cny=per_day)


def reallocated_by_truth(sc: ScenarioConfig, channels: list[Any], phi: dict[str, np.ndarray],
                         spend: dict[str, float]) -> Outcome | None:
    """The run again with the contingency reserve reallocated in proportion to each
    channel's *true* ROI (its Shapley revenue per CNY spent in this run) — what a team
    that could see the truth would have done, where the plan (seeds 001 / 002) moves it
    by the *measured* ROI, or not at all. Hindsight: the weights come from this run's own
    split. None when there is no reserve or no funded channel."""
    if sc.plan.contingency_reserve_share <= 0 or not phi:
        return None
    weights = np.array([float(phi[c.name][0]) / spend[c.name]
                        if c.name in phi and spend.get(c.name, 0.0) > 0 else 0.0
                        for c in channels])
    plan = dataclasses.replace(sc.plan, integration=dataclasses.replace(
        sc.plan.integration, budget_reallocation=True))
    model = CampaignModel(dataclasses.replace(sc, plan=plan), reserve_weights=weights)
    model.run()
    return outcome(model)


# --------------------------------------------------------------------------- metrics.json

KPI_FIELDS: dict[str, tuple[str, str]] = {}
"""Registry KPIs (:mod:`o2osim.kpis`) that only the counterfactuals give, and where the
section holds them. None today: the campaign's incremental revenue and ROI come from the
baseline every run has (:func:`o2osim.model.run_scenario`); the channels' split is the
section's own (``channels.<name>.incremental_revenue_cny``)."""


def attach(metrics: dict[str, Any], truth: GroundTruth | None) -> dict[str, Any]:
    """Write ``truth`` into ``metrics`` (the ``ground_truth`` section, its KPIs, each
    channel's ``incremental_revenue_cny`` and the targets naming those KPIs); with None,
    they stay null ("not measured"). The KPIs of a replicated run are replication 0's
    (the run's own seed): their ``kpi_stats``, and the probability of a target naming
    them, which the other replications cannot give, are dropped."""
    from o2osim.targets import met

    kpis = metrics.setdefault("kpis", {})
    section = truth.as_dict() if truth is not None else None
    for name, (part, key) in KPI_FIELDS.items():
        if isinstance(metrics.get("kpi_stats"), dict):
            metrics["kpi_stats"].pop(name, None)
        kpis[name] = section[part][key] if section is not None else None
    for name, ch in metrics.get("channels", {}).items():
        ch["incremental_revenue_cny"] = (
            section["channels"][name]["incremental_revenue_cny"]
            if section is not None and name in section["channels"] else None)
    targets = metrics.get("targets", {})
    for t in targets.values():
        if t.get("kpi") in KPI_FIELDS:
            t["value"] = kpis[t["kpi"]]
            t["met"] = met(t, t["value"])
            t.pop("probability", None)
            t.pop("interval_90", None)
    if targets:
        metrics["all_targets_met"] = all(t["met"] for t in targets.values())
    if section is not None:
        metrics["ground_truth"] = section
    return metrics


def add_to(metrics: dict[str, Any], sc: ScenarioConfig, progress: bool = False,
           records: Any = None, baseline: Outcome | None = None) -> GroundTruth | None:
    """The CLI's step after a run: the counterfactuals when ``sim.ground_truth`` asks for
    them (:func:`wanted`), written into ``metrics`` (:func:`attach`; null KPIs when not
    run) and, per channel and day, into the run's ``records`` (``channels_daily``,
    :meth:`o2osim.records.Records.set_incremental_revenue`) when given. Same process,
    same composed scenario; says on stderr what it cost. ``progress``: draw a bar of the
    counterfactual runs (the caller checks stderr is a terminal)."""
    import sys

    truth = None
    if wanted(sc):
        bar: list[Any] = []

        def shown(done: int, total: int) -> None:
            if not bar:
                from o2osim.progress import ProgressBar

                bar.append(ProgressBar("ground truth: counterfactual runs", total))
            bar[0].update(done)

        truth = evaluate(sc, progress=shown if progress else None, baseline=baseline)
        print(f"o2osim: ground truth: {truth.runs} runs on the run's random numbers "
              f"({truth.method.replace('_', ' ')} over {len(truth.players)} channels), "
              f"{truth.cpu_seconds:.1f} s CPU", file=sys.stderr)
    attach(metrics, truth)
    if truth is not None and records is not None:
        records.set_incremental_revenue(truth.daily_incremental_revenue_cny)
    return truth
