"""Does the customer base recover as BG/NBD? (issue 12, item 1)

Runs the measurement of ``tests/test_customer_base.py`` (its scenario, cohort summary and
BG/NBD fit, imported from there so that the study and the test measure the same thing)
over more seeds and worlds, and writes one row per fit to
``results/studies/customer_base_recovery/recovery.csv``:

* ``exact`` — no campaign, no dissatisfaction dropout, no stock-outs, ample stations: the
  story is BG/NBD in days (the test's first check; seeds 1-4, the test uses seed 1);
* ``campaign`` — the integrated plan, dissatisfaction multiplier 2, stock-outs 6 % and the
  preset's stations (the test's second check; seeds 1-4);
* ``daily_bgnbd`` — no o2osim: the BG/NBD story simulated directly on the same day grid
  (one occasion a day with probability ``1 - exp(-lambda)``, the same acquisition), fitted
  the same way: what the day grid alone does to the fit (seeds 1-4);
* ``left_censored`` — no campaign, exact, half the population active at day 0: the fit on
  the new consumers' cohort, next to the fit on everyone from their first *observed*
  order (what one gets from an order log without knowing who was a customer before the
  log starts; seeds 1-2);
* ``preset_base`` — the campaign on in a market whose customer base is the retail
  preset's (60 % new, 25 % active, 15 % dormant at day 0, organic acquisition 3 % a year):
  the new consumers' cohort is then mostly the campaign's (seeds 1-2).

Usage (about 2-3 minutes of CPU)::

    PYTHONPATH=src python experiments/customer_base_recovery/run.py [--seeds 1 2 3 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import test_customer_base as cb  # noqa: E402  (the test's measurement)

OUT = REPO / "results" / "studies" / "customer_base_recovery"
TRUE = cb.in_days(cb.GENERATING)


def row(world: str, seed: int, fit: cb.Fit, cpu_s: float, cohort: str = "new at day 0",
        **extra: object) -> dict[str, object]:
    out: dict[str, object] = {"world": world, "seed": seed, "cohort": cohort,
                              "customers": fit.customers, "cpu_s": round(cpu_s, 1)}
    for k, err in fit.error(TRUE).items():
        out[k] = fit.params[k]
        out[f"{k}_err"] = err
        out[f"{k}_se_rel"] = fit.se[k] / fit.params[k]
    out["mean_rate_err"] = (fit.params["r"] / fit.params["alpha"]) / (TRUE["r"] / TRUE["alpha"]) - 1
    out["mean_dropout_err"] = ((fit.params["a"] / (fit.params["a"] + fit.params["b"]))
                               / (TRUE["a"] / (TRUE["a"] + TRUE["b"])) - 1)
    out["holdout_actual"] = fit.actual
    out["holdout_predicted"] = round(fit.predicted, 1)
    out["holdout_err"] = fit.holdout_error
    out.update(extra)
    return out


def model_figures(model: cb.CampaignModel) -> dict[str, object]:
    t = model.totals
    return {"spend_cny": round(sum(c.spent_cny for c in model.channels)),
            "orders": t.orders_online + t.orders_offline,
            "regular_occasions": t.regular_occasions,
            "store_visits": t.store_visits,
            "walkout_rate": t.walkouts / max(t.store_visits, 1),
            "satisfaction": t.satisfied / max(t.experiences, 1),
            "coupons_redeemed": t.coupons_redeemed_store + t.coupons_redeemed_online}


def simulated(world: str, seed: int, **kw: object) -> list[dict[str, object]]:
    start = time.process_time()
    fit, model = cb.recover(cb.scenario(seed=seed, **kw))
    return [row(world, seed, fit, time.process_time() - start, **model_figures(model))]


def daily_bgnbd(seed: int, population: int = cb.POPULATION
                ) -> list[dict[str, object]]:
    """The BG/NBD story on the day grid without o2osim (module docstring)."""
    start = time.process_time()
    rng = np.random.default_rng(seed)
    days, n = 2 * cb.CALIBRATION_DAYS, population
    lam = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n)
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    acq = -np.log1p(-0.999) / 365.0
    first = rng.geometric(-np.expm1(-acq), n) - 1  # day of the first purchase
    alive = np.zeros(n, dtype=bool)
    ids, when = [], []
    for d in range(days):
        buy = (alive & (rng.random(n) < -np.expm1(-lam))) | (first == d)
        who = np.flatnonzero(buy)
        ids.append(who)
        when.append(np.full(who.size, d))
        repeat = who[alive[who]]
        alive[repeat[rng.random(repeat.size) < p[repeat]]] = False
        alive[first == d] = True
    cohort = cb.cohort_summary(np.concatenate(ids), np.concatenate(when),
                               np.ones(n, dtype=bool))
    fit = cb.fit_bgnbd(cohort)
    return [row("daily_bgnbd", seed, fit, time.process_time() - start)]


def left_censored(seed: int) -> list[dict[str, object]]:
    """Half the population active (alive, first purchase before the run) at day 0: the
    new consumers' cohort, and everyone from their first observed order."""
    start = time.process_time()
    sc = cb.scenario(seed=seed, extra={"market.population.segment_shares": "[0.5,0.5,0.0]"})
    model, new_at_start = cb.simulate(sc)
    orders = model.record().orders
    cpu = time.process_time() - start
    out = []
    for name, members in (("new at day 0", new_at_start),
                          ("everyone, from the first observed order",
                           np.ones_like(new_at_start)),
                          ("active at day 0, from the first observed order",
                           ~new_at_start)):
        fit = cb.fit_bgnbd(cb.cohort_summary(orders.consumer_id, orders.day, members))
        out.append(row("left_censored", seed, fit, cpu, cohort=name))
    assert np.all(model.pop.extra["customer_at_start"] == ~new_at_start)
    return out


def preset_base(seed: int) -> list[dict[str, object]]:
    """The campaign on, the retail preset's customer base (module docstring)."""
    start = time.process_time()
    sc = cb.scenario(seed=seed, campaign=True, exact=False, extra={
        "market.population.segment_shares": "[0.6,0.25,0.15]",
        "market.customer_base.acquisition_per_year": 0.03,
        "market.stores.count": 1})
    model, new_at_start = cb.simulate(sc)
    orders = model.record().orders
    fit = cb.fit_bgnbd(cb.cohort_summary(orders.consumer_id, orders.day, new_at_start))
    return [row("preset_base", seed, fit, time.process_time() - start,
                **model_figures(model))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--only", nargs="+", default=None,
                    help="worlds to run (exact campaign daily_bgnbd left_censored preset_base)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = {
        "exact": lambda s: simulated("exact", s),
        "campaign": lambda s: simulated("campaign", s, campaign=True, exact=False),
        "daily_bgnbd": daily_bgnbd,
        "left_censored": lambda s: left_censored(s) if s <= 2 else [],
        "preset_base": lambda s: preset_base(s) if s <= 2 else [],
    }
    rows: list[dict[str, object]] = []
    for world, job in jobs.items():
        if args.only and world not in args.only:
            continue
        for seed in args.seeds:
            for r in job(seed):
                rows.append(r)
                print(f"{r['world']:13s} seed {seed} {r['cohort'][:28]:28s} "
                      f"n {r['customers']:6d}  "
                      + " ".join(f"{k} {r[f'{k}_err']:+.1%}" for k in TRUE)
                      + f"  holdout {r['holdout_err']:+.1%}  ({r['cpu_s']} s)", flush=True)
    frame = pd.DataFrame(rows)
    name = "recovery.csv" if not args.only else f"recovery_{'_'.join(args.only)}.csv"
    frame.to_csv(OUT / name, index=False)
    print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
