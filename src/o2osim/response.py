"""Pure response functions used by the behavioural rules, each with its reference.

Kept free of state so that tests can check them against closed forms.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def geometric_adstock_step(previous: float, today: float, retention: float) -> float:
    """One day of geometric adstock: ``A_t = x_t + retention * A_{t-1}``.

    References: Broadbent (1979) "One way TV advertisements work"; the same form as
    ``geometric_adstock`` in PyMC-Marketing and Robyn's geometric adstock.
    """
    return today + retention * previous


def hill_saturation(x: ArrayLike, half_saturation: float, shape: float) -> NDArray[np.float64]:
    """Hill curve ``x^s / (x^s + K^s)`` in [0, 1): diminishing returns to pressure.

    References: Hill (1910); Jin et al. (2017) "Bayesian methods for media mix modeling
    with carryover and shape effects" (Google); PyMC-Marketing ``hill_saturation``.
    """
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    if shape == 1.0:
        return x / (x + half_saturation)
    xs = x**shape
    return xs / (xs + half_saturation**shape)


def bass_cdf(t: ArrayLike, p: float, q: float) -> NDArray[np.float64]:
    """Cumulative adoption of the Bass (1969) diffusion model.

    ``F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))`` with innovation ``p`` and
    imitation ``q`` per unit time. Reference: Bass, F. M. (1969) "A new product growth
    for model consumer durables", Management Science 15(5).
    """
    t = np.asarray(t, dtype=np.float64)
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def price_response(price_sensitivity: ArrayLike, relative_discount: ArrayLike,
                   elasticity: float) -> NDArray[np.float32]:
    """Demand multiplier ``exp(elasticity * sensitivity * relative_discount)``.

    A constant-elasticity (log-linear) response in the relative price change, as in the
    promotion-response literature (Blattberg, Briesch & Fox 1995, "How promotions work").
    A negative ``relative_discount`` (a surcharge, a coupon refused) lowers demand.
    """
    return np.exp(
        np.float32(elasticity) * np.asarray(price_sensitivity, dtype=np.float32)
        * np.asarray(relative_discount, dtype=np.float32)
    )


def erlang_c_wait_min(servers: int, arrival_per_min: float, service_per_min: float) -> float:
    """Mean wait in queue of an M/M/c queue: ``Wq = C(c, a) / (c mu - lambda)``.

    ``C(c, a)`` is the Erlang C probability of waiting with offered load
    ``a = lambda / mu``. Reference: Erlang, A. K. (1917); any queueing text, e.g.
    Gross & Harris, "Fundamentals of Queueing Theory", ch. 2.
    """
    c, lam, mu = servers, arrival_per_min, service_per_min
    a = lam / mu
    if a >= c:
        return float("inf")
    term, total = 1.0, 1.0  # running a^k / k! and its sum for k < c
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1.0 - a / c)  # a^c / c! * c / (c - a)
    prob_wait = top / (total + top)
    return prob_wait / (c * mu - lam)
