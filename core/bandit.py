"""Thompson sampling over Beta posteriors with reproducible, per-visitor randomness.

Each visitor draws once per arm from Beta(alpha, beta) and gets the arm with the highest
draw, so over many visitors each arm's share approaches the posterior probability that it
is the best. The draws come from `core.hashing.Prng` keyed by (experiment seed, visitor,
time bucket): a visitor sees the same arm on every request within a bucket (the page does
not flicker), the edge and the origin agree, and a new bucket re-draws against the
posteriors the latest bundle carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.hashing import Prng

DEFAULT_BUCKET_HOURS = 24.0


@dataclass(frozen=True)
class Arm:
    """Beta(alpha, beta) posterior of one variation's conversion rate."""

    alpha: float = 1.0
    beta: float = 1.0


def time_bucket(now: int, hours: float) -> int:
    """Index of the time bucket containing `now` (non-positive widths mean the default)."""
    width = (hours if hours > 0 else DEFAULT_BUCKET_HOURS) * 3600.0
    return int(now // width)


def _key(seed: str, visitor_id: str, bucket: int) -> str:
    return f"bandit\x1f{seed}\x1f{visitor_id}\x1f{bucket}"


def draws(seed: str, arms: Sequence[Arm], visitor_id: str, bucket: int) -> list[float]:
    """This visitor's posterior draw for every arm in this bucket."""
    prng = Prng(_key(seed, visitor_id, bucket))
    return [prng.beta(arm.alpha, arm.beta) for arm in arms]


def choose(seed: str, arms: Sequence[Arm], visitor_id: str, bucket: int) -> int:
    """Index of the arm Thompson sampling picks for this visitor (-1 with no arms)."""
    best, best_value = -1, -1.0
    for index, value in enumerate(draws(seed, arms, visitor_id, bucket)):
        if value > best_value:
            best, best_value = index, value
    return best


def arm_shares(seed: str, arms: Sequence[Arm], visitors: Iterable[str], bucket: int) -> list[float]:
    """Share of `visitors` each arm would get: Thompson sampling's allocation, measured."""
    counts = [0] * len(arms)
    total = 0
    for visitor_id in visitors:
        index = choose(seed, arms, visitor_id, bucket)
        if index >= 0:
            counts[index] += 1
        total += 1
    return [c / total if total else 0.0 for c in counts]
