"""Named random streams from one seed.

One ``sim.seed`` -> :class:`numpy.random.SeedSequence` -> one independent generator per
process (exposure, word of mouth, purchase, ...). Each stream is keyed by its *name*, not
by its position, so adding a stream never changes the others; and each daily process draws
a fixed-size block per day, so two configs that differ only in, say, the coupon value see
the same exposures (common random numbers for the monotone tests).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator called ``name`` for ``seed`` (PCG64, independent across names)."""
    ss = np.random.SeedSequence([int(seed), zlib.crc32(name.encode())])
    return np.random.Generator(np.random.PCG64(ss))
