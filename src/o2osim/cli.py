"""The ``o2osim`` command: run one scenario, or sweep many with ``-m``.

::

    o2osim                                     # market=retail_apparel plan=integrated
    o2osim market=hotpot_chain plan=fragmented sim.seed=3
    o2osim -m plan=fragmented,integrated sim.seed=1,2,3

A Hydra app (``conf/config.yaml``). Each job writes ``metrics.json``, ``daily.csv``
(and ``stores.csv``) next to Hydra's ``.hydra/`` in its run folder, and prints the
scorecard.

Before Hydra gets the command line (Hydra creates the run folder before it calls the
task), :func:`preflight` composes every job the command would run (once per choice of presets,
then each job's values: :mod:`o2osim.config.jobs`), converts and validates it, and picks
the output folder. It uses Hydra's public API (``compose``, the override parser) except
where Hydra has none (its command-line parser, the session of ``@hydra.main`` with
``--config-dir``, composing a multirun): those calls are in
:mod:`o2osim.config.private_apis`. Bad input therefore
stops before any work: one line on stderr naming the field, the value and what is allowed,
exit code 2, no folder created. Results already on disk are never overwritten: an explicit
``hydra.run.dir`` that holds a run is refused, and a default (timestamped) folder that
exists gets a fresh name (``_2``, ``_3``, ...). A sweep re-run into its own
``hydra.sweep.dir`` resumes: finished jobs of the same configuration (same
``config_sha256`` in their ``metrics.json``) are skipped, unfinished ones run again, and
a job that would land on another configuration's results stops the command before any
work (:func:`_resume_sweep`). Each run is written into a temporary folder and moved into
place when complete (:func:`o2osim.results.staged_run`).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sys
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from hydra.core.config_loader import ConfigLoader
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, OverrideParseException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import (
    OmegaConfBaseException,
)

from o2osim.config import CONF_DIR, ConfigError, register_schemas, to_scenario, validate_scenario
from o2osim.config.cli_checks import (
    check_composed,
    check_lines,
    check_output_dir,
    check_overrides,
    check_storage,
    group_test,
)
from o2osim.config.explain import COMPOSITION_ERRORS, Explainer, first_line, given_text
from o2osim.config.fingerprint import scenario_sha256
from o2osim.config.jobs import (
    MAX_JOBS,
    Compose,
    JobScenarios,
    TooManyJobs,
    config_stamp,
    kept_scenarios,
    sweep_jobs,
)
from o2osim.config.private_apis import (
    compose_multirun,
    configured_mode,
    hydra_args_parser,
    start_hydra,
)
from o2osim.i18n import message, using
from o2osim.progress import progress_wanted
from o2osim.reports import format_scorecard
from o2osim.results import (
    clear_incomplete,
    folders_with_results,
    read_metrics,
    run_folder_has_results,
    staged_run,
    stored_fingerprint,
    write_csv_atomic,
    write_run,
)
from o2osim.search import objective

EXIT_BAD_INPUT = 2
TASK_NAME = "cli"
"""Hydra's task name for ``_app`` (the file name; ``conf/config.yaml`` sets ``hydra.job.name``)."""
CONFIG_NAME = "config"
PASS_THROUGH = ("help", "hydra_help", "cfg", "info", "shell_completion", "experimental_rerun")
"""Hydra options that run no job: handed to Hydra untouched."""
EXCLUSIVE = ("run", "multirun", "cfg", "info", "shell_completion")
"""Hydra options of which one at most may be given."""
GRAMMAR_URL = "https://hydra.cc/docs/1.3/advanced/override_grammar/basic/"


def main() -> None:
    """Console script ``o2osim``."""
    register_schemas()
    try:
        argv = preflight(sys.argv[1:])
    except ConfigError as err:
        _fail(err)
    sys.argv = [sys.argv[0], *argv]
    _app()


def _fail(err: ConfigError) -> typing.NoReturn:
    print(f"o2osim: error: {err}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name=CONFIG_NAME)
def _app(cfg: DictConfig) -> float:
    try:
        sc = validate_scenario(to_scenario(cfg))
    except ConfigError as err:  # preflight checked this already; never run on bad input
        _fail(err)
    folder = Path(HydraConfig.get().runtime.output_dir)
    fingerprint = scenario_sha256(sc)
    width = shutil.get_terminal_size().columns
    from o2osim import run_folders

    key = "hydra.sweep.dir" if HydraConfig.get().mode == RunMode.MULTIRUN else "hydra.run.dir"
    try:  # a folder of someone else's files is never written into
        run_folders.claim(folder, run_folders.RUN, allowed=run_folders.HYDRA_ENTRIES)
    except run_folders.FolderRefused as exc:
        _fail(ConfigError(key, repr(_shown_path(folder)), str(exc)))

    def waiting() -> None:
        print(f"o2osim: {_shown_path(folder)} is being written by another o2osim process; "
              "waiting for it to finish", file=sys.stderr, flush=True)

    with run_folders.locked(folder, on_wait=waiting):  # this process alone writes it
        if (folder / "metrics.json").exists():
            if stored_fingerprint(folder) != fingerprint:  # preflight refuses this for sweeps
                raise RuntimeError(f"{_shown_path(folder)} holds results of another "
                                   "configuration; nothing was run or overwritten")
            try:
                metrics = read_metrics(folder)
            except ValueError as exc:  # the fingerprint matches, the rest was damaged
                _fail(ConfigError(key, repr(_shown_path(folder)), f"{exc}; move metrics.json "
                                  "away to run this job again (nothing was run or overwritten)"))
            print(format_scorecard(metrics, width=width, lang=sc.lang))
            print(f"results: {_shown_path(folder)} (already complete for this configuration: "
                  "skipped)")
            return objective(metrics)
        clear_incomplete(folder)  # what a killed earlier attempt left (we hold the lock)
        from o2osim.replications import run_replications  # the engine: imported to run only

        progress = progress_wanted()  # a terminal, outside CI
        workers = _job_workers(sc.sim.workers)
        result, table = run_replications(sc, sc.sim.replications, workers, progress)
        from o2osim import ground_truth  # counterfactual runs (sim.ground_truth)

        ground_truth.add_to(result.metrics, sc, progress, result.records, result.baseline)
        result.metrics["config_sha256"] = fingerprint
        from o2osim.reports.report import write_report

        with staged_run(folder) as stage:  # moved into place when complete, metrics.json last
            write_csv_atomic(stage / "replications.csv", table)
            write_run(stage, result)
            with using(sc.lang):  # the report's language
                write_report(stage)  # reads the files just written: report.md, .html, PNGs
    print(format_scorecard(result.metrics, width=width, lang=sc.lang))
    print(message("scorecard.results", sc.lang, folder=_shown_path(folder)))
    return objective(result.metrics)  # what the cheapest-plan search minimises (search.py)


def _shown_path(folder: Path) -> str:
    try:
        return str(folder.relative_to(Path.cwd()))
    except ValueError:
        return str(folder)


def _job_workers(requested: int) -> int:
    """Processes for this job's replications (``sim.workers``, 0 = every core). Jobs that a
    parallel launcher (joblib, submitit, Ray) runs side by side already share the cores,
    so there each runs its replications in-process (on SLURM: on the CPUs given to the
    job), unless ``sim.workers`` was set on the command line (docs/sweeps.md)."""
    hc = HydraConfig.get()
    target = str(hc.launcher.get("_target_", ""))
    given = any(o.lstrip("+").startswith("sim.workers=") for o in hc.overrides.task)
    if hc.mode != RunMode.MULTIRUN or target.endswith("BasicLauncher") or given:
        return requested
    if target.endswith("SlurmLauncher"):
        return int(os.environ.get("SLURM_CPUS_PER_TASK", "1"))
    return 1


# --------------------------------------------------------------------------- preflight


def preflight(argv: list[str]) -> list[str]:
    """Check the command line ``argv`` as Hydra would run it; return the argv to hand to
    Hydra (with the output folder fixed), or raise :class:`ConfigError`."""
    parser = hydra_args_parser()
    parser.error = _argparse_error  # type: ignore[method-assign]
    args = parser.parse_args(argv)
    modes = [f"--{name}" for name in EXCLUSIVE if getattr(args, name)]
    if len(modes) > 1:  # Hydra raises a plain ValueError for these
        raise ConfigError(modes[1], f"given with {modes[0]}",
                          f"only one of {', '.join(f'--{n}' for n in EXCLUSIVE)} at a time")
    if any(getattr(args, name) for name in PASS_THROUGH):
        if not (args.shell_completion or args.experimental_rerun):  # overrides of a config
            check_lines(args.overrides)  # Hydra composes them (--cfg, --info, --help)
            with _hydra_session(args.config_path, args.config_dir) as loader:
                check_overrides(_parse(loader, args.overrides), group_test(loader),
                                loader.get_group_options)
        return argv
    config_name = args.config_name or CONFIG_NAME
    check_lines(args.overrides)
    with _hydra_session(args.config_path, args.config_dir) as loader:
        overrides = _parse(loader, args.overrides)
        check_overrides(overrides, group_test(loader), loader.get_group_options)
        explain = Explainer(loader, lambda lines: composer(lines, RunMode.RUN), overrides)
        composer = composing(config_name)

        def compose(lines: list[str], mode: RunMode) -> DictConfig:
            try:
                return composer(lines, mode)
            except COMPOSITION_ERRORS as exc:
                raise explain(exc) from exc

        multirun, single = args.multirun, None
        if not multirun and not any(o.is_sweep_override() for o in overrides):
            _refuse_early(args, config_name, loader, compose, explain)
        if not multirun:  # one composition tells the mode (a preset may ask for a sweep)
            try:
                if any(o.is_sweep_override() for o in overrides):
                    raise ValueError("a sweep: only Hydra's own check tells the mode")
                single = composer([o.input_line for o in overrides], RunMode.RUN)
                multirun = OmegaConf.select(single, "hydra.mode") == RunMode.MULTIRUN
            except (ValueError, *COMPOSITION_ERRORS):  # ask Hydra how it would run
                try:
                    multirun = configured_mode(config_name, args.overrides) == RunMode.MULTIRUN
                except (ValueError, *COMPOSITION_ERRORS) as exc:
                    raise explain(exc) from exc
            if multirun:
                single = None
            elif single is not None:
                check_composed(single)
        if multirun:
            master = compose(list(args.overrides), RunMode.MULTIRUN)
            check_composed(master)
            jobs = _jobs(loader, master, overrides)
        else:
            jobs = [_single_job(overrides)]
        seen: set[tuple[str, ...]] = set()
        planned: list[tuple[int, list[str], str]] = []  # job number, overrides, fingerprint
        langs: set[str] = set()
        scenarios = JobScenarios(loader, compose, check_composed)
        for num, job in enumerate(jobs):
            if tuple(job) in seen:
                continue
            seen.add(tuple(job))
            try:
                if multirun:
                    sc = scenarios.checked(job)
                else:
                    cfg = single if single is not None else compose(job, RunMode.RUN)
                    sc = validate_scenario(to_scenario(cfg))
                planned.append((num, job, scenario_sha256(sc)))
                langs.add(sc.lang)
            except COMPOSITION_ERRORS as exc:
                err = explain(exc)
                if len(jobs) > 1:
                    task = " ".join(o for o in job if not o.startswith("hydra"))
                    err = ConfigError(err.path, err.given, f"{err.allowed} (job {num}: {task})")
                raise err from exc
            if not multirun:
                master = cfg
        if "zh" in langs:
            check_fonts("zh")
        key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
        HydraConfig.instance().set_config(master)
        explicit = any(o.key_or_group == key for o in overrides)
        try:
            resolved = str(OmegaConf.select(master, key))
        except OmegaConfBaseException as exc:
            raise ConfigError(key, repr(OmegaConf.to_container(master.hydra, resolve=False)
                                        .get(key.split(".")[1], {}).get("dir")),  # type: ignore[union-attr]
                              f"cannot be resolved ({first_line(exc)})") from exc
        check_output_dir(key, resolved)
        storage = check_storage(master) if multirun else None
        basic = str(master.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper")
        if multirun and explicit and folders_with_results(resolved):
            folder = _resume_sweep(resolved, planned, basic, compose)
        else:
            folder = _output_folder(key, resolved, explicit=explicit, sweep=multirun)
    if storage is not None:
        os.makedirs(storage, exist_ok=True)
    given = {o.input_line for o in overrides if o.key_or_group == key}
    return [a for a in argv if a not in given] + [f"{key}={_quote(folder)}"]


def _refuse_early(args: typing.Any, config_name: str, loader: ConfigLoader, compose: Compose,
                  explain: Explainer) -> None:
    """Bad values of a single run, refused from the presets composed by an earlier check
    in this process (:func:`o2osim.config.jobs.kept_scenarios`: tests, notebooks, the
    API), without composing again; a command that passes is composed in full below."""
    folders = [os.path.abspath(f) for f in (args.config_path or str(CONF_DIR), args.config_dir)
               if f is not None and not f.startswith("pkg://")]
    lines = list(args.overrides)
    key = (config_name, tuple(folders), config_stamp(folders),
           os.getcwd() if any("searchpath" in line for line in lines) else None)
    kept = kept_scenarios(key, loader, compose, check_composed)
    if kept is None:
        return
    try:
        kept.checked(lines)
    except COMPOSITION_ERRORS as exc:
        raise explain(exc) from exc


def check_fonts(lang: str) -> None:
    """``lang=zh`` draws Chinese figures: refuse it before any work when no Chinese font
    is installed (:class:`ConfigError` naming the package to install)."""
    from o2osim.reports.figures_common import MissingFontError, require_fonts

    try:
        require_fonts(lang)
    except MissingFontError as exc:
        raise ConfigError("lang", repr(lang), str(exc)) from None


def _argparse_error(message: str) -> typing.NoReturn:
    found = re.match(r"argument (\S+?): (.*)", message)
    raise ConfigError(found.group(1) if found else "command line",
                      found.group(2) if found else message, "see o2osim --help")


@contextmanager
def _hydra_session(config_path: str | None, config_dir: str | None) -> Iterator[ConfigLoader]:
    """A Hydra session set up as ``@hydra.main`` sets up ``_app`` (search path, job name);
    yields its config loader. ``config_path`` (``--config-path``) is relative to this file,
    as for ``@hydra.main``; ``config_dir`` (``--config-dir``) is searched after it, before
    the schemas, as Hydra does."""
    primary = config_path if config_path is not None else str(CONF_DIR)
    if not primary.startswith("pkg://"):
        primary = os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(__file__)),
                                                primary))
    if config_dir is not None and not os.path.isdir(config_dir):
        raise ConfigError("--config-dir", repr(config_dir), "must be an existing folder")
    if not primary.startswith("pkg://") and not os.path.isdir(primary):
        raise ConfigError("--config-path", repr(config_path), "must be an existing folder "
                          f"(relative to {os.path.dirname(os.path.realpath(__file__))})")
    GlobalHydra.instance().clear()
    try:
        yield start_hydra(primary, config_dir, TASK_NAME)
    finally:
        GlobalHydra.instance().clear()
        HydraConfig.instance().cfg = None  # type: ignore[assignment]


def composing(config_name: str) -> Compose:
    """Compose ``config_name`` with override lines in the current Hydra session, in RUN
    mode (one job: public ``hydra.compose``) or MULTIRUN mode (a sweep's master config)."""
    def compose(lines: list[str], mode: RunMode) -> DictConfig:
        if mode == RunMode.MULTIRUN:
            return compose_multirun(config_name, lines)
        return hydra.compose(config_name, lines, return_hydra_config=True)

    return compose


def _parse(loader: ConfigLoader, lines: list[str]) -> list[Override]:
    parser = OverridesParser.create(config_loader=loader)
    try:
        return parser.parse_overrides(lines)
    except OverrideParseException:
        for line in lines:  # find the one that does not parse
            try:
                parser.parse_override(line)
            except HydraException as exc:
                key, eq, value = line.partition("=")
                if not eq:
                    raise ConfigError(line, "is not an override",
                                      "write key=value, e.g. sim.seed=3") from exc
                reason = str(exc).splitlines()[0]
                raise ConfigError(key.lstrip("+~"), repr(value),
                                  f"cannot be read ({reason}); quote it or see {GRAMMAR_URL}"
                                  ) from exc
        raise


def _single_job(overrides: list[Override]) -> list[str]:
    for o in overrides:
        if o.is_sweep_override():
            raise ConfigError(o.key_or_group, given_text(o),
                              "several values are a sweep: add -m to run one job per value, "
                              f"or write a list as {o.key_or_group}=[a,b]")
    return [o.input_line for o in overrides]


def _jobs(loader: ConfigLoader, master: DictConfig, overrides: list[Override]
          ) -> list[list[str]]:
    """The jobs of a multirun, in the order and form Hydra's basic sweeper makes them."""
    hydra_lines = [o.input_line for o in overrides if o.is_hydra_override()]
    task = [o for o in overrides if not o.is_hydra_override()]
    sweeper = master.hydra.sweeper
    if not str(sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return [hydra_lines + [o.input_line for o in task if not o.is_sweep_override()]]
    params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    parsed = _parse(loader, params) + task
    check_overrides(parsed, lambda name: False, loader.get_group_options)
    try:
        jobs = sweep_jobs(parsed)
    except TooManyJobs as exc:
        if exc.count == 0:
            raise ConfigError("-m", " ".join(o.input_line for o in task),
                              "the sweep has no jobs: a list, range or glob is empty") from exc
        sizes = ", ".join(f"{k}: {n}" for k, n in exc.sizes.items())
        raise ConfigError("-m", f"{exc.count} jobs ({sizes})",
                          f"at most {MAX_JOBS} jobs in one sweep; split it into several "
                          "sweeps, each with its own hydra.sweep.dir") from exc
    except Exception as exc:
        raise ConfigError("-m", " ".join(o.input_line for o in task),
                          f"{str(exc).splitlines()[0]} (use a list a,b,c or range(a,b))"
                          ) from exc
    return [hydra_lines + job for job in jobs]


def _output_folder(key: str, resolved: str, explicit: bool, sweep: bool) -> str:
    """The folder Hydra will write to, claimed for this run (made and marked,
    :func:`o2osim.run_folders.claim`): the one given, if it is new, empty, or o2osim's
    own unfinished run (a killed or crashed attempt, run again), or a fresh one."""
    from o2osim import run_folders

    kind = run_folders.SWEEP if sweep else run_folders.RUN
    if not explicit:  # default timestamped folder: claim one nobody has
        return run_folders.claim_new((resolved if n == 1 else f"{resolved}_{n}"
                                      for n in itertools.count(1)), kind)
    folder = Path(resolved)
    runs = folders_with_results(folder) if sweep else (
        [folder] if (folder / "metrics.json").exists() or (
            run_folder_has_results(folder) and not run_folders.written_by_o2osim(folder))
        else [])
    if runs:
        what = (f"of {len(runs)} job(s) ({', '.join(str(r) for r in runs[:3])})"
                if sweep else "(metrics.json or .hydra)")
        raise ConfigError(key, repr(resolved), f"already holds results {what}; choose a new "
                          "folder (nothing was run or overwritten)")
    try:
        run_folders.claim(folder, kind)
    except run_folders.FolderRefused as exc:
        raise ConfigError(key, repr(resolved), str(exc)) from None
    return resolved


def _resume_sweep(sweep_dir: str, planned: list[tuple[int, list[str], str]],
                  basic: bool, compose: Compose) -> str:
    """Re-run a sweep into its own folder: jobs whose folder holds finished results of
    the same configuration are skipped (by the task), unfinished ones run again, and a
    job folder holding results of another configuration stops everything, before any
    work. Hydra's sweep record ``multirun.yaml`` of the earlier attempt is kept as
    ``multirun.prev-N.yaml``. Sweepers that choose their own jobs (Optuna) cannot be
    checked ahead; their tasks skip finished same-config jobs and refuse others. The sweep
    folder, and every job folder the sweep will write, must be o2osim's own (or new or
    empty, :func:`o2osim.run_folders.check_writable_here`)."""
    from o2osim import run_folders

    def refused(what: str) -> ConfigError:
        return ConfigError("hydra.sweep.dir", repr(sweep_dir), what)

    try:
        run_folders.check_writable_here(sweep_dir, run_folders.SWEEP)
    except run_folders.FolderRefused as exc:
        raise refused(str(exc)) from None
    done = again = 0
    for num, job, fingerprint in planned if basic else []:
        sub, task = _job_folder(sweep_dir, num, job, compose)
        if not (sub / "metrics.json").exists():
            try:
                run_folders.check_writable_here(sub, run_folders.RUN)
            except run_folders.FolderRefused as exc:
                raise refused(f"job {num} would write into {sub}, which {exc}") from None
            again += 1
        elif stored_fingerprint(sub) == fingerprint:
            done += 1
        else:
            raise ConfigError("hydra.sweep.dir", repr(sweep_dir),
                              f"job {num} ({task}) would write into {sub}, which holds results "
                              "of another configuration; re-run the command that made this "
                              "sweep to resume it, or choose a new folder (nothing was run or "
                              "overwritten)")
    try:
        run_folders.claim(sweep_dir, run_folders.SWEEP)  # marks a sweep written before markers
    except run_folders.FolderRefused as exc:
        raise refused(str(exc)) from None
    record = Path(sweep_dir) / "multirun.yaml"
    for k in itertools.count(1):  # never over an earlier record (another copy may be here)
        try:
            os.link(record, record.parent / f"multirun.prev-{k}.yaml")
        except FileExistsError:
            continue
        except FileNotFoundError:  # no record (or another copy of this sweep moved it)
            break
        record.unlink(missing_ok=True)
        break
    what = (f"{done} of {done + again} jobs already complete (skipped), {again} to run"
            if basic else "finished jobs of the same configuration are skipped")
    print(f"o2osim: resuming sweep {sweep_dir}: {what}", file=sys.stderr)
    return sweep_dir


def _job_folder(sweep_dir: str, num: int, job: list[str], compose: Compose
                ) -> tuple[Path, str]:
    """Job ``num``'s folder and its task overrides. Under Hydra's default
    ``hydra.sweep.subdir`` (``${hydra.job.num}``) the folder is the job number, found
    without composing (a resumed sweep of thousands of jobs is checked in seconds); any
    other subdir may depend on anything, so the job is composed in full (~0.25 s)."""
    raw = OmegaConf.to_container(HydraConfig.get().sweep, resolve=False)
    if isinstance(raw, dict) and raw.get("subdir") == "${hydra.job.num}":
        task = " ".join(o for o in job if not o.startswith(("hydra.", "hydra/")))
        return Path(sweep_dir) / str(num), task or "the defaults"
    cfg = compose(job, RunMode.RUN)
    with open_dict(cfg):
        cfg.hydra.job.num = num
        cfg.hydra.job.id = str(num)
    sub = Path(sweep_dir) / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))
    return sub, " ".join(cfg.hydra.overrides.task) or "the defaults"


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


if __name__ == "__main__":
    main()
