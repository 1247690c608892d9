"""The run report's content: its sections as page blocks (:mod:`o2osim.reports.page`),
from a run's ``metrics.json``, its figures and where it came from. What each section
holds: docs/report.md. Its words are the catalogue's (``locale/<lang>/report.yaml``,
:func:`o2osim.i18n.t`), in the language set around the build (:func:`o2osim.i18n.using`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from o2osim.i18n import current, kpi_label, t
from o2osim.reports.advice import (
    advice,
    cause_label,
    cause_lever_texts,
    cause_where,
    satisfaction_levers,
)
from o2osim.reports.formats import (
    count,
    format_rule,
    format_shortfall,
    format_value,
    pct,
    ratio,
    value_of,
)
from o2osim.reports.ground_truth import ground_truth_section
from o2osim.reports.page import (
    Block,
    Bullets,
    Callout,
    Code,
    Figure,
    Heading,
    Inline,
    Met,
    Missed,
    Para,
    Strong,
    Table,
    with_code,
)
from o2osim.reports.runs import RunInfo
from o2osim.reports.scorecard import few_replications_warning, replications_of, target_label


def marks() -> tuple[str, str]:
    """How a target's result reads in the report: a symbol and a word (and, in HTML, green
    or red), so that neither colour nor the word alone tells them apart."""
    return t("report.marks.met"), t("report.marks.missed")


def report_blocks(metrics: dict[str, Any], figs: dict[str, Path],
                  plan: Mapping[str, Any] | None = None,
                  info: RunInfo | None = None) -> list[Block]:
    """The whole report as blocks (see the module docstring)."""
    info = info or RunInfo()
    k = metrics["kpis"]
    reps = replications_of(metrics)
    mean_note = t("report.mean_note", reps=reps) if reps > 1 else ""
    rep0_note = t("report.rep0_note", reps=reps, seed=metrics.get("seed")) if reps > 1 else ""
    blocks: list[Block] = [
        Heading(1, [t("report.heading_prefix"), Code(str(metrics.get("market", "?"))), " × ",
                    Code(str(metrics.get("plan", "?")))]),
        verdict_block(metrics, reps),
        Para(t("report.run_facts", seed=metrics.get("seed"),
               population=f"{metrics.get('population', 0):,}", days=metrics.get("days", 0))
             + (t("report.run_facts_reps", reps=reps) if reps > 1 else "")
             + t("report.full_stop")),
    ]
    facts: list[Inline] = []
    if info.folder:
        facts.append([t("report.run_folder"), Code(info.folder)])
    if info.overrides:
        pieces: list[str] = [t("report.overrides")]
        for i, o in enumerate(info.overrides):
            pieces += ([t("report.list_sep")] if i else []) + [Code(o)]
        facts.append(pieces)
    elif info.folder:
        facts.append(t("report.no_overrides"))
    if info.market_description:
        facts.append([t("report.market"), info.market_description])
    if info.plan_description:
        facts.append([t("report.plan"), info.plan_description])
    if facts:
        blocks.append(Bullets(facts))

    blocks += _scorecard_section(metrics, reps)
    blocks.append(Para(t("report.money", revenue=count(k.get("revenue_cny")),
                         cost=count(k.get("total_cost_cny")), media=count(k.get("spend_cny")),
                         coupons=count(k.get("coupon_subsidy_cny")))))
    blocks += _what_to_change_section(metrics, plan, info)
    blocks += _funnel_section(k, figs, mean_note)
    blocks += _channel_section(metrics, figs, mean_note)
    blocks += ground_truth_section(metrics)
    blocks += _coupon_section(k, figs, mean_note)

    if "daily" in figs:
        blocks += [Heading(2, t("report.daily.heading"), "daily"),
                   Figure(figs["daily"], t("report.daily.heading")),
                   Para(t("report.daily.caption") + rep0_note, caption=True)]
    blocks += _satisfaction_section(metrics, figs, plan, info, reps)
    blocks += _store_section(metrics, figs, reps, rep0_note)
    blocks.append(Para(t("report.footer")))
    return blocks


def _target_name(name: str, target: dict[str, Any]) -> str:
    return target_label(name, target)


def verdict_block(metrics: dict[str, Any], reps: int) -> Callout:
    """The report's opening verdict: how many targets are met; each missed one with its
    value, its rule and by how much it misses (in the KPI's unit and as a share of the
    threshold); the met ones named after. Marked met (all met) or missed."""
    targets: dict[str, dict[str, Any]] = metrics.get("targets") or {}
    if not targets:
        return Callout(t("report.verdict.no_targets"), [])
    missed = {n: tg for n, tg in targets.items() if not tg.get("met")}
    met = [_target_name(n, tg) for n, tg in targets.items() if tg.get("met")]
    on = t("report.verdict.judged_on_means", reps=reps) if reps > 1 else ""
    if not missed:
        return Callout([Met(t("report.verdict.all_met", n=len(targets))),
                        on + t("report.full_stop")], [], "met", "verdict")
    items: list[Inline] = []
    for name, tg in missed.items():
        kpi = str(tg["kpi"])
        items.append([Missed("✗"), " ", Strong(_target_name(name, tg)),
                      t("report.verdict.missed_item", value=format_value(kpi, tg.get("value"), tg),
                        rule=format_rule(kpi, tg["op"], tg["threshold"]),
                        shortfall=format_shortfall(tg, tg.get("value")))])
    if met:
        items.append([Met("✓"), t("report.verdict.met_list",
                                  names=t("report.list_sep").join(met))])
    head = [Missed(t("report.verdict.head_missed", missed=len(missed), total=len(targets))),
            t("report.verdict.head_met", met=len(met), on=on)]
    return Callout(head, items, "missed", "verdict")


def _scorecard_section(metrics: dict[str, Any], reps: int) -> list[Block]:
    """The targets; with replications one column per statistic (chance met, where 90 % of
    runs land, the mean's 90 % confidence interval), then the chance of meeting them all."""
    blocks: list[Block] = [Heading(2, t("report.scorecard.heading"), "scorecard")]
    stats = metrics.get("kpi_stats", {})
    replicated = reps > 1
    header = [t(f"report.scorecard.{h}") for h in (
        "target", "kpi", "rule", "mean" if replicated else "value", "result", "missed_by")]
    if replicated:
        header += [t(f"report.scorecard.{h}") for h in ("met_in", "runs_between", "mean_ci")]
    n_a = t("report.scorecard.n_a")
    met_mark, missed_mark = marks()
    rows: list[list[Inline]] = []
    row_marks: list[str] = []
    for name, tg in metrics.get("targets", {}).items():
        kpi = str(tg["kpi"])
        row: list[Inline] = [_target_name(name, tg), Code(kpi),
                             format_rule(kpi, tg["op"], tg["threshold"]),
                             format_value(kpi, tg["value"], tg),
                             [Met(met_mark) if tg["met"] else Missed(missed_mark)],
                             "—" if tg["met"] else format_shortfall(tg, tg["value"],
                                                                    brief=True)]
        row_marks.append("met" if tg["met"] else "missed")
        if replicated:
            p = tg.get("probability")
            row.append(t("report.scorecard.met_in_value", met=round(p * reps), reps=reps,
                         pct=f"{100 * p:.0f}") if isinstance(p, int | float) else n_a)
            lo_hi = tg.get("interval_90")
            row.append(f"{format_value(kpi, lo_hi[0])} – {format_value(kpi, lo_hi[1])}"
                       if lo_hi else n_a)
            ci = stats.get(kpi, {}).get("mean_ci90")
            row.append(f"{format_value(kpi, ci[0])} – {format_value(kpi, ci[1])}"
                       if ci else n_a)
        rows.append(row)
    blocks.append(Table(header, rows, "scorecard-table", row_marks))
    p_all = metrics.get("all_targets_probability")
    if replicated and isinstance(p_all, int | float):
        n = len(metrics.get("targets", {}))
        text = t("report.scorecard.all_together", n=n, met=round(p_all * reps), reps=reps,
                 pct=f"{100 * p_all:.0f}")
        ci = metrics.get("all_targets_probability_ci90")
        extra = (t("report.scorecard.all_together_ci", reps=reps, lo=f"{100 * ci[0]:.0f}",
                   hi=f"{100 * ci[1]:.0f}") if isinstance(ci, list) and len(ci) == 2 else "")
        blocks.append(Para([Strong(text), extra], ))
        warning = few_replications_warning(metrics)
        if warning:
            blocks.append(Para([Strong(t("report.scorecard.caution")), " " + warning]))
    note: Inline = (
        t("report.scorecard.note_replicated", reps=reps) if replicated else
        [t("report.scorecard.note_single_before"), Code("sim.replications=20"),
         t("report.scorecard.note_single_after")])
    blocks.append(Para(note, caption=True))
    return blocks


def _what_to_change_section(metrics: dict[str, Any], plan: Mapping[str, Any] | None,
                            info: RunInfo) -> list[Block]:
    """For each missed target its levers; for satisfaction ranked by the satisfied
    experiences each cause cost (:func:`satisfaction_levers`)."""
    blocks: list[Block] = [Heading(2, t("report.change.heading"), "what-to-change")]
    missed = [tg for tg in metrics.get("targets", {}).values() if not tg["met"]]
    if not missed:
        return [*blocks, Para(t("report.change.all_met"))]
    drivers = metrics.get("satisfaction_drivers") or {}
    items: list[Inline] = []
    steps: dict[int, list[Inline]] = {}
    for tg in missed:
        head = [Strong(_change_name(tg)),
                t("report.change.head", value=format_value(tg["kpi"], tg["value"], tg),
                  rule=format_rule(tg["kpi"], tg["op"], tg["threshold"]))]
        ranked = (satisfaction_levers(drivers, plan, info.store_reality_level)
                  if tg["kpi"] == "satisfaction_rate" else [])
        if ranked:
            first_with: dict[tuple[str, ...], str] = {}
            steps[len(items)] = []
            for r in ranked:
                key = tuple(r.levers)
                levers = (t("report.change.all_pulled") if not r.levers
                          else t("report.change.same_levers", label=first_with[key])
                          if key in first_with else t("advice.lever_sep").join(r.levers))
                first_with.setdefault(key, r.label)
                steps[len(items)].append(
                    [Strong(r.label), t("report.change.step", n=count(r.lost),
                                        where=cause_where(r.cause, drivers)),
                     *with_code(levers), t("report.full_stop")])
            others = [c for c, v in sorted((drivers.get("dissatisfied_with_gap") or {}).items(),
                                           key=lambda kv: (-float(kv[1]), kv[0]))
                      if float(v) > 0 and c not in {r.cause for r in ranked}]
            if others:
                steps[len(items)].append(t("report.change.others", causes=t("report.list_sep").join(
                    f"{cause_label(c, drivers)} ({count(drivers['dissatisfied_with_gap'][c])})"
                    for c in others)))
            items.append([*head, t("report.change.satisfaction")])
        else:
            items.append([*head, *with_code(advice(tg["kpi"], plan,
                                                    reality_level=info.store_reality_level)),
                          t("report.full_stop")])
    blocks.append(Bullets(items, steps))
    return blocks


def _change_name(target: dict[str, Any]) -> str:
    """A missed target in "what to change": its label in English, its KPI's catalogue
    name otherwise (the KPI's name when it has no label)."""
    kpi = str(target["kpi"])
    if current() == "en" or kpi_label(kpi) == kpi:
        return str(target.get("label") or kpi)
    return kpi_label(kpi)


def _satisfaction_section(metrics: dict[str, Any], figs: dict[str, Path],
                          plan: Mapping[str, Any] | None, info: RunInfo,
                          reps: int) -> list[Block]:
    drivers = metrics.get("satisfaction_drivers") or {}
    lost = drivers.get("satisfied_lost_to_gap")
    co = drivers.get("dissatisfied_with_gap") or {}
    if "satisfaction" not in figs and not drivers:
        return []
    blocks: list[Block] = [Heading(2, t("report.satisfaction.heading"), "satisfaction")]
    experiences, unhappy = value_of(drivers, "experiences"), value_of(drivers, "dissatisfied")
    mean = t("report.satisfaction.means", reps=reps) if reps > 1 else ""
    blocks.append(Para(t("report.satisfaction.summary", unhappy=count(unhappy),
                         experiences=count(experiences), mean=mean,
                         share=pct(unhappy, experiences))))
    if "satisfaction" in figs:
        blocks.append(Figure(figs["satisfaction"], t("report.satisfaction.figure")))
    if lost is None:  # a run written before the counterfactual count existed
        blocks.append(Para(t("report.satisfaction.old_caption"), caption=True))
        return blocks
    blocks.append(Para(t("report.satisfaction.caption") + (
        t("report.satisfaction.caption_reps") if reps > 1 else ""), caption=True))
    ranked = sorted((c for c in set(lost) | set(co)
                     if value_of(lost, c) > 0 or value_of(co, c) > 0),
                    key=lambda c: (-value_of(lost, c), -value_of(co, c), c))
    top = [c for c in ranked if value_of(lost, c) > 0][:3]
    if top:
        blocks.append(Bullets([[t("report.satisfaction.without"), Strong(cause_label(c, drivers)),
                                t("report.satisfaction.would_have", n=count(lost[c]),
                                  where=cause_where(c, drivers))] for c in top]))
    rows: list[list[Inline]] = []
    for c in ranked:
        text = t("advice.lever_sep").join(
            cause_lever_texts(c, drivers, plan, info.store_reality_level)) or "—"
        rows.append([cause_label(c, drivers), count(value_of(lost, c)),
                     pct(value_of(lost, c), unhappy), count(value_of(co, c)), with_code(text)])
    if rows:
        blocks.append(Table([t(f"report.satisfaction.{h}") for h in (
            "cause", "lost", "share", "part_of", "lever_now")], rows, "satisfaction-table"))
    return blocks


STORE_MEASURES = (("mean_wait_min", "mean_wait"), ("p95_wait_min", "p95_wait"),
                  ("walkout_rate", "walkout"), ("coupon_check_failure_rate", "check"))
"""The store table's KPIs and their catalogue keys (``report.stores.<key>`` names the
measure, ``<key>_means`` says what it counts)."""


def _store_section(metrics: dict[str, Any], figs: dict[str, Path], reps: int,
                   rep0_note: str) -> list[Block]:
    """The queue KPIs of ``metrics.json`` (means when replicated) next to the chart of
    replication 0."""
    k = metrics["kpis"]
    if "stores" not in figs and not any(m in k for m, _ in STORE_MEASURES):
        return []
    blocks: list[Block] = [Heading(2, t("report.stores.heading"), "stores")]
    stats = metrics.get("kpi_stats", {})
    header = [t("report.stores.measure"),
              t("report.stores.mean_reps") if reps > 1 else t("report.stores.value")]
    if reps > 1:
        header.append(t("report.stores.runs_between"))
    header.append(t("report.stores.counts"))
    rows: list[list[Inline]] = []
    for kpi, key in STORE_MEASURES:
        if kpi not in k:
            continue
        row: list[Inline] = [t(f"report.stores.{key}"), format_value(kpi, k[kpi])]
        if reps > 1:
            s = stats.get(kpi, {})
            row.append(f"{format_value(kpi, s['p05'])} – {format_value(kpi, s['p95'])}"
                       if "p05" in s else t("report.scorecard.n_a"))
        rows.append([*row, t(f"report.stores.{key}_means")])
    blocks.append(Table(header, rows, "store-table"))
    if "stores" in figs:
        scale = metrics.get("scale_real_per_simulated")
        per = (t("report.stores.per_scale", scale=f"{float(scale):,.0f}")
               if isinstance(scale, int | float) else "")
        blocks += [Figure(figs["stores"], t("report.stores.figure")), Para(
            t("report.stores.caption", per=per) + (rep0_note or ""), caption=True)]
    return blocks


def _funnel_section(k: dict[str, Any], figs: dict[str, Path], mean_note: str) -> list[Block]:
    def f(key: str, **fmt: Any) -> str:
        return t(f"report.funnel.{key}", **fmt)

    blocks: list[Block] = [Heading(2, f("heading"), "funnel")]
    if "funnel" in figs:
        blocks.append(Figure(figs["funnel"], f("heading")))
    blocks.append(Para(f("caption") + mean_note, caption=True))
    pop, aware = value_of(k, "population"), value_of(k, "aware")
    purchasers = value_of(k, "purchasers")
    p_on, p_off = value_of(k, "purchasers_online"), value_of(k, "purchasers_offline")
    visitors = value_of(k, "store_visitors")
    rows: list[list[Inline]] = [
        [f("exposed"), count(k.get("exposed")),
         f("of_everyone", share=pct(value_of(k, "exposed"), pop)),
         f("exposed_online", n=count(k.get("exposed_online"))),
         f("exposed_offline", n=count(k.get("exposed_offline_only"))), "—"],
        [f("aware"), count(aware), f("of_everyone", share=pct(aware, pop)),
         f("aware_online", n=count(k.get("exposed_online"))),
         f("aware_offline", n=count(k.get("exposed_offline_only"))),
         f("aware_wom", n=count(k.get("aware_wom_only")))],
        [f("visited"), count(visitors), f("of_aware", share=pct(visitors, aware)),
         f("visited_online", n=count(k.get("store_visitors_after_online")),
           share=pct(value_of(k, "store_visitors_after_online"), value_of(k, "exposed_online"))),
         f("visited_store", n=count(visitors)),
         f("visits", n=count(k.get("store_visits")))],
        [f("purchased"), count(purchasers),
         f("of_aware_conversion", share=pct(value_of(k, "prospects_converted"),
                                            value_of(k, "prospects_aware"))),
         f("bought_online", n=count(p_on), orders=count(k.get("orders_online"))),
         f("bought_store", n=count(p_off), orders=count(k.get("orders_offline"))),
         f("bought_both", n=count(max(p_on + p_off - purchasers, 0.0)))],
        [f("repurchased"), count(k.get("repurchasers")),
         f("of_purchasers", share=pct(value_of(k, "repurchasers"), purchasers)),
         f("repeat_online", n=count(k.get("repeat_orders_online"))),
         f("repeat_store", n=count(k.get("repeat_orders_offline"))), "—"],
    ]
    blocks.append(Table([f(h) for h in ("stage", "consumers", "share", "online", "offline",
                                        "other")], rows, "funnel-table"))
    return blocks


def _channel_section(metrics: dict[str, Any], figs: dict[str, Path],
                     mean_note: str) -> list[Block]:
    def c_(key: str, **fmt: Any) -> str:
        return t(f"report.channels.{key}", **fmt)

    k = metrics["kpis"]
    channels: dict[str, dict[str, Any]] = metrics.get("channels") or {}
    blocks: list[Block] = [Heading(2, c_("heading"), "channels")]
    if "channels" in figs:
        blocks.append(Figure(figs["channels"], c_("figure")))
    blocks.append(Para(c_("caption") + mean_note, caption=True))
    rows: list[list[Inline]] = []
    traced = 0.0
    for name, c in channels.items():
        spend = float(c.get("spend_cny", 0.0))
        revenue = float(c.get("attributed_revenue_cny", 0.0))
        traced += revenue
        kind = str(c.get("kind", ""))
        rows.append([Code(name), c_(f"kinds.{kind}") if kind in ("online", "offline") else kind,
                     count(c.get("budget_cny")), count(spend), count(revenue),
                     ratio(revenue, spend)])
    revenue_all, spend_all = value_of(k, "revenue_cny"), value_of(k, "spend_cny")
    subsidy, total = value_of(k, "coupon_subsidy_cny"), value_of(k, "total_cost_cny")
    rows += [
        [c_("media_all"), "", count(k.get("budget_cny")), count(spend_all), count(traced),
         ratio(traced, spend_all)],
        [c_("not_traced"), "", "", "", count(max(revenue_all - traced, 0.0)), ""],
        [c_("subsidies"), "", "", count(subsidy), "", ""],
        [c_("integration"), "", "", count(max(total - spend_all - subsidy, 0.0)), "", ""],
        [c_("all_revenue"), "", "", count(total), count(revenue_all),
         ratio(revenue_all, total)],
        [Strong(c_("campaign")), "", "", count(total), count(k.get("incremental_revenue_cny")),
         ratio(value_of(k, "incremental_revenue_cny"), total)
         if k.get("incremental_revenue_cny") is not None else count(None)],
    ]
    blocks.append(Table([c_(h) for h in ("channel", "kind", "budget", "spend", "revenue",
                                         "roi")], rows, "channel-table"))
    return blocks


def _coupon_section(k: dict[str, Any], figs: dict[str, Path], mean_note: str) -> list[Block]:
    def c_(key: str, **fmt: Any) -> str:
        return t(f"report.coupons.{key}", **fmt)

    blocks: list[Block] = [Heading(2, c_("heading"), "coupons")]
    if "coupons" in figs:
        blocks.append(Figure(figs["coupons"], c_("figure")))
    blocks.append(Para(c_("caption") + mean_note, caption=True))
    offered, claimed = value_of(k, "coupons_offered"), value_of(k, "coupons_claimed")
    redeemed = value_of(k, "coupons_redeemed")
    rows: list[list[Inline]] = [
        [c_("offered"), count(k.get("coupons_offered_online")),
         count(k.get("coupons_offered_offline")), "—", count(offered), ""],
        [c_("claimed"), count(k.get("coupons_claimed_online")),
         count(k.get("coupons_claimed_offline")), count(k.get("coupons_claimed_review")),
         count(claimed),
         c_("of_offers", share=pct(claimed - value_of(k, "coupons_claimed_review"), offered))],
        [c_("redeemed"), count(k.get("coupons_redeemed_online")),
         count(k.get("coupons_redeemed_offline")), "—", count(redeemed),
         c_("of_claimed", share=pct(redeemed, claimed))],
    ]
    blocks.append(Table([c_(h) for h in ("step", "online", "offline", "review", "total",
                                         "rate")], rows, "coupon-table"))
    blocks.append(Para(c_("summary",
                          steps=format_value("steps_to_redeem", k.get("steps_to_redeem")),
                          failed=format_value("x_rate", k.get("coupon_check_failure_rate", 0.0)),
                          subsidy=count(k.get("coupon_subsidy_cny")))))
    return blocks
