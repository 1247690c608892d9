"""Awareness: word of mouth and posts over the social network, and forgetting."""

from __future__ import annotations

import numpy as np

from o2osim.components.base import Component, Day
from o2osim.config.schema import BehaviourSpec
from o2osim.population import AWARE, EVER_AWARE, Population


def word_of_mouth(pop: Population, talkers: np.ndarray, promoters: np.ndarray,
                  detractors: np.ndarray, beh: BehaviourSpec,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Contacts reached by talk, posts (UGC) and complaints; returns (newly aware, reached).

    Each talker / poster reaches all its contacts. A reached, unaware consumer with ``m``
    reaching contacts becomes aware with ``1 - (1 - a)^m``, ``a`` =
    ``wom_aware_prob_per_contact``. With every aware consumer talking with daily chance
    ``t`` over ``k`` contacts the expected hazard is ``q F`` with ``q = t k a`` (for small
    ``a``) — the imitation term of Bass (1969); seed 001 / 003: UGC reaches friends.
    Interest of the reached rises with talk and posts and falls with complaints.
    """
    n = pop.size
    degree = pop.contacts.shape[1]
    groups = [(talkers, beh.wom_interest_per_contact), (promoters, beh.ugc_interest_per_post),
              (detractors, -beh.ugc_interest_per_post)]
    reached_parts = [pop.contacts[g].ravel() for g, _ in groups if g.size]
    if not reached_parts:
        return np.empty(0, dtype=np.int64), np.zeros(n, dtype=bool)
    reached = np.concatenate(reached_parts)
    weights = np.concatenate([np.full(g.size * degree, w, dtype=np.float64)
                              for g, w in groups if g.size])
    contacts_count = np.bincount(reached, minlength=n)
    interest_delta = np.bincount(reached, weights=weights, minlength=n)
    hit = np.flatnonzero(contacts_count)
    np.add(pop.interest, interest_delta.astype(np.float32), out=pop.interest)
    np.maximum(pop.interest, 0, out=pop.interest)
    unaware = hit[(pop.state[hit] & AWARE) == 0]
    p = 1.0 - (1.0 - beh.wom_aware_prob_per_contact) ** contacts_count[unaware]
    newly = unaware[rng.random(unaware.size) < p]
    reached_mask = contacts_count > 0
    return newly, reached_mask


def make_aware(pop: Population, idx: np.ndarray) -> None:
    """Consumers ``idx`` are aware of the campaign (today and ever)."""
    pop.state[idx] |= AWARE
    pop.history[idx] |= EVER_AWARE


def forget(pop: Population, keep: np.ndarray, prob_per_day: float,
           rng: np.random.Generator) -> None:
    """Aware consumers not reached today forget the campaign with a daily chance
    (awareness decay; the forgetting term of advertising-recall models, Zielske 1959)."""
    if prob_per_day <= 0:
        return
    aware = np.flatnonzero(((pop.state & AWARE) > 0) & ~keep)
    lost = aware[rng.random(aware.size) < prob_per_day]
    pop.state[lost] &= ~AWARE


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

    def step(self, day: Day) -> None:
        pop, beh = self.pop, self.world.scenario.market.behaviour
        talkers = np.flatnonzero(((pop.state & AWARE) > 0)
                                 & (self.rng.random(pop.size, dtype=np.float32)
                                    < beh.wom_talk_prob_per_day))
        newly, reached = word_of_mouth(pop, talkers, day.posted_yesterday,
                                       day.complained_yesterday, beh, self.rng)
        make_aware(pop, newly)
        day.tally.newly_aware_wom = newly.size
        keep = reached
        keep[day.exposed] = True
        forget(pop, keep, beh.awareness_forget_per_day, self.rng)
        day.reached = reached
