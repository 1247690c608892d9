"""Record the golden runs: every market x plan preset at two seeds, a small population.

``python tests/golden/make_golden.py`` rewrites ``tests/golden/<market>__<plan>__s<seed>/``
(``metrics.json``, ``daily.csv``, ``stores.csv``, written by the same writers as the CLI).
``tests/test_golden.py`` re-runs them and compares byte for byte: a reshaping of the engine
must not change a result, and a change that does (a different way of drawing random numbers)
regenerates these files in the commit that causes it and says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

from o2osim.config.store import CONF_DIR, compose_scenario
from o2osim.model import run_scenario
from o2osim.results import write_run

GOLDEN = Path(__file__).resolve().parent
SEEDS = (3, 11)
SIM = ("sim.population=2000", "sim.days=112")


def presets(group: str) -> list[str]:
    """The presets of a config group, discovered from ``conf/<group>/``."""
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")
                  if not p.stem.startswith("_") and p.stem != "best_plan"
                  and p.stem != "closest_plan")


def cases() -> list[tuple[str, str, int]]:
    return [(m, p, s) for m in presets("market") for p in ("fragmented", "integrated")
            for s in SEEDS]


def case_dir(market: str, plan: str, seed: int) -> Path:
    return GOLDEN / f"{market}__{plan}__s{seed}"


KEPT = ("metrics.json", "daily.csv", "stores.csv")
"""What a golden case keeps of the run folder (the analyst's tables, docs/records.md, are
checked by tests/test_records.py against these)."""


def write_case(market: str, plan: str, seed: int, folder: Path) -> None:
    sc = compose_scenario([f"market={market}", f"plan={plan}", f"sim.seed={seed}", *SIM])
    write_run(folder, run_scenario(sc))
    for extra in folder.iterdir():
        if extra.is_file() and extra.name not in KEPT:
            extra.unlink()


if __name__ == "__main__":
    for m, p, s in cases():
        write_case(m, p, s, case_dir(m, p, s))
        print("wrote", case_dir(m, p, s).name, file=sys.stderr)
