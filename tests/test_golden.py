"""Golden runs: every market x plan preset at two seeds gives, byte for byte, the files
recorded in ``tests/golden/`` (``python tests/golden/make_golden.py`` writes them).

Reshaping the engine must not change what a run computes; a change that does is
explained in the commit that regenerates these files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from make_golden import KEPT, case_dir, cases, write_case  # noqa: E402

FILES = KEPT


def test_every_market_preset_has_golden_runs() -> None:
    recorded = {p.name for p in case_dir("x", "y", 0).parent.iterdir() if p.is_dir()
                and "__" in p.name}
    assert recorded == {case_dir(*c).name for c in cases()}


@pytest.mark.parametrize("market,plan,seed", cases(), ids=lambda v: str(v))
def test_golden_run_unchanged(market: str, plan: str, seed: int, tmp_path: Path) -> None:
    write_case(market, plan, seed, tmp_path)
    for name in FILES:
        want = (case_dir(market, plan, seed) / name).read_text(encoding="utf-8")
        got = (tmp_path / name).read_text(encoding="utf-8")
        assert got == want, f"{name} of {market} x {plan} seed {seed} changed"
