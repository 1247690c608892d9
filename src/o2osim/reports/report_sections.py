"""The run report's content: its sections as page blocks (:mod:`o2osim.reports.page`),
from a run's ``metrics.json``, its figures and where it came from. What each section
holds: docs/report.md."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
from o2osim.reports.scorecard import few_replications_warning, replications_of

MET_MARK, MISSED_MARK = "✓ met", "✗ MISSED"
"""How a target's result reads in the report: a symbol and a word (and, in HTML, green
or red), so that neither colour nor the word alone tells them apart."""


def report_blocks(metrics: dict[str, Any], figs: dict[str, Path],
                  plan: Mapping[str, Any] | None = None,
                  info: RunInfo | None = None) -> list[Block]:
    """The whole report as blocks (see the module docstring)."""
    info = info or RunInfo()
    k = metrics["kpis"]
    reps = replications_of(metrics)
    mean_note = f" Means over the {reps} replications." if reps > 1 else ""
    rep0_note = (f" Replication 0 of {reps} (seed {metrics.get('seed')}); the other "
                 "replications differ by their random draws." if reps > 1 else "")
    blocks: list[Block] = [
        Heading(1, ["o2osim report — ", Code(str(metrics.get("market", "?"))), " × ",
                    Code(str(metrics.get("plan", "?")))]),
        verdict_block(metrics, reps),
        Para(f"Seed {metrics.get('seed')}, {metrics.get('population', 0):,} simulated "
             f"consumers, {metrics.get('days', 0)} days"
             + (f", {reps} replications" if reps > 1 else "") + "."),
    ]
    facts: list[Inline] = []
    if info.folder:
        facts.append(["Run folder: ", Code(info.folder)])
    if info.overrides:
        pieces: list[str] = ["Settings changed on the command line: "]
        for i, o in enumerate(info.overrides):
            pieces += ([", "] if i else []) + [Code(o)]
        facts.append(pieces)
    elif info.folder:
        facts.append("Settings changed on the command line: none (the presets as they are).")
    if info.market_description:
        facts.append(["Market: ", info.market_description])
    if info.plan_description:
        facts.append(["Plan: ", info.plan_description])
    if facts:
        blocks.append(Bullets(facts))

    blocks += _scorecard_section(metrics, reps)
    blocks.append(Para(f"Revenue {count(k.get('revenue_cny'))} CNY for a total cost of "
                       f"{count(k.get('total_cost_cny'))} CNY (media {count(k.get('spend_cny'))}, "
                       f"coupons {count(k.get('coupon_subsidy_cny'))})."))
    blocks += _what_to_change_section(metrics, plan, info)
    blocks += _funnel_section(k, figs, mean_note)
    blocks += _channel_section(metrics, figs, mean_note)
    blocks += ground_truth_section(metrics)
    blocks += _coupon_section(k, figs, mean_note)

    if "daily" in figs:
        blocks += [Heading(2, "Day by day", "daily"), Figure(figs["daily"], "Day by day"),
                   Para("Media spend per day (thousand CNY, whole market); consumers aware "
                        "of the campaign that day (solid: awareness decays when people are "
                        "not reached again) and ever aware (dashed: the funnel's and the "
                        "conversion rate's \"aware\"); orders per day online and in store. "
                        "Counts are simulated consumers and orders. Shading: the campaign's "
                        "planning, execution and optimisation phases." + rep0_note,
                        caption=True)]
    blocks += _satisfaction_section(metrics, figs, plan, info, reps)
    blocks += _store_section(metrics, figs, reps, rep0_note)
    blocks.append(Para("Definitions of every number: docs/kpis.md; what this report "
                       "contains: docs/report.md."))
    return blocks


def _target_name(name: str, t: dict[str, Any]) -> str:
    return str(t.get("label") or name)


def verdict_block(metrics: dict[str, Any], reps: int) -> Callout:
    """The report's opening verdict: how many targets are met; each missed one with its
    value, its rule and by how much it misses (in the KPI's unit and as a share of the
    threshold); the met ones named after. Marked met (all met) or missed."""
    targets: dict[str, dict[str, Any]] = metrics.get("targets") or {}
    if not targets:
        return Callout("No targets to judge the plan by.", [])
    missed = {n: t for n, t in targets.items() if not t.get("met")}
    met = [_target_name(n, t) for n, t in targets.items() if t.get("met")]
    on = f" (judged on the means of {reps} replications)" if reps > 1 else ""
    if not missed:
        return Callout([Met(f"✓ All {len(targets)} targets met"), on + "."],
                       [], "met", "verdict")
    items: list[Inline] = []
    for name, t in missed.items():
        kpi = str(t["kpi"])
        items.append([Missed("✗"), " ", Strong(_target_name(name, t)),
                      f": {format_value(kpi, t.get('value'), t)}, needs "
                      f"{format_rule(kpi, t['op'], t['threshold'])} — "
                      f"{format_shortfall(t, t.get('value'))}."])
    if met:
        items.append([Met("✓"), " Met: " + ", ".join(met) + "."])
    head = [Missed(f"✗ {len(missed)} of {len(targets)} targets missed"),
            f"; {len(met)} met{on}:"]
    return Callout(head, items, "missed", "verdict")


def _scorecard_section(metrics: dict[str, Any], reps: int) -> list[Block]:
    """The targets; with replications one column per statistic (chance met, where 90 % of
    runs land, the mean's 90 % confidence interval), then the chance of meeting them all."""
    blocks: list[Block] = [Heading(2, "Scorecard", "scorecard")]
    stats = metrics.get("kpi_stats", {})
    replicated = reps > 1
    header = ["target", "KPI", "rule", "mean" if replicated else "value", "result",
              "missed by (share of the threshold)"]
    if replicated:
        header += ["met in (replications)", "90 % of runs between",
                   "mean, 90 % confidence"]
    rows: list[list[Inline]] = []
    marks: list[str] = []
    for name, t in metrics.get("targets", {}).items():
        kpi = str(t["kpi"])
        row: list[Inline] = [_target_name(name, t), Code(kpi),
                             format_rule(kpi, t["op"], t["threshold"]),
                             format_value(kpi, t["value"], t),
                             [Met(MET_MARK) if t["met"] else Missed(MISSED_MARK)],
                             "—" if t["met"] else format_shortfall(t, t["value"],
                                                                   brief=True)]
        marks.append("met" if t["met"] else "missed")
        if replicated:
            p = t.get("probability")
            row.append(f"{round(p * reps)} of {reps} ({100 * p:.0f} %)"
                       if isinstance(p, int | float) else "n/a")
            lo_hi = t.get("interval_90")
            row.append(f"{format_value(kpi, lo_hi[0])} – {format_value(kpi, lo_hi[1])}"
                       if lo_hi else "n/a")
            ci = stats.get(kpi, {}).get("mean_ci90")
            row.append(f"{format_value(kpi, ci[0])} – {format_value(kpi, ci[1])}"
                       if ci else "n/a")
        rows.append(row)
    blocks.append(Table(header, rows, "scorecard-table", marks))
    p_all = metrics.get("all_targets_probability")
    if replicated and isinstance(p_all, int | float):
        n = len(metrics.get("targets", {}))
        text = (f"All {n} targets together: met in {round(p_all * reps)} of {reps} "
                f"replications ({100 * p_all:.0f} %).")
        ci = metrics.get("all_targets_probability_ci90")
        extra = (f" With {reps} replications the true chance could be anywhere from "
                 f"{100 * ci[0]:.0f} % to {100 * ci[1]:.0f} % (90 % confidence)."
                 if isinstance(ci, list) and len(ci) == 2 else "")
        blocks.append(Para([Strong(text), extra], ))
        warning = few_replications_warning(metrics)
        if warning:
            blocks.append(Para([Strong("Caution:"), " " + warning]))
    note: Inline = (
        f"Each target is judged on the KPI's mean over the {reps} replications. \"Met in\": "
        "how many replications met it — the chance that one run of the plan does; \"90 % of "
        "runs between\": where one run lands 9 times in 10 (it does not shrink with more "
        "replications); \"mean, 90 % confidence\": how precisely the replications pin the "
        "mean down (it narrows as replications are added)." if replicated else
        ["One run: the values carry random noise; run with ", Code("sim.replications=20"),
         " for 90 % intervals and the chance of meeting each target and all of them."])
    blocks.append(Para(note, caption=True))
    return blocks


def _what_to_change_section(metrics: dict[str, Any], plan: Mapping[str, Any] | None,
                            info: RunInfo) -> list[Block]:
    """For each missed target its levers; for satisfaction ranked by the satisfied
    experiences each cause cost (:func:`satisfaction_levers`)."""
    blocks: list[Block] = [Heading(2, "What to change", "what-to-change")]
    missed = [t for t in metrics.get("targets", {}).values() if not t["met"]]
    if not missed:
        return [*blocks, Para("Every target is met.")]
    drivers = metrics.get("satisfaction_drivers") or {}
    items: list[Inline] = []
    steps: dict[int, list[Inline]] = {}
    for t in missed:
        head = [Strong(str(t.get("label") or t["kpi"])),
                f" ({format_value(t['kpi'], t['value'], t)}, needs "
                f"{format_rule(t['kpi'], t['op'], t['threshold'])}): "]
        ranked = (satisfaction_levers(drivers, plan, info.store_reality_level)
                  if t["kpi"] == "satisfaction_rate" else [])
        if ranked:
            first_with: dict[tuple[str, ...], str] = {}
            steps[len(items)] = []
            for r in ranked:
                key = tuple(r.levers)
                levers = ("every plan lever behind it is already pulled" if not r.levers
                          else f"the same levers as for {first_with[key]}" if key in first_with
                          else "; ".join(r.levers))
                first_with.setdefault(key, r.label)
                steps[len(items)].append(
                    [Strong(r.label), f": without it {count(r.lost)} more "
                     f"{cause_where(r.cause, drivers)} would have left the customer "
                     "satisfied — ", *with_code(levers), "."])
            others = [c for c, v in sorted((drivers.get("dissatisfied_with_gap") or {}).items(),
                                           key=lambda kv: (-float(kv[1]), kv[0]))
                      if float(v) > 0 and c not in {r.cause for r in ranked}]
            if others:
                steps[len(items)].append(
                    "also in dissatisfied experiences, though no one of them alone would "
                    "have tipped one: " + ", ".join(
                        f"{cause_label(c, drivers)} ({count(drivers['dissatisfied_with_gap'][c])})"
                        for c in others) + "; their levers are in the table below.")
            items.append([*head, "fix the causes that cost most satisfied customers first "
                          "(see \"Satisfaction and what drove it\" below):"])
        else:
            items.append([*head, *with_code(advice(t["kpi"], plan,
                                                    reality_level=info.store_reality_level)),
                          "."])
    blocks.append(Bullets(items, steps))
    return blocks


def _satisfaction_section(metrics: dict[str, Any], figs: dict[str, Path],
                          plan: Mapping[str, Any] | None, info: RunInfo,
                          reps: int) -> list[Block]:
    drivers = metrics.get("satisfaction_drivers") or {}
    lost = drivers.get("satisfied_lost_to_gap")
    co = drivers.get("dissatisfied_with_gap") or {}
    if "satisfaction" not in figs and not drivers:
        return []
    blocks: list[Block] = [Heading(2, "Satisfaction and what drove it", "satisfaction")]
    experiences, unhappy = value_of(drivers, "experiences"), value_of(drivers, "dissatisfied")
    mean = f" (means over the {reps} replications)" if reps > 1 else ""
    blocks.append(Para(f"{count(unhappy)} of {count(experiences)} customer experiences — store "
                       f"visits and online orders, simulated{mean} — left the customer "
                       f"dissatisfied ({pct(unhappy, experiences)})."))
    if "satisfaction" in figs:
        blocks.append(Figure(figs["satisfaction"], "Satisfied customers lost to each cause"))
    if lost is None:  # a run written before the counterfactual count existed
        blocks.append(Para("Each bar counts the dissatisfied experiences in which this went "
                           "wrong; one experience can have several causes.", caption=True))
        return blocks
    blocks.append(Para(
        "For each cause: the experiences that left the customer dissatisfied but would have "
        "left them satisfied had only this cause not happened — the same customer, the same "
        "random draw, that one penalty removed (for the over-promise: the expectation "
        "lowered to what the channel delivers). It is the number of satisfied customers the "
        "cause cost. One experience can count for two causes (either alone would have "
        "tipped it) and some dissatisfied experiences count for none (no single fix is "
        "enough), so the bars do not add up to the dissatisfied." + (
            " Means over the replications." if reps > 1 else ""), caption=True))
    ranked = sorted((c for c in set(lost) | set(co)
                     if value_of(lost, c) > 0 or value_of(co, c) > 0),
                    key=lambda c: (-value_of(lost, c), -value_of(co, c), c))
    top = [c for c in ranked if value_of(lost, c) > 0][:3]
    if top:
        blocks.append(Bullets([["Without ", Strong(cause_label(c, drivers)),
                                f": {count(lost[c])} more {cause_where(c, drivers)} would "
                                "have left the customer satisfied."] for c in top]))
    rows: list[list[Inline]] = []
    for c in ranked:
        text = "; ".join(cause_lever_texts(c, drivers, plan, info.store_reality_level)) or "—"
        rows.append([cause_label(c, drivers), count(value_of(lost, c)),
                     pct(value_of(lost, c), unhappy), count(value_of(co, c)), with_code(text)])
    if rows:
        blocks.append(Table(["cause", "satisfied customers lost (experiences)",
                             "share of the dissatisfied", "dissatisfied experiences it was "
                             "part of", "plan lever (now)"], rows, "satisfaction-table"))
    return blocks


STORE_MEASURES = (
    ("mean_wait_min", "mean wait", "minutes, over every real customer who queued or was "
     "served"),
    ("p95_wait_min", "95th-percentile wait", "minutes: 1 customer in 20 waited longer"),
    ("walkout_rate", "walk-out rate", "real customers who balked or gave up waiting ÷ all "
     "who arrived"),
    ("coupon_check_failure_rate", "coupon check failures", "online-coupon checks that "
     "failed at the till ÷ checks made"),
)


def _store_section(metrics: dict[str, Any], figs: dict[str, Path], reps: int,
                   rep0_note: str) -> list[Block]:
    """The queue KPIs of ``metrics.json`` (means when replicated) next to the chart of
    replication 0."""
    k = metrics["kpis"]
    if "stores" not in figs and not any(m in k for m, *_ in STORE_MEASURES):
        return []
    blocks: list[Block] = [Heading(2, "Store queues", "stores")]
    stats = metrics.get("kpi_stats", {})
    header = ["measure", "mean over the replications" if reps > 1 else "value"]
    if reps > 1:
        header.append("90 % of runs between")
    header.append("what it counts")
    rows: list[list[Inline]] = []
    for kpi, label, meaning in STORE_MEASURES:
        if kpi not in k:
            continue
        row: list[Inline] = [label, format_value(kpi, k[kpi])]
        if reps > 1:
            s = stats.get(kpi, {})
            row.append(f"{format_value(kpi, s['p05'])} – {format_value(kpi, s['p95'])}"
                       if "p05" in s else "n/a")
        rows.append([*row, meaning])
    blocks.append(Table(header, rows, "store-table"))
    if "stores" in figs:
        scale = metrics.get("scale_real_per_simulated")
        per = (f" (each simulated visitor brings about {float(scale):,.0f} real ones)"
               if isinstance(scale, int | float) else "")
        blocks += [Figure(figs["stores"], "Store queues"), Para(
            "Per day: the 95th-percentile wait of the worst store (minutes, left axis) and "
            "the customers who walked out of a queue at any store — balked at its length "
            "or gave up waiting (right axis). The queues are simulated with every real "
            "customer" + per + ", so the walk-outs are real customers, not simulated "
            "consumers like the rest of the report. Shading: the campaign phases."
            + (rep0_note or ""), caption=True)]
    return blocks


def _funnel_section(k: dict[str, Any], figs: dict[str, Path], mean_note: str) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Funnel, online and offline", "funnel")]
    if "funnel" in figs:
        blocks.append(Figure(figs["funnel"], "Funnel, online and offline"))
    blocks.append(Para(
        "How far the simulated consumers got, from seeing an ad to buying again. Each bar "
        "is split by where it happened: online (blue), offline only — offline ads, events "
        "or a store, never reached online (green), and online then store (purple): store "
        "visitors an online ad had reached first, and purchasers who bought both online "
        "and in store. Everyone who notices an ad becomes aware, so the ever aware are the "
        "exposed plus those who heard of the campaign only by word of mouth (the day-by-day "
        "chart also shows who is aware on a given day: people forget). Buying online needs "
        "no store visit, so the purchased can outnumber the store visitors. Counts are "
        "simulated consumers (not real people)." + mean_note,
        caption=True))
    pop, aware = value_of(k, "population"), value_of(k, "aware")
    purchasers = value_of(k, "purchasers")
    p_on, p_off = value_of(k, "purchasers_online"), value_of(k, "purchasers_offline")
    visitors = value_of(k, "store_visitors")
    rows: list[list[Inline]] = [
        ["Exposed to ads", count(k.get("exposed")),
         pct(value_of(k, "exposed"), pop) + " of everyone",
         f"{count(k.get('exposed_online'))} reached by an online channel",
         f"{count(k.get('exposed_offline_only'))} reached by offline channels only", "—"],
        ["Ever aware of the campaign", count(aware), pct(aware, pop) + " of everyone",
         f"{count(k.get('exposed_online'))} via online channels",
         f"{count(k.get('exposed_offline_only'))} via offline channels only",
         f"{count(k.get('aware_wom_only'))} by word of mouth only"],
        ["Visited a store", count(visitors), pct(visitors, aware) + " of the aware",
         f"{count(k.get('store_visitors_after_online'))} of them after being reached online "
         f"({pct(value_of(k, 'store_visitors_after_online'), value_of(k, 'exposed_online'))} of "
         "those reached online)",
         f"{count(visitors)} (a visit is always in a store)",
         f"{count(k.get('store_visits'))} visits in all"],
        ["Purchased", count(purchasers),
         pct(purchasers, aware) + " of the aware (full-channel conversion)",
         f"{count(p_on)} bought online ({count(k.get('orders_online'))} orders)",
         f"{count(p_off)} bought in store ({count(k.get('orders_offline'))} orders)",
         f"{count(max(p_on + p_off - purchasers, 0.0))} bought in both"],
        ["Purchased twice or more", count(k.get("repurchasers")),
         pct(value_of(k, "repurchasers"), purchasers) + " of purchasers (repurchase rate)",
         f"{count(k.get('repeat_orders_online'))} repeat orders online",
         f"{count(k.get('repeat_orders_offline'))} repeat orders in store", "—"],
    ]
    blocks.append(Table(["stage", "consumers (simulated)", "share", "online", "offline (store)",
                         "both / other"], rows, "funnel-table"))
    return blocks


def _channel_section(metrics: dict[str, Any], figs: dict[str, Path],
                     mean_note: str) -> list[Block]:
    k = metrics["kpis"]
    channels: dict[str, dict[str, Any]] = metrics.get("channels") or {}
    blocks: list[Block] = [Heading(2, "Spend, revenue and ROI by channel", "channels")]
    if "channels" in figs:
        blocks.append(Figure(figs["channels"], "Spend and measured revenue by channel"))
    blocks.append(Para(
        "Money is in CNY for the whole real market; ROI is revenue per CNY spent (a ratio). "
        "A channel's revenue is what the measurement system can trace to it: the last "
        "channel a buyer saw, for every online order but for store orders only when the "
        "customer has a unified ID. That is what the plan's budget reallocation sees, not "
        "the channel's true contribution; revenue it cannot trace is listed on its own. "
        "Budgets are the plan's; when the plan reallocates its contingency reserve in the "
        "optimisation phase, a channel with a good measured ROI can spend more than its own "
        "budget (never more than the total). "
        "The campaign's ROI divides all revenue by all costs, coupons and integration "
        "included." + mean_note, caption=True))
    rows: list[list[Inline]] = []
    traced = 0.0
    for name, c in channels.items():
        spend = float(c.get("spend_cny", 0.0))
        revenue = float(c.get("attributed_revenue_cny", 0.0))
        traced += revenue
        rows.append([Code(name), str(c.get("kind", "")), count(c.get("budget_cny")), count(spend),
                     count(revenue), ratio(revenue, spend)])
    revenue_all, spend_all = value_of(k, "revenue_cny"), value_of(k, "spend_cny")
    subsidy, total = value_of(k, "coupon_subsidy_cny"), value_of(k, "total_cost_cny")
    rows += [
        ["media, all channels", "", count(k.get("budget_cny")), count(spend_all), count(traced),
         ratio(traced, spend_all)],
        ["revenue not traced to a channel", "", "", "", count(max(revenue_all - traced, 0.0)),
         ""],
        ["coupon subsidies", "", "", count(subsidy), "", ""],
        ["integration cost (plan)", "", "", count(max(total - spend_all - subsidy, 0.0)), "",
         ""],
        [Strong("campaign"), "", "", count(total), count(revenue_all), ratio(revenue_all, total)],
    ]
    blocks.append(Table(["channel", "kind", "budget (CNY)", "spend / cost (CNY)",
                         "revenue (CNY)", "ROI (revenue / spend)"], rows, "channel-table"))
    return blocks


def _coupon_section(k: dict[str, Any], figs: dict[str, Path], mean_note: str) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Coupons", "coupons")]
    if "coupons" in figs:
        blocks.append(Figure(figs["coupons"], "Coupon funnel, online and offline"))
    blocks.append(Para(
        "Coupon offers people saw, coupons they claimed and coupons they used, counted in "
        "simulated coupons (every bar of the chart is labelled with its count; a step "
        "with no coupons of a kind has no bar). Offers and claims are split by where the "
        "coupon was picked up: online "
        "(an online channel's ad), offline (an offline event or the QR code in a store), "
        "or as a reward for posting a review. Redemptions are split by where the coupon "
        "was used — a coupon claimed online can be used in a store when the plan allows "
        "it." + mean_note, caption=True))
    offered, claimed = value_of(k, "coupons_offered"), value_of(k, "coupons_claimed")
    redeemed = value_of(k, "coupons_redeemed")
    rows: list[list[Inline]] = [
        ["offered", count(k.get("coupons_offered_online")), count(k.get("coupons_offered_offline")),
         "—", count(offered), ""],
        ["claimed", count(k.get("coupons_claimed_online")), count(k.get("coupons_claimed_offline")),
         count(k.get("coupons_claimed_review")), count(claimed),
         f"{pct(claimed - value_of(k, 'coupons_claimed_review'), offered)} of offers"],
        ["redeemed", count(k.get("coupons_redeemed_online")),
         count(k.get("coupons_redeemed_offline")), "—", count(redeemed),
         f"{pct(redeemed, claimed)} of claimed"],
    ]
    blocks.append(Table(["step", "online", "offline (store)", "review reward", "total",
                         "rate"], rows, "coupon-table"))
    blocks.append(Para(
        f"{format_value('steps_to_redeem', k.get('steps_to_redeem'))} steps to redeem an "
        "online coupon in store; coupon checks failed at the till: "
        f"{format_value('x_rate', k.get('coupon_check_failure_rate', 0.0))}; coupon "
        f"subsidies {count(k.get('coupon_subsidy_cny'))} CNY."))
    return blocks

