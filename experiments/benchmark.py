"""Benchmark: consumer-days per second and bytes per consumer (plus store visits per second).

Each population size runs in a fresh subprocess (this script re-invoked with ``--one N``)
so that its peak memory is its own and not polluted by an earlier, smaller or larger run.

    python experiments/benchmark.py                              # 100k and 1M, retail_apparel
    python experiments/benchmark.py --sizes 100000 --market hotpot_chain --json bench.json
    python experiments/benchmark.py --sizes 1000000 --repeat 5   # 5 fresh runs, median judged

For each size: the scenario is composed (``sim.population=N``), ``CampaignModel`` is
built (setup seconds) and then every day is simulated (run seconds). Figures:

* consumer-days per second = N x days / run seconds;
* peak bytes per consumer = (peak RSS after build + run - RSS just before the build) / N,
  peak from ``resource.getrusage(RUSAGE_SELF).ru_maxrss``; "just before the build" is
  after the imports, Hydra's compose and a warm-up: a 2 000-consumer week with the
  compiled store day, so that loading numba and its cached kernel (~100 MB once per
  process, whatever the population: ``engine_mb``) counts as a fixed cost like the
  imports, not as bytes per consumer;
* state bytes per consumer = ``model.pop.nbytes() / N`` (the struct-of-arrays alone);
* store visits per second = real customers through the simpy store days / seconds spent
  inside the store days.

Targets (2-core machine): >= 8 M consumer-days/s at 1 M consumers, <= 200 bytes per
consumer; also (issue 3) >= 80 k store visits/s and a full 1 M x 112-day run <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

MARKER = "BENCHMARK-RESULT "
"""Prefix of the JSON line a ``--one`` child prints (anything else on stdout is ignored)."""

TARGET_CDAYS_PER_S = 8e6
"""Consumer-days per second required at 1 M consumers."""
TARGET_CDAYS_AT = 1_000_000
TARGET_BYTES_PER_CONSUMER = 200.0
TARGET_VISITS_PER_S = 80e3
TARGET_FULL_RUN_S = 60.0
"""Setup + run of 1 M consumers over 112 days."""


def _current_rss_bytes() -> int:
    """Resident set size now (Linux ``/proc``; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * resource.getpagesize()
    except OSError:
        return _peak_rss_bytes()


def _peak_rss_bytes() -> int:
    scale = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB, macOS bytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _warm_up(market: str) -> None:
    """Load what every run of this process loads once, whatever its size: a 2 000-consumer
    week with the compiled store day (numba and its cached kernel)."""
    from o2osim.config import compose_scenario
    from o2osim.model import CampaignModel
    from o2osim.stores import ENGINE_VARIABLE

    was = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = "kernel"
    try:
        CampaignModel(compose_scenario([f"market={market}", "sim.population=2000",
                                        "sim.days=7", "sim.baseline=false"])).run()
    finally:
        if was is None:
            del os.environ[ENGINE_VARIABLE]
        else:
            os.environ[ENGINE_VARIABLE] = was


def one(size: int, market: str, plan: str | None, days: int, seed: int) -> dict[str, Any]:
    """Build and run one scenario; timings and memory (meant to run in a fresh process)."""
    from o2osim.config import compose_scenario
    from o2osim.model import CampaignModel

    overrides = [f"market={market}", f"sim.population={size}", f"sim.days={days}",
                 f"sim.seed={seed}"]
    if plan:
        overrides.append(f"plan={plan}")
    sc = compose_scenario(overrides)
    rss_imports = _current_rss_bytes()
    _warm_up(market)
    peak_before = _peak_rss_bytes()
    rss_before = _current_rss_bytes()  # after imports, Hydra's compose and the warm-up

    t0 = time.perf_counter()
    model = CampaignModel(sc)
    t1 = time.perf_counter()

    from o2osim.components.store_visits import StoreVisits

    store_s = store_cpu_s = 0.0
    visits_component = model.component(StoreVisits)
    run_stores = visits_component.step

    def timed_stores(day):  # type: ignore[no-untyped-def]
        nonlocal store_s, store_cpu_s
        s, c = time.perf_counter(), time.process_time()
        run_stores(day)
        store_s += time.perf_counter() - s
        store_cpu_s += time.process_time() - c

    visits_component.step = timed_stores  # type: ignore[method-assign]
    model.run()
    t2 = time.perf_counter()

    peak_after = _peak_rss_bytes()
    visits = float(model.store_ledger()["arrivals"].sum())
    setup_s, run_s = t1 - t0, t2 - t1
    return {
        "population": size,
        "days": days,
        "market": market,
        "plan": sc.plan.name,
        "seed": seed,
        "setup_s": setup_s,
        "run_s": run_s,
        "total_s": setup_s + run_s,
        "consumer_days_per_s": size * days / run_s,
        "store_s": store_s,
        "consumer_days_per_s_without_stores": size * days / max(run_s - store_s, 1e-9),
        "store_visits": visits,
        "store_visits_per_s": visits / store_s if store_s > 0 else 0.0,
        "store_cpu_s": store_cpu_s,
        "store_visits_per_cpu_s": visits / store_cpu_s if store_cpu_s > 0 else 0.0,
        "load_avg_1min_before": os.getloadavg()[0] if hasattr(os, "getloadavg") else -1.0,
        "state_bytes_per_consumer": model.pop.nbytes() / size,
        "peak_bytes_per_consumer": (peak_after - rss_before) / size,
        "peak_growth_over_prior_peak_bytes_per_consumer": (peak_after - peak_before) / size,
        "rss_before_mb": rss_before / 2**20,
        "engine_mb": (rss_before - rss_imports) / 2**20,
        "peak_rss_mb": peak_after / 2**20,
    }


def run_child(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run :func:`one` in a fresh interpreter and parse its JSON line."""
    cmd = [sys.executable, __file__, "--one", str(size), "--market", args.market,
           "--days", str(args.days), "--seed", str(args.seed)]
    if args.plan:
        cmd += ["--plan", args.plan]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark child for {size:,} consumers failed "
                         f"(exit {proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    raise SystemExit(f"benchmark child for {size:,} consumers printed no result:\n"
                     f"{proc.stdout}{proc.stderr}")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-figure median of repeated runs of one size (the figure the targets judge)."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(r[key] for r in runs)
    return out


def print_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Print every run, then the targets against each size's median; return the medians."""
    head = (f"{'consumers':>10} {'days':>5} {'setup s':>8} {'run s':>7} {'M c-days/s':>10} "
            f"{'peak B/c':>8} {'state B/c':>9} {'stores s':>8} {'visits/s':>9} "
            f"{'visits/cpu-s':>12} {'load':>5}")
    sizes = list(dict.fromkeys(r["population"] for r in rows))
    medians = [median_row([r for r in rows if r["population"] == n]) for n in sizes]
    repeated = len(rows) > len(sizes)
    print(head)
    print("-" * len(head))
    for n, med in zip(sizes, medians, strict=True):
        runs = [r for r in rows if r["population"] == n]
        for r in runs + ([med] if len(runs) > 1 else []):
            label = "median" if r is med else f"{r['population']:,}"
            print(f"{label:>10} {r['days']:>5} {r['setup_s']:>8.2f} {r['run_s']:>7.2f} "
                  f"{r['consumer_days_per_s'] / 1e6:>10.2f} "
                  f"{r['peak_bytes_per_consumer']:>8.0f} {r['state_bytes_per_consumer']:>9.0f} "
                  f"{r['store_s']:>8.2f} {r['store_visits_per_s']:>9,.0f} "
                  f"{r['store_visits_per_cpu_s']:>12,.0f} {r['load_avg_1min_before']:>5.2f}")
    print()
    print("targets" + (" (median of the runs of each size):" if repeated else ":"))
    for r in medians:
        n = r["population"]
        cdays = r["consumer_days_per_s"]
        if n == TARGET_CDAYS_AT:
            print(f"  {n:>9,}: consumer-days/s {cdays / 1e6:6.2f} M  (target >= "
                  f"{TARGET_CDAYS_PER_S / 1e6:.0f} M)  {verdict(cdays >= TARGET_CDAYS_PER_S)}")
            if r["days"] == 112:
                print(f"  {n:>9,}: full run {r['total_s']:6.1f} s     (target <= "
                      f"{TARGET_FULL_RUN_S:.0f} s)   {verdict(r['total_s'] <= TARGET_FULL_RUN_S)}")
        for key, label in (("peak_bytes_per_consumer", "peak bytes/consumer"),
                           ("state_bytes_per_consumer", "state bytes/consumer")):
            v = r[key]
            print(f"  {n:>9,}: {label:<20} {v:6.0f}  (target <= "
                  f"{TARGET_BYTES_PER_CONSUMER:.0f})  {verdict(v <= TARGET_BYTES_PER_CONSUMER)}")
        v = r["store_visits_per_s"]
        if r["store_visits"] > 0:
            print(f"  {n:>9,}: store visits/s {v:10,.0f}  (target >= "
                  f"{TARGET_VISITS_PER_S:,.0f})  {verdict(v >= TARGET_VISITS_PER_S)}")
        else:
            print(f"  {n:>9,}: store visits/s        n/a  (no store visits in {r['days']} days)")
    if TARGET_CDAYS_AT not in sizes:
        print(f"  (the consumer-days/s target applies at {TARGET_CDAYS_AT:,} consumers, "
              "not measured here)")
    return medians


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                    metavar="N", help="populations to run (default: 100000 1000000)")
    ap.add_argument("--market", default="retail_apparel", help="market preset")
    ap.add_argument("--plan", default=None, help="plan preset (default: conf/config.yaml's)")
    ap.add_argument("--days", type=int, default=112)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, metavar="R",
                    help="fresh runs per size; targets are judged on the median (default 1)")
    ap.add_argument("--json", metavar="PATH", help="also write the figures to this file")
    ap.add_argument("--one", type=int, metavar="N", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one:
        result = one(args.one, args.market, args.plan, args.days, args.seed)
        print(MARKER + json.dumps(result), flush=True)
        return

    rows = []
    for size in args.sizes:
        for k in range(args.repeat):
            print(f"running {size:,} consumers x {args.days} days ({args.market}) in a fresh "
                  f"process, run {k + 1}/{args.repeat} ...", file=sys.stderr, flush=True)
            rows.append(run_child(size, args))
    medians = print_table(rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"runs": rows, "medians": medians}, fh, indent=2)
            fh.write("\n")


if __name__ == "__main__":
    main()
