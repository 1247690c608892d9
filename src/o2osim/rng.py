"""Named random streams from one seed.

One ``sim.seed`` -> :class:`numpy.random.SeedSequence` -> one independent generator per
process (exposure, word of mouth, purchase, ...). Each stream is keyed by its *name*, not
by its position, so adding a stream never changes the others.

Each component's stream restarts every day from ``(seed, name, day)`` (:func:`day_stream`),
and a component draws its fixed-size blocks (one number per consumer) before anything whose
size depends on the state: two configs that differ only in, say, the coupon value see the
same exposures on every day, whatever happened the days before (common random numbers for
the monotone tests), and a rule may draw only for the consumers it touches without
shifting tomorrow's numbers.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator called ``name`` for ``seed`` (PCG64, independent across names)."""
    ss = np.random.SeedSequence([int(seed), zlib.crc32(name.encode())])
    return np.random.Generator(np.random.PCG64(ss))


def day_stream(seed: int, name: str, day: int) -> np.random.Generator:
    """The generator of stream ``name`` on ``day`` (independent across names and days)."""
    ss = np.random.SeedSequence([int(seed), zlib.crc32(name.encode()), int(day)])
    return np.random.Generator(np.random.PCG64(ss))


def below(rng: np.random.Generator, n: int, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """The consumers ``i < n`` whose uniform ``u_i`` is below ``bound``, and those ``u_i``
    (float64), as if one uniform per consumer had been drawn.

    Exact in distribution: one random byte ``r_i`` per consumer picks the 1/256-wide slice
    ``u_i`` falls in, and a uniform ``v`` only for the slices below ``bound`` places it:
    ``u_i = (r_i + v) / 256``. A rule of the form "``u_i < p_i`` with every ``p_i <= bound``"
    then costs one byte per consumer and a float per candidate, instead of a float per
    consumer. Which consumers are candidates depends on the bytes and ``bound`` only, so
    two configs with the same bound get the same ``u_i`` (common random numbers).
    """
    levels = min(int(np.ceil(max(bound, 0.0) * 256.0)), 256)
    r = np.frombuffer(rng.bytes(n), dtype=np.uint8)
    idx = np.flatnonzero(r < levels)
    u = (r[idx] + rng.random(idx.size)) * (1.0 / 256.0)
    return idx, u
