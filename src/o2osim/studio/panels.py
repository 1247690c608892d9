"""The page's panels: the challenge card and its scoring, the live charts, the scorecard,
why targets were missed, and the session's attempts with their CSV export."""

from __future__ import annotations

import csv
import html
import io

import solara
from mesa.visualization.utils import update_counter

from o2osim.i18n import kpi_label
from o2osim.studio import charts, levers, state, why
from o2osim.studio import scenario as scenarios
from o2osim.studio.challenges import score
from o2osim.studio.text import kpi_value, lever_value, money, s


def _table(head: list[str], rows: list[list[str]], css: str) -> None:
    """A plain HTML table (every cell escaped)."""
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    solara.HTML(tag="div", unsafe_innerHTML=f'<table class="{css}" style="border-collapse:'
                f'collapse;width:100%"><thead><tr>{cells}</tr></thead><tbody>{body}</tbody>'
                "</table>")


@solara.component
def ChallengePanel() -> None:
    lang = state.lang.value
    card = state.card()
    scoring = solara.use_reactive(False)

    def run_score() -> None:
        if scoring.value and card is not None:
            state.add_attempt(score(card, state.values.value, state.seed.value))
            scoring.set(False)

    solara.lab.use_task(run_score, dependencies=[scoring.value],  # type: ignore
                        prefer_threaded=True)
    if card is None:
        solara.Info(s("challenge.none", lang))
        return
    words = card.words(lang)
    with solara.Card(words["title"], subtitle=s("challenge.level", lang, level=card.level),
                     classes=["studio-challenge"]):
        solara.Text(s("challenge.pain", lang, pain=s(f"pain.{card.pain_point}", lang)))
        solara.Text(words["brief"], style={"display": "block", "margin": "6px 0"})
        targets = scenarios.base(card.market, card.start_plan).targets
        goal = "; ".join(
            f"{kpi_label(targets[g].kpi, lang)} {targets[g].op} "
            f"{kpi_value(targets[g].kpi, card.threshold(g, targets[g].threshold), lang)}"
            for g in card.goal)
        solara.Text(f"{s('challenge.goal', lang)}: {goal}", classes=["studio-goal"],
                    style={"display": "block", "font-weight": "bold"})
        solara.Text(s("challenge.cap", lang, cap=money(card.budget_cap_cny, lang)),
                    style={"display": "block"})
        shown = state.hints_shown.value
        for hint in words["hints"][:shown]:
            solara.Info(hint)
        if shown < len(words["hints"]):
            solara.Button(s("challenge.hint_show", lang), text=True,
                          on_click=lambda: state.hints_shown.set(shown + 1))
        solara.Button(s("challenge.submit", lang, replications=card.replications),
                      color="primary", on_click=lambda: scoring.set(True),
                      disabled=scoring.value, classes=["studio-submit"])
        if scoring.value:
            solara.ProgressLinear(True)
            solara.Text(s("challenge.scoring", lang, replications=card.replications))
        result = state.last_score.value
        if result is not None and result.card == card.id:
            if not result.within_cap:
                solara.Error(s("challenge.over_cap", lang, over=money(
                    result.committed_cny - card.budget_cap_cny, lang)),
                    classes=["studio-verdict"])
            elif result.passed:
                solara.Success(s("challenge.passed", lang, share=result.share_all_met),
                               classes=["studio-verdict"])
            else:
                solara.Warning(s("challenge.failed", lang), classes=["studio-verdict"])
            for g in result.goals.values():
                solara.Text(f"{'✓' if g['met'] else '✗'} {kpi_label(g['kpi'], lang)} "
                            f"{kpi_value(g['kpi'], g['value'], lang)} {g['op']} "
                            f"{kpi_value(g['kpi'], g['threshold'], lang)} "
                            f"({g['probability']:.0%})", style={"display": "block"})
            if result.passed:
                with solara.Details(s("challenge.debrief", lang), expand=True):
                    solara.Text(words["debrief"], classes=["studio-debrief"])


@solara.component
def ChartsPanel() -> None:
    update_counter.get()
    model = state.model.value
    if model is None:
        return
    lang = state.lang.value
    drawn = solara.use_memo(lambda: charts.all_charts(model, lang),
                            dependencies=[model, state.chart_key(model), lang])
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["studio-charts"]):
        for chart in drawn:
            solara.Image(chart)


def _show_setting(setting: str, value: object) -> str:
    lang = state.lang.value
    spec = levers.by_setting(scenarios.channels_of(state.market.value)).get(setting)
    return lever_value(spec, value, lang) if spec else ("—" if value is None else str(value))


def _value_of(setting: str) -> object:
    return state.values.value.get(setting)


@solara.component
def ScorecardPanel() -> None:
    update_counter.get()
    lang = state.lang.value
    model = state.model.value
    with solara.Card(s("scorecard.title", lang), classes=["studio-scorecard"]):
        metrics = model.metrics if model is not None else None
        if metrics is None:
            solara.Text(s("scorecard.waiting", lang))
            return
        targets = metrics["targets"]
        met = sum(bool(t["met"]) for t in targets.values())
        solara.Text(s("scorecard.summary", lang, met=met, total=len(targets)),
                    classes=["studio-score-summary"])
        rows = [[kpi_label(t["kpi"], lang),
                 f"{t['op']} {kpi_value(t['kpi'], t['threshold'], lang)}",
                 kpi_value(t["kpi"], t["value"], lang),
                 ("✓ " + s("scorecard.met", lang)) if t["met"]
                 else ("✗ " + s("scorecard.missed", lang))] for t in targets.values()]
        _table([s(f"scorecard.{k}", lang) for k in ("target", "rule", "value", "result")],
               rows, "studio-scorecard-table")
        k = metrics["kpis"]
        solara.Text(s("scorecard.cost", lang, cost=money(k["total_cost_cny"], lang),
                      revenue=money(k["revenue_cny"], lang)))
        WhyPanel(metrics)


@solara.component
def WhyPanel(metrics: dict) -> None:
    lang = state.lang.value
    model = state.model.value
    card = state.card()
    reality = model.scenario.market.stores.reality_level if model is not None else 1.0
    found = why.reasons(metrics, _value_of, lang, _show_setting,
                        lambda kpi, v: kpi_value(kpi, v, lang), reality,
                        card.is_open if card else (lambda _: True),
                        only=card.goal if card else None)
    with solara.Column(classes=["studio-why"]):
        solara.Text(s("why.title", lang), style={"font-weight": "bold"})
        if not found:
            solara.Success(s("why.none", lang))
        for reason in found:
            with solara.Details(f"{reason.title} — {reason.gap}", expand=True):
                for line in reason.lines:
                    solara.Text(line, style={"white-space": "pre-wrap", "display": "block"})


def attempts_csv(lang: str) -> str:
    """The session's attempts as CSV for the trainer: one row per attempt, each goal's
    mean and the share of seeds meeting the whole goal."""
    out = io.StringIO()
    writer = csv.writer(out)
    goals = sorted({g for a in state.attempts.value for g in a.score.goals})
    writer.writerow(["attempt", "time", "card", "passed", "share_all_goals_met",
                     "replications", "committed_cny", "total_cost_cny", "within_cap",
                     *[f"{g}_mean" for g in goals], "levers_changed"])
    for a in state.attempts.value:
        sc = a.score
        writer.writerow([a.number, a.time, sc.card, sc.passed, f"{sc.share_all_met:.3f}",
                         sc.replications, f"{sc.committed_cny:.0f}", f"{sc.total_cost_cny:.0f}",
                         sc.within_cap,
                         *[f"{sc.goals[g]['value']:.4f}" if g in sc.goals else "" for g in goals],
                         "; ".join(f"{k}={sc.values[k]}" for k in a.changed)])
    return out.getvalue()


@solara.component
def AttemptsPanel() -> None:
    lang = state.lang.value
    tried = state.attempts.value
    with solara.Card(s("attempts.title", lang), classes=["studio-attempts"]):
        if not tried:
            solara.Text(s("attempts.none", lang))
            return
        rows = [[str(a.number), a.time, a.score.card,
                 s("attempts.yes" if a.score.passed else "attempts.no", lang),
                 f"{a.score.share_all_met:.0%}", money(a.score.committed_cny, lang),
                 money(a.score.total_cost_cny, lang),
                 "; ".join(f"{kpi_label(g['kpi'], lang)} {kpi_value(g['kpi'], g['value'], lang)}"
                           f" ({g['probability']:.0%})" for g in a.score.goals.values())]
                for a in tried]
        _table([s(f"attempts.{k}", lang) for k in ("number", "time", "card", "passed", "share",
                                                    "committed", "cost")]
               + [s("attempts.goals", lang)], rows, "studio-attempts-table")
        solara.FileDownload(attempts_csv(lang), filename="o2osim-studio-attempts.csv",
                            label=s("attempts.export", lang), mime_type="text/csv")
