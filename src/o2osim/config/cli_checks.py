"""Checks of a command line that no schema type expresses (docs/input-checks.md).

:func:`o2osim.cli.preflight` calls these around Hydra's composition, so that every bad
input is one :class:`ConfigError` line before any work and before any folder exists:

* :func:`check_lines` — the raw override lines: how many, how long, no number of more
  than :data:`MAX_DIGITS` digits (Python refuses to read an integer of 4 300 digits, and
  a long key makes Hydra look for a file of that name);
* :func:`check_overrides` — a config group (``market=``, ``hydra/launcher=``) takes the
  name of one preset, not ``null``, a number or a list; values of the scenario read no
  environment (``${oc.env:...}``);
* :func:`check_composed` — a composed config has only the scenario's sections at its
  top level (``+foo=1`` is not silently dropped), reads no environment in the scenario,
  and instantiates nothing under ``hydra`` that the project does not ship: launchers,
  sweepers, samplers and callbacks from fixed lists, logging without factories;
* :func:`check_output_dir` — the run or sweep folder can be created and written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hydra.core.override_parser.types import ChoiceSweep, Glob, Override
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from o2osim.config.jobs import MAX_JOBS, SCENARIO_SECTIONS
from o2osim.config.validate import ConfigError, did_you_mean, show, unknown_key_error

MAX_OVERRIDES = 1000
MAX_KEY_CHARS = 200
"""The longest setting path of the schema has 64 characters."""
MAX_VALUE_CHARS = 20_000
"""A list of 1 000 seeds or budgets fits; a pasted file does not."""
MAX_DIGITS = 100
MAX_PATH_CHARS = 4000
MAX_NAME_BYTES = 255
"""Longest file or folder name of common file systems (ext4, APFS, NTFS)."""

TOP_LEVEL = (*SCENARIO_SECTIONS, "hydra")

LAUNCHERS = {
    "basic": "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
    "joblib": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
    "submitit_local": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "submitit_slurm": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    "slurm": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    "ray": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
    "ray_cluster": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
}
"""The launchers of docs/sweeps.md: choice -> the class Hydra instantiates."""
SWEEPERS = {
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper": "basic (the default)",
    "hydra_plugins.o2osim_search.optuna_search_sweeper.OptunaSearchSweeper":
        "the cheapest-plan search (+experiment=cheapest_plan, docs/search.md)",
}
CALLBACKS = ("o2osim.search.SearchOutputs",)
SAMPLER_PREFIX = "optuna.samplers."
LOG_CLASS_PREFIX = "logging."
LOG_STREAMS = ("ext://sys.stdout", "ext://sys.stderr")

_RESOLVER = re.compile(r"\$\{\s*([\w.\-]+)\s*:")
_REFERENCE = re.compile(r"\$\{\s*([\w.\-\[\]]+)\s*\}")


# --------------------------------------------------------------------------- raw lines


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else f"{text[:n]}... ({len(text)} characters)"


def check_lines(lines: list[str]) -> None:
    """Limits on the override lines as typed, before Hydra parses them."""
    if len(lines) > MAX_OVERRIDES:
        raise ConfigError("command line", f"{len(lines)} overrides",
                          f"at most {MAX_OVERRIDES}; put settings in a preset YAML "
                          "(--config-dir, docs/cli.md)")
    for line in lines:
        key, eq, value = line.partition("=")
        if len(key) > MAX_KEY_CHARS:
            raise ConfigError(_short(key.lstrip("+~")), "unknown key (too long)",
                              f"setting paths have at most {MAX_KEY_CHARS} characters "
                              "(see docs/parameters.md)")
        if len(value) > MAX_VALUE_CHARS:
            raise ConfigError(key.lstrip("+~"), repr(_short(value)),
                              f"values have at most {MAX_VALUE_CHARS} characters")
        digits = re.search(rf"\d{{{MAX_DIGITS + 1},}}", value)
        if digits:
            raise ConfigError(key.lstrip("+~"), repr(_short(value)),
                              f"a number of {len(digits.group())} digits; numbers have at "
                              f"most {MAX_DIGITS} digits (see docs/parameters.md for the "
                              "allowed range)")


# --------------------------------------------------------------------------- parsed overrides


def environment_reads(text: str, where: str = "") -> str | None:
    """What in ``text`` reads the environment or Hydra's runtime (a resolver such as
    ``${oc.env:HOME}``, ``${now:...}``, or a reference into ``hydra``), else None."""
    if "${" not in text:
        return None
    found = _RESOLVER.search(text)
    if found:
        return f"${{{found.group(1)}:...}}"
    ref = next((m.group(1) for m in _REFERENCE.finditer(text)
                if m.group(1).split(".")[0] == "hydra"), None)
    return f"${{{ref}}}" if ref else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _no_environment(path: str, value: Any) -> None:
    for text in _strings(value):
        found = environment_reads(text)
        if found:
            raise ConfigError(path, repr(_short(text)),
                              f"reads the environment or Hydra's runtime ({found}); a "
                              "scenario is written out in full, so the same command gives "
                              "the same results anywhere: write the value itself "
                              "(references to other settings, ${plan.name}, are allowed)")


def presets_of(options: list[str]) -> list[str]:
    return [o for o in options if not o.endswith("_schema") and not o.startswith("_")]


def check_overrides(overrides: list[Override], is_group: Callable[[str], bool],
                    options: Callable[[str], list[str]]) -> None:
    """Config groups take one preset name; scenario values read no environment."""
    for o in overrides:
        key = o.key_or_group
        if not o.is_delete() and o.package is None and is_group(key):
            value = o.value()
            if isinstance(value, str | Glob) or (
                    isinstance(value, ChoiceSweep) and value.list
                    and all(isinstance(v, str) for v in value.list)):
                continue
            allowed = f"allowed: {', '.join(presets_of(options(key)))}"
            if isinstance(value, list):
                raise ConfigError(key, show(value),
                                  f"one preset, not a list ({allowed}); to run each of "
                                  f"several, sweep them: -m {key}=a,b")
            if isinstance(value, ChoiceSweep):
                value = next((v for v in value.list if not isinstance(v, str)), None)
            given = (show(value) if isinstance(value, int | float | bool | None)
                     else repr(o.input_line.partition("=")[2]))
            raise ConfigError(key, given, f"must be the name of a preset ({allowed})")
        elif key == "hydra.searchpath" and not o.is_delete():
            check_searchpath(o.value())
        elif key.split(".")[0] in SCENARIO_SECTIONS and not o.is_delete():
            value = o.value()
            if isinstance(value, ChoiceSweep):
                value = value.list
            _no_environment(key, value)


# --------------------------------------------------------------------------- composed config


def check_composed(cfg: DictConfig) -> None:
    """Top-level keys, the scenario's interpolations and what ``hydra`` would instantiate."""
    for key in cfg:
        if key not in TOP_LEVEL:
            raise unknown_key_error(str(key), [k for k in TOP_LEVEL if k != "hydra"],
                                    _value_text(cfg, str(key)))
    scenario = OmegaConf.to_container(OmegaConf.masked_copy(cfg, list(SCENARIO_SECTIONS)),
                                      resolve=False)
    for section in SCENARIO_SECTIONS:
        if section in cfg:
            raw = scenario[section]  # type: ignore[index]
            for path, text in _leaf_strings(raw, section):
                if environment_reads(text):
                    _no_environment(path, text)
    if "hydra" in cfg:
        check_hydra(cfg.hydra)


def _value_text(cfg: DictConfig, key: str) -> str:
    try:
        return show(OmegaConf.to_container(cfg, resolve=False).get(key))  # type: ignore[union-attr]
    except (OmegaConfBaseException, ValueError):
        return "?"


def _leaf_strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _leaf_strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaf_strings(v, f"{path}[{i}]")


def check_hydra(hydra: DictConfig) -> None:
    """Only the launchers, sweepers, samplers, callbacks and logging the project ships."""
    raw = OmegaConf.to_container(hydra, resolve=False)
    assert isinstance(raw, dict)
    choices = raw.get("runtime", {}).get("choices", {}) or {}
    launcher = choices.get("hydra/launcher")
    if launcher is not None and launcher not in LAUNCHERS:
        raise ConfigError("hydra/launcher", repr(launcher),
                          f"must be one of the launchers of docs/sweeps.md: "
                          f"{', '.join(LAUNCHERS)}{did_you_mean(str(launcher), LAUNCHERS)}")
    for key in ("launcher", "sweeper"):
        if not (isinstance(raw.get(key), dict) and raw[key].get("_target_")):
            raise ConfigError(f"hydra.{key}", show(raw.get(key)),
                              f"must be set: choose one with hydra/{key}=... (docs/sweeps.md)")
    for path, target in _targets(raw, "hydra"):
        _check_target(path, target)
    for name in ("job_logging", "hydra_logging"):
        _check_logging(raw.get(name) or {}, f"hydra.{name}")
    check_searchpath(raw.get("searchpath"))
    for key in ("output_subdir",):
        _relative(f"hydra.{key}", raw.get(key))
    _relative("hydra.sweep.subdir", (raw.get("sweep") or {}).get("subdir"))
    _check_job_files(raw)
    sweeper = raw.get("sweeper") or {}
    if sweeper.get("_target_") != next(iter(SWEEPERS)):
        for key, lo, hi in (("n_trials", 1, MAX_JOBS), ("n_jobs", 1, 256)):
            value = sweeper.get(key)
            if value is not None and not (isinstance(value, int) and lo <= value <= hi
                                          and not isinstance(value, bool)):
                raise ConfigError(f"hydra.sweeper.{key}", show(value),
                                  f"must be a whole number in [{lo}, {hi}]")


SQLITE = "sqlite:///"


def check_storage(master: DictConfig) -> str | None:
    """The search's Optuna storage (``hydra.sweeper.storage``): None or an SQLite file
    whose folder can be made (a database server is no project feature); returns that
    folder, for the caller to make once every check passed (SQLite makes the file, not its
    folder). The default, ``sqlite:///${hydra.sweep.dir}/optuna.db``, lies in the sweep
    folder, checked on its own: None."""
    sweeper = master.hydra.sweeper
    if "storage" not in sweeper:
        return None
    raw = OmegaConf.to_container(sweeper, resolve=False).get("storage")  # type: ignore[union-attr]
    if raw is None or raw == f"{SQLITE}${{hydra.sweep.dir}}/optuna.db":
        return None
    try:
        url = str(OmegaConf.select(master, "hydra.sweeper.storage"))
    except OmegaConfBaseException as exc:
        raise ConfigError("hydra.sweeper.storage", show(raw),
                          f"cannot be resolved ({str(exc).splitlines()[0]})") from exc
    if not url.startswith(SQLITE):
        raise ConfigError("hydra.sweeper.storage", show(raw),
                          f"must be an SQLite file, {SQLITE}FOLDER/optuna.db (docs/search.md)")
    folder = os.path.dirname(url[len(SQLITE):]) or "."
    check_output_dir("hydra.sweeper.storage", folder)
    return folder


def check_searchpath(entries: Any) -> None:
    """``hydra.searchpath``: existing folders (``file://``); ``pkg://`` would import a
    package named on the command line."""
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        text = str(entry)
        folder = text.removeprefix("file://")
        if not text.startswith("file://") or "${" in text or not os.path.isdir(folder):
            raise ConfigError(f"hydra.searchpath[{i}]", show(entry),
                              "must be an existing folder written file://FOLDER (or use "
                              "--config-dir FOLDER)")


def _targets(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "_target_":
                yield f"{path}._target_", v
            elif k not in ("runtime", "overrides", "help", "hydra_help"):
                yield from _targets(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _targets(v, f"{path}[{i}]")


def _check_target(path: str, target: Any) -> None:
    if path == "hydra.launcher._target_":
        if target not in LAUNCHERS.values():
            raise ConfigError(path, show(target),
                              f"launchers shipped with o2osim: hydra/launcher="
                              f"{', '.join(LAUNCHERS)} (docs/sweeps.md)")
    elif path == "hydra.sweeper._target_":
        if target not in SWEEPERS:
            raise ConfigError(path, show(target),
                              f"sweepers shipped with o2osim: {'; '.join(SWEEPERS.values())}")
    elif path == "hydra.sweeper.sampler._target_":
        if not (isinstance(target, str) and target.startswith(SAMPLER_PREFIX)):
            raise ConfigError(path, show(target),
                              f"an Optuna sampler ({SAMPLER_PREFIX}..., "
                              "hydra/sweeper/sampler=tpe|random|...)")
    elif re.fullmatch(r"hydra\.callbacks\.[^.]+\._target_", path):
        if target not in CALLBACKS:
            raise ConfigError(path, show(target),
                              f"callbacks shipped with o2osim: {', '.join(CALLBACKS)}")
    else:
        raise ConfigError(path, show(target),
                          "nothing else under hydra is instantiated from a command line or "
                          "a preset (docs/input-checks.md)")


def _check_logging(node: Any, path: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            p = f"{path}.{k}"
            if k == "()":
                raise ConfigError(p, show(v), "logging factories ('()') are not allowed; "
                                  "use a logging.* class")
            if k == "class" and not (isinstance(v, str) and v.startswith(LOG_CLASS_PREFIX)):
                raise ConfigError(p, show(v), "must be a class of Python's logging module "
                                  "(logging.StreamHandler, logging.FileHandler, ...)")
            if isinstance(v, str) and v.startswith("ext://") and v not in LOG_STREAMS:
                raise ConfigError(p, show(v), f"must be one of {', '.join(LOG_STREAMS)}")
            _check_logging(v, p)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_logging(v, f"{path}[{i}]")


_INSIDE_REFS = ("hydra.job.", "hydra.runtime.choices.")
"""References a path inside the run folder may use (``${hydra.job.num}``, ...)."""


def _relative(path: str, value: Any) -> None:
    """A path below the run or sweep folder: relative, no ``..``, no resolver, and
    references only to the job (``${hydra.job.num}``), which cannot leave it."""
    if value is None:
        return
    text = str(value)
    refs = re.findall(r"\$\{([^}]*)\}", text)
    if (os.path.isabs(text) or ".." in Path(text).parts
            or any(not r.strip().startswith(_INSIDE_REFS) or ":" in r for r in refs)):
        raise ConfigError(path, show(value), "must be a folder inside the run or sweep "
                          "folder: a relative path without '..', using at most "
                          "${hydra.job.num} and the like")


JOB_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}")
LOG_FILE_PREFIX = "${hydra.runtime.output_dir}/"


def _check_job_files(raw: dict[str, Any]) -> None:
    """``hydra.job.name`` names the log file; log files stay in the run folder."""
    name = (raw.get("job") or {}).get("name")
    if name is not None and not JOB_NAME.fullmatch(str(name)):
        raise ConfigError("hydra.job.name", show(name),
                          "must be a file name: letters, digits, '_', '-', '.', at most 100")
    handlers = (raw.get("job_logging") or {}).get("handlers") or {}
    for key, handler in handlers.items() if isinstance(handlers, dict) else ():
        filename = handler.get("filename") if isinstance(handler, dict) else None
        if filename is not None and not (
                str(filename).startswith(LOG_FILE_PREFIX)
                and ".." not in Path(str(filename)).parts):
            raise ConfigError(f"hydra.job_logging.handlers.{key}.filename", show(filename),
                              f"log files stay in the run folder: {LOG_FILE_PREFIX}NAME.log")


# --------------------------------------------------------------------------- output folder


def check_output_dir(key: str, folder: str) -> None:
    """``folder`` is a writable folder or can be made: it is no file, lies below no file,
    and what is missing of it can be created (tried with ``mkdir`` and removed again:
    :func:`o2osim.cli._output_folder` makes the folder it claims; nothing is left)."""
    if not folder.strip():
        raise ConfigError(key, repr(folder), "must name a folder")
    if len(folder) > MAX_PATH_CHARS or any(len(part.encode()) > MAX_NAME_BYTES
                                           for part in Path(folder).parts):
        raise ConfigError(key, repr(_short(folder)),
                          f"paths have at most {MAX_PATH_CHARS} characters and "
                          f"{MAX_NAME_BYTES} bytes per folder name")
    path = Path(os.path.abspath(folder))
    missing: list[Path] = []
    for here in (path, *path.parents):
        if not os.path.lexists(here):
            missing.append(here)
            continue
        if not here.is_dir():
            what = "is a file" if here == path else f"lies below the file {here}"
            raise ConfigError(key, repr(folder), f"{what}; choose a folder")
        if not os.access(here, os.W_OK | os.X_OK):
            what = "cannot be written" if here == path else f"cannot be created in {here}"
            raise ConfigError(key, repr(folder), f"{what} (permission denied); choose a "
                              "folder you can write to")
        break
    made: list[Path] = []
    try:
        for here in reversed(missing):
            here.mkdir()
            made.append(here)
    except OSError as exc:
        raise ConfigError(key, repr(folder), f"cannot be created ({exc.strerror or exc}); "
                          "choose a folder you can write to") from exc
    finally:
        for here in reversed(made):  # only tried: the folder is made when it is claimed
            here.rmdir()


def group_test(loader: Any) -> Callable[[str], bool]:
    """``is_group(name)``: whether ``name`` (``market``, ``hydra/launcher``) is a config
    group of the session, asked of its config sources (listing every group through the
    loader costs ~20 ms a group)."""
    sources = loader.get_sources()
    return lambda name: any(src.is_group(name) for src in sources)
