"""What tells the compared runs apart: the settings that differ between them, other
config differences, and a short unique name per scenario (docs/compare.md, "Scenario
names")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from o2osim.reports.runs import IDENTITY, Run
from o2osim.values import scalar_text

IGNORED_KEYS = ("sim.workers", "lang", "hydra")
"""Settings that never change results (docs/kpis.md: same whatever the number of workers;
``lang``: the language of the report; ``hydra.*``, ``hydra/launcher=...``: where and how a
job ran): never a difference."""
PRECISION_KEYS = ("sim.replications",)
"""Settings that change how precisely a scenario is measured, not the scenario: shown in
their own column (``replications``), never in a scenario's name, and used to tell apart
runs whose names would otherwise repeat."""
GROUPS = ("market", "plan", "targets")
"""Hydra config groups of a scenario (``.hydra/hydra.yaml`` ``runtime.choices``)."""


def override_value(value: Any) -> str:
    """A config value as it would be typed in an override (``true``, ``[1,2]``, ``0.5``)."""
    scalar = scalar_text(value)
    if scalar is not None:
        return scalar
    if isinstance(value, list | tuple):
        return "[" + ",".join(override_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{override_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if re.fullmatch(r"[\w./:+-]+", text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def override_key(line: str) -> str:
    """The key an override sets: ``plan`` for ``plan=x``, ``a.b`` for ``+a.b=1``."""
    return line.partition("=")[0].lstrip("+~").strip()


def setting_value(run: Run, key: str) -> str | None:
    """What ``run`` used for ``key``: a group's preset, or the config value (None: unknown)."""
    if key in run.choices:
        return run.choices[key]
    if key in run.config:
        return override_value(run.config[key])
    below = {k[len(key) + 1:]: v for k, v in run.config.items() if k.startswith(key + ".")}
    return override_value(below) if below else None


def _covered(key: str, by: Sequence[str]) -> bool:
    """True if ``key`` is one of ``by`` or lies below one (``a.b.c`` below ``a.b``)."""
    return any(key == b or key.startswith(b + ".") for b in by)


def _ignored(key: str) -> bool:
    """True for a key that never tells scenarios apart: :data:`IGNORED_KEYS` (``hydra.*``
    and group overrides such as ``hydra/launcher``) and :data:`PRECISION_KEYS`."""
    return _covered(key.split("/", 1)[0], IGNORED_KEYS) or _covered(key, PRECISION_KEYS)


def distinguishing(runs: Sequence[Run]) -> list[dict[str, str]]:
    """Per run, the settings whose value differs between the runs, ``{key: value}``.

    Candidates are the keys of every run's overrides (in the order typed), the config
    groups and the identity ``metrics.json`` records (seed, population, days,
    replications); a run's value is read from its resolved config (a run that did not
    override a key shows its default). A run without ``.hydra`` knows only its identity:
    its other values are unknown and never count as a difference. Keys in
    :data:`IGNORED_KEYS` (``sim.workers``, ``hydra.*``) and :data:`PRECISION_KEYS`
    (``sim.replications``: the ``replications`` column) never distinguish.
    """
    keys: list[str] = []
    for run in runs:
        for line in run.overrides:
            key = override_key(line)
            if key and key not in keys:
                keys.append(key)
    keys += [k for k in (*GROUPS, *(key for key, _ in IDENTITY[2:])) if k not in keys]
    keys = [k for k in keys if not _ignored(k)]
    values = {k: [setting_value(r, k) for r in runs] for k in keys}

    def differs(key: str) -> bool:
        known = {v for r, v in zip(runs, values[key], strict=True)
                 if r.has_hydra_config or v is not None}
        return len(known) > 1

    differ = [k for k in keys if differs(k)]
    return [{k: v for k in differ if (v := values[k][i]) is not None} for i in range(len(runs))]


def other_differences(runs: Sequence[Run], settings: Sequence[dict[str, str]]
                      ) -> list[dict[str, str]]:
    """Per run, the config keys that differ between runs the distinguishing ``settings``
    do not tell apart (e.g. a preset edited between two runs). A key under a
    distinguishing key (``plan.coupon.value_cny`` under ``plan``) counts only where runs
    with the same value of that key differ. ``~key``: absent in this run. Keys that never
    distinguish (``sim.workers``, ``sim.replications``) are not differences either."""
    have = [i for i, r in enumerate(runs) if r.has_hydra_config]
    if len(have) < 2:
        return [{} for _ in runs]
    explained = list(dict.fromkeys(k for s in settings for k in s))
    keys = list(dict.fromkeys(k for i in have for k in runs[i].config))

    def differs(key: str) -> bool:
        if _ignored(key):
            return False
        by = [d for d in explained if _covered(key, [d])]
        seen: dict[tuple[str | None, ...], str | None] = {}
        for i in have:
            group = tuple(settings[i].get(d) for d in by)
            value = override_value(runs[i].config[key]) if key in runs[i].config else None
            if seen.setdefault(group, value) != value:
                return True
        return False

    differ = [k for k in keys if differs(k)]
    return [{k: override_value(runs[i].config[k]) if k in runs[i].config else "~"
             for k in differ} if i in have else {} for i in range(len(runs))]


def as_overrides(settings: dict[str, str]) -> str:
    """``{"plan": "x", "sim.seed": "3"}`` → ``plan=x sim.seed=3`` (absent keys as ``~key``)."""
    return " ".join(f"~{k}" if v == "~" else f"{k}={v}" for k, v in settings.items())


def short_keys(keys: Sequence[str]) -> dict[str, str]:
    """Each dotted key as its last two parts (``livestream.budget_cny`` for
    ``plan.channels.livestream.budget_cny``), or whole where two keys would shorten alike."""
    short = {k: ".".join(k.split(".")[-2:]) for k in keys}
    return {k: v if list(short.values()).count(v) == 1 else k for k, v in short.items()}


def folder_tails(folders: Sequence[str]) -> list[str]:
    """For each folder, its shortest tail (two parts at least) that no other folder ends
    with: ``sweep/1``, ``a/rep/1``, ``b/rep/1`` for ``/x/sweep/1``, ``/x/a/rep/1`` and
    ``/x/b/rep/1``."""
    parts = [Path(f).parts for f in folders]
    out = []
    for i, p in enumerate(parts):
        n = next((n for n in range(2, len(p) + 1)
                  if all(q[-n:] != p[-n:] for j, q in enumerate(parts) if j != i)), len(p))
        out.append(str(Path(*p[-n:])) if p else folders[i])
    return out


def _disambiguate(labels: list[str], extra: Sequence[str]) -> list[str]:
    """``labels`` with ``extra[i]`` (unless empty) appended in brackets where a label
    repeats."""
    repeated = {b for b in labels if labels.count(b) > 1}
    return [f"{b} ({x})" if b in repeated and x else b
            for b, x in zip(labels, extra, strict=True)]


def scenario_labels(runs: Sequence[Run], settings: Sequence[dict[str, str]]) -> list[str]:
    """A short unique label per run: its distinguishing settings with their keys shortened
    (:func:`short_keys`), else ``market × plan``. Labels that would repeat get the number
    of replications appended where that differs, then the shortest folder tails that
    tell them apart (:func:`folder_tails`)."""
    names = short_keys(list(dict.fromkeys(k for s in settings for k in s)))
    labels = [" ".join(f"{names[k]}={v}" for k, v in s.items()) if s else
              f"{r.metrics.get('market', '?')} × {r.metrics.get('plan', '?')}"
              for r, s in zip(runs, settings, strict=True)]
    reps = [int(r.metrics.get("replications", 1) or 1) for r in runs]
    groups = {b: {n for b2, n in zip(labels, reps, strict=True) if b2 == b} for b in labels}
    labels = _disambiguate(labels, [f"{n} replication{'s' if n != 1 else ''}"
                                    if len(groups[b]) > 1 else ""
                                    for b, n in zip(labels, reps, strict=True)])
    repeated = [i for i, b in enumerate(labels) if labels.count(b) > 1]
    tails = dict(zip(repeated, folder_tails([runs[i].folder for i in repeated]), strict=True))
    return _disambiguate(labels, [tails.get(i, "") for i in range(len(runs))])

