"""Shared helpers: a small scenario and the ``o2osim`` command run in a throwaway folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SMALL = ("sim.population=2000", "sim.days=30")
"""Overrides that keep a run to a second or two."""

RunO2osim = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def o2osim(tmp_path: Path) -> RunO2osim:
    """Run ``python -m o2osim.cli ARGS`` with ``tmp_path`` as working directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYDRA_")}
    env.update(CI="1", COLUMNS="100")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "o2osim.cli", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=600)

    return run
