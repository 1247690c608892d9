"""The consumer population as a struct of arrays (DESIGN §3: arrays, not objects).

One row per simulated consumer; every behavioural rule in :mod:`o2osim.journey` applies
to all rows at once. Membership and campaign state are bit flags in two ``uint8``
arrays so that a consumer costs well under 200 bytes (see ``experiments/benchmark.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from o2osim.config.schema import PopulationSpec

# ``state``: what channels and targeting can see today (part of the targeting cell).
ACCOUNT = np.uint8(1)  # online account (mini-program / shop follower)
MEMBER = np.uint8(2)  # store (POS) membership
UNIFIED = np.uint8(4)  # account / membership linked to one customer ID (CDP)
AWARE = np.uint8(8)  # aware of the campaign today
BUYER = np.uint8(16)  # bought during the campaign
GUIDED = np.uint8(32)  # has been sent to a store by an online creative (O2O guidance)
PUSHED = np.uint8(64)  # holds a personal online offer (mini-program push)

# ``history``: what has ever happened (for the KPIs).
EVER_AWARE = np.uint8(1)
EXPOSED = np.uint8(2)
EXPOSED_ONLINE = np.uint8(4)
VISITED_AFTER_ONLINE = np.uint8(8)
VISITED = np.uint8(16)
STORE_BUYER = np.uint8(32)
ONLINE_BUYER = np.uint8(64)
MEMBER_BOUGHT_ONLINE = np.uint8(128)  # a store member who bought online

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
    state: np.ndarray  # uint8 bit flags (ACCOUNT ... PUSHED)
    history: np.ndarray  # uint8 bit flags (EVER_AWARE ... MEMBER_BOUGHT_ONLINE)
    interest: np.ndarray  # float32: purchase-intent stock (consumer-level adstock)
    coupon_expiry_day: np.ndarray  # int16: last day the held coupon is valid, -1 none
    coupons_claimed: np.ndarray  # uint8: coupons claimed so far (per-person limit)
    last_purchase_day: np.ndarray  # int16
    orders: np.ndarray  # uint8: orders during the campaign (saturating)
    last_channel: np.ndarray  # int8: channel of the last noticed exposure, -1 none
    contacts: np.ndarray  # int32 (n, degree): who a consumer reaches when talking

    @property
    def size(self) -> int:
        return int(self.segment.shape[0])

    def nbytes(self) -> int:
        """Bytes held by the population's arrays."""
        return sum(int(v.nbytes) for v in vars(self).values() if isinstance(v, np.ndarray))


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
    """Draw ``n`` heterogeneous consumers (DESIGN §2 "Population").

    * lifecycle segment and channel affinity: categorical with the market's shares;
    * nearest store uniform over stores; distance log-normal around the median;
    * price sensitivity ~ Beta(mean x c, (1 - mean) x c);
    * online account and store membership independent Bernoulli draws; each known
      customer is linked to a unified ID with the plan's ``unified_id_share``;
    * the social network: each consumer reaches ``network_degree`` contacts, a share
      ``network_locality_share`` of them in the same store catchment (homophily by
      place), the rest anywhere — a directed random graph whose mean field is the Bass
      imitation term (see :mod:`o2osim.journey`).
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
