"""Pieces of figures shared by the run report and the comparison of runs: saving a
figure (:func:`save_figure`, optionally as a smaller palette PNG: :func:`to_palette`),
text safe for matplotlib (:func:`plain_text`), and point labels placed so that they do
not overlap (:func:`place_labels`).

The run report and the comparison both draw the report's split funnel
(:func:`o2osim.reports.funnel.funnel_stages`: with the store visit, online / offline).

matplotlib's backend is chosen here, once: Agg (PNG files, no display). Every module
that draws takes ``plt`` from here.

Chinese figures (``lang=zh``, :mod:`o2osim.i18n`) are drawn inside :func:`fonts`, which puts
a CJK font first in matplotlib's list (:data:`CJK_FAMILIES`; Debian's ``fonts-wqy-microhei``
is the small one CI installs). :func:`cjk_font` finds it even when it was installed after
matplotlib built its font cache, and :func:`require_fonts` refuses ``zh`` in one line naming
the package to install when there is none: a figure never prints boxes for the characters.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

__all__ = ["FIGURE_DPI", "cjk_font", "fonts", "place_labels", "plain_text", "plt",
           "require_fonts", "save_figure", "subplots", "to_palette"]

CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC",
                "Source Han Sans SC", "WenQuanYi Zen Hei")
"""Fonts with Simplified Chinese, the first one installed is used (Debian packages
``fonts-wqy-microhei``, ``fonts-noto-cjk``, ``fonts-wqy-zenhei``)."""
CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                  "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
"""Where Debian puts them: added to matplotlib's fonts when its cache predates them."""
CJK_FONT_HINT = ("lang=zh needs a Chinese font for the figures — install one: "
                 "apt-get install fonts-wqy-microhei (or fonts-noto-cjk)")
LATIN_FALLBACK = "DejaVu Sans"
"""matplotlib's own font, after the CJK one: symbols the CJK font lacks (✓, ≥, ÷)."""


class MissingFontError(RuntimeError):
    """``lang=zh`` without a Chinese font; the message is one line naming what to install."""


def _installed() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


def _fc_list_files() -> list[str]:
    """Font files with Chinese that fontconfig knows (empty without ``fc-list``)."""
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split(":")[0].strip() for line in out.splitlines() if line.strip()]


@cache
def cjk_font() -> str | None:
    """The family name of an installed Chinese font (:data:`CJK_FAMILIES` first), or None.

    matplotlib caches the fonts it found when first imported; a font installed later is
    added here from its file (Debian's paths, then ``fc-list :lang=zh``)."""
    def known() -> str | None:
        names = _installed()
        return next((f for f in CJK_FAMILIES if f in names), None)

    found = known()
    if found:
        return found
    for path in [*CJK_FONT_FILES, *_fc_list_files()]:
        if Path(path).is_file():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    found = known()
    if found is None:  # a font of fc-list outside CJK_FAMILIES: take its name as added
        added = {str(Path(p).resolve()) for p in _fc_list_files()}
        found = next((f.name for f in font_manager.fontManager.ttflist
                      if str(Path(f.fname).resolve()) in added), None)
    return found


def require_fonts(lang: str) -> None:
    """Refuse ``lang=zh`` without a Chinese font (:class:`MissingFontError`, one line
    naming the package to install); English needs nothing."""
    if lang == "zh" and cjk_font() is None:
        raise MissingFontError(CJK_FONT_HINT)


def _mono(family: str) -> str:
    """The fixed-width cut of a CJK family when installed (WenQuanYi Micro Hei Mono), else
    the family itself (CJK characters are full-width in any case)."""
    return f"{family} Mono" if f"{family} Mono" in _installed() else family


@contextmanager
def fonts(lang: str) -> Iterator[None]:
    """Draw the figures of ``lang`` inside this block: for Chinese the CJK font first, then
    matplotlib's own (:data:`LATIN_FALLBACK`); English keeps matplotlib's defaults."""
    if lang != "zh":
        yield
        return
    require_fonts(lang)
    family = [cjk_font(), LATIN_FALLBACK]
    # WenQuanYi Micro Hei has one weight: bold text is drawn regular, which matplotlib
    # logs once per text ("Failed to find font weight bold"); the logger is quiet here.
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": family,
                             "font.monospace": [_mono(family[0]), "DejaVu Sans Mono"],
                             "axes.unicode_minus": False}):
            yield
    finally:
        log.setLevel(level)

FIGURE_DPI = 110
"""Resolution of every PNG figure (dots per inch)."""
PALETTE_COLOURS = 256
"""Colours of a palette PNG (:func:`save_figure` with ``palette=True``)."""


def subplots(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """:func:`matplotlib.pyplot.subplots` at :data:`FIGURE_DPI`, the resolution the figure
    is saved in: it is laid out and measured (labels placed) at that resolution."""
    return plt.subplots(*args, dpi=FIGURE_DPI, **kwargs)


def save_figure(fig: Any, path: Path, outside: Sequence[Any] = (), palette: bool = False
                ) -> Path:
    """Lay out ``fig``, write it to ``path`` as PNG and close it.

    ``outside``: artists drawn outside the axes (a legend or key beside the plot), left
    out of the layout so the plot keeps its size; the image grows to hold them, and any
    other text the layout could not fit inside the figure: no label is ever clipped.
    ``palette``: rewrite the PNG with :data:`PALETTE_COLOURS` colours, no dithering (a
    chart has few colours: it looks the same at a third to a quarter of the bytes).
    """
    # CPU (experiments/README.md, "Report CPU time"): the figure is laid out at the
    # resolution it is saved in, so matplotlib measures each text once for the layout,
    # the bounding box and the image (it caches text metrics per renderer, a renderer per
    # resolution); and the bounding box of the artists outside is computed here, on the
    # renderer of the layout, which spares the extra draw ``bbox_inches="tight"`` makes
    # to find it. Same image as laying out then saving with ``bbox_inches="tight"``.
    # The image is the bounding box of everything drawn, not the figure: a label that
    # tight_layout cannot fit (a long tick label reaching past the figure's edge) widens
    # the image instead of losing its first letters.
    fig.set_dpi(FIGURE_DPI)
    for artist in outside:
        artist.set_in_layout(False)
    fig.tight_layout()
    box = fig.get_tightbbox(fig.canvas.get_renderer(), bbox_extra_artists=list(outside))
    fig.savefig(path, dpi=FIGURE_DPI, bbox_inches=box.padded(plt.rcParams["savefig.pad_inches"]))
    plt.close(fig)
    if palette:
        to_palette(path)
    return path


def to_palette(path: Path) -> Path:
    """Rewrite the PNG at ``path`` (opaque) with at most :data:`PALETTE_COLOURS` colours,
    chosen by octree without dithering (flat colours and anti-aliased text stay as they
    were); the same image always gives the same bytes."""
    from PIL import Image

    with Image.open(path) as image:
        flat = image.convert("RGB").quantize(colors=PALETTE_COLOURS,
                                             method=Image.Quantize.FASTOCTREE,
                                             dither=Image.Dither.NONE)
    flat.save(path, format="PNG", optimize=True)
    return path


def plain_text(text: str) -> str:
    """``text`` safe to draw with matplotlib: a ``$`` would start mathtext."""
    return text.replace("$", r"\$")


LABEL_RINGS = (8.0, 15.0, 25.0, 38.0, 54.0)
"""Distances (points) from a point at which :func:`place_labels` tries its label."""
LABEL_DIRECTIONS = ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1))
"""Directions tried at each distance: upper right first, then the other corners and sides."""


def _overlap(a: Any, b: Any) -> float:
    """Area (pixels²) shared by two boxes."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(ax: Any, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str],
                 fontsize: float = 8, marker_pt: float = 6.0) -> list[Any]:
    """Label each point ``(xs[i], ys[i])`` with ``texts[i]`` so that labels overlap neither
    each other nor any point, and stay inside the axes.

    A simple repulsion: each label, in turn, goes to the first candidate position (nearest
    rings of :data:`LABEL_RINGS` first, :data:`LABEL_DIRECTIONS` at each) whose box
    overlaps no label already placed, no point (a ``marker_pt``-point radius) and not the
    axes' edge; when none is free, the one overlapping least. A label set further from
    its point than the second ring gets a thin leader line. Call once the axes' limits
    and the figure's layout are final (positions are measured on the canvas). Returns the
    annotations, in the order of ``texts``.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72.0

    pixels = [ax.transData.transform((x, y)) for x, y in zip(xs, ys, strict=True)]
    r = marker_pt * scale
    taken = [Bbox.from_extents(px - r, py - r, px + r, py + r) for px, py in pixels]
    frame = ax.get_window_extent(renderer)
    out = []
    for (x, y), (px, py), text in zip(zip(xs, ys, strict=True), pixels, texts, strict=True):
        probe = ax.text(0, 0, plain_text(text), fontsize=fontsize, fontweight="bold")
        size = probe.get_window_extent(renderer)
        probe.remove()
        w, h = size.width, size.height
        best: tuple[float, float, int, int, Any] | None = None
        for dist, (dx, dy) in product(LABEL_RINGS, LABEL_DIRECTIONS):
            ox, oy = dx * dist * scale, dy * dist * scale
            x0 = px + ox - (w if dx < 0 else w / 2 if dx == 0 else 0)
            y0 = py + oy - (h if dy < 0 else h / 2 if dy == 0 else 0)
            box = Bbox.from_extents(x0, y0, x0 + w, y0 + h)
            cost = sum(_overlap(box, t) for t in taken)
            cost += w * h - _overlap(box, frame)  # the part outside the axes
            cost = cost if cost > 0.5 else 0.0  # rounding: under half a pixel is no overlap
            if best is None or cost < best[0]:
                best = (cost, dist, dx, dy, box)
            if cost == 0:
                break
        assert best is not None
        _, dist, dx, dy, box = best
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
        arrow = ({"arrowstyle": "-", "color": "#777777", "lw": 0.6, "shrinkA": 1,
                  "shrinkB": marker_pt} if dist > LABEL_RINGS[1] else None)
        label = ax.annotate(plain_text(text), (x, y), xytext=(dx * dist, dy * dist),
                            textcoords="offset points", ha=ha, va=va, fontsize=fontsize,
                            fontweight="bold", arrowprops=arrow, zorder=6)
        taken.append(box)
        out.append(label)
    return out
