"""``o2osim-compare`` trusts no file it reads: each broken ``metrics.json`` or ``.hydra``
file is skipped with its reason, YAML aliases are followed within bounds, no traceback."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from o2osim.reports.runs import Run, Skipped, load_run
from o2osim.results import read_metrics
from o2osim.safe_yaml import MAX_NODES, YamlError, load_yaml, loads_yaml

GOLDEN = Path(__file__).parent / "golden"

CONFIG = """\
market:
  name: retail_apparel
  description: Apparel chain
plan:
  name: fragmented
  description: Today's plan
  channels:
    livestream:
      budget_cny: 100000
sim:
  seed: 11
  population: 20000
"""
HYDRA = """\
hydra:
  job:
    name: o2osim
  runtime:
    choices:
      market: retail_apparel
      plan: fragmented
      hydra/launcher: basic
"""


def _run_folder(path: Path, source: str = "retail_apparel__fragmented__s11") -> Path:
    """A finished run folder: a golden run's files and a ``.hydra`` record."""
    shutil.copytree(GOLDEN / source, path)
    (path / ".hydra").mkdir()
    (path / ".hydra" / "config.yaml").write_text(CONFIG, encoding="utf-8")
    (path / ".hydra" / "hydra.yaml").write_text(HYDRA, encoding="utf-8")
    (path / ".hydra" / "overrides.yaml").write_text("- sim.seed=11\n", encoding="utf-8")
    return path


def _bomb(levels: int = 9, width: int = 9, merge: bool = False) -> str:
    """``levels`` anchors of ``width`` aliases each: ``width ** levels`` values."""
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} {{x: 1, y: 2}}"]
    for prev, name in zip(names, names[1:], strict=False):
        if merge:
            body = "<<: [" + ", ".join([f"*{prev}"] * width) + "]"
        else:
            body = ", ".join(f"k{j}: *{prev}" for j in range(width))
        lines.append(f"{name}: &{name} {{{body}}}")
    return "\n".join(lines) + "\n"


Change = Callable[[Path], None]


def _metrics(change: Callable[[dict[str, Any]], None]) -> Change:
    def apply(folder: Path) -> None:
        path = folder / "metrics.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")  # inf and nan as JSON allows
    return apply


def _text(name: str, text: str) -> Change:
    def apply(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")
    return apply


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value
    return change


BROKEN: dict[str, tuple[Change, str]] = {
    # .hydra/config.yaml
    "alias-bomb": (_text(".hydra/config.yaml", _bomb()),
                   f".hydra/config.yaml: stands for more than {MAX_NODES:,} values"),
    "merge-key-bomb": (_text(".hydra/config.yaml", _bomb(merge=True)),
                       ".hydra/config.yaml: stands for more than"),
    "list-alias-bomb": (_text(".hydra/config.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"b{i}: &b{i} [{', '.join([f'*{p}'] * 9)}]\n"
        for i, p in enumerate(["a"] + [f"b{i}" for i in range(8)]))),
        ".hydra/config.yaml: stands for more than"),
    "self-referencing-alias": (_text(".hydra/config.yaml", "plan: &p {again: *p}\n"),
                               "an alias refers to the value that contains it"),
    "self-referencing-list": (_text(".hydra/config.yaml", "a: &a [*a]\n"),
                              "an alias refers to the value that contains it"),
    "deeply-nested": (_text(".hydra/config.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
                      ".hydra/config.yaml: not valid YAML"),
    "config-a-list": (_text(".hydra/config.yaml", "- 1\n- 2\n"),
                      ".hydra/config.yaml: a list, where Hydra writes a mapping"),
    "config-not-yaml": (_text(".hydra/config.yaml", "plan: [1,\n"),
                        ".hydra/config.yaml: not valid YAML"),
    "config-binary": (_text(".hydra/config.yaml", "plan: !!binary aGVsbG8=\n"),
                      ".hydra/config.yaml: plan: a bytes"),
    # .hydra/overrides.yaml and hydra.yaml
    "overrides-an-int": (_text(".hydra/overrides.yaml", "5\n"),
                         ".hydra/overrides.yaml: a number ('5'), where Hydra writes a list"),
    "overrides-a-mapping": (_text(".hydra/overrides.yaml", "a: 1\n"),
                            ".hydra/overrides.yaml: a mapping"),
    "overrides-nested": (_text(".hydra/overrides.yaml", "- [a, b]\n"),
                         ".hydra/overrides.yaml: a list"),
    "hydra-a-string": (_text(".hydra/hydra.yaml", "just text\n"),
                       ".hydra/hydra.yaml: text, where Hydra writes a mapping"),
    "choices-a-list": (_text(".hydra/hydra.yaml", "hydra: {runtime: {choices: [1, 2]}}\n"),
                       "hydra.runtime.choices is not a mapping"),
    # metrics.json
    "kpi-inf": (_metrics(_set("kpis", "roi", value=float("inf"))),
                "metrics.json: kpis.roi: inf — must be a finite number"),
    "kpi-nan": (_metrics(_set("kpis", "roi", value=float("nan"))),
                "metrics.json: kpis.roi: nan — must be a finite number"),
    "kpi-a-string": (_metrics(_set("kpis", "conversion_rate", value="high")),
                     "metrics.json: kpis.conversion_rate: 'high' — must be a finite number"),
    "kpi-true": (_metrics(_set("kpis", "roi", value=True)), "kpis.roi: True"),
    "kpis-a-list": (_metrics(_set("kpis", value=[1, 2])), "metrics.json has no kpis"),
    "replications-abc": (_metrics(_set("replications", value="abc")),
                         "metrics.json: replications: 'abc' — must be a whole number >= 1"),
    "replications-zero": (_metrics(_set("replications", value=0)), "replications: 0"),
    "targets-a-string": (_metrics(_set("targets", value="all")),
                         "metrics.json: not an o2osim metrics.json (targets is not a table)"),
    "target-a-string": (_metrics(_set("targets", "roi", value="x")),
                        "metrics.json: targets.roi: 'x' — must be a table"),
    "target-threshold-text": (_metrics(_set("targets", "roi", "threshold", value="1.8")),
                              "targets.roi.threshold: '1.8' — must be a finite number"),
    "target-op-unknown": (_metrics(_set("targets", "roi", "op", value="=>")),
                          "targets.roi.op: '=>' — must be '>=' or '<='"),
    "target-without-kpi": (_metrics(lambda d: d["targets"]["roi"].pop("kpi")),
                           "targets.roi.kpi: missing"),
    "units-a-list": (_metrics(_set("units", value=[1])), "units: [1] — must be a table"),
    "market-a-number": (_metrics(_set("market", value=5)), "market: 5 — must be text"),
    "seed-a-float": (_metrics(_set("seed", value=1.5)), "seed: 1.5 — must be a whole number"),
    "probability-above-1": (_metrics(_set("all_targets_probability", value=2)),
                            "all_targets_probability: 2 — must be a finite number in [0, 1]"),
    "kpi-stats-a-string": (_metrics(_set("kpi_stats", value="x")), "kpi_stats: 'x'"),
    "channel-spend-text": (_metrics(lambda d: d["channels"][next(iter(d["channels"]))]
                                    .__setitem__("spend_cny", "lots")), "spend_cny: 'lots'"),
    "schema-version-text": (_metrics(_set("schema_version", value="2")),
                            "schema_version: '2' — must be a whole number"),
    "schema-version-newer": (_metrics(_set("schema_version", value=99)), "upgrade o2osim"),
    "huge-integer": (_text("metrics.json", '{"kpis": {"roi": 1' + "0" * 5000 + "}}"),
                     "metrics.json: not valid JSON"),
    "deep-json": (_text("metrics.json", '{"kpis": {}, "x": ' + "[" * 100_000 + "]" * 100_000
                        + "}"), "metrics.json: not valid JSON"),
    "not-utf8": (lambda f: (f / "metrics.json").write_bytes(b'{"kpis": {"\xff": 1}}'),
                 "metrics.json: not valid JSON"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_skips_its_run_with_the_reason(case: str, tmp_path: Path) -> None:
    change, reason = BROKEN[case]
    folder = _run_folder(tmp_path / case)
    change(folder)
    started = time.monotonic()
    loaded = load_run(folder, case)
    assert time.monotonic() - started < 5.0  # an alias bomb used to hang past 120 s
    assert isinstance(loaded, Skipped), loaded
    assert reason in loaded.reason
    assert "\n" not in loaded.reason and len(loaded.reason) < 300


def test_a_sound_run_folder_loads(tmp_path: Path) -> None:
    loaded = load_run(_run_folder(tmp_path / "ok"), "ok")
    assert isinstance(loaded, Run)
    assert loaded.overrides == ["sim.seed=11"] and loaded.has_hydra_config
    assert loaded.choices == {"market": "retail_apparel", "plan": "fragmented"}
    assert loaded.config["plan.channels.livestream.budget_cny"] == 100000
    # a run without .hydra (written by the Python API) is not a fault
    shutil.rmtree(tmp_path / "ok" / ".hydra")
    bare = load_run(tmp_path / "ok", "ok")
    assert isinstance(bare, Run) and not bare.has_hydra_config
    assert bare.choices == {"market": "retail_apparel", "plan": "fragmented"}


def test_every_golden_metrics_json_passes_the_check() -> None:
    for path in sorted(GOLDEN.glob("*/metrics.json")):
        assert read_metrics(path)["kpis"], path


def test_compare_skips_every_broken_run_and_compares_the_rest(tmp_path: Path) -> None:
    """The command end to end, in a fresh process: no traceback, exit 0, each broken run
    listed as skipped with its reason, the sound runs compared."""
    paths = [_run_folder(tmp_path / "runs" / "good-a"),
             _run_folder(tmp_path / "runs" / "good-b", "retail_apparel__integrated__s11")]
    for case, (change, _) in BROKEN.items():
        change(_run_folder(tmp_path / "runs" / case))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "o2osim.reports.compare",
                           str(tmp_path / "runs"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - started < 120
    skipped = {line.split(" — ", 1)[0].rsplit("/", 1)[-1]: line
               for line in proc.stdout.splitlines() if line.startswith("skipped: ")}
    assert set(skipped) == set(BROKEN), sorted(set(BROKEN) ^ set(skipped))
    for case, (_, reason) in BROKEN.items():
        assert reason in skipped[case], (case, skipped[case])
    with (tmp_path / "out" / "comparison.csv").open(encoding="utf-8", newline="") as fh:
        compared = [Path(row["run_folder"]).name for row in csv.DictReader(fh)]
    assert sorted(compared) == sorted(p.name for p in paths)


# --------------------------------------------------------------------------- YAML with bounds


def test_yaml_aliases_are_followed_within_bounds() -> None:
    assert loads_yaml("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}
    assert loads_yaml("base: &b {x: 1}\nmore: {<<: *b, y: 2}\n")["more"] == {"x": 1, "y": 2}
    assert loads_yaml("") is None and loads_yaml("5") == 5
    for text, reason in ((_bomb(), "stands for more than"),
                         (_bomb(merge=True), "stands for more than"),
                         ("a: &a [*a]\n", "refers to the value that contains it"),
                         ("- " * 150 + "x\n", "nested too deeply"),
                         ("!!python/object:os.system {}\n", "not valid YAML")):
        started = time.monotonic()
        with pytest.raises(YamlError, match=reason):
            loads_yaml(text)
        assert time.monotonic() - started < 2.0
    # a bomb just inside the bounds is read; a little bigger is not
    assert loads_yaml(_bomb(levels=2, width=9)) is not None
    with pytest.raises(YamlError):
        loads_yaml(_bomb(levels=2, width=9), max_nodes=50)


def test_yaml_files_too_large_or_not_text_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(YamlError, match="larger than 1,000 bytes"):
        load_yaml(big, max_bytes=1000)
    (tmp_path / "bin.yaml").write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(YamlError, match="not UTF-8"):
        load_yaml(tmp_path / "bin.yaml")
