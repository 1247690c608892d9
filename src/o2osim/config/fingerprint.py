"""A scenario's fingerprint: which results belong to which configuration.

Two runs with the same fingerprint give identical results (same config, same seed,
docs/architecture.md, "Random streams"), so a sweep re-run into its folder can skip a job whose
``metrics.json`` carries the fingerprint of the job it is about to run
(:mod:`o2osim.cli`). Settings that cannot change results are left out: ``sim.workers``
(replications are identical whatever the number of processes, tests/test_replications.py)
and ``lang`` (the language of the report, not of the simulation).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from o2osim.config.schema import ScenarioConfig

NOT_IN_FINGERPRINT = (("sim", "workers"),)
"""(section, field) pairs that do not change results."""
NOT_IN_FINGERPRINT_TOP = ("lang",)
"""Top-level settings that do not change results (``lang``: the language of the report)."""


def scenario_sha256(sc: ScenarioConfig) -> str:
    """SHA-256 (hex) of the scenario's settings as canonical JSON."""
    data: dict[str, Any] = dataclasses.asdict(sc)
    for section, field in NOT_IN_FINGERPRINT:
        data.get(section, {}).pop(field, None)
    for field in NOT_IN_FINGERPRINT_TOP:
        data.pop(field, None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
