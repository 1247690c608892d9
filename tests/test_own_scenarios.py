"""Presets of your own in a folder of your own (docs/own-scenarios.md): the example folder
``examples/own_scenarios`` through the real CLI and the API, validated exactly like the
shipped presets, and ``--help`` listing only real presets."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

import o2osim
from conftest import SMALL, RunO2osim, market_presets
from o2osim.config import CONF_DIR, ConfigError, compose_config, compose_scenario
from o2osim.config.schema import MarketConfig, PlanConfig

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "own_scenarios"


def presets(folder: Path, group: str) -> list[str]:
    return sorted(p.stem for p in (folder / group).glob("*.yaml"))


def help_groups(text: str) -> dict[str, list[str]]:
    """The ``group: a, b, c`` lines of ``o2osim --help``."""
    block = text.split("== Configuration groups ==")[1].split("== Config ==")[0]
    found = re.findall(r"^(\w+): (.*)$", block, re.M)
    return {group: options.split(", ") for group, options in found}


@pytest.fixture
def cli(o2osim: RunO2osim) -> RunO2osim:
    """The ``o2osim`` command (conftest's fixture, renamed: here ``o2osim`` is the package)."""
    return o2osim


def test_help_lists_the_real_presets_only(cli: RunO2osim) -> None:
    proc = cli("--help")
    assert proc.returncode == 0, proc.stderr
    groups = help_groups(proc.stdout)
    assert groups["market"] == list(market_presets())
    assert groups["plan"] == presets(CONF_DIR, "plan")
    assert groups["targets"] == presets(CONF_DIR, "targets")
    assert "_schema" not in proc.stdout and "market_base" not in proc.stdout
    mine = help_groups(cli("--config-dir", str(EXAMPLE), "--help").stdout)
    for group in ("market", "plan", "targets"):
        assert mine[group] == sorted(presets(CONF_DIR, group) + presets(EXAMPLE, group))


def test_presets_compose_into_the_typed_schema() -> None:
    # the fast, typed conversion of to_scenario: every preset still extends its schema
    for market in (*market_presets(), *presets(EXAMPLE, "market")):
        for plan in (*presets(CONF_DIR, "plan"), *presets(EXAMPLE, "plan")):
            cfg = compose_config([f"market={market}", f"plan={plan}"], EXAMPLE)
            assert OmegaConf.get_type(cfg, "market") is MarketConfig, market
            assert OmegaConf.get_type(cfg, "plan") is PlanConfig, plan


def test_the_example_folder_runs_through_the_cli(cli: RunO2osim, tmp_path: Path) -> None:
    proc = cli("--config-dir", str(EXAMPLE), "market=hotpot_small_city", "plan=integrated_lean",
               "targets=stretch", *SMALL, "hydra.run.dir=run")
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert (metrics["market"], metrics["plan"]) == ("hotpot_small_city", "integrated_lean")
    assert metrics["targets"]["roi"]["threshold"] == 2.5  # targets/stretch.yaml
    assert metrics["targets"]["satisfaction"]["threshold"] == 0.85  # kept from default
    config = yaml.safe_load((run / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
    market, plan = config["market"], config["plan"]
    assert (market["stores"]["count"], market["stores"]["basket_mean_cny"]) == (8, 220)
    assert market["population"]["market_size"] == 400000
    assert market["channels"]["local_life"]["interest_per_exposure"] == 1.3  # hotpot_chain's
    assert plan["channels"]["livestream"]["budget_cny"] == 1800000
    assert plan["integration"]["unified_id_share"] == 0.92  # integrated's
    assert metrics["kpis"]["budget_cny"] == pytest.approx(6_700_000)  # the lean budgets
    roi = metrics["targets"]["roi"]
    assert roi["met"] == (metrics["kpis"]["roi"] >= 2.5)  # judged on the stretch threshold


def test_the_api_and_compose_scenario_take_the_same_folder() -> None:
    sc = compose_scenario(["market=hotpot_small_city", "plan=integrated_lean"], EXAMPLE)
    assert (sc.market.name, sc.market.stores.count, sc.plan.name) == (
        "hotpot_small_city", 8, "integrated_lean")
    checked = o2osim.scenario(market="hotpot_small_city", plan="integrated_lean",
                              overrides=list(SMALL), config_dir=EXAMPLE)
    assert checked.config.market == sc.market  # SMALL changes sim and the plan's calendar only
    assert checked.config.plan.channels == sc.plan.channels
    assert checked.command().startswith(f"o2osim --config-dir {EXAMPLE} market=hotpot_small")


@pytest.mark.parametrize("old,new,message", [
    ("  count: 8\n", "  count: -3\n", "market.stores.count: -3 — must be in "),
    ("  count: 8\n", "  count: 8\n  colour: red\n",
     "market.stores.colour: unknown key — allowed keys under market.stores: count, "),
], ids=["out-of-range", "unknown-key"])
def test_a_bad_value_in_your_own_preset_is_the_one_line_error(
        old: str, new: str, message: str, cli: RunO2osim, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(EXAMPLE, mine)
    path = mine / "market" / "hotpot_small_city.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    proc = cli("--config-dir", "mine", "market=hotpot_small_city", *SMALL, "hydra.run.dir=run")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"o2osim: error: {message}"), lines
    assert not (tmp_path / "run").exists() and not (tmp_path / "results").exists()
    with pytest.raises(ConfigError) as err:  # the API: the same check, the same line
        o2osim.scenario(market="hotpot_small_city", overrides=list(SMALL), config_dir=mine)
    assert lines[0] == f"o2osim: error: {err.value}"


def test_a_plan_extending_the_schema_itself_composes(tmp_path: Path) -> None:
    # how the cheapest-plan search writes best_plan.yaml (search.plan_preset)
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "from_schema.yaml").write_text(
        "# @package plan\ndefaults:\n  - /plan_schema\n  - _self_\nname: from_schema\n",
        encoding="utf-8")
    cfg = compose_config(["plan=from_schema"], tmp_path)
    assert OmegaConf.get_type(cfg, "plan") is PlanConfig and cfg.plan.name == "from_schema"
