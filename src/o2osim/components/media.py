"""Media: spend -> adstock -> Hill reach per targeting cell -> who is exposed today, by
which channel, and the coupon offers those exposures carry.

The channels are Mesa agents (:class:`o2osim.channels.ChannelAgent`) and do their own
day's spending and reach (geometric adstock, Hill saturation: Jin et al. 2017; Robyn,
Meridian and PyMC-Marketing use the same forms). A consumer's chance of an online
(offline) exposure today is one minus the product of the online (offline) channels'
misses in the consumer's targeting cell; an exposure is credited to one channel in
proportion to the channels' reach there.
"""

from __future__ import annotations

import numpy as np

from o2osim import coupons
from o2osim.components.awareness import make_aware
from o2osim.components.base import Component, Day, World, empty
from o2osim.population import (
    AWARE,
    BUYER,
    EXPOSED,
    EXPOSED_ONLINE,
    GUIDED,
    KNOWN,
    PUSHED,
)
from o2osim.rng import below


class Media(Component):
    """Paid exposures of the day (online and offline channels)."""

    name = "media"
    owns = ("last_channel", "interest", "state: GUIDED, PUSHED, AWARE",
            "history: EXPOSED, EXPOSED_ONLINE, EVER_AWARE", "exposures")
    reads = ("market.channels", "plan.channels", "plan.promise_level",
             "market.behaviour.promise_attraction", "plan.integration.o2o_traffic_guidance",
             "plan.coupon.claim_where")
    stream = "exposure"
    tallies = ("exposed_online", "exposed_offline", "newly_aware_ads")

    def __init__(self, world: World) -> None:
        super().__init__(world)
        sc, pop = world.scenario, world.pop
        market, plan = sc.market, sc.plan
        self.layout = world.layout
        self._static_cell = self.layout.static_part(
            np.zeros_like(pop.segment), pop.affinity, self.layout.band_of(pop.distance_km))
        self._segment_stride = np.int16(3 * self.layout.bands)
        chans = world.channels
        self.W = np.stack([c.weights for c in chans]) if chans else np.zeros((0, 1))
        self.online_mask = np.array([c.spec.kind == "online" for c in chans])
        self.ch_interest = np.array([c.spec.interest_per_exposure for c in chans],
                                    dtype=np.float32)
        self.ch_coupon = np.array([c.spec.carries_coupon for c in chans])
        self.ch_to_store = np.array([c.spec.sends_to_store for c in chans])
        self.ch_push = np.array([c.spec.personal_offer_online for c in chans])
        self._cell_tables()
        # Paid exposures per consumer and channel (consumers.parquet), one row of counts a
        # consumer: at most one a day per channel, so a byte holds 255 days exactly
        # (7 channels: 7 bytes a consumer).
        count = np.uint8 if sc.sim.days <= 255 else np.uint16
        self.n_channels = len(chans)
        self.exposures = pop.add_property("exposures", np.dtype((count, (max(len(chans), 1),))))
        self._exposure_cells = self.exposures.reshape(-1)  # consumer x channels + channel
        self.attraction = np.float32(
            1.0 + market.behaviour.promise_attraction
            * (plan.promise_level - market.experience.baseline_expectation))

    def _cell_tables(self) -> None:
        """Look-up tables that turn (segment, state byte) into a cell offset in one pass.

        cell = ((static + segment x stride) x 8 + known) x 2 + aware) x 2 + buyer
             = 32 x static + LUT[segment x 256 + state]   (:class:`o2osim.channels.CellLayout`)
        """
        state = np.arange(256, dtype=np.int16)
        bits = ((state & int(KNOWN)) * 4 + ((state & int(AWARE)) > 0) * 2
                + ((state & int(BUYER)) > 0)).astype(np.int16)
        seg = np.arange(3, dtype=np.int16)[:, None] * self._segment_stride * np.int16(32)
        self._lut = (seg + bits[None, :]).astype(np.int16).ravel()
        self._static32 = (self._static_cell * np.int16(32)).astype(np.int16)
        n = self.pop.size
        self._key = np.empty(n, dtype=np.int16)
        # What a channel can reach at most: max_daily_reach x its targeting weight (the
        # Hill curve is below 1) — market parameters only, so every plan of a market
        # shares the bound and the exposure draws (rng.below).
        max_cell = np.minimum(np.array([c.spec.max_daily_reach for c in self.world.channels])
                              [:, None] * self.W, 1.0) if self.world.channels else self.W
        self._bound = [float(np.max(1.0 - np.prod(1.0 - max_cell[m], axis=0), initial=0.0))
                       for m in (self.online_mask, ~self.online_mask)]

    def cells(self) -> np.ndarray:
        """Targeting cell of every consumer today (:class:`o2osim.channels.CellLayout`),
        from one look-up per consumer (the key buffer is reused every day)."""
        pop, key = self.pop, self._key
        np.multiply(pop.segment, np.int16(256), out=key, dtype=np.int16, casting="unsafe")
        np.add(key, pop.state, out=key, casting="unsafe")
        cells = self._lut[key]  # fancy indexing beats np.take(out=) here (measured)
        np.add(cells, self._static32, out=cells)
        return cells

    def _attribute(self, idx: np.ndarray, cells: np.ndarray, p_cell: np.ndarray,
                   subset: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Channel (index) of each exposure ``idx``, drawn in proportion to the channels'
        reach in its cell (``u``: one uniform per exposure)."""
        chans = np.flatnonzero(subset)
        probs = p_cell[chans][:, cells[idx]]
        cum = np.cumsum(probs, axis=0)
        r = u * cum[-1]
        pick = np.minimum((r[None, :] > cum).sum(axis=0), chans.size - 1)
        return chans[pick]

    def _count(self, idx: np.ndarray, ch: np.ndarray) -> None:
        """Record today's exposures ``idx`` (channel ``ch``; one per consumer and kind of
        channel, so no cell repeats): each consumer's count and each channel's reach."""
        self._exposure_cells[idx * self.n_channels + ch] += 1
        for c, n in zip(self.world.channels, np.bincount(ch, minlength=self.n_channels),
                        strict=True):
            c.daily_reach[-1] += int(n)

    def step(self, day: Day) -> None:
        pop, plan, t = self.pop, self.world.scenario.plan, day.tally
        if all(c.quiet(day.index) for c in self.world.channels):
            # No channel reaches anyone today (the market without the campaign, the
            # planning weeks): nobody is exposed, and since this component's stream
            # restarts every day (o2osim.rng), skipping its draws changes nothing else.
            for c in self.world.channels:
                c.step_day(day.index, 0.0)
            day.spend_cny = sum(c.spend_today_cny for c in self.world.channels)
            return
        rng, draws = self.rng(day), self.draws(day)
        cells = self.cells()
        n_cell = np.bincount(cells, minlength=self.layout.size)
        targeted = self.W @ n_cell
        for c, tgt in zip(self.world.channels, targeted, strict=True):
            c.step_day(day.index, float(tgt) * self.world.scale)
        day.spend_cny = sum(c.spend_today_cny for c in self.world.channels)
        reach = np.array([c.reach_prob for c in self.world.channels])
        p_cell = np.minimum(reach[:, None] * self.W, 1.0)
        # One uniform per consumer and kind of channel (drawn sparsely: rng.below) decides
        # the exposures; then the channel of each exposure is drawn for the exposed only.
        exposed_by = []
        for bound, mask in zip(self._bound, (self.online_mask, ~self.online_mask),
                               strict=True):
            cand, u = below(rng, pop.size, bound)
            p_hit = 1.0 - np.prod(1.0 - p_cell[mask], axis=0)
            exposed_by.append(cand[u < p_hit[cells[cand]]])
        exp_on, exp_off = exposed_by
        t.exposed_online, t.exposed_offline = exp_on.size, exp_off.size

        offered_parts = []
        for idx, mask, where in ((exp_on, self.online_mask, "online"),
                                 (exp_off, ~self.online_mask, "store")):
            if idx.size == 0:
                continue
            ch = self._attribute(idx, cells, p_cell, mask,
                                 draws.uniform(idx, int(where == "store")))
            pop.last_channel[idx] = ch
            self._count(idx, ch)
            pop.interest[idx] += self.ch_interest[ch] * self.attraction
            pop.history[idx] |= EXPOSED
            if where == "online":
                pop.history[idx] |= EXPOSED_ONLINE
                if plan.integration.o2o_traffic_guidance:
                    pop.state[idx[self.ch_to_store[ch]]] |= GUIDED
                pop.state[idx[self.ch_push[ch]]] |= PUSHED
            if coupons.claimable(plan.coupon, where):
                offered_parts.append(idx[self.ch_coupon[ch]])
                if where == "online":
                    day.offered_online = offered_parts[-1].size
        day.offered = np.concatenate(offered_parts) if offered_parts else empty()
        exposed = np.sort(np.concatenate((exp_on, exp_off)))  # both sorted: a merge
        if exp_on.size and exp_off.size:  # drop the doubly exposed (np.union1d is slow)
            exposed = exposed[np.concatenate(([True], exposed[1:] != exposed[:-1]))]
        was_aware = (pop.state[exposed] & AWARE) > 0
        make_aware(pop, exposed)
        t.newly_aware_ads = int((~was_aware).sum())
        day.exposed = exposed
