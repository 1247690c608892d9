"""The live charts: functions of the model that draw a figure, as Mesa's plot components
are (matplotlib, Mesa's other backend: drawn on the server as PNG, so the page needs no
charting library from a CDN), redrawn after every step (the page subscribes to Mesa's
``update_counter``). Every title, axis and legend comes from the catalogue; Chinese is
drawn in the CJK font of :func:`o2osim.reports.figures_common.fonts`.

Series: the funnel so far; orders per day online and in store; media spend per day;
consumers aware of the campaign; the stores' waits per day (mean and 95th percentile of
the real customers served, averaged over the stores weighted by their customers).
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

from o2osim.reports.figures_common import fonts
from o2osim.studio.model import StudioModel
from o2osim.studio.text import s

SIZE_IN, DPI = (4.2, 2.5), 90
FUNNEL = ("exposed", "aware", "visited", "purchased", "repurchased")


def _frame(model: StudioModel) -> pd.DataFrame:
    if model.day == 0:
        return pd.DataFrame({"day": pd.Series(dtype=int)})
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def _png(fig: Figure, left: float = 0.15) -> bytes:
    # fixed margins and light compression: half the time of a constrained layout, and a
    # redraw of the five charts stays near half a second of CPU
    fig.subplots_adjust(left=left, right=0.97, top=0.88, bottom=0.2)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _lines(frame: pd.DataFrame, columns: dict[str, str], title: str, y_title: str,
           lang: str, days: int, scale: float = 1.0) -> bytes:
    with fonts(lang):
        fig = Figure(figsize=SIZE_IN)
        ax = fig.add_subplot()
        for column, label in columns.items():
            if column in frame and len(frame):
                ax.plot(frame["day"] + 1, frame[column] * scale, label=label, linewidth=1.4)
        ax.set_xlim(1, days)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(s("chart.day", lang), fontsize=8)
        ax.set_ylabel(y_title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if len(columns) > 1 and len(frame):
            ax.legend(fontsize=7, loc="upper left")
        return _png(fig)


def funnel(model: StudioModel, lang: str) -> bytes:
    counts = model.funnel()
    with fonts(lang):
        fig = Figure(figsize=SIZE_IN)
        ax = fig.add_subplot()
        labels = [s(f"chart.funnel.{k}", lang) for k in FUNNEL]
        values = [counts[k] for k in FUNNEL]
        bars = ax.barh(labels[::-1], values[::-1], color="#2f6db5")
        ax.bar_label(bars, labels=[f"{v:,}" for v in values[::-1]], fontsize=7, padding=2)
        ax.set_title(s("chart.funnel.title", lang), fontsize=10)
        ax.set_xlabel(s("chart.funnel.people", lang), fontsize=8)
        ax.set_xlim(0, max(max(values), 1) * 1.25)
        ax.tick_params(labelsize=7)
        return _png(fig, left=0.27)


def orders(model: StudioModel, lang: str) -> bytes:
    return _lines(_frame(model), {"orders_online": s("chart.orders.online", lang),
                                  "orders_offline": s("chart.orders.store", lang)},
                  s("chart.orders.title", lang), s("chart.orders.value", lang), lang, model.days)


def spend(model: StudioModel, lang: str) -> bytes:
    return _lines(_frame(model), {"spend_cny": s("chart.spend.title", lang)},
                  s("chart.spend.title", lang), s("chart.spend.value", lang), lang, model.days,
                  1e-6)


def awareness(model: StudioModel, lang: str) -> bytes:
    return _lines(_frame(model), {"aware": s("chart.awareness.title", lang)},
                  s("chart.awareness.title", lang), s("chart.awareness.value", lang), lang,
                  model.days)


def waits(model: StudioModel, lang: str) -> bytes:
    frame = pd.DataFrame({"day": pd.Series(dtype=int)})
    if model.day:
        ledger = model.store_ledger()
        weight = ledger["served"].clip(lower=1)
        ledger["w_mean"], ledger["w_p95"] = (ledger["mean_wait_min"] * weight,
                                             ledger["p95_wait_min"] * weight)
        ledger["w"] = weight
        by_day = ledger.groupby("day")[["w_mean", "w_p95", "w"]].sum()
        frame = pd.DataFrame({"day": by_day.index, "mean_wait": by_day["w_mean"] / by_day["w"],
                              "p95_wait": by_day["w_p95"] / by_day["w"]})
    return _lines(frame, {"mean_wait": s("chart.waits.mean", lang),
                          "p95_wait": s("chart.waits.p95", lang)},
                  s("chart.waits.title", lang), s("chart.waits.value", lang), lang, model.days)


CHARTS = (funnel, orders, spend, awareness, waits)
"""The charts, in the page's order."""


def all_charts(model: StudioModel, lang: str) -> list[bytes]:
    return [chart(model, lang) for chart in CHARTS]
