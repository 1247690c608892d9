"""Awareness: word of mouth and posts over the social network, and forgetting."""

from __future__ import annotations

import numpy as np

from o2osim.components.base import Component, Day, World
from o2osim.config.schema import BehaviourSpec
from o2osim.population import AWARE, EVER_AWARE, Population, State, clear
from o2osim.rng import ConsumerDraws, below


def word_of_mouth(pop: Population, talkers: np.ndarray, promoters: np.ndarray,
                  detractors: np.ndarray, beh: BehaviourSpec,
                  draws: ConsumerDraws) -> tuple[np.ndarray, np.ndarray]:
    """Contacts reached by talk, posts (UGC) and complaints; returns (newly aware, the
    distinct consumers reached).

    Each talker / poster reaches all its contacts. A reached, unaware consumer with ``m``
    reaching contacts becomes aware with ``1 - (1 - a)^m``, ``a`` =
    ``wom_aware_prob_per_contact``. With every aware consumer talking with daily chance
    ``t`` over ``k`` contacts the expected hazard is ``q F`` with ``q = t k a`` (for small
    ``a``) — the imitation term of Bass (1969); seed 001 / 003: UGC reaches friends.
    Interest of the reached rises with talk and posts and falls with complaints (never
    below 0). Costs O(contacts reached), not O(population).
    """
    degree = pop.contacts.shape[1]
    groups = [(talkers, beh.wom_interest_per_contact), (promoters, beh.ugc_interest_per_post),
              (detractors, -beh.ugc_interest_per_post)]
    reached_parts = [pop.contacts[g].ravel() for g, _ in groups if g.size]
    if not reached_parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    reached = np.concatenate(reached_parts)
    weights = np.concatenate([np.full(g.size * degree, w, dtype=np.float64)
                              for g, w in groups if g.size])
    order = np.argsort(reached, kind="stable")
    reached, weights = reached[order], weights[order]
    first = np.flatnonzero(np.concatenate(([True], reached[1:] != reached[:-1])))
    hit = reached[first]  # the distinct consumers reached (np.unique's hash path is slow)
    contacts_count = np.diff(np.append(first, reached.size))
    delta = np.add.reduceat(weights, first)
    pop.interest[hit] = np.maximum(pop.interest[hit] + delta.astype(np.float32), 0)
    unaware_at = np.flatnonzero((pop.state[hit] & AWARE) == 0)
    p = 1.0 - (1.0 - beh.wom_aware_prob_per_contact) ** contacts_count[unaware_at]
    newly = hit[unaware_at[draws.uniform(hit[unaware_at]) < p]]
    return newly, hit


def make_aware(pop: Population, idx: np.ndarray) -> None:
    """Consumers ``idx`` are aware of the campaign (today and ever)."""
    pop.state[idx] |= AWARE
    pop.history[idx] |= EVER_AWARE


def forget(pop: Population, keep: np.ndarray, cand: np.ndarray, u: np.ndarray,
           prob_per_day: float, scratch: np.ndarray) -> None:
    """Aware consumers not reached today (``keep``: reached or exposed) forget the campaign
    with a daily chance (awareness decay; the forgetting term of advertising-recall models,
    Zielske 1959). ``cand``, ``u``: consumers whose uniform today is below the chance
    (:func:`o2osim.rng.below`), drawn before the day's word of mouth. ``scratch``: a
    population-long boolean buffer, all False (left so)."""
    lost = cand[(u < prob_per_day) & ((pop.state[cand] & AWARE) > 0)]
    scratch[keep] = True
    lost = lost[~scratch[lost]]
    scratch[keep] = False
    clear(pop.state, lost, State.AWARE)


class Awareness(Component):
    """Aware consumers talk (daily chance ``wom_talk_prob_per_day``); yesterday's posts
    and complaints reach the posters' contacts; those not reached today and not exposed
    may forget."""

    name = "awareness"
    owns = ("interest", "state: AWARE", "history: EVER_AWARE")
    reads = ("market.behaviour.wom_*", "market.behaviour.ugc_interest_per_post",
             "market.behaviour.awareness_forget_per_day")
    stream = "word_of_mouth"
    tallies = ("newly_aware_wom",)

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._scratch = np.zeros(world.pop.size, dtype=bool)

    def step(self, day: Day) -> None:
        pop, beh, rng = self.pop, self.world.scenario.market.behaviour, self.rng(day)
        # The day's fixed draws first: who would talk, who would forget (rng.below: one
        # byte per consumer); then the draws of who hears.
        p_talk, p_forget = beh.wom_talk_prob_per_day, beh.awareness_forget_per_day
        cand, u = below(rng, pop.size, p_talk)
        talkers = cand[u < p_talk]
        talkers = talkers[(pop.state[talkers] & AWARE) > 0]
        forget_cand, forget_u = below(rng, pop.size, p_forget)
        newly, reached = word_of_mouth(pop, talkers, day.posted_yesterday,
                                       day.complained_yesterday, beh, self.draws(day))
        make_aware(pop, newly)
        day.tally.newly_aware_wom = newly.size
        if p_forget > 0:
            forget(pop, np.concatenate((reached, day.exposed)), forget_cand, forget_u, p_forget,
                   self._scratch)
