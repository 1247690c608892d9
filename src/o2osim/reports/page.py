"""Pages from blocks: the one renderer of o2osim's reports, to Markdown and to HTML.

A page is built as a list of blocks (:class:`Heading`, :class:`Para`, :class:`Table`,
:class:`Bullets`, :class:`Figure`) whose text keeps what came from a configuration or a
folder name (:class:`Code`) apart from the page's own words; :func:`render_markdown`
and :func:`render_html` are two renderings of the same blocks. Every string is escaped
for its format (HTML: :func:`html.escape`; Markdown: backslash escapes and code spans),
so a plan named ``<script>...`` shows as text. The HTML page has no script and fetches
nothing: figures are embedded as base64 PNGs (:func:`png_data_uri`).

The run report (:mod:`o2osim.reports.report`) is written with these blocks. The
comparison page (:mod:`o2osim.reports.compare_page`) is HTML only, with marked table
rows and rich cells the blocks do not have; it shares :func:`escape` and
:func:`png_data_uri` with this renderer.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from o2osim.i18n import html_lang


def escape(value: Any) -> str:
    """Any value as escaped HTML text (None: empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def png_data_uri(path: Path) -> str:
    """The PNG file at ``path`` as a ``data:`` URI, to embed in a page."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


class Code(str):
    """Inline text shown verbatim (a setting, a value from a config, a folder)."""


class Strong(str):
    """Inline text in bold."""


class Met(str):
    """Inline text marking what meets its target (its words carry the symbol, ``✓ met``):
    bold; in HTML green (class ``met``)."""


class Missed(str):
    """Inline text marking what misses its target (``✗ MISSED``): bold; in HTML red (class
    ``missed``)."""


Inline = str | Sequence[str]
"""A run of text: a plain ``str`` (text), or a sequence of ``str`` / :class:`Code` /
:class:`Strong` / :class:`Met` / :class:`Missed` pieces."""


@dataclass
class Heading:
    level: int
    text: Inline
    anchor: str = ""


@dataclass
class Para:
    text: Inline
    caption: bool = False


@dataclass
class Table:
    """A table; ``row_marks[i]`` (optional: ``"met"``, ``"missed"`` or ``""``) tints row
    ``i`` in HTML."""

    header: list[str]
    rows: list[list[Inline]]
    anchor: str = ""
    row_marks: list[str] = field(default_factory=list)


@dataclass
class Callout:
    """A boxed summary at the top of a page: a head line and a list under it; ``mark``
    (``"met"`` or ``"missed"``) colours the box in HTML; Markdown renders a quote."""

    head: Inline
    items: list[Inline]
    mark: str = ""
    anchor: str = ""


@dataclass
class Bullets:
    """A bulleted list; ``steps[i]`` (optional) is a numbered list under item ``i``."""

    items: list[Inline]
    steps: dict[int, list[Inline]] = field(default_factory=dict)


@dataclass
class Figure:
    path: Path
    alt: str


Block = Heading | Para | Table | Bullets | Figure | Callout


def _pieces(text: Inline) -> list[str]:
    return [text] if isinstance(text, str) else list(text)


def with_code(text: str) -> list[str]:
    """Our own text with `backtick` spans (as :func:`o2osim.reports.advice.advice` writes)
    as pieces: the spans become :class:`Code`."""
    return [Code(p[1:-1]) if p.startswith("`") and p.endswith("`") and len(p) > 1 else p
            for p in re.split(r"(`[^`]*`)", text) if p]


_MD_SPECIAL = re.compile(r"([\\`*\[\]<&])|(?<!\w)_|_(?!\w)|^[#>+-]")
_MD_SPECIAL_IN_TABLE = re.compile(r"([\\`*\[\]<&|])|(?<!\w)_|_(?!\w)")
"""Markdown syntax in plain text: always ``\\ ` * [ ] < &``; ``_`` at a word's edge; a
block marker at the start (in a table cell: ``|`` instead). Escaped with a backslash
(CommonMark), so text from a config never becomes markup or raw HTML."""


def _one_line(text: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", text)


def _md_escape(text: str, in_table: bool = False) -> str:
    pattern = _MD_SPECIAL_IN_TABLE if in_table else _MD_SPECIAL
    return pattern.sub(lambda m: "\\" + m.group(0), _one_line(text))


def _md_inline(text: Inline, in_table: bool = False) -> str:
    out = []
    for piece in _pieces(text):
        if isinstance(piece, Code):
            run = max((len(m) for m in re.findall(r"`+", piece)), default=0) + 1
            body = piece.replace("|", r"\|") if in_table else piece
            pad = " " if piece.startswith("`") or piece.endswith("`") or not piece else ""
            out.append("`" * run + pad + _one_line(body) + pad + "`" * run)
        elif isinstance(piece, Strong | Met | Missed):
            out.append("**" + _md_escape(piece, in_table) + "**")
        else:
            out.append(_md_escape(piece, in_table))
    return "".join(out)


def _html_inline(text: Inline) -> str:
    out = []
    for piece in _pieces(text):
        escaped = html.escape(str(piece), quote=True)
        if isinstance(piece, Code):
            # a long setting or KPI name may break after an underscore (copies unchanged)
            out.append(f"<code>{escaped.replace('_', '_<wbr>')}</code>")
        elif isinstance(piece, Strong):
            out.append(f"<strong>{escaped}</strong>")
        elif isinstance(piece, Met | Missed):
            out.append(f"<strong class=\"{'met' if isinstance(piece, Met) else 'missed'}\">"
                       f"{escaped}</strong>")
        else:
            out.append(escaped)
    return "".join(out)


def render_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown (figures linked by file name)."""
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + _md_inline(b.text), ""]
        elif isinstance(b, Para):
            text = _md_inline(b.text)
            lines += [f"*{text}*" if b.caption else text, ""]
        elif isinstance(b, Table):
            lines.append("| " + " | ".join(_md_inline(h, True) for h in b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            lines += ["| " + " | ".join(_md_inline(c, True) for c in row) + " |"
                      for row in b.rows]
            lines.append("")
        elif isinstance(b, Bullets):
            for i, item in enumerate(b.items):
                lines.append(f"* {_md_inline(item)}")
                lines += [f"  {n}. {_md_inline(step)}"
                          for n, step in enumerate(b.steps.get(i, []), start=1)]
            lines.append("")
        elif isinstance(b, Figure):
            lines += [f"![{_md_inline(b.alt)}]({b.path.name})", ""]
        elif isinstance(b, Callout):
            lines += [f"> {_md_inline(b.head)}", ">"]
            lines += [f"> * {_md_inline(item)}" for item in b.items]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


STYLE = ("body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em;"
         "color:#222;line-height:1.4}"
         "table{border-collapse:collapse;margin:.5em 0 1em;display:block;overflow-x:auto}"
         "th,td{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;"
         "vertical-align:top}th{background:#f4f4f4}"
         "td.num{text-align:right;white-space:nowrap}td.short{white-space:nowrap}"
         "img{max-width:100%}"
         "p.caption{color:#555;font-size:.92em;margin-top:0}"
         "code{background:#f4f4f4;padding:0 .2em}"
         "strong.met{color:#1a7f37}strong.missed{color:#b42318}"
         "tr.met td{background:#eef8f0}tr.missed td{background:#fdecea}"
         ".callout{padding:.5em 1em;margin:1em 0;border-left:6px solid #888;"
         "background:#f4f4f4}.callout p{margin:.3em 0;font-size:1.1em}"
         ".callout ul{margin:.3em 0}"
         ".callout.met{border-color:#1a7f37;background:#eef8f0}"
         ".callout.missed{border-color:#b42318;background:#fdecea}")
"""Met is green with ✓, missed red with ✗ (the symbol tells them apart without colour)."""


def render_html(blocks: Sequence[Block], title: str = "o2osim report",
                lang: str | None = None) -> str:
    """The blocks as one self-contained page (figures embedded, no script, no fetch);
    ``<html lang>`` of ``lang`` (default: the current language, :mod:`o2osim.i18n`)."""
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{_html_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = ' class="caption"' if b.caption else ""
            body.append(f"<p{cls}>{_html_inline(b.text)}</p>")
        elif isinstance(b, Table):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            head = "".join(f"<th>{_html_inline(h)}</th>" for h in b.header)
            marks = [*b.row_marks, *[""] * len(b.rows)]
            rows = "".join(
                (f'<tr class="{html.escape(mark)}">' if mark else "<tr>")
                + "".join(f"<td{_num_class(c)}>{_html_inline(c)}</td>" for c in row)
                + "</tr>\n" for row, mark in zip(b.rows, marks, strict=False))
            body.append(f"<table{anchor}><thead><tr>{head}</tr></thead>\n<tbody>\n{rows}"
                        "</tbody></table>")
        elif isinstance(b, Bullets):
            items = []
            for i, item in enumerate(b.items):
                steps = b.steps.get(i, [])
                sub = ("<ol>" + "".join(f"<li>{_html_inline(st)}</li>" for st in steps)
                       + "</ol>") if steps else ""
                items.append(f"<li>{_html_inline(item)}{sub}</li>\n")
            body.append("<ul>\n" + "".join(items) + "</ul>")
        elif isinstance(b, Figure):
            body.append(f'<p><img alt="{html.escape(b.alt, quote=True)}" '
                        f'src="{png_data_uri(b.path)}"></p>')
        elif isinstance(b, Callout):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            items = "".join(f"<li>{_html_inline(item)}</li>" for item in b.items)
            body.append(f'<div class="callout {html.escape(b.mark)}"{anchor}>'
                        f"<p>{_html_inline(b.head)}</p>"
                        + (f"<ul>{items}</ul>" if items else "") + "</div>")
    return (f"<!doctype html>\n<html lang=\"{html_lang(lang)}\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _num_class(cell: Inline) -> str:
    """Numbers right-aligned; short cells (a rule, a value) kept on one line."""
    text = "".join(_pieces(cell)).strip()
    if re.fullmatch(r"[-–\d,. %×]+(min|CNY)?", text):
        return ' class="num"'
    return ' class="short"' if len(text) <= 14 else ""


# --------------------------------------------------------------------------- numbers
