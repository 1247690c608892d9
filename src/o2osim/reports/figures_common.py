"""Pieces of figures shared by the run report and the comparison of runs.

Reads only the ``kpis`` of a run's ``metrics.json``. The funnel steps are those the
run report draws (``report.py``); keeping them here lets the comparison draw the same
funnel for many runs side by side without copying its definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FIGURE_DPI = 110
"""Resolution of every PNG figure (dots per inch)."""

FUNNEL_UNIT = "simulated consumers"


def funnel_steps(kpis: dict[str, Any]) -> list[tuple[str, float]]:
    """The campaign funnel as ``(step, simulated consumers)``, widest step first.

    Exposed to ads → aware → purchased → purchased twice or more (``repurchase_rate``
    × ``purchasers``); definitions in docs/kpis.md.
    """
    repurchasers = float(kpis["repurchase_rate"]) * float(kpis["purchasers"])
    return [("Exposed to ads", float(kpis["exposed"])), ("Aware", float(kpis["aware"])),
            ("Purchased", float(kpis["purchasers"])),
            ("Purchased twice or more", repurchasers)]


def save_figure(fig: Any, path: Path, outside: Sequence[Any] = ()) -> Path:
    """Lay out ``fig``, write it to ``path`` as PNG and close it.

    ``outside``: artists drawn outside the axes (a legend or key beside the plot), left
    out of the layout so the plot keeps its size; the image grows to hold them.
    """
    for artist in outside:
        artist.set_in_layout(False)
    fig.tight_layout()
    if outside:
        fig.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight",
                    bbox_extra_artists=list(outside))
    else:
        fig.savefig(path, dpi=FIGURE_DPI)
    plt.close(fig)
    return path


def plain_text(text: str) -> str:
    """``text`` safe to draw with matplotlib: a ``$`` would start mathtext."""
    return text.replace("$", r"\$")
