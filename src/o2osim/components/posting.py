"""Posting: what an experience leads to — repurchase interest, reviews (UGC) and
complaints, and the review reward (seed 000 hotpot journey: a post-meal review earns a
next-visit coupon)."""

from __future__ import annotations

import numpy as np

from o2osim.components.base import Component, Day, Trip
from o2osim.coupons import REVIEW
from o2osim.population import EVER_AWARE
from o2osim.rng import ConsumerDraws


class Posting(Component):
    """Satisfaction drives repurchase intent, posts and complaints (Anderson & Sullivan
    1993: satisfaction -> repurchase; Oliver 1980).

    A satisfied buyer's interest is reset to ``repurchase_interest_satisfied``, a
    dissatisfied customer's to ``repurchase_interest_dissatisfied``. Satisfied customers
    post with ``ugc_post_prob_satisfied`` (``ugc_post_prob_review_reward`` when the plan
    rewards reviews, and then the poster claims a coupon valid from tomorrow);
    dissatisfied ones complain with ``complaint_prob_dissatisfied``. Posts and complaints
    reach the posters' contacts tomorrow (:class:`~o2osim.components.awareness.Awareness`).
    Only customers who know the campaign (ever aware) post about it: a regular
    customer's ordinary visit (the customer base) spreads no word of a campaign they
    never heard of, so a market without the campaign makes nobody aware of one.
    """

    name = "posting"
    owns = ("interest", "coupon_expiry_day", "coupons_claimed")
    reads = ("market.behaviour.repurchase_interest_*", "market.behaviour.ugc_post_prob_*",
             "market.behaviour.complaint_prob_dissatisfied", "plan.review_reward")
    stream = "posting"
    tallies = ("ugc_posts", "complaints", "coupons_claimed", "coupons_claimed_review")

    def step(self, day: Day) -> None:
        draws = self.draws(day)
        parts = [self.after_trip(day, trip, draws) for trip in day.trips]
        day.promoters = np.concatenate([p for p, _ in parts]) if parts else np.empty(0, np.int64)
        day.detractors = np.concatenate([d for _, d in parts]) if parts else np.empty(0, np.int64)
        day.tally.ugc_posts, day.tally.complaints = day.promoters.size, day.detractors.size

    def after_trip(self, day: Day, trip: Trip, draws: ConsumerDraws
                   ) -> tuple[np.ndarray, np.ndarray]:
        beh, plan, pop = self.world.scenario.market.behaviour, self.world.scenario.plan, self.pop
        exp_idx, sat = trip.experienced, trip.satisfied
        bought = np.isin(exp_idx, trip.buyers, assume_unique=False)
        pop.interest[exp_idx[bought & sat]] = np.float32(beh.repurchase_interest_satisfied)
        pop.interest[exp_idx[~sat]] = np.float32(beh.repurchase_interest_dissatisfied)
        u = draws.uniform(exp_idx, trip.channel)
        p_post = (beh.ugc_post_prob_review_reward if plan.review_reward
                  else beh.ugc_post_prob_satisfied)
        knows = (pop.history[exp_idx] & EVER_AWARE) > 0
        promoters = exp_idx[knows & sat & (u < p_post)]
        detractors = exp_idx[knows & ~sat & (u < beh.complaint_prob_dissatisfied)]
        if plan.review_reward and promoters.size:
            got = self.world.coupons.claim(pop, promoters, day.index + 1, REVIEW)
            day.tally.coupons_claimed += got
            day.tally.coupons_claimed_review += got
        return promoters, detractors
