"""The KPI registry (o2osim.kpis) is the one declaration of every KPI: docs/kpis.md
documents each of them, metrics.json carries exactly them with their units, and every
lever named by a KPI or an experience-gap cause is a real plan setting."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from o2osim.components.shopping import CAUSES
from o2osim.config import compose_scenario
from o2osim.config.schema import PlanConfig
from o2osim.kpis import KPIS, SHARE, UNITS
from o2osim.levers import Lever
from o2osim.model import run_scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "kpis.md"


def test_every_kpi_is_documented_in_docs_kpis_md() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    documented = {name for line in rows for name in re.findall(r"`([a-z0-9_]+)`", line)}
    missing = [k.name for k in KPIS if k.name not in documented]
    assert not missing, f"KPIs without a row in docs/kpis.md: {missing}"


def test_every_kpi_has_a_definition_and_a_unit() -> None:
    for k in KPIS:
        assert k.definition.strip() and k.unit.strip(), k.name
    assert len({k.name for k in KPIS}) == len(KPIS)
    assert set(UNITS) == {k.name for k in KPIS if k.unit != SHARE}


@pytest.fixture(scope="module")
def metrics() -> dict[str, Any]:
    return run_scenario(compose_scenario(["plan=fragmented", "sim.population=2000",
                                          "sim.days=40"])).metrics


def test_metrics_json_carries_exactly_the_registry(metrics: dict[str, Any]) -> None:
    assert list(metrics["kpis"]) == [k.name for k in KPIS]
    assert metrics["units"] == UNITS
    assert metrics["schema_version"] >= 2


def test_every_counted_cause_is_declared_by_its_component(metrics: dict[str, Any]) -> None:
    drivers = metrics["satisfaction_drivers"]
    counted = set(drivers["satisfied_lost_to_gap"]) | set(drivers["dissatisfied_with_gap"])
    assert counted, "the fragmented plan has experience gaps"
    assert counted <= set(drivers["causes"]) == {c.name for c in CAUSES}


def _resolves(setting: str) -> bool:
    """Does ``plan.<setting>`` name a field of the plan schema (a dict's keys: any)?"""
    tp: Any = PlanConfig
    for part in setting.split("."):
        if not dataclasses.is_dataclass(tp):
            return True  # inside a dict (channels.<name>...): any key
        fields = {f.name: f for f in dataclasses.fields(tp)}
        if part not in fields:
            return False
        default = fields[part].default_factory if fields[part].default_factory is not \
            dataclasses.MISSING else None
        value = default() if default else fields[part].default
        tp = type(value) if dataclasses.is_dataclass(value) else dict
    return True


LEVERS: list[tuple[str, Lever]] = ([(k.name, lv) for k in KPIS for lv in k.levers]
                                   + [(c.name, lv) for c in CAUSES for lv in c.levers])


@pytest.mark.parametrize(("owner", "lever"), LEVERS, ids=[f"{o}:{lv.setting}" for o, lv in LEVERS])
def test_every_lever_is_a_plan_setting(owner: str, lever: Lever) -> None:
    assert _resolves(lever.setting), f"{owner}: plan.{lever.setting} is not a plan setting"


def test_a_lever_knows_when_it_is_pulled() -> None:
    assert Lever("x", "", "==", "both").pulled("both")
    assert not Lever("x", "", ">=", 0.9).pulled(0.5)
    assert not Lever("x", "").pulled(1.0)  # a budget is never "already pulled"
    assert Lever.from_dict(Lever("x", "y", "is", True).as_dict()).pulled(True)


def test_read_metrics_reads_what_a_run_wrote_and_refuses_the_rest(
        metrics: dict[str, Any], tmp_path: Path) -> None:
    import json

    from o2osim.results import SCHEMA_VERSION, read_metrics, write_json_atomic

    write_json_atomic(tmp_path / "metrics.json", metrics)
    assert read_metrics(tmp_path) == json.loads(json.dumps(metrics))
    old = {k: v for k, v in metrics.items() if k != "schema_version"}  # before version 2
    write_json_atomic(tmp_path / "metrics.json", old)
    assert read_metrics(tmp_path / "metrics.json")["kpis"] == metrics["kpis"]
    for bad, reason in (({**metrics, "schema_version": SCHEMA_VERSION + 1}, "newer"),
                        ({"targets": {}}, "no kpis"), ([1, 2], "no kpis")):
        write_json_atomic(tmp_path / "metrics.json", bad)
        with pytest.raises(ValueError, match=reason):
            read_metrics(tmp_path)
    (tmp_path / "metrics.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_metrics(tmp_path)
