"""The customer base recovers as BG/NBD (issue 12, item 1): a BG/NBD model fitted to the
simulated orders gives back the parameters that generated them and predicts the orders
of a holdout window.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way: an alternative
to the Pareto/NBD model", Marketing Science 24(2)) — like the Pareto/NBD it simplifies
(Schmittlein, Morrison & Colombo 1987, "Counting your customers: who are they and what
will they do next?", Management Science 33(1)) — is a *cohort* model: every customer's
clock starts at their first purchase, which is observed; ``x`` counts the repeat purchases
in the calibration window, ``t_x`` is the time of the last one and ``T`` the time the
window ends, both from the first purchase. The market's active customers are alive at
day 0 with their first purchase before the run (left-censored: their first purchase and
how many repeats they survived are unknown), so they are *not* what the model assumes.
The fitted cohort is the consumers who had never bought at day 0 (``segment`` new at the
start) and made their first purchase in the calibration window.

Design (both tests; :func:`scenario`): 728 days, calibration days 0-363, holdout days
364-727 (a year each). The whole population is new at day 0 and the organic
acquisition is fast (``acquisition_per_year`` 0.999: about 80 % of the cohort's first
purchases in the first quarter, as CDNOW's cohort made theirs in the first 12 weeks of
1997), so that most of the cohort is watched for most of a year: the dropout parameters
``a, b`` are identified by customers who bought a few times and then stopped. The
generating parameters (:data:`GENERATING`) are the retail preset's order of magnitude
(mean rate 0.075 a week, mean dropout 0.2 a repeat purchase), set here explicitly so that
recalibrating ``conf/market`` does not move the test. In days: ``r``, ``alpha`` =
``alpha_weeks x 7``, ``a``, ``b``.

Precision. With 60 000 consumers the cohort is ~59 900; the Hessian's standard errors
are 0.9 % of ``r``, 1.2 % of ``alpha``, 3.8 % of ``a`` and 4.8 % of ``b``, so 20 % is over
4 standard errors for every parameter (a cohort of CDNOW's 2 357 gives ``b`` a ~30 %
s.e.). The model is in whole days (at most one occasion a day, with probability
``1 - exp(-lambda x w_day)``): an order on day ``d`` is taken at ``d + 0.5`` and a customer
can buy again from the day after the first purchase, so ``T = end - (d_first + 1)`` and
``t_x = d_last + 0.5 - (d_first + 1)``. The BG/NBD story simulated directly on the same
day grid (no o2osim) and fitted the same way gives r +0.8 to +1.3 %, alpha +1.0 to +3.5 %
and the holdout -1.6 to +1.5 % (seeds 1-4): what the day grid itself costs
(experiments/customer_base_recovery/README.md).

Test 1, exact recovery: no campaign (the ground truth's baseline world,
:func:`o2osim.ground_truth.variant` with no channel funded and no offers), and what makes
the story differ from BG/NBD switched off: a dissatisfied experience does not raise the
dropout (``dissatisfied_dropout_multiplier`` 1), no stock-out loses an occasion
(``stockout_prob`` 0) and nobody walks out (12 units per station in each of 2 stores;
one simulated consumer per real one, ``market_size`` = ``sim.population``). The
generating story is then BG/NBD in days (but for 0.3 % of the orders: contacts of
regular customers who posted become aware and buy through the campaign's intent, even
with no campaign): each parameter within 20 % and the cohort's holdout-year orders
within 10 %. Measured, seeds 1 (the test's) to 4: r +1.7 to +2.8 %, alpha +2.8 to
+4.4 %, a -6.2 to +0.4 %, b -6.3 to -0.1 %, holdout +0.3 to +1.6 %; about 12 s of CPU a
run. A first purchase that also dropped out (not BG/NBD) fails it: r -36 %, b +69 %.

Test 2, the campaign on: the integrated plan (budgets, coupon cap and integration cost
times ``sim.population / 1 000 000``, the preset market's size, so that spend per real
consumer is the preset's), the market's dissatisfaction multiplier (2) and stock-outs
(6 %, half buy a substitute), the preset's stations in 4 stores (about the preset's
alive customers per store: walk-outs 2.6 %). The campaign adds purchases to the
calibration year and dissatisfaction adds dropout: see
:func:`test_bgnbd_with_the_campaign_on` for the figures and what is asserted.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

from o2osim import ground_truth
from o2osim.components.lifecycle import NEW
from o2osim.config import compose_scenario, validate_scenario
from o2osim.config.schema import ScenarioConfig
from o2osim.model import CampaignModel

CALIBRATION_DAYS = 364
"""Days 0-363 calibrate, days 364-727 are the holdout."""
GENERATING = {"rate_shape_r": 0.6, "rate_scale_alpha_weeks": 8.0, "dropout_a": 0.8,
              "dropout_b": 3.2}
"""The customer base's generating parameters (``market.customer_base``; alpha per week)."""
POPULATION = 60_000
SEED = 1


def in_days(spec: dict[str, float]) -> dict[str, float]:
    """BG/NBD's parameters in days from ``market.customer_base``'s (alpha per week)."""
    return {"r": spec["rate_shape_r"], "alpha": spec["rate_scale_alpha_weeks"] * 7.0,
            "a": spec["dropout_a"], "b": spec["dropout_b"]}


def scenario(seed: int = SEED, population: int = POPULATION, campaign: bool = False,
             exact: bool = True, generating: dict[str, float] | None = None,
             extra: dict[str, object] | None = None) -> ScenarioConfig:
    """The recovery scenario (module docstring): retail apparel, ``2 x CALIBRATION_DAYS``
    days, every consumer new at day 0, fast organic acquisition.

    ``campaign``: the integrated plan as planned (budgets, coupon cap and integration cost
    times ``market_size / 1 000 000``, the preset market's size, so that spend per real
    consumer is the preset's); else the baseline world without media or offers
    (:func:`o2osim.ground_truth.variant`). ``exact``: no dissatisfaction dropout and no
    stock-outs (the story is then exactly BG/NBD); else the market's multiplier 2 and
    stock-outs 6 % with half buying a substitute. ``extra``: more overrides."""
    gen = GENERATING if generating is None else generating
    lines = {
        "market": "retail_apparel", "plan": "integrated",
        "sim.population": population, "sim.days": 2 * CALIBRATION_DAYS, "sim.seed": seed,
        "sim.ground_truth": "off", "sim.records": "none",
        "market.population.market_size": population,
        "market.population.segment_shares": "[1.0,0.0,0.0]",
        "market.stores.count": 4 if campaign else 2,
        **{f"market.customer_base.{k}": v for k, v in gen.items()},
        "market.customer_base.acquisition_per_year": 0.999,
        "market.customer_base.dissatisfied_dropout_multiplier": 1.0 if exact else 2.0,
        "market.stores.stockout_prob": 0.0 if exact else 0.06,
        "market.behaviour.stockout_substitute_share": 0.5,
    }
    if exact:  # stations ample enough that nobody walks out
        lines.update({f"market.operations.stations.{name}.units": 12
                      for name in ("fitting_room", "cashier")})
    lines.update(extra or {})
    sc = validate_scenario(compose_scenario([f"{k}={v}" for k, v in lines.items()]))
    if not campaign:  # (a plan without promotion weeks is the engine's, not the CLI's)
        return ground_truth.variant(sc, funded=[], offers=False)
    f = population / 1_000_000
    plan = sc.plan
    plan = dataclasses.replace(
        plan, channels={n: dataclasses.replace(c, budget_cny=c.budget_cny * f)
                        for n, c in plan.channels.items()},
        integration_cost_cny=plan.integration_cost_cny * f,
        coupon=dataclasses.replace(plan.coupon,
                                   quantity_cap=max(1, round(plan.coupon.quantity_cap * f))))
    return validate_scenario(dataclasses.replace(sc, plan=plan))


@dataclass
class Cohort:
    """BG/NBD's summary of a cohort, in days (module docstring): repeat purchases ``x``,
    recency ``t_x`` and age ``T`` at the end of calibration, and each one's orders in the
    holdout window."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    holdout: np.ndarray
    holdout_days: int


def cohort_summary(consumer_id: np.ndarray, day: np.ndarray, in_cohort: np.ndarray,
                   calibration_days: int = CALIBRATION_DAYS,
                   holdout_days: int = CALIBRATION_DAYS) -> Cohort:
    """The summary of the consumers flagged ``in_cohort`` (bool per consumer) whose first
    order in the log falls in the calibration window, from an order log (one row per order:
    ``consumer_id``, 0-based ``day``). One occasion a day at most: an order on day ``d`` is
    taken at ``d + 0.5``; after the first purchase the customer can buy from the next day,
    when their clock starts."""
    n = in_cohort.size
    cid, d = consumer_id.astype(np.int64), day.astype(np.int64)
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, cid, d)
    members = in_cohort & (first < calibration_days)
    cal = (d < calibration_days) & members[cid]
    x = np.bincount(cid[cal], minlength=n) - 1
    last = np.full(n, -1)
    np.maximum.at(last, cid[cal], d[cal])
    hold = (d >= calibration_days) & (d < calibration_days + holdout_days) & members[cid]
    holdout = np.bincount(cid[hold], minlength=n)
    c = np.flatnonzero(members)
    start = first[c] + 1.0
    t_x = np.where(x[c] > 0, last[c] + 0.5 - start, 0.0)
    # a first purchase on the window's last day: a customer watched for no time
    T = np.maximum(calibration_days - start, 1e-6)
    return Cohort(x=x[c], t_x=t_x, T=T, holdout=holdout[c], holdout_days=holdout_days)


@dataclass
class Fit:
    """A BG/NBD fit: its parameters (days), their standard errors, and the holdout's
    predicted and actual orders of the cohort."""

    params: dict[str, float]
    se: dict[str, float]
    predicted: float
    actual: int
    customers: int

    def error(self, true: dict[str, float]) -> dict[str, float]:
        """Relative error of each fitted parameter against ``true``."""
        return {k: self.params[k] / true[k] - 1.0 for k in true}

    @property
    def holdout_error(self) -> float:
        return self.predicted / self.actual - 1.0


def fit_bgnbd(cohort: Cohort) -> Fit:
    """Fit BG/NBD by maximum likelihood (``lifetimes.BetaGeoFitter``, the likelihood of
    Fader, Hardie & Lee 2005, eq. 6) on the cohort's calibration summary, identical rows
    weighted; predict each customer's holdout orders (their eq. 10, conditional on
    ``x, t_x, T``) and sum them."""
    import pandas as pd

    with warnings.catch_warnings():
        # lifetimes 0.11 (2020) sets a pandas option that pandas 3 deprecates
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter

        rows = (pd.DataFrame({"x": cohort.x, "t_x": cohort.t_x, "T": cohort.T})
                .groupby(["x", "t_x", "T"]).size().rename("w").reset_index())
        bg = BetaGeoFitter()
        bg.fit(rows["x"], rows["t_x"], rows["T"], weights=rows["w"])
        predicted = bg.conditional_expected_number_of_purchases_up_to_time(
            cohort.holdout_days, rows["x"], rows["t_x"], rows["T"])
        total = float(np.sum(predicted.to_numpy() * rows["w"].to_numpy()))
        summary = bg.summary
    return Fit(params={k: float(bg.params_[k]) for k in ("r", "alpha", "a", "b")},
               se={k: float(summary.loc[k, "se(coef)"]) for k in ("r", "alpha", "a", "b")},
               predicted=total, actual=int(cohort.holdout.sum()),
               customers=int(cohort.x.size))


def simulate(sc: ScenarioConfig) -> tuple[CampaignModel, np.ndarray]:
    """Run the scenario in this process; return the finished model and who was new at
    day 0 (``segment`` new before the first day)."""
    model = CampaignModel(sc)
    new_at_start = model.pop.segment == NEW
    model.run()
    return model, new_at_start


def recover(sc: ScenarioConfig) -> tuple[Fit, CampaignModel]:
    """Simulate ``sc``, fit BG/NBD to the cohort of consumers new at day 0."""
    model, new_at_start = simulate(sc)
    orders = model.record().orders
    return fit_bgnbd(cohort_summary(orders.consumer_id, orders.day, new_at_start)), model


@pytest.mark.slow
def test_bgnbd_recovers_the_generating_parameters() -> None:
    """Without the campaign, without dissatisfaction dropout or stock-outs, the customer
    base is BG/NBD: the fit recovers r, alpha, a, b within 20 % and predicts the cohort's
    holdout-year orders within 10 % (module docstring: design, precision, figures)."""
    fit, model = recover(scenario())
    true = in_days(GENERATING)
    assert fit.customers > 50_000, fit.customers
    # the campaign is off: no media spend, no campaign coupon redeemed
    assert model.totals.coupons_redeemed_store + model.totals.coupons_redeemed_online == 0
    assert sum(c.spent_cny for c in model.channels) == 0
    errors = fit.error(true)
    shown = ", ".join(f"{k} {fit.params[k]:.4g} (true {true[k]:.4g}, {e:+.1%})"
                      for k, e in errors.items())
    assert all(abs(e) <= 0.20 for e in errors.values()), shown
    assert abs(fit.holdout_error) <= 0.10, (fit.predicted, fit.actual, shown)


@pytest.mark.slow
def test_bgnbd_with_the_campaign_on() -> None:
    """With the integrated plan running (weeks 5-16 of the calibration year), the
    market's dissatisfaction multiplier (2), stock-outs and walk-outs, the fit describes
    the customer base as it is lived — more purchases in the campaign year, more dropout —
    rather than the generating story, and still predicts the year after.

    Measured, seeds 1 (the test's) to 4 (experiments/customer_base_recovery/README.md):
    r +16.0 to +16.7 %, alpha +10.0 to +11.2 %, a -0.0 to +7.9 %, b -8.3 to -15.4 %; the
    mean purchase rate r / alpha +4.3 to +6.1 % and the mean dropout a / (a + b) +13.7 to
    +14.8 % (without the campaign, dissatisfaction and stock-outs: -2.5 to -0.5 % and
    -1.4 to +0.4 %); holdout-year orders +0.2 to +2.4 %. 10.7 % of the experiences
    dissatisfy, each doubling that trip's dropout chance: +10.7 % on the mean dropout
    if every experience were a repeat purchase's (walk-outs and stock-outs without a
    substitute add dropout without an order).

    Asserted: (1) usable — the cohort's holdout orders within 10 %, the issue's criterion
    for the no-campaign world (the campaign's 12 weeks are a small part of a year's
    orders); (2) the fit sees the dissatisfaction dropout — the fitted mean dropout
    exceeds the generating one by at least half of ``(multiplier - 1) x`` the run's
    dissatisfied share of experiences (without it the fitted mean dropout is within
    1.5 % of the generating one)."""
    sc = scenario(campaign=True, exact=False)
    fit, model = recover(sc)
    t = model.totals
    assert sum(c.spent_cny for c in model.channels) > 0
    assert t.coupons_redeemed_store + t.coupons_redeemed_online > 0
    true = in_days(GENERATING)
    shown = ", ".join(f"{k} {fit.params[k]:.4g} (true {true[k]:.4g}, {e:+.1%})"
                      for k, e in fit.error(true).items())
    assert abs(fit.holdout_error) <= 0.10, (fit.predicted, fit.actual, shown)
    mean_dropout = fit.params["a"] / (fit.params["a"] + fit.params["b"])
    rise = mean_dropout / (true["a"] / (true["a"] + true["b"])) - 1.0
    implied = ((sc.market.customer_base.dissatisfied_dropout_multiplier - 1.0)
               * (1.0 - t.satisfied / t.experiences))
    assert rise >= 0.5 * implied > 0.02, (rise, implied, shown)
