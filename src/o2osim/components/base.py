"""What every component is given: the world it acts on and the day it acts in.

A component is one rule of the domain (docs/architecture.md). It is built once per run
with the :class:`World` — the scenario, the population, the channels and stores (Mesa
agents), the coupon book and the named random streams — and called once a day with the
:class:`Day`: today's calendar, the tally it adds its counts to, and what the earlier
phases of today left for the later ones (who was exposed, who intends to buy, ...).
Nothing here imports the model: the model wires components, components do not know it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from o2osim.calendar import Calendar
from o2osim.channels import CellLayout, ChannelAgent
from o2osim.config.schema import ScenarioConfig
from o2osim.coupons import CouponBook
from o2osim.levers import Cause
from o2osim.population import Population
from o2osim.rng import ConsumerDraws, day_stream
from o2osim.stores import StoreAgent
from o2osim.tally import DayTally

STORE, ONLINE = 0, 1
"""Where a consumer shops: ``Day.trips`` keys and :class:`ChannelChoice`'s codes."""

EMPTY = np.empty(0, dtype=np.int64)


def empty() -> np.ndarray:
    return EMPTY.copy()


def sorted_member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which entries of ``a`` are in the sorted array ``b`` (bool per entry of ``a``)."""
    if b.size == 0 or a.size == 0:
        return np.zeros(a.shape[0], dtype=bool)
    pos = np.minimum(np.searchsorted(b, a), b.size - 1)
    return b[pos] == a


@dataclass
class World:
    """What the components act on, for the whole run."""

    scenario: ScenarioConfig
    pop: Population
    scale: float  # real consumers per simulated consumer
    channels: list[ChannelAgent]
    stores: list[StoreAgent]
    layout: CellLayout  # the targeting cells (channels.CellLayout)
    coupons: CouponBook
    seed: int
    """The run's seed: a component's stream on a day is :func:`o2osim.rng.day_stream`."""
    calendar: Calendar  # the plan's campaign calendar (o2osim.calendar)
    online_promo_weeks: frozenset[int]  # 1-based
    store_promo_weeks: frozenset[int]
    dow_weights: np.ndarray  # day-of-week demand weights, mean 1 (Monday first)
    reserve_weights: np.ndarray | None = None
    """Weights, one per channel, that replace the measured ROI when the reserve is
    reallocated (:class:`~o2osim.components.budget.Budget`); None in every real run. The
    ground truth sets them to the channels' true ROI to show what a reallocation by
    the truth would have gained (:mod:`o2osim.ground_truth`)."""


@dataclass
class StoreOutcome:
    """What the stores' simpy day did to each simulated visitor (:mod:`o2osim.stores`)."""

    walked_out: np.ndarray  # balked or reneged
    wait_min: np.ndarray
    check_failed: np.ndarray  # online coupon check failed at the till
    booked: np.ndarray  # came with an honoured booking


@dataclass
class Trip:
    """The shopping trips of one channel today (:class:`~o2osim.components.shopping.Shopping`)."""

    channel: int  # STORE or ONLINE
    buyers: np.ndarray
    experienced: np.ndarray  # who formed an experience (store visitors; online buyers)
    satisfied: np.ndarray  # bool, per experienced


@dataclass
class Day:
    """Today: the calendar, the tally, and what earlier phases left for later ones.

    Made fresh each morning by the model; a field is written by the one component that
    owns it (named in the comment) and read by later ones.
    """

    index: int  # 0-based day of the run
    week: int  # 1-based campaign week
    online_promo: bool
    store_promo: bool
    posted_yesterday: np.ndarray = field(default_factory=empty)  # yesterday's Posting
    complained_yesterday: np.ndarray = field(default_factory=empty)  # yesterday's Posting
    tally: DayTally = field(default_factory=DayTally)
    spend_cny: float = 0.0  # Media
    exposed: np.ndarray = field(default_factory=empty)  # Media: exposed today, any channel
    offered: np.ndarray = field(default_factory=empty)  # Media: coupon offers (online first)
    offered_online: int = 0  # Media
    intenders: np.ndarray = field(default_factory=empty)  # Intent (+ RegularDemand)
    regulars: np.ndarray = field(default_factory=empty)  # RegularDemand: regular occasions
    visitors: np.ndarray = field(default_factory=empty)  # ChannelChoice: to a store
    online: np.ndarray = field(default_factory=empty)  # ChannelChoice: online
    store_outcome: StoreOutcome | None = None  # StoreVisits
    trips: list[Trip] = field(default_factory=list)  # Shopping
    promoters: np.ndarray = field(default_factory=empty)  # Posting: posted a review today
    detractors: np.ndarray = field(default_factory=empty)  # Posting: complained today


class Component:
    """One rule of the domain, run once a day in the model's phase order.

    Subclasses declare what they own, read, draw from and write, so that a reader (and
    docs/architecture.md's table) can see the day's data flow without reading the code:

    * ``owns`` — population properties / flags the component writes;
    * ``reads`` — scenario parameters it reads (config paths);
    * ``stream`` — the named random stream it draws from (``None``: draws nothing);
    * ``tallies`` — :class:`~o2osim.tally.DayTally` fields it adds to;
    * ``causes`` — the experience-gap causes it counts, in words and with their levers
      (:class:`o2osim.levers.Cause`; the report's "what to change" reads them).
    """

    name: ClassVar[str]
    owns: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    stream: ClassVar[str | None] = None
    tallies: ClassVar[tuple[str, ...]] = ()
    causes: ClassVar[tuple[Cause, ...]] = ()

    def __init__(self, world: World) -> None:
        self.world = world
        self.pop = world.pop

    def rng(self, day: Day) -> np.random.Generator:
        """This component's random stream today (restarted each day: :mod:`o2osim.rng`),
        for blocks of one number per consumer."""
        assert self.stream is not None, f"{self.name} declares no random stream"
        return day_stream(self.world.seed, self.stream, day.index)

    def draws(self, day: Day) -> ConsumerDraws:
        """This component's draws keyed by consumer today (:class:`o2osim.rng.ConsumerDraws`),
        for subsets that depend on the state: a consumer's number does not move when
        others join or leave the subset (common random numbers across plans)."""
        assert self.stream is not None, f"{self.name} declares no random stream"
        return ConsumerDraws(self.world.seed, self.stream, day.index)

    def step(self, day: Day) -> None:
        raise NotImplementedError
