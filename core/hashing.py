"""Deterministic hashing to buckets and a portable seeded random generator.

`bucket` is GrowthBook's hash version 2, bit for bit, so an experiment defined here splits
visitors exactly as a GrowthBook SDK would: ``fnv1a32(str(fnv1a32(seed + unit))) % 10000 /
10000``. FNV-1a runs over UTF-16 code units, like the JS SDK's ``charCodeAt`` loop, so
non-ASCII ids hash the same in every SDK.

`Prng` gives reproducible randomness from a string key without `random`, whose algorithms
are not promised stable across Python versions (the edge runs Pyodide's 3.14, the origin
3.11): SHA-256 of the key seeds xoshiro256**, whose integer steps are exact everywhere.
"""

from __future__ import annotations

import hashlib
import math

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF


def fnv1a32(text: str) -> int:
    """32-bit FNV-1a over the UTF-16 code units of `text` (ASCII: one unit per byte)."""
    hval = _FNV_OFFSET
    if text.isascii():
        for byte in text.encode("ascii"):
            hval = ((hval ^ byte) * _FNV_PRIME) & _MASK32
        return hval
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        hval = ((hval ^ (data[i] | (data[i + 1] << 8))) * _FNV_PRIME) & _MASK32
    return hval


def bucket(seed: str, unit: str) -> float:
    """The unit's position in [0, 1) for this seed (GrowthBook hash v2, 10,000 steps)."""
    return (fnv1a32(str(fnv1a32(seed + unit))) % 10000) / 10000


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & _MASK64


class Prng:
    """xoshiro256** seeded from SHA-256(key): the same key gives the same stream anywhere."""

    __slots__ = ("_s", "_spare")

    def __init__(self, key: str) -> None:
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        state = [int.from_bytes(digest[i : i + 8], "little") for i in range(0, 32, 8)]
        if not any(state):  # the all-zero state is the one xoshiro cannot leave
            state[0] = 1
        self._s = state
        self._spare: float | None = None

    @classmethod
    def from_state(cls, state: tuple[int, int, int, int]) -> Prng:
        """A generator with an explicit xoshiro state (for reference-vector tests)."""
        prng = cls("")
        prng._s = [x & _MASK64 for x in state]
        return prng

    def next_u64(self) -> int:
        """The next 64-bit output."""
        s = self._s
        result = (_rotl((s[1] * 5) & _MASK64, 7) * 9) & _MASK64
        t = (s[1] << 17) & _MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def random(self) -> float:
        """A uniform float in [0, 1) with 53 random bits."""
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)

    def normal(self) -> float:
        """A standard normal draw (Marsaglia's polar method: only log and sqrt)."""
        if self._spare is not None:
            value, self._spare = self._spare, None
            return value
        while True:
            u = 2.0 * self.random() - 1.0
            v = 2.0 * self.random() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                factor = math.sqrt(-2.0 * math.log(s) / s)
                self._spare = v * factor
                return u * factor

    def gamma(self, shape: float) -> float:
        """A Gamma(shape, 1) draw by Marsaglia and Tsang's method (boosted for shape < 1)."""
        if not shape > 0.0:
            raise ValueError(f"gamma shape must be positive, got {shape!r}")
        if shape < 1.0:
            boost = self.random()
            while boost == 0.0:
                boost = self.random()
            return self.gamma(shape + 1.0) * math.pow(boost, 1.0 / shape)
        d = shape - 1.0 / 3.0
        c = 1.0 / math.sqrt(9.0 * d)
        while True:
            x = self.normal()
            v = 1.0 + c * x
            if v <= 0.0:
                continue
            v = v * v * v
            u = self.random()
            if u < 1.0 - 0.0331 * (x * x) * (x * x):
                return d * v
            if u > 0.0 and math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
                return d * v

    def beta(self, alpha: float, beta: float) -> float:
        """A Beta(alpha, beta) draw as X / (X + Y) with X, Y independent Gamma draws."""
        x = self.gamma(alpha)
        y = self.gamma(beta)
        total = x + y
        if total <= 0.0:  # both underflowed (tiny shapes): fall back to the mean
            return alpha / (alpha + beta)
        return x / total
