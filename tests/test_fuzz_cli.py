"""Bad input through the real command line (``o2osim.cli.main``, in-process): one case
per setting of the schema and per kind of bad value its type and range allow (below the
range, above it, the wrong type, not finite, a list of the wrong shape or all zero, an
unknown name, a string reading the environment), and one per kind of bad command line
(issue 11, item 8). Every case must end in exit code 2 with one line on stderr naming the
field, nothing on stdout, no traceback, and no file or folder written.

The cases are generated from the schema (:func:`o2osim.config.ranges.schema_leaves`), so a
new setting is fuzzed without editing this file. Hydra is never reached: ``_app`` is
replaced by a function that fails the case, so an input wrongly accepted runs nothing.
After the first case of a process, the CLI refuses a bad value from the presets it
composed once (``o2osim.config.jobs.kept_scenarios``): about 85 ms of CPU a case
(54 s for the 637 cases in one process, 2026-12-08).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import SMALL
from o2osim import cli
from o2osim.config.field_checks import Interval, ListOf, OneOf
from o2osim.config.jobs import MAX_JOBS
from o2osim.config.ranges import Leaf, schema_leaves

EXAMPLE_KEYS = {"market.channels": "livestream", "market.operations.stations": "cashier",
                "plan.channels": "livestream", "targets": "roi"}
"""An entry of each dict of the schema that every market preset has."""


class Accepted(Exception):  # noqa: N818 — raised when an input gets through
    pass


def _accepted() -> None:
    raise Accepted


def concrete(pattern: str) -> str:
    for prefix, key in EXAMPLE_KEYS.items():
        pattern = pattern.replace(f"{prefix}.*", f"{prefix}.{key}")
    return pattern


def number(x: float, integer: bool) -> str:
    return str(int(x)) if integer else repr(float(x))


def _inner(tp: Any) -> Any:
    args = [a for a in getattr(tp, "__args__", ()) if a is not type(None)]
    return args[0] if args and getattr(tp, "__origin__", None) is not list else tp


def outside(interval: Interval, integer: bool) -> list[tuple[str, float]]:
    """Values just outside ``interval``, below and above."""
    found = []
    if interval.lo is not None:
        lo = interval.lo if interval.lo_open else interval.lo - 1
        found.append(("below", lo))
    if interval.hi is not None:
        hi = interval.hi if interval.hi_open else interval.hi + (1 if integer else
                                                                 max(1.0, interval.hi))
        found.append(("above", hi))
    return found


def inside(interval: Interval) -> float:
    lo = interval.lo if interval.lo is not None else 0.0
    if interval.lo_open or (interval.hi is not None and interval.hi_open and lo == interval.hi):
        hi = interval.hi if interval.hi is not None else lo + 2
        return (lo + hi) / 2
    return lo


def bad_values(leaf: Leaf) -> list[tuple[str, str]]:
    """(kind, value as typed) for every kind of bad value of ``leaf``."""
    check, tp = leaf.check, _inner(leaf.type)
    if getattr(tp, "__origin__", None) is list:
        integer = tp.__args__[0] is int
        assert isinstance(check, ListOf), leaf.pattern
        n = check.length or max(check.min_length, 1)
        cases = [(f"element-{kind}", "[" + ",".join([number(x, integer)] * n) + "]")
                 for kind, x in outside(check.each, integer)]
        if check.length:
            good = number(inside(check.each), integer)
            cases.append(("length", "[" + ",".join([good] * (check.length + 1)) + "]"))
        if check.nonzero:
            cases.append(("all-zero", "[" + ",".join(["0"] * n) + "]"))
        return [*cases, ("not-a-list", "abc")]
    if tp in (int, float):
        integer = tp is int
        assert isinstance(check, Interval), leaf.pattern
        cases = [(kind, number(x, integer)) for kind, x in outside(check, integer)]
        cases.append(("wrong-type", "abc"))
        cases.append(("not-finite", "inf") if not integer else ("fraction", "1.5"))
        return cases
    if tp is bool:
        return [("wrong-type", "maybe")]
    if isinstance(check, OneOf):
        return [("unknown-name", "no_such_name")]
    return [("reads-environment", "'${oc.env:HOME}'")]


LEAF_CASES = [pytest.param([f"{concrete(leaf.pattern)}={value}"], concrete(leaf.pattern),
                           id=f"{concrete(leaf.pattern)}:{kind}")
              for leaf in schema_leaves() for kind, value in bad_values(leaf)]

HOME_FILE = "FILE"
"""A file the instantiating callback case would create in the working folder."""

KIND_CASES = [
    # group overrides of the wrong type, lists of presets
    (["plan=null"], "plan"),
    (["targets=5"], "targets"),
    (["market=[retail_apparel,hotpot_chain]"], "market"),
    (["market=range(1,3)"], "market"),
    (["-m", "plan=1,integrated"], "plan"),
    (["market=nope"], "market"),
    (["~market"], "market"),
    # over-long keys and values, huge numbers, too many overrides
    (["a" * 300 + "=1"], "a" * 60),
    (["plan.name=" + "x" * 30_000], "plan.name"),
    (["sim.seed=" + "1" * 5000], "sim.seed"),
    (["sim.seed=" + "9" * 40], "sim.seed"),
    (["plan.coupon.value_cny=1e400"], "plan.coupon.value_cny"),
    (["sim.seed=1"] * 1001, "command line"),
    # unknown top-level keys
    (["+foo=1"], "foo"),
    (["+_target_=os.system"], "_target_"),
    (["+sim.foo=1"], "sim.foo"),
    # anything under hydra that instantiates
    (["+hydra.callbacks.x={_target_:builtins.open,_args_:[FILE,w]}"],
     "hydra.callbacks.x._target_"),
    (["hydra/launcher=ray_aws"], "hydra/launcher"),
    (["hydra.launcher._target_=os.system"], "hydra.launcher._target_"),
    (["-m", "hydra/sweeper=optuna"], "hydra.sweeper._target_"),
    (["-m", "+experiment=cheapest_plan", "hydra.sweeper.sampler._target_=os.system"],
     "hydra.sweeper.sampler._target_"),
    (["-m", "+experiment=cheapest_plan", f"hydra.sweeper.n_trials={MAX_JOBS + 1}"],
     "hydra.sweeper.n_trials"),
    (["-m", "+experiment=cheapest_plan", "hydra.sweeper.storage=postgresql://host/db"],
     "hydra.sweeper.storage"),
    (["-m", "+experiment=cheapest_plan", "hydra.sweeper.storage=sqlite:////proc/o2osim/x.db"],
     "hydra.sweeper.storage"),
    (["+hydra.job_logging.handlers.x={class:os.system}"], "hydra.job_logging.handlers.x.class"),
    (["hydra.job_logging.handlers.console.stream=ext://os.system"],
     "hydra.job_logging.handlers.console.stream"),
    (["hydra.searchpath=[pkg://os]"], "hydra.searchpath[0]"),
    (["hydra.searchpath=[file:///no/such/folder]"], "hydra.searchpath[0]"),
    (["hydra.output_subdir=/tmp/o2osim-elsewhere"], "hydra.output_subdir"),
    (["hydra.job.name=../../elsewhere"], "hydra.job.name"),  # names the log file
    (["hydra.job_logging.handlers.file.filename=/tmp/o2osim-elsewhere.log"],
     "hydra.job_logging.handlers.file.filename"),
    (["-m", "sim.seed=1,2", "hydra.sweep.subdir=${oc.env:HOME}"], "hydra.sweep.subdir"),
    (["-m", "sim.seed=1,2", "hydra.sweep.subdir=../elsewhere"], "hydra.sweep.subdir"),
    # interpolations that read the environment
    (["plan.name=${oc.env:HOME}"], "plan.name"),
    (["market.description='${oc.env:HOME}'"], "market.description"),
    (["plan.description='${hydra:runtime.cwd}'"], "plan.description"),
    (["targets.roi.label=${now:%H}"], "targets.roi.label"),
    (["-m", "plan.name=a,${oc.env:HOME}"], "plan.name"),
    # unusable output folders
    (["hydra.run.dir=taken"], "hydra.run.dir"),  # a file (made by the test)
    (["hydra.run.dir=taken/below"], "hydra.run.dir"),
    (["-m", "sim.seed=1,2", "hydra.sweep.dir=taken"], "hydra.sweep.dir"),
    (["hydra.run.dir="], "hydra.run.dir"),
    (["hydra.run.dir=" + "d" * 300], "hydra.run.dir"),
    (["hydra.run.dir=${oc.env:O2OSIM_NO_SUCH_VARIABLE}"], "hydra.run.dir"),
    (["hydra.run.dir=/proc/o2osim-cannot-be-made"], "hydra.run.dir"),
    # sizes
    (["-m", "sim.seed=range(0,100000)"], "-m"),
    (["-m", "sim.seed=range(10,0)"], "-m"),  # no jobs at all
    (["-m", "market=glob(nothing*)"], "-m"),
    (["hydra.launcher=null"], "hydra.launcher"),
    (["-m", "sim.seed=range(0,200)", "plan.coupon.value_cny=range(1,60)"], "-m"),
    (["sim.population=20000000", "sim.days=3650"], "sim.population"),
    (["sim.population=20000000", "market.population.network_degree=30"],
     "market.population.network_degree"),
    # the measured cases of the issue
    (["market.stores.basket_mean_cny=1e308"], "market.stores.basket_mean_cny"),
    (["market.operations.day_of_week_weights=[0,0,0,0,0,0,0]"],
     "market.operations.day_of_week_weights"),
    (["market.operations.arrival_profile=[" + ",".join(["0"] * 24) + "]"],
     "market.operations.arrival_profile"),
    (["market.operations.balk_queue_per_server=-1"], "market.operations.balk_queue_per_server"),
    (["market.behaviour.promise_attraction=-100"], "market.behaviour.promise_attraction"),
    (["market.behaviour.price_elasticity=1e308"], "market.behaviour.price_elasticity"),
    (["plan.operations.staff_multiplier=0"], "plan.operations.staff_multiplier"),
    # the command line itself
    (["--config-dir", "no/such/folder"], "--config-dir"),
    (["--config-dir", "taken"], "--config-dir"),  # a file
    (["--config-path", "no/such/folder"], "--config-path"),
    (["--config-name", "../elsewhere"], "--config-name"),
    (["--multirun", "--run"], "--multirun"),
    (["--cfg=job", "--info"], "--info"),
    (["--cfg=job", "plan=null"], "plan"),  # Hydra composes these too: same checks
    (["--help", "market=[retail_apparel,hotpot_chain]"], "market"),
    (["--cfg=everything"], "--cfg/-c"),
    (["sim.seed=1,2"], "sim.seed"),
    (["sim.seed=["], "sim.seed"),
    (["sim.seed"], "sim.seed"),
]


VALUED = ("--config-dir", "-cd", "--config-path", "-cp", "--config-name", "-cn")


def tree(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in folder.rglob("*")}


def refuse(args: list[str], field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``o2osim ARGS`` (after the small scenario) and check it is refused; the line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_app", _accepted)
    (tmp_path / "taken").write_text("a file, not a folder\n", encoding="utf-8")
    before = tree(tmp_path)
    n = 0  # leading options (and the value of --config-dir and the like) go first
    while n < len(args) and (args[n].startswith("-") or args[n - 1] in VALUED):
        n += 1
    options, rest = args[:n], args[n:]
    monkeypatch.setattr(sys, "argv", ["o2osim", *options, *SMALL, *rest])
    with pytest.raises(SystemExit) as done:
        try:
            cli.main()
        except Accepted:
            pytest.fail(f"accepted: {args[:3]}")
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert done.value.code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith(f"o2osim: error: {field}"), lines[0]
    assert " — " in lines[0] and "Traceback" not in err
    assert out == ""
    assert tree(tmp_path) == before
    assert not (tmp_path / HOME_FILE).exists()
    return lines[0]


@pytest.mark.parametrize(("args", "field"), LEAF_CASES)
def test_every_bad_value_of_every_setting_is_refused(
        args: list[str], field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    refuse(args, field, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize(("args", "field"), [pytest.param(a, f, id=" ".join(a)[:70])
                                             for a, f in KIND_CASES])
def test_every_kind_of_bad_command_line_is_refused(
        args: list[str], field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    refuse(args, field, tmp_path, monkeypatch, capsys)


def test_a_folder_that_cannot_be_written_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "locked").mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p).name != "locked"
                        and real(p, mode))  # as root, chmod would not stop us
    line = refuse(["hydra.run.dir=locked/run"], "hydra.run.dir", tmp_path, monkeypatch, capsys)
    assert "cannot be created in" in line and "(permission denied)" in line


def test_the_cases_cover_every_setting_and_kind() -> None:
    fuzzed = {str(p.values[1]) for p in LEAF_CASES}
    assert {concrete(leaf.pattern) for leaf in schema_leaves()} <= fuzzed
    numeric = [leaf for leaf in schema_leaves() if leaf.numeric]
    assert len(LEAF_CASES) >= 3 * len(numeric)  # below or above, wrong type, not finite
    kinds = {str(p.id).rpartition(":")[2] for p in LEAF_CASES}
    assert {"below", "above", "wrong-type", "not-finite", "element-below", "length",
            "all-zero", "unknown-name", "reads-environment"} <= kinds


OWN_PRESETS = {  # market/<name>.yaml or plan/<name>.yaml of a --config-dir, the field named
    "market/env": ("# @package market\ndefaults:\n  - retail_apparel\n  - _self_\n"
                   "name: ${oc.env:HOME}\n", "market.name"),
    "market/huge_basket": ("# @package market\ndefaults:\n  - retail_apparel\n  - _self_\n"
                           "stores:\n  basket_mean_cny: 1e308\n", "market.stores.basket_mean_cny"),
    "plan/top_level_key": ("# @package _global_\ndefaults:\n  - /plan/integrated@plan\n"
                           "  - _self_\nfoo: 1\n", "foo"),
    "market/not_yaml": (": : :\n\t- x\n", "config files"),
    "market/self_alias": ("a: &a [*a]\n", "config files"),
}


@pytest.mark.parametrize("preset", list(OWN_PRESETS))
def test_bad_presets_of_ones_own_are_refused(
        preset: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    text, field = OWN_PRESETS[preset]
    (tmp_path / "mine" / preset).parent.mkdir(parents=True)
    (tmp_path / "mine" / f"{preset}.yaml").write_text(text, encoding="utf-8")
    group, _, name = preset.partition("/")
    refuse(["--config-dir", "mine", f"{group}={name}"], field, tmp_path, monkeypatch, capsys)
