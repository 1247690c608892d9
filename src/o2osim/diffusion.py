"""Reference curves for word of mouth on the model's fixed contact network.

The Bass (1969) closed form (:func:`o2osim.response.bass_cdf`) assumes perfect mixing: an
unaware consumer's word-of-mouth hazard is ``q`` times the share aware *now*. On a fixed
network it is not. A consumer still unaware on day ``t`` is, more likely than not, one
whose contacts learnt late or told them nothing yet — a contact that has already passed
the news on is spent (its listener is aware, not in the unaware pool), so the aware
contacts of the still-unaware are fewer than the market's share aware suggests, and
adoption runs slower than Bass, the more so the fewer contacts each consumer has for the
same ``q``.

:func:`network_bass_share` is the edge-based compartmental model (EBCM) of Miller & Volz
for this set-up, written for the model's day step: ``theta(t)``, the chance that a random
edge ``v -> u`` has not yet carried the news to ``u``, obeys

    theta(t) = theta(t-1) - beta (theta(t-1) - (1 - p) S(t-1)),
    S(t)     = (1 - p)^t theta(t)^k,

with ``S`` the share never aware after day ``t``, ``p`` the daily ad reach, ``beta`` the
daily chance that an aware consumer's word reaches and convinces one given contact
(talk chance x chance per contact) and ``k`` the in-degree. ``theta - (1 - p) S(t-1)``
is the chance that the edge's source is aware at the day's word-of-mouth step and has
not yet passed the news on; the Bass mean field uses the share aware instead, and the
difference is the whole network effect. On a directed random graph (the model's
:func:`o2osim.population.build_contacts`: every consumer reached by exactly ``k``
others, contacts drawn afresh per column) a consumer's ``k`` sources have disjoint,
independent histories, so the recursion is exact as the population grows — no cavity
correction is needed, because an unaware consumer cannot have influenced its sources.
It accounts for the day's order in the model: ads first (those reached today talk
today), then word of mouth (those told today talk from tomorrow).

As ``k`` grows with ``q = beta k`` fixed, ``theta^k -> exp(-q x (time-integral of the
share aware))`` and the recursion tends to the Bass curve in days
(:func:`mixing_bass_share`), which tends to the closed form with ``p' = -ln(1 - p)``.

References: Miller, J. C. (2011) "A note on a paper by Erik Volz: SIR dynamics in
random networks", J. Math. Biol. 62; Miller, J. C., Slim, A. C. & Volz, E. M. (2012)
"Edge-based compartmental modelling for infectious disease spread", J. R. Soc.
Interface 9; Miller, J. C. & Volz, E. M. (2013) "Incorporating disease and population
structure into models of SIR disease in contact networks", PLoS ONE 8; Bass, F. M.
(1969) Management Science 15(5).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _check(days: int, p_day: float, beta_per_contact: float) -> None:
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    for name, v in (("p_day", p_day), ("beta_per_contact", beta_per_contact)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must be a probability in [0, 1], got {v}")


def network_bass_share(days: int, p_day: float, beta_per_contact: float,
                       degree: int) -> NDArray[np.float64]:
    """Expected share ever aware after each of ``days`` days (index 0 = after day 1) on a
    directed random network where every consumer is reached by ``degree`` contacts.

    ``p_day``: daily chance that an unaware consumer is reached by ads (and so becomes
    aware); ``beta_per_contact``: daily chance that an aware source makes a given unaware
    contact aware (in o2osim: ``wom_talk_prob_per_day x wom_aware_prob_per_contact``).
    The discrete-time EBCM (module docstring), exact for a large locally tree-like
    network.
    """
    _check(days, p_day, beta_per_contact)
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    share = np.empty(days, dtype=np.float64)
    theta, s_prev, ads_miss = 1.0, 1.0, 1.0
    for t in range(days):
        theta -= beta_per_contact * (theta - (1.0 - p_day) * s_prev)
        ads_miss *= 1.0 - p_day
        s_prev = ads_miss * theta ** degree
        share[t] = 1.0 - s_prev
    return share


def mixing_bass_share(days: int, p_day: float, beta_per_contact: float,
                      degree: int) -> NDArray[np.float64]:
    """The same day-stepped process under perfect mixing: each of a consumer's ``degree``
    sources is aware with the market's share aware at the day's word-of-mouth step,
    independently of the past — Bass (1969) in whole days, with the model's daily order
    (ads, then word of mouth). It is the limit of :func:`network_bass_share` as contacts
    are redrawn every day, and, for small ``p_day`` and ``beta_per_contact``, the closed
    form :func:`o2osim.response.bass_cdf` with ``p = -ln(1 - p_day)`` and
    ``q = beta_per_contact x degree``."""
    _check(days, p_day, beta_per_contact)
    share = np.empty(days, dtype=np.float64)
    s = 1.0
    for t in range(days):
        s_after_ads = s * (1.0 - p_day)
        s = s_after_ads * (1.0 - beta_per_contact * (1.0 - s_after_ads)) ** degree
        share[t] = 1.0 - s
    return share
