r"""How long a sweep of 100 scenarios x 100 000 consumers takes (issue 5, item 6).

One Hydra multirun of a 10 x 10 grid a strategist would plausibly run: the livestream
budget (0-9 M CNY in 1 M steps) against the coupon's value (10-100 CNY off a 300 CNY
threshold), on the integrated plan in retail_apparel, 100 000 consumers, 112 days, every
job a full run with its report. The command it times is printed and is exactly::

    o2osim -m hydra/launcher=LAUNCHER \
        'plan.channels.livestream.budget_cny=range(0,9000001,1000000)' \
        'plan.coupon.value_cny=range(10,101,10)' hydra.sweep.dir=FOLDER

then ``o2osim-compare FOLDER`` over the 100 runs. It prints the wall time of each, the
number of finished jobs and the 1-minute load average before the start (2 cores: above
~0.5 means other work competed for them).

    python experiments/sweep_speed/run.py                     # joblib launcher (both cores)
    python experiments/sweep_speed/run.py --launcher basic    # one job after another
    python experiments/sweep_speed/run.py --population 20000  # a smaller market

Every invocation writes a new folder ``results/studies/sweep_speed/<launcher>_<time>/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import studylib as sl  # noqa: E402

GRID = ("plan.channels.livestream.budget_cny=range(0,9000001,1000000)",
        "plan.coupon.value_cny=range(10,101,10)")
JOBS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launcher", choices=("joblib", "basic"), default="joblib")
    parser.add_argument("--population", type=int, default=100_000,
                        help="simulated consumers per job (default 100 000)")
    args = parser.parse_args()

    folder = sl.STUDIES / "sweep_speed" / f"{args.launcher}_{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    overrides = ["-m", *GRID, f"sim.population={args.population}",
                 f"hydra.sweep.dir={folder}"]
    if args.launcher == "joblib":
        overrides.insert(1, "hydra/launcher=joblib")
    load = os.getloadavg()[0]
    log = folder.parent / f"{folder.name}.log"
    print(f"$ o2osim {' '.join(overrides)}\n  (output in {sl.rel(log)}; load before {load:.2f})",
          flush=True)
    sweep_s = sl.o2osim(overrides, log)
    finished = sum((folder / str(j) / "metrics.json").is_file() for j in range(JOBS))
    print(f"sweep: {finished} of {JOBS} jobs finished in {sweep_s / 60:.1f} min "
          f"({sweep_s:.0f} s wall clock, {sweep_s / max(finished, 1):.1f} s per job)",
          flush=True)
    start = time.perf_counter()
    sl.compare(folder, folder / "comparison", log)
    print(f"o2osim-compare over the sweep: {time.perf_counter() - start:.0f} s")
    print(f"total: {(sweep_s + time.perf_counter() - start) / 60:.1f} min; "
          f"1-minute load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
