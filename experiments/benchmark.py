"""Benchmark: consumer-days per second, store visits per second and bytes per consumer.

Each population size runs in a fresh subprocess so that its peak memory is its own.

    python experiments/benchmark.py                    # 100k and 1M, retail_apparel
    python experiments/benchmark.py --sizes 100000 --market hotpot_chain --json bench.json

Targets (issue 2 / 3, on a 2-core machine): >= 8 M consumer-days/s at 1 M consumers
(consumer rules), <= 200 bytes per consumer, >= 80 k store visits/s, a full 1 M-consumer
112-day run in <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def one(size: int, market: str, days: int) -> dict[str, float]:
    """Build and run one scenario; return timings and memory (runs in a subprocess)."""
    from o2osim.config import compose_scenario
    from o2osim.model import CampaignModel

    sc = compose_scenario([f"market={market}", f"sim.population={size}", f"sim.days={days}"])
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # after Hydra's compose
    t0 = time.perf_counter()
    model = CampaignModel(sc)
    t1 = time.perf_counter()
    store_s = 0.0
    original = model._run_stores

    def timed(visitors, day):  # type: ignore[no-untyped-def]
        nonlocal store_s
        s = time.perf_counter()
        out = original(visitors, day)
        store_s += time.perf_counter() - s
        return out

    model._run_stores = timed  # type: ignore[method-assign]
    model.run()
    t2 = time.perf_counter()
    ledger = model.store_ledger()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    run_s = t2 - t1
    visits = float(ledger["arrivals"].sum())
    return {
        "population": size,
        "days": days,
        "setup_s": t1 - t0,
        "run_s": run_s,
        "store_s": store_s,
        "consumer_days_per_s": size * days / run_s,
        "consumer_days_per_s_without_stores": size * days / max(run_s - store_s, 1e-9),
        "store_visits": visits,
        "store_visits_per_s": visits / store_s if store_s > 0 else 0.0,
        "state_bytes_per_consumer": model.pop.nbytes() / size,
        "peak_rss_growth_bytes_per_consumer": (rss1 - rss0) / size,
        "peak_rss_mb": rss1 / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--market", default="retail_apparel")
    ap.add_argument("--days", type=int, default=112)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.market, args.days)))
        return
    rows = []
    for size in args.sizes:
        print(f"running {size:,} consumers x {args.days} days ...", file=sys.stderr)
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--market", args.market,
             "--days", str(args.days)], capture_output=True, text=True, check=True)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"{'consumers':>10} {'setup s':>8} {'run s':>7} {'stores s':>8} {'M c-days/s':>10} "
          f"{'(no stores)':>11} {'visits/s':>9} {'state B/c':>9} {'peak B/c':>8}")
    for r in rows:
        print(f"{r['population']:>10,} {r['setup_s']:>8.2f} {r['run_s']:>7.2f} "
              f"{r['store_s']:>8.2f} {r['consumer_days_per_s'] / 1e6:>10.2f} "
              f"{r['consumer_days_per_s_without_stores'] / 1e6:>11.2f} "
              f"{r['store_visits_per_s']:>9,.0f} {r['state_bytes_per_consumer']:>9.0f} "
              f"{r['peak_rss_growth_bytes_per_consumer']:>8.0f}")
    print("targets: >= 8 M consumer-days/s at 1 M; <= 200 bytes/consumer; "
          ">= 80 k store visits/s; 1 M x 112 days <= 60 s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
