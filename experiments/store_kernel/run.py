"""CPU time of one store-day: the simpy engine against the compiled kernel (store_day_kernel).

    python experiments/store_kernel/run.py [--arrivals 400] [--repeat 200]
    python experiments/store_kernel/run.py --first-call   # compile / cache-load time
    python experiments/store_kernel/run.py --run hotpot_chain [--population 100000]

A hotpot_chain store (host, table, cashier; weekday staffing with its shift changes)
gets ``--arrivals`` real arrivals drawn the way the model draws them
(``stores.draw_arrivals``: the hourly profile, patience, gamma service times; a fifth
booked, a third with an online coupon checked at the till). Both engines run the same day
``--repeat`` times, interleaved in rounds; the figure is the median round's
``time.process_time`` per call. The results are checked equal first.

``--first-call`` runs a fresh interpreter twice with an empty ``NUMBA_CACHE_DIR``: the
first compiles (cache miss, then writes it), the second loads the cache; each reports
the CPU seconds of importing the kernel module and of its first call.

``--run MARKET`` runs the model (112 days, no baseline) once with each engine and times
the store-day function alone over the whole run (the kernel loaded and warmed first):
CPU per call and per real arrival, on the store days the model really produces.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def store_day(n: int, seed: int = 1) -> tuple:
    """The arguments of ``simulate_store_day`` for a hotpot weekday of ``n`` arrivals."""
    from o2osim.config import compose_scenario
    from o2osim.config.schema import OperationsPlan
    from o2osim.model import CampaignModel
    from o2osim.operations import Station
    from o2osim.stores import StoreAgent, draw_arrivals

    sc = compose_scenario(["market=hotpot_chain", "sim.population=1000", "sim.days=1"])
    store = StoreAgent(CampaignModel(sc), 0, sc.market.operations, OperationsPlan())
    rng = np.random.default_rng(seed)
    booked, coupon = rng.random(n) < 0.2, rng.random(n) < 1 / 3
    check = np.where(coupon, 0.5, 0.0)
    today = draw_arrivals([store], 1, np.zeros(n, dtype=np.int64), booked, check,
                          coupon & (rng.random(n) < 0.1), rng)
    stations = [Station(units_by_part=units, part_starts_min=store._part_starts_min,
                        service_min=service, used=used, checkout=spec.checkout)
                for spec, units, service, used in zip(store._specs, store._units[False],
                                                      today.service_min, today.used,
                                                      strict=True)]
    return (today.minute, today.booked, today.patience_min, today.check_min,
            today.check_fails, stations, store.hours.minutes,
            store.ops.balk_queue_per_server)


def per_call(n: int, repeat: int) -> None:
    from o2osim.operations import simulate_store_day
    from o2osim.store_day_kernel import simulate_store_day_fast

    args = store_day(n)
    ref, fast = simulate_store_day(*args), simulate_store_day_fast(*args)
    assert np.array_equal(ref.status, fast.status) and np.array_equal(ref.wait_min,
                                                                      fast.wait_min)
    assert ref.busy_unit_min == fast.busy_unit_min
    rounds = 10
    times: dict[str, list[float]] = {"simpy": [], "kernel": []}
    for _ in range(rounds):
        for name, f in (("simpy", simulate_store_day), ("kernel", simulate_store_day_fast)):
            t = time.process_time()
            for _ in range(repeat // rounds):
                f(*args)
            times[name].append((time.process_time() - t) / (repeat // rounds))
    print(f"{n} arrivals, {len(args[5])} stations; outcomes {np.bincount(ref.status)} "
          f"(served, balked, reneged)")
    for name, ts in times.items():
        med = float(np.median(ts))
        print(f"{name:>7}: {med * 1e6:9.1f} us per store-day  {med / n * 1e6:7.3f} us per "
              f"arrival  (rounds {min(ts) * 1e6:.1f}-{max(ts) * 1e6:.1f} us)")
    print(f"  ratio: {np.median(times['simpy']) / np.median(times['kernel']):.0f}x")


FIRST = """
import time
t = time.process_time()
import o2osim.store_day_kernel as k
t1 = time.process_time()
import sys; sys.path.insert(0, {here!r})
from run import store_day
args = store_day(400)
t2 = time.process_time()
k.simulate_store_day_fast(*args)
t3 = time.process_time()
print(f"import {{t1 - t:.2f}} s, first call {{t3 - t2:.2f}} s")
"""


def first_call() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="store_kernel_") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("no cache (compiles)", "cache (loads)"):
            out = subprocess.run([sys.executable, "-c", FIRST.format(here=here)], env=env,
                                 capture_output=True, text=True, check=True).stdout
            print(f"{label:>20}: {out.strip()}")


def whole_run(market: str, population: int) -> None:
    from o2osim import stores
    from o2osim.config import compose_scenario
    from o2osim.model import CampaignModel
    from o2osim.operations import simulate_store_day
    from o2osim.store_day_kernel import simulate_store_day_fast

    simulate_store_day_fast(*store_day(10))  # load numba and the cached kernel
    figures = {}
    for name, engine in (("simpy", simulate_store_day), ("kernel", simulate_store_day_fast)):
        acc = [0.0, 0, 0]  # CPU s, calls, arrivals

        def timed(*args, engine=engine, acc=acc):  # type: ignore[no-untyped-def]
            t = time.process_time()
            res = engine(*args)
            acc[0] += time.process_time() - t
            acc[1] += 1
            acc[2] += args[0].shape[0]
            return res

        stores.store_day_engine = lambda timed=timed: timed  # type: ignore[assignment]
        model = CampaignModel(compose_scenario([f"market={market}",
                                                f"sim.population={population}"]))
        model.run()
        figures[name] = acc[0] / acc[2]
        print(f"{name:>7}: {acc[1]} store-days, {acc[2]} arrivals, {acc[0]:.2f} CPU s: "
              f"{acc[0] / acc[1] * 1e6:.1f} us per store-day, {acc[0] / acc[2] * 1e6:.3f} "
              f"us per arrival")
    print(f"  ratio: {figures['simpy'] / figures['kernel']:.0f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arrivals", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--first-call", action="store_true")
    ap.add_argument("--run", metavar="MARKET")
    ap.add_argument("--population", type=int, default=100_000)
    a = ap.parse_args()
    if a.run:
        whole_run(a.run, a.population)
    elif a.first_call:
        first_call()
    else:
        per_call(a.arrivals, a.repeat)


if __name__ == "__main__":
    main()
