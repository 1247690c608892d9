"""Chinese and English: one catalogue of messages per language, and the one setting
(``lang``) that chooses it.

The catalogue is a folder per language, ``o2osim/locale/<lang>/``, holding one YAML file
per domain (``kpi.yaml``, ``report.yaml``, ``compare.yaml``, ``studio.yaml``, ...). A
message's key is the file's name and its key inside the file, joined by a dot:
``message("kpi.conversion_rate", "zh")`` reads ``conversion_rate`` from
``locale/zh/kpi.yaml``; a file may nest mappings (``figures: {funnel: {title: ...}}`` is
``report.figures.funnel.title``). Messages are Python format strings:
``message("report.missed", "en", n=2)`` fills ``{n}``.

**Adding a message**: write it under the same key in ``locale/en/<domain>.yaml`` *and*
``locale/zh/<domain>.yaml``, with the same ``{placeholders}`` in both (tests/test_i18n.py
fails otherwise), then call :func:`message` (or :func:`t`) with that key. A new domain is a
new file in every language folder. English text that moves into the catalogue leaves the
code: the code holds keys only. Domain terms use the words of the seed documents
(shared/seeds/000: 全渠道转化率, 用户满意度, 营销ROI, 线上引流到店率, 线下会员线上复购率,
操作链路 ... 步, 线上线下营销节奏同步率, 统一用户画像构建率, 跨渠道服务一致性).

One exception to "same keys in every language": words the registry declares in English
next to the rule they describe (a lever's advice in :mod:`o2osim.kpis`, an experience-gap
cause of a component, a KPI's unit) are translated in ``locale/zh/registry.yaml`` only and
read with :func:`declared` (the English is the registry's own).

The language is passed explicitly (``message(key, "zh")``) or, for code that renders a
whole page, set once around the work with :func:`using` and read by ``message(key)`` /
``t(key)`` without a language (a :mod:`contextvars` variable: threads and tasks keep their
own). English is the default.

Imports nothing from o2osim (a helper any floor may use).
"""

from __future__ import annotations

import contextvars
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGS: tuple[str, ...] = ("en", "zh")
"""The languages of the catalogue: English, Simplified Chinese."""
DEFAULT_LANG = "en"
HTML_LANG = {"en": "en", "zh": "zh-CN"}
"""The ``<html lang=...>`` of a page in each language."""

_current: contextvars.ContextVar[str] = contextvars.ContextVar("o2osim_lang",
                                                               default=DEFAULT_LANG)


class LangError(ValueError):
    """A language that is not in :data:`LANGS`; the message is one line naming the field,
    the value and the allowed values."""


def check_lang(value: Any, field: str = "lang") -> str:
    """``value`` if it is one of :data:`LANGS`, else :class:`LangError`:
    ``lang: 'fr' is not a language of o2osim — allowed: en, zh``."""
    if isinstance(value, str) and value in LANGS:
        return value
    shown = repr(value) if isinstance(value, str) else str(value)
    raise LangError(f"{field}: {shown} is not a language of o2osim — allowed: "
                    f"{', '.join(LANGS)}")


def current() -> str:
    """The language set by the innermost :func:`using` (English outside any)."""
    return _current.get()


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Within the block, :func:`message` without a language speaks ``lang`` (checked;
    None keeps the current one)."""
    token = _current.set(check_lang(lang) if lang is not None else current())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _flatten(prefix: str, node: Any, out: dict[str, str], source: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(f"{prefix}.{k}", v, out, source)
    elif isinstance(node, str):
        out[prefix] = node
    else:
        raise ValueError(f"{source}: {prefix}: a message must be text, not {node!r}")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every message of ``lang``, by key (read once from the package's locale files)."""
    check_lang(lang)
    out: dict[str, str] = {}
    folder = resources.files("o2osim").joinpath("locale", lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        domain = entry.name.removesuffix(".yaml")
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        _flatten(domain, data, out, f"locale/{lang}/{entry.name}")
    return out


def has(key: str, lang: str | None = None) -> bool:
    """Whether the catalogue of ``lang`` (default: the current one) has ``key``."""
    return key in catalogue(lang or current())


def message(key: str, lang: str | None = None, /, **fmt: Any) -> str:
    """The message ``key`` in ``lang`` (default: the current language, :func:`using`),
    with ``{placeholders}`` filled from ``fmt``. An unknown key is a KeyError naming it."""
    lang = lang or current()
    try:
        text = catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in locale/{lang}/") from None
    return text.format(**fmt) if fmt else text


t = message
"""Short name of :func:`message`."""


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message fills (tests: both languages fill the same)."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def kpi_label(name: str, lang: str | None = None) -> str:
    """A KPI's name for a reader in ``lang`` (``conversion_rate`` → ``全渠道转化率``);
    a KPI the catalogue does not name keeps its registry name."""
    key = f"kpi.{name}"
    return message(key, lang) if has(key, lang) else name


def html_lang(lang: str | None = None) -> str:
    """The value of ``<html lang=...>`` for ``lang`` (default: the current language)."""
    return HTML_LANG[lang or current()]


def declared(key: str, english: str, lang: str | None = None) -> str:
    """Words declared in English elsewhere (a lever's advice in :mod:`o2osim.kpis`, an
    experience-gap cause of a component, carried by ``metrics.json``): ``english`` itself
    in English, the catalogue's ``key`` in another language when it has one
    (``locale/<lang>/registry.yaml``), else ``english``. The registry keeps its words
    next to the rule they describe; only translations live in the catalogue."""
    lang = lang or current()
    if lang == DEFAULT_LANG or not has(key, lang):
        return english
    return message(key, lang)


def unit_label(unit: str, lang: str | None = None) -> str:
    """A KPI's unit (:mod:`o2osim.kpis`: ``simulated consumers``, ``CNY (whole market)``)
    for a reader in ``lang``: the registry's words in English, ``registry.unit.<words>``
    (lower case, joined by ``_``) of the catalogue otherwise."""
    slug = "_".join(re.findall(r"[a-z0-9]+", unit.lower()))
    return declared(f"registry.unit.{slug}", unit, lang)
