"""CPU time of the consumer rules per consumer-day, and of the whole ``o2osim`` command.

``python experiments/engine_speed/run.py [--population N] [--days D] [--seed S]`` runs one
scenario in this process and prints CPU seconds (``time.process_time``): the whole run,
the time inside the stores' simpy days (``run_stores_day``), and the rest — the consumer
rules — per consumer-day. Works on any checkout since issue 3 (it patches
``run_stores_day`` wherever the engine imported it), so two checkouts can be measured back
to back, interleaved (see experiments/README.md, "Engine speed").
"""

from __future__ import annotations

import argparse
import importlib
import json
import time


def measure(population: int, days: int, seed: int, market: str) -> dict[str, float]:
    from o2osim.config import compose_scenario
    from o2osim.model import CampaignModel

    store_cpu = [0.0]
    import o2osim.stores as stores

    real = stores.run_stores_day

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.process_time()
        out = real(*args, **kwargs)
        store_cpu[0] += time.process_time() - t
        return out

    for name in ("o2osim.model", "o2osim.components.store_visits"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(mod, "run_stores_day"):
            mod.run_stores_day = timed  # type: ignore[attr-defined]
    sc = compose_scenario([f"market={market}", f"sim.population={population}",
                           f"sim.days={days}", f"sim.seed={seed}"])
    model = CampaignModel(sc)
    t0 = time.process_time()
    model.run()
    run_cpu = time.process_time() - t0
    rules = run_cpu - store_cpu[0]
    return {"population": population, "days": days, "run_cpu_s": run_cpu,
            "store_cpu_s": store_cpu[0], "rules_cpu_s": rules,
            "rules_ns_per_consumer_day": 1e9 * rules / (population * days)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=112)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--market", default="retail_apparel")
    a = ap.parse_args()
    print(json.dumps(measure(a.population, a.days, a.seed, a.market)))
