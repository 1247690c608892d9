"""The consumer population as a struct of arrays (docs/architecture.md: arrays, not
objects — one Mesa agent per consumer runs ~60x slower).

One row per simulated consumer; every behavioural rule (:mod:`o2osim.components`) applies
to all rows at once. Membership and campaign state are named bit flags (:class:`State`,
:class:`History`) in two ``uint8`` arrays so that a consumer costs well under 128 bytes
(see ``experiments/benchmark.py``). A component that needs state of its own adds it with
:meth:`Population.add_property` (laser-core's ``add_scalar_property``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from o2osim.config.schema import PopulationSpec


class State(enum.IntFlag):
    """Bits of ``Population.state``: what channels and targeting can see today (the low
    three bits, :data:`KNOWN`, are part of the targeting cell, :mod:`o2osim.channels`)."""

    ACCOUNT = 1  # online account (mini-program / shop follower)
    MEMBER = 2  # store (POS) membership
    UNIFIED = 4  # account / membership linked to one customer ID (CDP)
    AWARE = 8  # aware of the campaign today
    BUYER = 16  # bought during the campaign
    GUIDED = 32  # has been sent to a store by an online creative (O2O guidance)
    PUSHED = 64  # holds a personal online offer (mini-program push)


class History(enum.IntFlag):
    """Bits of ``Population.history``: what has ever happened to a consumer (for the KPIs).
    All eight bits are taken: a new lasting fact gets its own property
    (:meth:`Population.add_property`)."""

    EVER_AWARE = 1
    EXPOSED = 2
    EXPOSED_ONLINE = 4
    VISITED_AFTER_ONLINE = 8
    VISITED = 16
    STORE_BUYER = 32
    ONLINE_BUYER = 64
    MEMBER_BOUGHT_ONLINE = 128  # a store member who bought online


KNOWN = State.ACCOUNT | State.MEMBER | State.UNIFIED
"""The identity bits: which systems know the consumer (targeting: ``requires``)."""
KNOWN_BITS = 3

# numpy scalars of the bits, for fast masks on ``uint8`` arrays.
ACCOUNT, MEMBER, UNIFIED, AWARE, BUYER, GUIDED, PUSHED = (
    np.uint8(f) for f in (State.ACCOUNT, State.MEMBER, State.UNIFIED, State.AWARE,
                          State.BUYER, State.GUIDED, State.PUSHED))
(EVER_AWARE, EXPOSED, EXPOSED_ONLINE, VISITED_AFTER_ONLINE, VISITED, STORE_BUYER,
 ONLINE_BUYER, MEMBER_BOUGHT_ONLINE) = (np.uint8(f) for f in History)


def has(flags: np.ndarray, bit: int) -> np.ndarray:
    """Boolean array: which of ``flags`` have ``bit`` (a :class:`State` / :class:`History`
    member, or several or-ed together: any of them)."""
    return (flags & np.uint8(bit)) > 0


def count(flags: np.ndarray, bit: int) -> int:
    """How many of ``flags`` have ``bit``."""
    return int(np.count_nonzero(flags & np.uint8(bit)))


def clear(flags: np.ndarray, idx: np.ndarray, bit: int) -> None:
    """Clear ``bit`` for consumers ``idx``."""
    flags[idx] &= np.uint8(0xFF ^ int(bit))


NEVER = np.int16(-32000)
"""``last_purchase_day`` of a consumer who never bought."""


@dataclass
class Population:
    """Struct of arrays, one element per simulated consumer."""

    segment: np.ndarray  # int8: 0 new, 1 active, 2 dormant (seed 004 lifecycle)
    affinity: np.ndarray  # int8: 0 online-heavy, 1 offline-heavy, 2 omni
    store_id: np.ndarray  # int16: nearest store
    distance_km: np.ndarray  # float32: to the nearest store
    price_sensitivity: np.ndarray  # float32 in [0, 1]
    state: np.ndarray  # uint8 bit flags (State)
    history: np.ndarray  # uint8 bit flags (History)
    interest: np.ndarray  # float32: purchase-intent stock (consumer-level adstock)
    coupon_expiry_day: np.ndarray  # int16: last day the held coupon is valid, -1 none
    coupons_claimed: np.ndarray  # uint8: coupons claimed so far (per-person limit)
    last_purchase_day: np.ndarray  # int16
    orders: np.ndarray  # uint8: orders during the campaign (saturating)
    last_channel: np.ndarray  # int8: channel of the last noticed exposure, -1 none
    contacts: np.ndarray  # int32 (n, degree): who a consumer reaches when talking
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    """Properties added by components (:meth:`add_property`), by name."""

    def add_property(self, name: str, dtype: type | np.dtype, fill: float = 0) -> np.ndarray:
        """A new per-consumer array owned by a component (e.g. the referral's ``referred``);
        adding the same name twice is an error."""
        if name in self.extra or name in vars(self):
            raise ValueError(f"population property {name!r} exists already")
        self.extra[name] = np.full(self.size, fill, dtype=dtype)
        return self.extra[name]

    @property
    def size(self) -> int:
        return int(self.segment.shape[0])

    def nbytes(self) -> int:
        """Bytes held by the population's arrays."""
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        return sum(int(v.nbytes) for v in [*arrays, *self.extra.values()])


def _categorical(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    cum = np.cumsum(np.asarray(shares, dtype=np.float64))
    cum /= cum[-1]
    return np.searchsorted(cum, rng.random(n), side="right").astype(np.int8)


def build_population(
    spec: PopulationSpec,
    n: int,
    store_count: int,
    unified_id_share: float,
    rng: np.random.Generator,
    rng_network: np.random.Generator,
) -> Population:
    """Draw ``n`` heterogeneous consumers (design brief: heterogeneous consumers; docs/model.md).

    * lifecycle segment and channel affinity: categorical with the market's shares;
    * nearest store uniform over stores; distance log-normal around the median;
    * price sensitivity ~ Beta(mean x c, (1 - mean) x c);
    * online account and store membership independent Bernoulli draws; each known
      customer is linked to a unified ID with the plan's ``unified_id_share``;
    * the social network: each consumer reaches ``network_degree`` contacts, a share
      ``network_locality_share`` of them in the same store catchment (homophily by
      place), the rest anywhere — a directed random graph whose mean field is the Bass
      imitation term (see :mod:`o2osim.components.awareness`).
    """
    segment = _categorical(rng, spec.segment_shares, n)
    affinity = _categorical(rng, spec.affinity_shares, n)
    # Sorting by store makes each catchment a contiguous block (cheap local contacts).
    store_id = np.sort(rng.integers(0, store_count, n)).astype(np.int16)
    distance_km = (
        spec.distance_km_median * np.exp(spec.distance_km_sigma * rng.standard_normal(n))
    ).astype(np.float32)
    m, c = spec.price_sensitivity_mean, spec.price_sensitivity_concentration
    price_sensitivity = rng.beta(max(m * c, 1e-3), max((1 - m) * c, 1e-3), n).astype(np.float32)

    state = np.zeros(n, dtype=np.uint8)
    state[rng.random(n) < spec.online_account_share] |= ACCOUNT
    state[rng.random(n) < spec.store_member_share] |= MEMBER
    known = (state & (ACCOUNT | MEMBER)) > 0
    state[known & (rng.random(n) < unified_id_share)] |= UNIFIED

    last_purchase_day = np.full(n, NEVER, dtype=np.int16)
    # Active customers bought recently, dormant ones long ago (seed 004 lifecycle).
    active = segment == 1
    last_purchase_day[active] = -rng.integers(1, 45, int(active.sum()))
    dormant = segment == 2
    last_purchase_day[dormant] = -rng.integers(90, 365, int(dormant.sum()))

    return Population(
        segment=segment,
        affinity=affinity,
        store_id=store_id,
        distance_km=distance_km,
        price_sensitivity=price_sensitivity,
        state=state,
        history=np.zeros(n, dtype=np.uint8),
        interest=np.zeros(n, dtype=np.float32),
        coupon_expiry_day=np.full(n, -1, dtype=np.int16),
        coupons_claimed=np.zeros(n, dtype=np.uint8),
        last_purchase_day=last_purchase_day,
        orders=np.zeros(n, dtype=np.uint8),
        last_channel=np.full(n, -1, dtype=np.int8),
        contacts=build_contacts(store_id, spec.network_degree, spec.network_locality_share,
                                rng_network),
    )


def build_contacts(
    store_id: np.ndarray, degree: int, locality_share: float, rng: np.random.Generator
) -> np.ndarray:
    """Contacts matrix ``(n, degree)``: a random regular directed graph.

    Column ``j`` is a random permutation, so every consumer reaches ``degree`` contacts
    and is reached by exactly ``degree`` others: with no in-degree spread, word of
    mouth has the mean field of the Bass imitation term (tests/test_bass.py). A share
    ``locality_share`` of the columns permute within each store catchment (people talk
    to neighbours), the rest over the whole market. ``store_id`` must be sorted.
    """
    n = store_id.shape[0]
    local_columns = int(round(degree * locality_share))
    contacts = np.empty((n, degree), dtype=np.int32)
    for j in range(degree):
        if j < local_columns:
            # Sorting by (store, random key) shuffles each catchment's block in place.
            contacts[:, j] = np.argsort(store_id + rng.random(n), kind="stable")
        else:
            contacts[:, j] = rng.permutation(n)
    return contacts
