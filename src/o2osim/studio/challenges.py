"""Challenge cards (``conf/challenges/*.yaml``) and how an attempt is scored.

A card is a market, a starting plan (a preset and lever values over it), the levers the
trainee may move (the others are locked), a budget cap, a goal (targets of the default
target set, judged by :mod:`o2osim.targets` as every scorecard is; ``thresholds`` gives a
goal the card's own threshold where the seed's is out of reach), hints and a debrief,
in English and Chinese, and a known solution (lever values) that its test runs.

**Scoring.** An attempt is the card's scenario with the trainee's lever values, run over
``replications`` seeds (:func:`o2osim.replications.run_replications`: the first is the
studio's own seed, the others derived), so one lucky seed does not pass. It passes when
its committed budget is within the cap, every goal target is met by the mean over the
replications, and all goal targets are met together in at least ``pass_share`` of them.

``python -m o2osim.studio.challenges --check`` runs every card's starting plan and
solution and prints each goal's margin (how far past or short of its threshold), so the
cards can be re-checked in one command after the model changes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from o2osim import targets as target_rules
from o2osim.config import ConfigError
from o2osim.i18n import LANGS
from o2osim.safe_yaml import load_yaml
from o2osim.studio import levers
from o2osim.studio import scenario as scenarios

PAIN_POINTS = ("channels_split", "data_not_joined", "experience_gap", "effect_not_measured")
"""The four pain points of seed 000 (渠道割裂, 数据不通, 体验断层, 效果难衡)."""
TEXT_FIELDS = ("title", "brief", "hints", "debrief")
KEYS = ("id", "level", "pain_point", "market", "start_plan", "start", "open_levers",
        "budget_cap_cny", "goal", "thresholds", "replications", "pass_share", "solution",
        "text")


def challenges_dir() -> Path:
    from o2osim.config import CONF_DIR

    return CONF_DIR / "challenges"


@dataclass(frozen=True)
class Card:
    """A challenge card (the module docstring; the YAML keys are the fields)."""

    id: str
    level: int
    pain_point: str
    market: str
    start_plan: str
    open_levers: tuple[str, ...]
    budget_cap_cny: float
    goal: tuple[str, ...]
    text: Mapping[str, Mapping[str, Any]]
    start: Mapping[str, Any] = field(default_factory=dict)
    solution: Mapping[str, Any] = field(default_factory=dict)
    replications: int = 3
    pass_share: float = 2 / 3
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def words(self, lang: str) -> Mapping[str, Any]:
        """The card's title, brief, hints and debrief in ``lang``."""
        return self.text[lang]

    def is_open(self, setting: str) -> bool:
        """May the trainee move ``plan.<setting>``? (``channels`` opens every budget)"""
        return setting in self.open_levers or (
            setting.startswith("channels.") and "channels" in self.open_levers)

    def threshold(self, goal: str, default: float) -> float:
        """The threshold of ``goal`` in this card: the card's own (``thresholds``) or the
        target set's ``default``."""
        return float(self.thresholds.get(goal, default))

    def start_values(self) -> dict[str, Any]:
        """Every lever's value at the start of the card."""
        return {**scenarios.preset_values(self.market, self.start_plan), **self.start}


def _fail(path: str, given: Any, allowed: str) -> ConfigError:
    return ConfigError(path, repr(given), allowed)


def parse_card(data: Any, source: str) -> Card:
    """A :class:`Card` from a card file's content; bad content is one line naming the
    field, the value and what is allowed (:class:`o2osim.config.ConfigError`)."""
    if not isinstance(data, Mapping):
        raise _fail(source, type(data).__name__, "a mapping of " + ", ".join(KEYS))
    for key in data:
        if key not in KEYS:
            raise _fail(f"{source}: {key}", data[key], "keys: " + ", ".join(KEYS))
    for key in ("id", "level", "pain_point", "market", "start_plan", "open_levers",
                "budget_cap_cny", "goal", "text"):
        if key not in data:
            raise _fail(f"{source}: {key}", None, "required")
    at = f"{source}: "
    if data["id"] != Path(source).stem:
        raise _fail(at + "id", data["id"], f"the file's name, {Path(source).stem!r}")
    if not isinstance(data["level"], int) or not 1 <= data["level"] <= 5:
        raise _fail(at + "level", data["level"], "1 (easy) to 5 (hard)")
    scenarios.check_choice(at + "pain_point", data["pain_point"], PAIN_POINTS)
    scenarios.check_choice(at + "market", data["market"], scenarios.presets("market"))
    scenarios.check_choice(at + "start_plan", data["start_plan"], scenarios.presets("plan"))
    known = {*levers.by_setting(scenarios.channels_of(data["market"])), "channels"}
    for name in data["open_levers"]:
        scenarios.check_choice(at + "open_levers", name, tuple(sorted(known)))
    goals = tuple(scenarios.base(data["market"], data["start_plan"]).targets)
    for name in data["goal"]:
        scenarios.check_choice(at + "goal", name, goals)
    thresholds = data.get("thresholds") or {}
    if not isinstance(thresholds, Mapping):
        raise _fail(at + "thresholds", thresholds, "a mapping of goal -> threshold")
    for name, value in thresholds.items():
        scenarios.check_choice(at + "thresholds", name, tuple(data["goal"]))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(f"{at}thresholds.{name}", value, "a number in the goal KPI's unit")
    cap = data["budget_cap_cny"]
    if isinstance(cap, bool) or not isinstance(cap, int | float) or cap <= 0:
        raise _fail(at + "budget_cap_cny", cap, "a positive amount of CNY")
    reps = data.get("replications", 3)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= 20:
        raise _fail(at + "replications", reps, "a whole number from 1 to 20")
    share = data.get("pass_share", 2 / 3)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise _fail(at + "pass_share", share, "a share in (0, 1]")
    text = data["text"]
    for lang in LANGS:
        words = text.get(lang) if isinstance(text, Mapping) else None
        if not isinstance(words, Mapping):
            raise _fail(f"{at}text.{lang}", words, "the card's words: " + ", ".join(TEXT_FIELDS))
        for name in TEXT_FIELDS:
            value = words.get(name)
            ok = (isinstance(value, list) and value and all(isinstance(v, str) for v in value)
                  if name == "hints" else isinstance(value, str) and value.strip())
            if not ok:
                raise _fail(f"{at}text.{lang}.{name}", value,
                            "a list of texts" if name == "hints" else "a text")
    card = Card(id=data["id"], level=data["level"], pain_point=data["pain_point"],
                market=data["market"], start_plan=data["start_plan"],
                open_levers=tuple(data["open_levers"]), budget_cap_cny=float(cap),
                goal=tuple(data["goal"]), text=text, start=dict(data.get("start") or {}),
                solution=dict(data.get("solution") or {}), replications=reps,
                pass_share=float(share),
                thresholds={k: float(v) for k, v in thresholds.items()})
    for name, values in (("start", card.start), ("solution", card.solution)):
        try:  # every value is a lever in range, and the plan is valid
            scenarios.build(card.market, card.start_plan, {**card.start, **values}, days=None)
        except ConfigError as err:
            raise ConfigError(f"{at}{name}: {err.path}", err.given, err.allowed) from None
    for setting in card.solution:
        if not card.is_open(setting) and card.solution[setting] != card.start_values().get(
                setting):
            raise _fail(f"{at}solution", setting, "only open levers: "
                        + ", ".join(card.open_levers))
    return card


def load_cards(folder: Path | None = None) -> list[Card]:
    """Every card of ``folder`` (default: the shipped ``conf/challenges/``), easiest first."""
    folder = folder or challenges_dir()
    cards = [parse_card(load_yaml(path), str(path.name))
             for path in sorted(folder.glob("*.yaml"))]
    return sorted(cards, key=lambda c: (c.level, c.id))


@dataclass(frozen=True)
class Score:
    """An attempt's result: each goal target's mean, threshold and whether it is met, the
    share of replications meeting the whole goal, the cost, and the verdict."""

    card: str
    values: Mapping[str, Any]
    goals: Mapping[str, Mapping[str, Any]]
    share_all_met: float
    committed_cny: float
    total_cost_cny: float
    within_cap: bool
    passed: bool
    replications: int
    seconds: float

    def margins(self) -> dict[str, float]:
        """Each goal's margin in its KPI's unit: positive = past the threshold."""
        return {name: (g["value"] - g["threshold"]) * (1 if g["op"] == ">=" else -1)
                for name, g in self.goals.items()}


def score(card: Card, values: Mapping[str, Any] | None = None, seed: int = 0,
          run_over_cap: bool = False) -> Score:
    """Run ``values`` (the card's start when None) over the card's replications. A plan over
    the cap fails without running, unless ``run_over_cap`` (the check's margins)."""
    from o2osim.replications import run_replications

    started = time.perf_counter()
    plan = {**card.start_values(), **(values or {})}
    sc = scenarios.build(card.market, card.start_plan, plan, seed, thresholds=card.thresholds)
    committed = levers.budget_total_cny(plan)
    within = committed <= card.budget_cap_cny + 0.5
    if not within and not run_over_cap:  # over the cap: not run, not scored
        return Score(card=card.id, values=plan, goals={}, share_all_met=0.0,
                     committed_cny=committed, total_cost_cny=float("nan"), within_cap=False,
                     passed=False, replications=card.replications,
                     seconds=time.perf_counter() - started)
    result, table = run_replications(sc, card.replications, workers=1)
    goals, met_all = {}, None
    for name in card.goal:
        t = sc.targets[name]
        each = table[t.kpi].map(lambda v, t=t: target_rules.met(t, v))
        met_all = each if met_all is None else met_all & each
        value = result.metrics["kpis"][t.kpi]
        goals[name] = {"kpi": t.kpi, "op": t.op, "threshold": t.threshold, "value": value,
                       "met": target_rules.met(t, value), "probability": float(each.mean())}
    share = float(met_all.mean()) if met_all is not None else 1.0
    passed = within and all(g["met"] for g in goals.values()) and share >= card.pass_share - 1e-9
    return Score(card=card.id, values=plan, goals=goals, share_all_met=share,
                 committed_cny=committed,
                 total_cost_cny=float(result.metrics["kpis"]["total_cost_cny"]),
                 within_cap=within, passed=passed, replications=card.replications,
                 seconds=time.perf_counter() - started)


def _line(label: str, s: Score) -> str:
    parts = [f"{name} {g['value']:.3f} ({'+' if m >= 0 else ''}{m:.3f})"
             for (name, g), m in zip(s.goals.items(), s.margins().values(), strict=True)]
    verdict = "PASS" if s.passed else "fail" if s.within_cap else "over cap"
    return (f"  {label:<9} {verdict:<8}  all-goal share {s.share_all_met:.2f}  committed "
            f"{s.committed_cny / 1e6:.2f} M  " + "; ".join(parts) + f"  [{s.seconds:.0f} s]")


def check(cards: Sequence[Card]) -> bool:
    """Print each card's start and solution with their margins; True when every solution
    passes and every start fails."""
    ok = True
    for card in cards:
        print(f"{card.id} (level {card.level}, {card.pain_point}, {card.market}, cap "
              f"{card.budget_cap_cny / 1e6:.1f} M CNY)", flush=True)
        start = score(card, run_over_cap=True)
        solved = score(card, card.solution)
        print(_line("start", start), flush=True)
        print(_line("solution", solved), flush=True)
        ok &= solved.passed and not start.passed
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m o2osim.studio.challenges",
                                     description="List or check the challenge cards.")
    parser.add_argument("--check", action="store_true", help="run each card's start and "
                        "solution and print the goals' margins")
    parser.add_argument("cards", nargs="*", help="card ids (default: all)")
    args = parser.parse_args(argv)
    try:
        cards = load_cards()
        if args.cards:
            ids = [c.id for c in cards]
            for name in args.cards:
                scenarios.check_choice("card", name, tuple(ids))
            cards = [c for c in cards if c.id in args.cards]
    except ConfigError as err:
        print(f"o2osim: error: {err}", file=sys.stderr)
        return 2
    if not args.check:
        for c in cards:
            print(f"{c.id}: level {c.level}, {c.pain_point}, {c.market} — {c.text['en']['title']}")
        return 0
    ok = check(cards)
    print("every solution passes and every start fails" if ok else "CARDS NEED WORK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
