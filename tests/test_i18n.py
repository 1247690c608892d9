"""Chinese and English (issue 13): one catalogue per language with the same messages, the
``lang`` setting checked like any other, and a Chinese run's scorecard, report, figures and
comparison in the seeds' words (seed 000: 全渠道转化率, 用户满意度, 营销ROI, ...) with a CJK
font and no glyph warning (pytest turns warnings into errors)."""

from __future__ import annotations

import contextlib
import fnmatch
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

import o2osim
from conftest import SMALL
from o2osim import i18n
from o2osim.cli import check_fonts, preflight
from o2osim.components.shopping import CAUSES
from o2osim.config import ConfigError, register_schemas
from o2osim.config.fingerprint import scenario_sha256
from o2osim.kpis import KPIS
from o2osim.reports import compare_figures, figures_common
from o2osim.reports.compare import compare
from o2osim.reports.report import write_report
from o2osim.reports.scorecard import cells, format_scorecard

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "o2osim" / "locale"
ZH_ONLY = "registry."
"""Translations of words the registry declares in English (i18n.declared): Chinese only."""
SEED_TERMS = ("全渠道转化率", "用户满意度", "营销ROI", "线上引流到店率", "线下会员线上复购率",
              "用户操作链路", "线上线下营销节奏同步率", "统一用户画像构建率", "跨渠道服务一致性")
"""The scorecard of seed 000 (二(二) 质量指标), word for word."""
TARGET_KPIS = ("conversion_rate", "satisfaction_rate", "roi", "online_to_store_rate",
               "offline_member_online_repurchase_rate", "steps_to_redeem",
               "calendar_sync_rate", "unified_profile_rate", "cross_channel_consistency_rate")


# --------------------------------------------------------------------------- the catalogue


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    assert set(en) == {k for k in zh if not k.startswith(ZH_ONLY)}
    assert not [k for k in en if k.startswith(ZH_ONLY)]
    differ = {k: (i18n.placeholders(en[k]), i18n.placeholders(zh[k])) for k in en
              if i18n.placeholders(en[k]) != i18n.placeholders(zh[k])}
    assert not differ
    assert all(v.strip() for v in [*en.values(), *zh.values()])
    # every language folder holds the same files (domains)
    files = {lang: sorted(p.name for p in (LOCALE / lang).glob("*.yaml")) for lang in i18n.LANGS}
    assert files["en"] == [f for f in files["zh"] if f != "registry.yaml"]


def test_every_kpi_lever_cause_and_unit_the_registry_declares_is_translated() -> None:
    zh = i18n.catalogue("zh")
    missing = [f"kpi.{k.name}" for k in KPIS for lang in i18n.LANGS
               if f"kpi.{k.name}" not in i18n.catalogue(lang)]
    levers = {lever.setting for k in KPIS for lever in k.levers}
    levers |= {lever.setting for c in CAUSES for lever in c.levers}
    missing += [f"registry.lever.{s}" for s in sorted(levers) if f"registry.lever.{s}" not in zh]
    for c in CAUSES:
        keys = ["label", "short"] + (["no_lever"] if c.no_lever else [])
        missing += [f"registry.cause.{c.name}.{k}" for k in keys
                    if f"registry.cause.{c.name}.{k}" not in zh]
    missing += [k.unit for k in KPIS if not k.is_share and i18n.unit_label(k.unit, "zh")
                == k.unit]
    assert not missing


def test_the_seeds_words_name_the_scorecards_kpis() -> None:
    names = [i18n.kpi_label(k, "zh") for k in TARGET_KPIS]
    for term in SEED_TERMS:
        assert any(term in name for name in names), term
    assert i18n.kpi_label("conversion_rate", "en").startswith("Full-channel conversion")
    assert i18n.kpi_label("no_such_kpi", "zh") == "no_such_kpi"


def test_a_message_is_formatted_and_an_unknown_key_is_named() -> None:
    assert i18n.message("scorecard.consumers", "zh", n="5,000") == "5,000 名模拟消费者"
    with i18n.using("zh"):
        assert i18n.t("scorecard.met") == "达成"
        with i18n.using("en"):
            assert i18n.t("scorecard.met") == "MET"
    assert i18n.current() == "en"
    with pytest.raises(KeyError, match="no_such.key"):
        i18n.message("no_such.key", "en")


@pytest.mark.parametrize("value", ["fr", "ZH", "", 1, None])
def test_a_bad_language_is_one_line_naming_field_value_and_choices(value: Any) -> None:
    with pytest.raises(i18n.LangError) as err:
        i18n.check_lang(value)
    text = str(err.value)
    assert "\n" not in text and text.startswith("lang: ") and text.endswith("allowed: en, zh")


def test_the_cli_refuses_a_bad_language_before_any_work(tmp_path: Path) -> None:
    register_schemas()
    with pytest.raises(ConfigError) as err:
        preflight(["lang=fr", *SMALL, f"hydra.run.dir={tmp_path / 'run'}"])
    assert str(err.value).startswith("lang: 'fr' — must be one of: en, zh")
    assert not (tmp_path / "run").exists()


def test_the_language_is_not_part_of_the_fingerprint() -> None:
    en = o2osim.scenario(overrides=list(SMALL)).config
    zh = o2osim.scenario(overrides=[*SMALL, "lang=zh"]).config
    assert zh.lang == "zh" and en.lang == "en"
    assert scenario_sha256(en) == scenario_sha256(zh)


def test_the_locale_files_are_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["o2osim"]
    files = [p.relative_to(ROOT / "src" / "o2osim").as_posix() for p in LOCALE.rglob("*.yaml")]
    assert files and all(any(fnmatch.fnmatch(f, p) for p in patterns) for f in files)


def test_terminal_columns_count_chinese_characters_twice() -> None:
    assert cells("用户满意度") == 10 and cells("roi") == 3


# --------------------------------------------------------------------------- a Chinese run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One small run saved twice: with lang=en and lang=zh (the reports differ only in
    language); its metrics."""
    result = o2osim.run(overrides=[*SMALL, "sim.ground_truth=off", "sim.records=none",
                                   "lang=zh"])
    root = tmp_path_factory.mktemp("i18n")
    zh = result.save(root / "zh")
    en = root / "en"
    shutil.copytree(zh, en)
    write_report(en, "en")
    return {"result": result, "zh": zh, "en": en, "metrics": result.metrics}


def _english_labels() -> list[str]:
    return [i18n.kpi_label(k, "en") for k in TARGET_KPIS]


def test_the_chinese_scorecard_speaks_the_seeds_words(runs: dict[str, Any]) -> None:
    text = runs["result"].scorecard(width=100)  # the scenario's lang=zh
    for term in ("全渠道转化率", "用户满意度", "营销ROI", "线上引流到店率", "线下会员线上复购率"):
        assert term in text
    assert "名模拟消费者" in text and ("达成" in text)
    assert not [label for label in _english_labels() if label in text]
    assert max(cells(line) for line in text.splitlines()) <= 100
    english = format_scorecard(runs["metrics"], width=100, lang="en")
    assert "Full-channel conversion" in english and "全渠道" not in english


def test_the_chinese_report_is_chinese_and_the_english_one_english(runs: dict[str, Any]) -> None:
    md, html = ((runs["zh"] / f).read_text(encoding="utf-8") for f in ("report.md",
                                                                       "report.html"))
    assert '<html lang="zh-CN">' in html
    for text in (md, html):
        for term in SEED_TERMS[:5]:
            assert term in text, term
        assert not [label for label in _english_labels() if label in text]
        assert "记分卡" in text and "改进建议" in text and "优惠券" in text
    en_html = (runs["en"] / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in en_html and "Full-channel conversion" in en_html
    assert not re.search("[\u4e00-\u9fff]", (runs["en"] / "report.md").read_text("utf-8"))


def test_chinese_figures_use_a_cjk_font(runs: dict[str, Any]) -> None:
    assert figures_common.cjk_font() is not None, figures_common.CJK_FONT_HINT
    # the report above drew them with warnings as errors: no "Glyph missing"
    assert (runs["zh"] / "funnel.png").stat().st_size > 0
    assert (runs["zh"] / "funnel.png").read_bytes() != (runs["en"] / "funnel.png").read_bytes()


def test_without_a_cjk_font_chinese_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.setattr(figures_common, "cjk_font", lambda: None)
    with pytest.raises(figures_common.MissingFontError, match="fonts-wqy-microhei"):
        write_report(tmp_path, "zh")  # refused before reading the folder
    with pytest.raises(ConfigError) as err:
        check_fonts("zh")
    assert "\n" not in str(err.value) and "apt-get install fonts-wqy-microhei" in str(err.value)
    check_fonts("en")  # English needs nothing


def test_the_chinese_comparison(runs: dict[str, Any], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    # no glyph may go missing quietly either: the comparison's own filter is lifted
    monkeypatch.setattr(compare_figures, "_quiet_glyphs", contextlib.nullcontext)
    folder, summary = compare([str(runs["zh"]), str(runs["en"])], str(tmp_path / "cmp"),
                              lang="zh")
    page = (folder / "comparison.html").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page
    for term in SEED_TERMS[:5]:
        assert term in page, term
    assert not [label for label in _english_labels() if label in page]
    assert "方案排名" in page and "总花费" in summary
    assert {p.name for p in folder.glob("*.png")} >= {"funnels.png",
                                                       "spend_vs_conversion.png"}
