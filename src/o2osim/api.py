"""The Python API: compose, check, run and save scenarios from a notebook or a script.

::

    import o2osim

    result = o2osim.run(market="hotpot_chain", plan="integrated",
                        overrides={"sim.population": 20000})
    result.kpis["roi"]           # a KPI of metrics.json "kpis"
    result.daily                 # daily.csv as a DataFrame (stores.csv: result.stores)
    result.save("results/api/hotpot")   # the run folder the CLI writes

A scenario is checked exactly as ``o2osim`` checks its command line: the API hands the
same override lines to the CLI's preflight (:func:`o2osim.cli.preflight`), so bad input
raises :class:`o2osim.config.ConfigError` — the one exception type for bad input here —
whose message is the CLI's one-line error (field, value given, what is allowed), before
any simulation work. It then runs as the CLI runs a job
(:func:`o2osim.replications.run_replications`) and writes, on :meth:`Result.save`, with
the CLI's writers (:func:`o2osim.results.write_run`, the report). docs/api.md documents it.

Importing :mod:`o2osim` imports this module only: Hydra, pandas, Mesa and matplotlib are
imported when a scenario is composed or run, so ``import o2osim`` stays fast.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when used: importing o2osim stays light
    import pandas as pd
    from omegaconf import DictConfig

    from o2osim.config.schema import ScenarioConfig

Overrides = Mapping[str, Any] | Sequence[str]
"""Settings over the presets: ``{"sim.population": 20000, "plan.coupon.value_cny": 30}``,
or override lines as on the command line: ``["sim.population=20000"]``."""

_PLAIN = re.compile(r"[A-Za-z_][\w\-]*(/[\w\-]+)*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "none", "nan", "inf", "~"}


def _error(path: str, given: str, allowed: str) -> Exception:
    from o2osim.config import ConfigError

    return ConfigError(path, given, allowed)


def _quoted(text: str) -> str:
    """``text`` as a quoted string of Hydra 1.3's override grammar: a quote, and the
    backslashes right before a quote (or before the closing one), are escaped."""
    escaped = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", text)
    return "'" + re.sub(r"(\\+)$", lambda m: m.group(1) * 2, escaped) + "'"


def _value(key: str, value: Any) -> str:
    """A Python value written in Hydra's override grammar (strings always stay strings)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        try:
            return str(int(value))
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise _error(key, "an integer of thousands of digits",
                         "must be a number of ordinary size") from None
    if isinstance(value, numbers.Real):
        number = float(value)
        return ("nan" if math.isnan(number) else "inf" if number == math.inf
                else "-inf" if number == -math.inf else repr(number))
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
            return value
        return _quoted(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_value(f'{key}.{k}', v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(_value(f"{key}[{i}]", v) for i, v in enumerate(value)) + "]"
    raise _error(key, repr(value), "must be a number, a string, true / false, None, a list "
                 "or a mapping of these")


def override_lines(market: str | None = None, plan: str | None = None,
                   overrides: Overrides | None = None, targets: str | None = None
                   ) -> list[str]:
    """The override lines of a scenario, as they would be typed after ``o2osim``.

    Keys under ``hydra`` and command-line options (``-m``, ``--cfg``) are refused: a
    Python scenario is one run, and :meth:`Result.save` chooses its folder.
    """
    lines = [f"{group}={_value(group, name)}" for group, name in
             (("market", market), ("plan", plan), ("targets", targets)) if name is not None]
    if overrides is None:
        pairs: Iterable[str] = []
    elif isinstance(overrides, Mapping):
        pairs = []
        for key, value in overrides.items():
            if not isinstance(key, str) or not key:
                raise _error("overrides", repr(key), "keys are dotted setting names such as "
                             "'sim.population'")
            pairs.append(f"{key}={_value(key, value)}")
    elif isinstance(overrides, str):
        raise _error("overrides", repr(overrides), "must be a mapping "
                     "{'sim.population': 20000} or a list of lines ['sim.population=20000']")
    else:
        pairs = [str(line) for line in overrides]
    for line in pairs:
        key = line.partition("=")[0].lstrip("+~")
        if line.startswith("-"):
            raise _error(line, "is a command-line option", "o2osim.run takes settings "
                         "key=value only; a sweep is o2osim.sweep([...])")
        if key == "hydra" or key.startswith(("hydra.", "hydra/")):
            raise _error(key, repr(line.partition("=")[2]), "o2osim.run takes scenario "
                         "settings (market, plan, targets, sim) only; write the run folder "
                         "with result.save(folder)")
        lines.append(line)
    return lines


def _progress(progress: bool | None) -> bool:
    """Progress on stderr: as asked; by default on a terminal or in a Jupyter kernel,
    never in CI."""
    if progress is not None:
        return progress
    from o2osim.progress import progress_wanted

    notebook = "ipykernel" in sys.modules and not os.environ.get("CI")
    return progress_wanted() or notebook


@dataclass(frozen=True)
class Scenario:
    """A scenario composed and validated as the CLI composes and validates it.

    ``config``: the typed scenario the engine runs; ``overrides``: its override lines (what
    follows ``o2osim`` on a command line: :meth:`command`); ``config_dir``: the folder of
    your own presets, if any (``--config-dir``).
    """

    config: ScenarioConfig
    overrides: tuple[str, ...]
    config_dir: Path | None = None
    composed: DictConfig | None = field(default=None, repr=False, compare=False)
    """The composed config including its ``hydra`` node (what ``.hydra/`` records)."""

    @property
    def label(self) -> str:
        """``market x plan, seed S`` (and the overrides that are no preset choice)."""
        sc = self.config
        extra = [o for o in self.overrides if o.partition("=")[0] not in ("market", "plan")]
        return f"{sc.market.name} x {sc.plan.name}" + (f" ({' '.join(extra)})" if extra else "")

    def command(self) -> str:
        """The ``o2osim`` command line that runs this scenario."""
        words = ["o2osim"]
        if self.config_dir is not None:
            words += ["--config-dir", str(self.config_dir)]
        return " ".join(shlex.quote(w) for w in [*words, *self.overrides])

    def run(self, progress: bool | None = None) -> Result:
        """Simulate the scenario (``sim.replications`` replications on ``sim.workers``
        processes, as the CLI does) and return its :class:`Result`.

        ``progress``: a bar of the simulated days (or replications) on stderr; by default
        on a terminal or in a Jupyter notebook, never when ``CI`` is set. Display only.
        """
        from o2osim.config.fingerprint import scenario_sha256
        from o2osim.replications import run_replications

        sc = self.config
        out, table = run_replications(sc, sc.sim.replications, sc.sim.workers,
                                      _progress(progress))
        from o2osim import ground_truth  # counterfactual runs (sim.ground_truth), as the CLI

        ground_truth.add_to(out.metrics, sc, bool(_progress(progress)), out.records,
                            out.baseline)
        out.metrics["config_sha256"] = scenario_sha256(sc)
        return Result(scenario=self, metrics=out.metrics, daily=out.daily, stores=out.stores,
                      replications=table, records=out.records)


def scenario(market: str | None = None, plan: str | None = None,
             overrides: Overrides | None = None,
             config_dir: str | os.PathLike[str] | None = None,
             targets: str | None = None) -> Scenario:
    """Compose and validate a scenario without running it.

    ``market``, ``plan``, ``targets``: preset names (the shipped ones, or yours in
    ``config_dir``; None: the default of ``conf/config.yaml``); ``overrides``: settings over
    them (:data:`Overrides`); ``config_dir``: a folder of your own presets, searched after
    the shipped ones as ``o2osim --config-dir`` searches it (docs/own-scenarios.md).

    Raises :class:`o2osim.config.ConfigError` with the CLI's one-line message for any bad
    input, and for a preset that asks for a sweep (``hydra.mode: MULTIRUN``).
    """
    from o2osim.cli import preflight
    from o2osim.config import compose_config, register_schemas, to_scenario, validate_scenario
    from o2osim.config.store import asks_for_sweep

    register_schemas()  # as the CLI's main() does before its preflight
    lines = override_lines(market, plan, overrides, targets)
    folder = None if config_dir is None else Path(config_dir)
    with tempfile.TemporaryDirectory(prefix="o2osim-api-") as scratch:
        # the CLI's checks, word for word; the output folders it is told about lie in a
        # throwaway folder, so that nothing is created where the user works
        preflight([*(["--config-dir", str(folder)] if folder is not None else []), *lines,
                   f"hydra.run.dir={Path(scratch) / 'run'}",
                   f"hydra.sweep.dir={Path(scratch) / 'sweep'}"])
    composed = compose_config(lines, folder, return_hydra_config=True)
    if asks_for_sweep(composed):
        raise _error("hydra.mode", "MULTIRUN", "this scenario is a sweep (a preset such as "
                     "+experiment=cheapest_plan asks for one): run it with o2osim -m, or "
                     "list its scenarios for o2osim.sweep")
    return Scenario(config=validate_scenario(to_scenario(composed)), overrides=tuple(lines),
                    config_dir=folder, composed=composed)


def run(market: str | None = None, plan: str | None = None,
        overrides: Overrides | None = None,
        config_dir: str | os.PathLike[str] | None = None,
        targets: str | None = None, progress: bool | None = None) -> Result:
    """Compose, validate and run one scenario; the arguments are those of :func:`scenario`.

    Bad input raises :class:`o2osim.config.ConfigError` (the CLI's one-line message)
    before any simulation work. Nothing is written: :meth:`Result.save` writes the run
    folder.
    """
    return scenario(market, plan, overrides, config_dir, targets).run(progress)


def sweep(scenarios: Iterable[Scenario | Mapping[str, Any]],
          config_dir: str | os.PathLike[str] | None = None,
          progress: bool | None = None) -> Sweep:
    """Run a list of scenarios, one after another; return their results in order.

    Each item is a :class:`Scenario` or the arguments of :func:`scenario` as a mapping
    (``{"market": "hotpot_chain", "overrides": {"sim.seed": 3}}``); ``config_dir`` is
    the default for the mappings that give none. Every scenario is validated before the
    first one runs, so a bad one raises :class:`o2osim.config.ConfigError` (its message
    names the scenario's position) before any work. ``progress``: the scenarios done on
    stderr (default as in :meth:`Scenario.run`).
    """
    checked: list[Scenario] = []
    for i, item in enumerate(scenarios):
        if isinstance(item, Scenario):
            checked.append(item)
            continue
        if not isinstance(item, Mapping):
            raise _error(f"scenarios[{i}]", repr(item), "must be an o2osim.Scenario or a "
                         "mapping of the arguments of o2osim.scenario")
        kwargs = {"config_dir": config_dir, **item}
        unknown = set(kwargs) - {"market", "plan", "overrides", "config_dir", "targets"}
        if unknown:
            raise _error(f"scenarios[{i}]", ", ".join(sorted(unknown)), "allowed keys: market, "
                         "plan, overrides, config_dir, targets")
        try:
            checked.append(scenario(**kwargs))
        except ValueError as err:  # ConfigError: say which scenario
            from o2osim.config import ConfigError

            if not isinstance(err, ConfigError):
                raise
            raise ConfigError(err.path, err.given, f"{err.allowed} (scenarios[{i}])") from err
    show = _progress(progress)
    bar = None
    if show:
        from o2osim.progress import ProgressBar

        bar = ProgressBar("scenarios done", len(checked))
    results = Sweep()
    for i, sc in enumerate(checked):
        if bar is not None:
            bar.update(i, f"running {i + 1}: {sc.label}; scenarios done")
        results.append(sc.run(progress=False))
    if bar is not None:
        bar.update(len(checked), "scenarios done")
    return results


@dataclass(frozen=True, repr=False)
class Result:
    """What a run produced, as the CLI writes it into a run folder.

    ``metrics``: the content of ``metrics.json`` (KPIs, scorecard, identity; of a
    replicated run the means, with ``kpi_stats``); ``daily`` and ``stores``: ``daily.csv``
    and ``stores.csv`` (of replication 0); ``replications``: ``replications.csv`` (one row
    of KPIs per replication). Units are in the column and KPI names (``*_cny``,
    ``*_rate`` as a share 0-1, ``*_min``); docs/kpis.md defines each.
    """

    scenario: Scenario
    metrics: dict[str, Any]
    daily: pd.DataFrame
    stores: pd.DataFrame | None
    replications: pd.DataFrame
    records: Any = None
    """Replication 0's orders, consumers and channels_daily tables
    (:class:`o2osim.records.Records`, ``records.tables``; None with ``sim.records=none``)."""

    @property
    def kpis(self) -> Mapping[str, float]:
        """The KPIs (``metrics["kpis"]``), read-only."""
        return MappingProxyType(self.metrics["kpis"])

    @property
    def targets(self) -> Mapping[str, Any]:
        """The scorecard (``metrics["targets"]``): per target its KPI, rule, value, met."""
        return MappingProxyType(self.metrics["targets"])

    @property
    def all_targets_met(self) -> bool:
        """True when the run meets every target."""
        return bool(self.metrics.get("all_targets_met"))

    def scorecard(self, width: int = 100, lang: str | None = None) -> str:
        """The scorecard the CLI prints, in ``lang`` (default: the scenario's ``lang``)."""
        from o2osim.reports import format_scorecard

        return format_scorecard(self.metrics, width=width,
                                lang=lang or self.scenario.config.lang)

    def __repr__(self) -> str:
        m = self.metrics
        met = sum(bool(t.get("met")) for t in m["targets"].values())
        return (f"<o2osim.Result {m.get('market')} x {m.get('plan')}, seed {m.get('seed')}, "
                f"{m.get('population', 0):,} consumers, {m.get('days')} days: "
                f"{met} of {len(m['targets'])} targets met>")

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write the run folder the CLI writes for this scenario into ``folder`` and
        return it: ``metrics.json``, ``daily.csv``, ``stores.csv``, ``replications.csv``,
        the report (``report.md``, ``report.html``, figures), Hydra's record ``.hydra/``
        (``config.yaml``, ``hydra.yaml``, ``overrides.yaml``) and o2osim's folder marker
        (:data:`o2osim.run_folders.MARKER`), so that
        ``o2osim-compare`` and the report read it like any run (the CLI's own log,
        ``o2osim.log``, is not written).

        ``folder`` must be new or empty: a folder holding anything is refused with
        :class:`o2osim.config.ConfigError` and nothing in it is touched. The folder is
        written beside itself and renamed into place when complete
        (:func:`o2osim.results.staged_folder`).
        """
        from o2osim import run_folders
        from o2osim.reports.report import write_report
        from o2osim.results import FolderTaken, staged_folder, write_csv_atomic, write_run

        target = Path(folder)
        refused = _error("folder", repr(str(folder)), "already holds files; save into a new "
                         "or empty folder (nothing was written or overwritten)")
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise refused
        try:
            with staged_folder(target) as staged:
                run_folders.write_marker(staged.stage, run_folders.RUN)  # o2osim's folder
                _write_hydra_record(staged.stage / ".hydra", self.scenario, target)
                write_csv_atomic(staged.stage / "replications.csv", self.replications)
                write_run(staged.stage, self)
                write_report(staged.stage, self.scenario.config.lang)
        except FolderTaken:  # something appeared there meanwhile
            raise refused from None
        return target


class Sweep(list[Result]):
    """The results of :func:`sweep`, in the order of its scenarios."""

    def table(self) -> pd.DataFrame:
        """One row per scenario: its label, market, plan, seed, targets met, every KPI."""
        import pandas as pd

        rows = []
        for r in self:
            m = r.metrics
            met = sum(bool(t.get("met")) for t in m["targets"].values())
            rows.append({"scenario": r.scenario.label, "market": m.get("market"),
                         "plan": m.get("plan"), "seed": m.get("seed"),
                         "targets_met": met, "all_targets_met": r.all_targets_met,
                         **m["kpis"]})
        return pd.DataFrame(rows)


def _write_hydra_record(folder: Path, sc: Scenario, run_dir: Path) -> None:
    """``.hydra/`` as Hydra writes it for ``o2osim OVERRIDES hydra.run.dir=RUN_DIR``."""
    from o2osim.config.store import hydra_record
    from o2osim.results import write_text_atomic

    assert sc.composed is not None, "a Scenario made by o2osim.scenario records its config"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in hydra_record(sc.composed, str(run_dir), _quoted(str(run_dir))).items():
        write_text_atomic(folder / name, lambda fh, text=text: fh.write(text))
