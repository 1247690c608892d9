"""The Python API (docs/api.md): the CLI's checks and messages, the CLI's numbers and run
folder, sweeps validated up front, a light ``import o2osim``, and the documented example."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import o2osim
from conftest import SMALL, RunO2osim
from o2osim.config import ConfigError
from o2osim.run_folders import MARKER

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "matplotlib", "mesa", "hydra", "omegaconf", "simpy", "scipy")


def small_mapping() -> dict[str, object]:
    """:data:`conftest.SMALL` as the mapping form of ``overrides`` (Python values)."""
    return {key: yaml.safe_load(value) for key, _, value in (o.partition("=") for o in SMALL)}


@pytest.fixture
def cli(o2osim: RunO2osim) -> RunO2osim:
    """The ``o2osim`` command (conftest's fixture, renamed: here ``o2osim`` is the package)."""
    return o2osim


@pytest.fixture(scope="module")
def small_result() -> o2osim.Result:
    return o2osim.run(market="local_services", plan="fragmented", overrides=list(SMALL))


def test_import_o2osim_imports_no_engine_hydra_or_pandas() -> None:
    code = ("import sys, o2osim; o2osim.run; o2osim.sweep; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"


def test_run_gives_the_cli_numbers_and_save_writes_the_cli_run_folder(
        cli: RunO2osim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = cli("market=hotpot_chain", *SMALL, "hydra.run.dir=run")
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "run").rename(tmp_path / "cli")
    monkeypatch.chdir(tmp_path)  # the same working folder and run folder name as the CLI's
    result = o2osim.run(market="hotpot_chain", overrides=list(SMALL))
    assert not (tmp_path / "run").exists()  # running writes nothing
    assert result.save("run") == Path("run")
    api, cli_dir = tmp_path / "run", tmp_path / "cli"

    def files(folder: Path) -> set[str]:
        return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}

    assert files(api) == files(cli_dir) - {"o2osim.log"}
    for name in ("metrics.json", "daily.csv", "stores.csv", "replications.csv", "report.md",
                 ".hydra/config.yaml", ".hydra/overrides.yaml", ".hydra/hydra.yaml"):
        assert (api / name).read_bytes() == (cli_dir / name).read_bytes(), name
    marker = json.loads((api / MARKER).read_text(encoding="utf-8"))  # o2osim's own folder
    assert marker.keys() == json.loads((cli_dir / MARKER).read_text(encoding="utf-8")).keys()
    assert (marker["written_by"], marker["kind"]) == ("o2osim", "run")
    assert result.metrics == json.loads((cli_dir / "metrics.json").read_text(encoding="utf-8"))
    assert dict(result.kpis) == result.metrics["kpis"] and result.kpis["roi"] > 0
    assert len(result.daily) == result.metrics["days"]
    assert set(result.stores["store_id"]) == set(range(result.scenario.config.market.stores.count))
    assert result.scorecard(width=100) in proc.stdout
    assert repr(result).startswith("<o2osim.Result hotpot_chain x integrated, seed 0, 2,000 ")


BAD = [
    pytest.param(["sim.population=-5"], id="out-of-range"),
    pytest.param(["market=nope"], id="unknown-preset"),
    pytest.param(["plan.coupon.value_cny=400"], id="cross-field-rule"),
    pytest.param(["sim.sed=3"], id="unknown-key"),
    pytest.param(["sim.seed=abc"], id="wrong-type"),
]


@pytest.mark.parametrize("lines", BAD)
def test_bad_input_raises_config_error_with_the_cli_line(
        lines: list[str], cli: RunO2osim, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as err:
        o2osim.scenario(overrides=[*SMALL, *lines])  # the last value of a key wins
    proc = cli(*SMALL, *lines)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"o2osim: error: {err.value}"
    assert list(tmp_path.iterdir()) == []  # neither wrote anything
    assert o2osim.ConfigError is ConfigError


def test_the_mapping_form_is_checked_like_the_lines() -> None:
    with pytest.raises(ConfigError) as lines:
        o2osim.scenario(overrides=["plan.coupon.value_cny=400", *SMALL])
    with pytest.raises(ConfigError) as mapping:
        o2osim.scenario(overrides={**small_mapping(), "plan.coupon.value_cny": 400})
    assert str(mapping.value) == str(lines.value)
    with pytest.raises(ConfigError, match=r"^sim.population: '2000.0' — must be an integer"):
        o2osim.scenario(overrides={**small_mapping(), "sim.population": 2000.0})


@pytest.mark.parametrize("overrides,message", [
    ({"hydra.run.dir": "x"}, r"^hydra.run.dir: 'x' — o2osim.run takes scenario settings"),
    ({"hydra/launcher": "joblib"}, r"^hydra/launcher: 'joblib' — o2osim.run takes"),
    (["-m", "sim.seed=1,2"], r"^-m: is a command-line option"),
    (["sim.seed=1,2"], r"^sim.seed: '1,2' — several values are a sweep"),
    ("sim.seed=3", r"^overrides: 'sim.seed=3' — must be a mapping"),
    ({"sim.seed": object()}, r"^sim.seed: <object object at .*> — must be a number, a string"),
    ({"+experiment": "cheapest_plan"}, r"^hydra.mode: MULTIRUN — this scenario is a sweep"),
], ids=["hydra-key", "hydra-group", "option", "sweep-syntax", "string", "object", "sweep-preset"])
def test_what_is_no_single_scenario_is_refused(overrides: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        o2osim.scenario(overrides=overrides)  # type: ignore[arg-type]


def test_python_values_reach_the_scenario_as_given() -> None:
    name = "it's \\ a 'plan' \\"
    sc = o2osim.scenario(plan="fragmented", overrides={
        **small_mapping(), "plan.name": name, "plan.description": "true",
        "market.population.segment_shares": [0.5, 0.3, 0.2],
        "plan.integration.price_parity": True, "plan.coupon.value_cny": 25})
    plan = sc.config.plan
    assert (plan.name, plan.description) == (name, "true")  # strings stay strings
    assert list(sc.config.market.population.segment_shares) == [0.5, 0.3, 0.2]
    assert plan.integration.price_parity is True and plan.coupon.value_cny == 25
    assert sc.overrides[0] == "plan=fragmented"
    assert sc.command().startswith("o2osim plan=fragmented sim.population=2000 ")


def test_save_refuses_a_folder_holding_anything(small_result: o2osim.Result,
                                                tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "daily.csv").write_text("my own numbers\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^folder: '.*mine' — already holds files"):
        small_result.save(mine)
    assert [p.name for p in mine.iterdir()] == ["daily.csv"]
    assert (mine / "daily.csv").read_text(encoding="utf-8") == "my own numbers\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # no staging left behind
    (tmp_path / "empty").mkdir()
    assert (small_result.save(tmp_path / "empty") / "metrics.json").is_file()
    with pytest.raises(ConfigError, match="already holds files"):
        small_result.save(tmp_path / "empty")  # now a run: never written into again


def test_sweep_checks_every_scenario_before_running_any(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(o2osim.Scenario, "run", lambda self, progress=None: ran.append(
        self.label))
    with pytest.raises(ConfigError, match=r"^market: 'nope' is not a preset .*"
                                          r"\(scenarios\[1\]\)$"):
        o2osim.sweep([{"overrides": list(SMALL)}, {"market": "nope", "overrides": list(SMALL)}])
    with pytest.raises(ConfigError, match=r"^scenarios\[0\]: plna — allowed keys"):
        o2osim.sweep([{"plna": "integrated"}])
    assert ran == []


def test_sweep_shows_progress_only_when_asked(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(o2osim.Scenario, "run", lambda self, progress=None: self.label)
    items = [{"overrides": [*SMALL, f"sim.seed={s}"]} for s in (1, 2)]
    small = " ".join(SMALL)
    assert o2osim.sweep(items, progress=False) == [
        f"retail_apparel x integrated ({small} sim.seed={s})" for s in (1, 2)]
    assert capsys.readouterr().err == ""
    o2osim.sweep(items, progress=True)
    err = capsys.readouterr().err
    assert "running 2: retail_apparel x integrated" in err and "scenarios done 2/2" in err
    monkeypatch.setenv("CI", "1")
    o2osim.sweep(items)  # the default: never in CI
    assert capsys.readouterr().err == ""


def test_sweep_runs_the_scenarios_in_order(small_result: o2osim.Result) -> None:
    first = o2osim.scenario(market="local_services", plan="fragmented", overrides=list(SMALL))
    results = o2osim.sweep([{"market": "local_services", "plan": "fragmented",
                             "overrides": [*SMALL, "sim.seed=5"]}, first], progress=False)
    assert [r.metrics["seed"] for r in results] == [5, 0]
    assert results[1].metrics == small_result.metrics  # the same scenario, the same numbers
    assert results[0].metrics["kpis"] != small_result.metrics["kpis"]
    table = results.table()
    assert list(table["seed"]) == [5, 0] and list(table["plan"]) == ["fragmented"] * 2
    assert table.loc[1, "roi"] == small_result.kpis["roi"]


def test_the_example_in_docs_api_md_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    small, n = re.subn(r'"sim\.population": 20000', '"sim.population": 2000', code.group(1))
    assert n == 2  # the run and the sweep, at a tenth of the documented population
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(small, "docs/api.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "<o2osim.Result hotpot_chain x integrated, seed 0, 2,000 consumers" in out
    assert "Customer satisfaction" in out  # the scorecard
    assert "plan.coupon.value_cny: 400 is worth more than its threshold" in out
    saved = tmp_path / "results" / "api" / "hotpot_integrated"
    assert json.loads((saved / "metrics.json").read_text(encoding="utf-8"))["market"] == (
        "hotpot_chain")
    assert (saved / "report.html").is_file()
    table = namespace["table"]
    assert list(table["plan"]) == ["fragmented", "integrated"]  # type: ignore[index]
    shutil.rmtree(tmp_path / "results")
