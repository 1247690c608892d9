"""Same config and seed give identical results; no hidden global random state."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pandas.testing as pdt

from o2osim.config import compose_scenario
from o2osim.config.schema import ScenarioConfig
from o2osim.metrics import compute_metrics
from o2osim.model import CampaignModel, run_scenario

SMALL = ("market=hotpot_chain", "plan=fragmented", "sim.population=3000", "sim.days=40")
SRC = Path(__file__).resolve().parents[1] / "src"
ALLOWED_NP_RANDOM = {"Generator", "SeedSequence", "PCG64", "default_rng"}


def scenario(seed: int, *extra: str) -> ScenarioConfig:
    return compose_scenario([*SMALL, f"sim.seed={seed}", *extra])


def dump(metrics: dict[str, Any]) -> str:
    return json.dumps(metrics, sort_keys=True)


def finish(model: CampaignModel) -> tuple[str, pd.DataFrame]:
    """Metrics (as JSON) and daily series of a model that has run, as run_scenario makes them."""
    record = model.record()
    return dump(compute_metrics(record)), record.daily


def test_same_seed_same_results() -> None:
    a = run_scenario(scenario(4))
    b = run_scenario(scenario(4))
    assert dump(a.metrics) == dump(b.metrics)
    pdt.assert_frame_equal(a.daily, b.daily)
    pdt.assert_frame_equal(a.stores, b.stores)


def test_same_seed_same_results_integrated_plan() -> None:
    a = run_scenario(scenario(11, "plan=integrated", "market=retail_apparel"))
    b = run_scenario(scenario(11, "plan=integrated", "market=retail_apparel"))
    assert dump(a.metrics) == dump(b.metrics)
    pdt.assert_frame_equal(a.daily, b.daily)


def test_other_seed_other_results() -> None:
    a = run_scenario(scenario(4))
    b = run_scenario(scenario(5))
    assert dump(a.metrics) != dump(b.metrics)
    assert not a.daily.equals(b.daily)


def test_interleaved_models_match_sequential_runs() -> None:
    """Build A, build B, run A, run B == each built and run on its own."""
    sc_a, sc_b = scenario(1), scenario(2)
    sequential = []
    for sc in (sc_a, sc_b):
        m = CampaignModel(sc)
        m.run()
        sequential.append(finish(m))

    a, b = CampaignModel(sc_a), CampaignModel(sc_b)
    a.run()
    b.run()
    for model, (metrics, daily) in zip((a, b), sequential, strict=True):
        got_metrics, got_daily = finish(model)
        assert got_metrics == metrics
        pdt.assert_frame_equal(got_daily, daily)


def test_models_stepped_alternately_match_sequential_runs() -> None:
    """Stronger interleaving: A and B advance one day at a time, turn about."""
    sc_a, sc_b = scenario(1), scenario(2)
    a, b = CampaignModel(sc_a), CampaignModel(sc_b)
    for _ in range(sc_a.sim.days):
        a.step()
        b.step()
    for model, sc in ((a, sc_a), (b, sc_b)):
        alone = CampaignModel(sc)
        alone.run()
        got, want = finish(model), finish(alone)
        assert got[0] == want[0]
        pdt.assert_frame_equal(got[1], want[1])


NP_RANDOM_ATTR = re.compile(r"\b(?:np|numpy)\.random\.([A-Za-z_]\w*)")
FROM_NP_RANDOM = re.compile(r"^\s*from\s+numpy\.random\s+import\s+([^#\n]+)", re.MULTILINE)
FROM_NP_IMPORT_RANDOM = re.compile(r"^\s*from\s+numpy\s+import\s+[^#\n]*\brandom\b",
                                   re.MULTILINE)


def global_random_uses(text: str) -> list[str]:
    """``np.random.<fn>`` / ``from numpy.random import <fn>`` outside the allowed names."""
    bad = [f"np.random.{name}" for name in NP_RANDOM_ATTR.findall(text)
           if name not in ALLOWED_NP_RANDOM]
    for names in FROM_NP_RANDOM.findall(text):
        for part in names.replace("(", " ").replace(")", " ").split(","):
            name = part.split()[0] if part.split() else ""
            if name and name not in ALLOWED_NP_RANDOM:
                bad.append(f"from numpy.random import {name}")
    bad += ["from numpy import random"] * len(FROM_NP_IMPORT_RANDOM.findall(text))
    return bad


def test_the_grep_finds_global_calls() -> None:
    text = ("x = np.random.rand(3)\nnp.random.seed(1)\ng = np.random.default_rng(1)\n"
            "p = np.random.Generator(np.random.PCG64(np.random.SeedSequence(1)))\n"
            "from numpy.random import normal as nrm, Generator\nfrom numpy import random\n")
    assert global_random_uses(text) == ["np.random.rand", "np.random.seed",
                                        "from numpy.random import normal",
                                        "from numpy import random"]


def test_no_global_numpy_random_calls_in_the_package() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert files, SRC
    offenders = [f"{path.relative_to(SRC)}: {use}" for path in files
                 for use in global_random_uses(path.read_text(encoding="utf-8"))]
    assert offenders == []


CHILD = """
import json, sys
from o2osim.config import compose_scenario
from o2osim.model import run_scenario
r = run_scenario(compose_scenario(sys.argv[1:]))
print(json.dumps({"metrics": r.metrics, "daily": r.daily.to_json()}, sort_keys=True))
"""


def test_same_seed_same_results_across_processes() -> None:
    """Nothing depends on the process: string hashing (PYTHONHASHSEED), import order."""
    outs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        proc = subprocess.run([sys.executable, "-c", CHILD, *SMALL, "sim.seed=7"], env=env,
                              capture_output=True, text=True, timeout=300, check=True)
        outs.append(proc.stdout.strip().splitlines()[-1])
    assert outs[0] == outs[1]
