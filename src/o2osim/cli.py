"""``o2osim``: run one scenario or a Hydra multirun sweep (see docs/cli.md).

Hydra creates a run folder before it calls the task, so bad input is caught *before*
Hydra starts: :func:`preflight` composes every job of the command line with Hydra's
compose API, validates it, and checks that no existing results would be written over.
Any problem is one line on stderr and exit code 2, with no folder created.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from o2osim.config.schema import ScenarioConfig
from o2osim.config.store import CONF_DIR, register_schemas, to_scenario
from o2osim.config.validate import ConfigError, did_you_mean, validate_scenario
from o2osim.results import run_folder_has_results, write_run

GROUPS = ("market", "plan", "targets")
PASS_THROUGH = {"--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--info", "-i",
                "--shell-completion", "-sc", "--resolve", "-p", "--package"}

register_schemas()


# --------------------------------------------------------------------------- preflight


def _presets(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def _schema_type(path: list[str], given: str = "") -> Any:
    """The schema type at a dotted path, or raise ConfigError for an unknown key."""
    import dataclasses
    import typing

    node: Any = ScenarioConfig
    walked: list[str] = []
    for part in path:
        origin = typing.get_origin(node)
        if dataclasses.is_dataclass(node):
            hints = typing.get_type_hints(node)
            if part not in hints:
                where = ".".join(walked) or "the top level"
                raise ConfigError(
                    f"{'.'.join(walked + [part])}: unknown key (given {given}) — allowed keys "
                    f"under {where}: "
                    + ", ".join(hints) + did_you_mean(part, list(hints)))
            node = hints[part]
        elif origin is dict:
            node = typing.get_args(node)[1]
        elif origin is list:
            node = typing.get_args(node)[0]
        else:
            return node
        walked.append(part)
    return node


def _expand(overrides: list[str], multirun: bool) -> list[list[str]]:
    """Per-job task overrides (hydra.* dropped), one list per job of the sweep."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    choices: list[list[str]] = []
    for o in parsed:
        key = o.get_key_element()
        bare = key.lstrip("+~")
        if bare.startswith("hydra.") or bare.startswith("hydra/") or bare == "hydra":
            continue
        if o.is_sweep_override():
            if not multirun:
                raise ConfigError(f"{bare}: {o.input_line.split('=', 1)[1]!r} — a list of "
                                  "values is a sweep; add -m to run a multirun")
            choices.append([f"{key}={v}" for v in o.sweep_string_iterator()])
        else:
            choices.append([o.input_line])
    return [list(job) for job in itertools.product(*choices)]


def _check_keys(job: list[str]) -> None:
    """Unknown presets and unknown keys, named before Hydra composes."""
    for line in job:
        key, _, value = line.partition("=")
        bare = key.lstrip("+~")
        if bare in GROUPS:
            if value not in _presets(bare):
                raise ConfigError(f"{bare}: {value!r} is not a preset — allowed: "
                                  + ", ".join(_presets(bare)) + did_you_mean(value, _presets(bare)))
            continue
        typ = _schema_type(bare.split("."), line)
        _check_type(bare, value, typ)


TYPE_WORDS = {int: "a whole number", float: "a number", bool: "true or false"}


def _check_type(key: str, value: str, typ: Any) -> None:
    """Wrong scalar types, named with what the schema expects."""
    import typing

    options = [a for a in typing.get_args(typ) if a is not type(None)] or [typ]
    if value.lower() == "null" and type(None) in typing.get_args(typ):
        return
    base = options[0]
    if base not in TYPE_WORDS or (value.startswith("${") and value.endswith("}")):
        return
    try:
        if base is bool:
            ok = value.lower() in ("true", "false")
        elif base is int:
            ok = float(value) == int(float(value)) and "." not in value
        else:
            ok = math.isfinite(float(value))
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(f"{key}: {value!r} — must be {TYPE_WORDS[base]}")


def _unknown_entry(job: list[str]) -> ConfigError | None:
    """A channel named in an override that the plan or market does not have."""
    for line in job:
        key = line.partition("=")[0]
        parts = key.split(".")
        if len(parts) >= 3 and parts[0] in ("market", "plan") and parts[1] == "channels":
            rest = [j for j in job if not j.partition("=")[0].startswith(f"{parts[0]}.channels.")]
            cfg = _compose(rest)
            have = list(cfg[parts[0]]["channels"])
            if parts[2] not in have:
                market = list(cfg["market"]["channels"])
                hint = ("; add it under channels: in the plan's YAML file"
                        if parts[0] == "plan" and parts[2] in market else
                        did_you_mean(parts[2], market))
                return ConfigError(f"{parts[0]}.channels.{parts[2]}: not a channel of this "
                                   f"{parts[0]} (given {line}) — allowed: " + ", ".join(have)
                                   + hint)
    return None


def _translate(exc: BaseException) -> ConfigError:
    """One line from a Hydra / OmegaConf composition error."""
    cause: BaseException | None = exc
    while cause is not None:
        full_key = getattr(cause, "full_key", None)
        if full_key:
            msg = str(getattr(cause, "msg", cause)).splitlines()[0]
            return ConfigError(f"{full_key}: {msg}")
        cause = cause.__cause__ or cause.__context__
    first = str(exc).strip().splitlines()
    return ConfigError(first[0] if first else type(exc).__name__)


def _compose(job: list[str], with_hydra: bool = False) -> DictConfig:
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=job, return_hydra_config=with_hydra)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise _translate(exc) from exc


def _explicit(overrides: list[str], key: str) -> str | None:
    for line in overrides:
        k, _, v = line.partition("=")
        if k.lstrip("+") == key:
            return v
    return None


def _fresh(folder: Path) -> Path:
    """``folder`` itself if it holds no results, else ``folder_2``, ``folder_3``, ..."""
    candidate, n = folder, 1
    while candidate.exists() and any(candidate.iterdir()):
        n += 1
        candidate = folder.with_name(f"{folder.name}_{n}")
    return candidate


def preflight(overrides: list[str], multirun: bool) -> list[str]:
    """Validate every job; return extra overrides that pin the output folder."""
    jobs = _expand(overrides, multirun)
    seen: set[tuple[str, ...]] = set()
    for job in jobs:
        if tuple(job) in seen:
            continue
        seen.add(tuple(job))
        _check_keys(job)
        try:
            try:
                cfg = _compose(job)
            except ConfigError:
                raise _unknown_entry(job) or sys.exc_info()[1]  # type: ignore[misc]  # noqa: B904
            validate_scenario(to_scenario(cfg))
        except ConfigError as exc:
            if multirun and len(jobs) > 1:
                raise ConfigError(f"{exc} (in job {' '.join(job)})") from exc
            raise
        except (OmegaConfBaseException, ValueError) as exc:
            raise _translate(exc) from exc

    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = _explicit(overrides, key)
    if given is not None:
        folder = Path(given)
        if folder.exists() and (run_folder_has_results(folder) or (folder / ".hydra").exists()
                                or (multirun and any(folder.glob("*/metrics.json")))):
            raise ConfigError(f"{key}: {given!r} already holds results — choose a new folder; "
                              "nothing existing is overwritten")
        return []
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    base = Path("results") / ("sweeps" if multirun else "runs") / stamp
    return [f"{key}={_fresh(base)}"]


# --------------------------------------------------------------------------- the Hydra task


def _show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _app(cfg: DictConfig) -> None:
    from o2osim.model import run_scenario
    from o2osim.reports.scorecard import format_scorecard

    try:
        sc = validate_scenario(to_scenario(cfg))
    except ConfigError as exc:  # safety net: preflight normally catches this
        print(f"o2osim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    out = Path(HydraConfig.get().runtime.output_dir)
    if run_folder_has_results(out):
        print(f"o2osim: error: {out}: already holds results — not overwritten", file=sys.stderr)
        sys.exit(2)
    result = run_scenario(sc, progress=_show_progress())
    write_run(out, result)
    print(format_scorecard(result.metrics))
    print(f"results: {out}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``o2osim``."""
    args = list(sys.argv[1:] if argv is None else argv)
    multirun = "-m" in args or "--multirun" in args
    if not any(a in PASS_THROUGH or a.startswith("--") and a.split("=")[0] in PASS_THROUGH
               for a in args):
        overrides = [a for a in args if not a.startswith("-")]
        try:
            args += preflight(overrides, multirun)
        except ConfigError as exc:
            print(f"o2osim: error: {exc}", file=sys.stderr)
            sys.exit(2)
    sys.argv = [sys.argv[0], *args]
    _app()


if __name__ == "__main__":
    main()
