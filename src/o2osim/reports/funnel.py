"""The run report's split funnel, shared with the comparison of runs: exposed → ever
aware → visited a store → purchased → purchased twice or more, each stage split by
where it happened (online / offline / both), with the colours both draw it in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from o2osim.i18n import t
from o2osim.reports.formats import value_of

COLOURS = {"online": "#3b7dd8", "offline": "#2a9d8f", "both": "#8e6bbf",
           "other": "#b0b0b0", "review": "#e9a23b", "spend": "#999999"}
"""Online blue, offline (store) green, both channels purple, not split grey."""


@dataclass
class FunnelStage:
    """One stage of the split funnel: its label and (segment label, colour key, count);
    ``key`` names the stage whatever the language (``exposed``, ``aware``, ``visited``,
    ``purchased``, ``repurchased``)."""

    label: str
    total: float
    segments: list[tuple[str, str, float]]
    key: str = ""


def funnel_stages(k: Mapping[str, Any]) -> list[FunnelStage]:
    """exposed → ever aware → visited a store → purchased → purchased again, split by
    channel, labelled in the current language (``figures.funnel.*`` of the catalogue).

    Segments (simulated consumers): exposed and aware via an online channel / via
    offline channels only / (aware) by word of mouth only; store visitors reached online
    before / not; purchasers online only / in both / in store only. Repurchasers are not
    split (their repeat orders are, in the table).
    """
    def stage(key: str, total: float, segments: list[tuple[str, str, float]]) -> FunnelStage:
        return FunnelStage(t(f"figures.funnel.stages.{key}"), total,
                           [(t(f"figures.funnel.segments.{s}"), c, v) for s, c, v in segments],
                           key)

    purchasers = value_of(k, "purchasers")
    p_on, p_off = value_of(k, "purchasers_online"), value_of(k, "purchasers_offline")
    both = max(p_on + p_off - purchasers, 0.0)
    visitors = value_of(k, "store_visitors")
    after_online = value_of(k, "store_visitors_after_online")
    return [
        stage("exposed", value_of(k, "exposed"), [
            ("reached_online", "online", value_of(k, "exposed_online")),
            ("reached_offline_only", "offline", value_of(k, "exposed_offline_only"))]),
        stage("aware", value_of(k, "aware"), [
            ("via_online", "online", value_of(k, "exposed_online")),
            ("via_offline_only", "offline", value_of(k, "exposed_offline_only")),
            ("wom_only", "other", value_of(k, "aware_wom_only"))]),
        stage("visited", visitors, [
            ("online_first", "both", after_online),
            ("not_online", "offline", max(visitors - after_online, 0.0))]),
        stage("purchased", purchasers, [
            ("online_only", "online", max(p_on - both, 0.0)),
            ("online_and_store", "both", both),
            ("store_only", "offline", max(p_off - both, 0.0))]),
        stage("repurchased", value_of(k, "repurchasers"), [
            ("not_split", "other", value_of(k, "repurchasers"))]),
    ]


def funnel_legend() -> dict[str, str]:
    """What each colour means in the funnel, stage by stage, in the current language (the
    purple of a store visit is "reached online first", not "visited online and in a
    store")."""
    return {key: t(f"figures.funnel.legend.{key}") for key in ("online", "offline", "both",
                                                                "other")}
