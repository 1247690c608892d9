"""The run report's split funnel, shared with the comparison of runs: exposed → ever
aware → visited a store → purchased → purchased twice or more, each stage split by
where it happened (online / offline / both), with the colours both draw it in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from o2osim.reports.formats import value_of

COLOURS = {"online": "#3b7dd8", "offline": "#2a9d8f", "both": "#8e6bbf",
           "other": "#b0b0b0", "review": "#e9a23b", "spend": "#999999"}
"""Online blue, offline (store) green, both channels purple, not split grey."""


@dataclass
class FunnelStage:
    """One stage of the split funnel: its label and (segment label, colour key, count)."""

    label: str
    total: float
    segments: list[tuple[str, str, float]]


def funnel_stages(k: Mapping[str, Any]) -> list[FunnelStage]:
    """exposed → ever aware → visited a store → purchased → purchased again, split by
    channel.

    Segments (simulated consumers): exposed and aware via an online channel / via
    offline channels only / (aware) by word of mouth only; store visitors reached online
    before / not; purchasers online only / in both / in store only. Repurchasers are not
    split (their repeat orders are, in the table).
    """
    purchasers = value_of(k, "purchasers")
    p_on, p_off = value_of(k, "purchasers_online"), value_of(k, "purchasers_offline")
    both = max(p_on + p_off - purchasers, 0.0)
    visitors = value_of(k, "store_visitors")
    after_online = value_of(k, "store_visitors_after_online")
    return [
        FunnelStage("Exposed to ads", value_of(k, "exposed"), [
            ("reached online", "online", value_of(k, "exposed_online")),
            ("reached offline only", "offline", value_of(k, "exposed_offline_only"))]),
        FunnelStage("Ever aware", value_of(k, "aware"), [
            ("via online channels", "online", value_of(k, "exposed_online")),
            ("via offline channels only", "offline", value_of(k, "exposed_offline_only")),
            ("by word of mouth only", "other", value_of(k, "aware_wom_only"))]),
        FunnelStage("Visited a store", visitors, [
            ("reached online first", "both", after_online),
            ("not reached online", "offline", max(visitors - after_online, 0.0))]),
        FunnelStage("Purchased", purchasers, [
            ("online only", "online", max(p_on - both, 0.0)),
            ("online and in store", "both", both),
            ("in store only", "offline", max(p_off - both, 0.0))]),
        FunnelStage("Purchased twice or more", value_of(k, "repurchasers"), [
            ("not split by channel", "other", value_of(k, "repurchasers"))]),
    ]


FUNNEL_LEGEND = {
    "online": "online: reached by an online ad; bought online only",
    "offline": "offline only: offline ads or events; visited a store never reached online; "
               "bought in store only",
    "both": "online, then store: visited a store after an online ad; bought online and "
            "in store",
    "other": "word of mouth only; repurchasers (not split)",
}
"""What each colour means in the funnel, stage by stage (the purple of a store visit is
"reached online first", not "visited online and in a store")."""

