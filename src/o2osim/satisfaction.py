"""Expectation-disconfirmation satisfaction with loss aversion.

Perceived performance ``P`` = what the channel delivers minus the experience-gap
penalties that happened at this visit; expectation ``E`` = what the campaign content
promised (or the baseline for consumers who never saw it). With ``D = P - E``

    latent = s0 + gain * max(D, 0) - loss * max(-D, 0) + noise,  satisfied <=> latent > 0

References: Oliver, R. L. (1980) "A cognitive model of the antecedents and consequences
of satisfaction decisions", JMR 17(4); Anderson, E. W. & Sullivan, M. W. (1993) "The
antecedents and consequences of customer satisfaction for firms", Marketing Science
12(2) — shortfalls weigh more than surpluses (``loss > gain``). ``s0`` is set so that
an experience exactly meeting expectation satisfies ``satisfied_share_at_zero_gap``.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from o2osim.config.schema import ExperienceSpec


def satisfied(performance: np.ndarray, expectation: np.ndarray, spec: ExperienceSpec,
              normal_draws: np.ndarray) -> np.ndarray:
    """Boolean array: which experiences leave the customer satisfied."""
    s0 = spec.noise_sd * NormalDist().inv_cdf(spec.satisfied_share_at_zero_gap)
    d = performance - expectation
    latent = (s0 + spec.gain_weight * np.maximum(d, 0) - spec.loss_weight * np.maximum(-d, 0)
              + spec.noise_sd * normal_draws)
    return latent > 0
