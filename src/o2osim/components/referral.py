"""Referral: a satisfied customer who refers a contact earns the plan's coupon; the
referred contact becomes aware, with interest.

Source. The local-services journey of the design brief ends in membership and referral;
seed 001 turns the highlights of an experience into sharing online (體驗的高光時刻引導至線上
分享,形成二次傳播) and seed 003 closes the journey with sharing (线下消费后线上晒单评价;
"浏览-选择-购买-体验-服务-分享"的完整消费闭环): customers whose posts reach friends are
rewarded. The rule is the plan lever ``plan.referral_reward`` (off in every preset; turn it
on with ``plan.referral_reward=true``).

Rule. With the lever on, each satisfied experience of today (``Day.trips``) refers one of
the customer's contacts, picked uniformly from ``pop.contacts``, with chance
``market.behaviour.referral_prob_satisfied``. A consumer is referred at most once (own
property ``referred``): a referral to someone already referred — before or earlier the
same day — or to oneself is not counted and earns nothing. For a counted referral the
referrer is offered the plan's coupon, valid from tomorrow, through the coupon book (so the
claim chance, the per-person limit and the quantity cap hold as for every other claim), and
the referred contact becomes aware and gains ``market.behaviour.referral_interest``.

With the lever off the component draws nothing and changes nothing (no property either):
every result is the same as without it (tests/test_golden.py, tests/test_referral.py).
"""

from __future__ import annotations

import numpy as np

from o2osim.components.awareness import make_aware
from o2osim.components.base import Component, Day, World
from o2osim.coupons import REFERRAL


class Referral(Component):
    """Satisfied customers refer a contact for a coupon (``plan.referral_reward``)."""

    name = "referral"
    owns = ("referred", "interest", "state: AWARE", "history: EVER_AWARE",
            "coupon_expiry_day", "coupons_claimed")
    reads = ("plan.referral_reward", "market.behaviour.referral_prob_satisfied",
             "market.behaviour.referral_interest")
    stream = "referral"
    tallies = ("referrals", "coupons_claimed", "coupons_claimed_referral")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.on = bool(world.scenario.plan.referral_reward)
        self.referred = self.pop.add_property("referred", np.uint8, 0) if self.on else None
        self.attempts = 0
        """Referrals made over the run, counted or not (the counted ones: ``referrals``)."""

    def step(self, day: Day) -> None:
        if not self.on:
            return
        beh, pop, referred = self.world.scenario.market.behaviour, self.pop, self.referred
        assert referred is not None
        satisfied = [t.experienced[t.satisfied] for t in day.trips]
        pool = np.concatenate(satisfied) if satisfied else np.empty(0, np.int64)
        if not pool.size:
            return
        draws = self.draws(day)
        referrers = pool[draws.uniform(pool, 0) < beh.referral_prob_satisfied]
        if not referrers.size:
            return
        self.attempts += int(referrers.size)
        contacts = pop.contacts[referrers,
                                (draws.uniform(referrers, 1) * pop.contacts.shape[1])
                                .astype(np.int64)]
        own = contacts != referrers  # a contact list may hold oneself (random graph)
        contacts, referrers = contacts[own], referrers[own]
        # a consumer's first referral of today counts, if they were never referred before
        _, first = np.unique(contacts, return_index=True)
        first.sort()
        first = first[referred[contacts[first]] == 0]
        new, rewarded = contacts[first], referrers[first]
        referred[new] = 1
        make_aware(pop, new)
        pop.interest[new] += np.float32(beh.referral_interest)
        got = self.world.coupons.claim(pop, np.unique(rewarded), day.index + 1, REFERRAL)
        day.tally.referrals += int(new.size)
        day.tally.coupons_claimed += got
        day.tally.coupons_claimed_referral += got
