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
from collections.abc import Callable

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


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_GOLD, _M64 = 0x9E3779B97F4A7C15, (1 << 64) - 1


def _splitmix(z: int) -> int:
    """SplitMix64's output function on a Python int (Steele, Lea & Flood 2014)."""
    z &= _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)

compiled_uniform: list[Callable[[np.ndarray, np.uint64], np.ndarray] | None] = [None]
""":meth:`ConsumerDraws.uniform`'s integer hash compiled, set by
:mod:`o2osim.store_day_kernel` when a process loads numba for the stores anyway: the
same numbers bit for bit (integer arithmetic modulo 2**64, and a 53-bit integer times
2**-53, exact; tests/test_store_kernel.py), in one pass instead of ~14 numpy passes
(~3-5x less CPU). numba is never imported for it alone."""


class ConsumerDraws:
    """Uniforms and normals keyed by consumer: ``uniform(idx, draw)`` gives consumer
    ``idx[j]`` the same number whoever else is drawn with it.

    A counter-based generator (the SplitMix64 output function, Steele, Lea & Flood 2014,
    on ``key + (i + 1) x golden ratio``), keyed by ``(seed, stream name, day, draw)``
    through :class:`numpy.random.SeedSequence`. A rule that draws for a subset that
    depends on the state (the consumers offered a coupon, the day's shoppers) then keeps
    common random numbers across plans: a consumer's draw does not move when another
    consumer joins or leaves the subset. Costs a few integer passes per consumer drawn.
    """

    def __init__(self, seed: int, name: str, day: int) -> None:
        self.seed, self.name, self.day = int(seed), name, int(day)
        self._keys: dict[int, np.uint64] = {}
        self._root: int | None = None

    def _key(self, draw: int) -> np.uint64:
        """The draw's key: one SeedSequence per (seed, stream, day) — its hashing is ~0.2 ms
        — and each draw's key the SplitMix64 output of that root and the draw number
        (distinct draws, distinct well-mixed keys)."""
        if draw not in self._keys:
            if self._root is None:
                ss = np.random.SeedSequence([self.seed, zlib.crc32(self.name.encode()),
                                             self.day])
                self._root = int(ss.generate_state(1, np.uint64)[0])
            self._keys[draw] = np.uint64(_splitmix(self._root + (int(draw) + 1) * _GOLD))
        return self._keys[draw]

    def uniform(self, idx: np.ndarray, draw: int = 0) -> np.ndarray:
        """One uniform in [0, 1) per entry of ``idx`` (float64)."""
        fast = compiled_uniform[0]
        if fast is not None:
            a = np.asarray(idx)
            if a.ndim == 1 and a.dtype.kind in "iu":
                return fast(np.ascontiguousarray(a, dtype=np.int64), self._key(draw))
        z = np.asarray(idx, dtype=np.uint64) + np.uint64(1)
        z *= _GOLDEN
        z += self._key(draw)
        z ^= z >> np.uint64(30)
        z *= _MIX1
        z ^= z >> np.uint64(27)
        z *= _MIX2
        z ^= z >> np.uint64(31)
        return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)

    def normal(self, idx: np.ndarray, draw: int = 0) -> np.ndarray:
        """One standard normal per entry of ``idx`` (Box-Muller on two keyed uniforms)."""
        u1 = 1.0 - self.uniform(idx, 2 * draw + 1_000_001)  # in (0, 1]: log is finite
        u2 = self.uniform(idx, 2 * draw + 1_000_002)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
