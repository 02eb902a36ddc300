"""core.bandit: Thompson sampling allocates visitors in proportion to P(arm is best)."""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats  # type: ignore[import-untyped]

from core import bandit
from core.bandit import Arm


def _p_best(arms: list[Arm]) -> list[float]:
    """P(arm i has the highest rate) under independent Beta posteriors, by quadrature."""
    dists = [stats.beta(a.alpha, a.beta) for a in arms]
    out = []
    for i, dist in enumerate(dists):
        others = [d for j, d in enumerate(dists) if j != i]

        def integrand(x: float, dist: object = dist, others: list[object] = others) -> float:
            value = dist.pdf(x)  # type: ignore[attr-defined]
            for other in others:
                value *= other.cdf(x)  # type: ignore[attr-defined]
            return float(value)

        out.append(integrate.quad(integrand, 0.0, 1.0, limit=200)[0])
    return out


def test_shares_match_probability_of_being_best() -> None:
    arms = [Arm(12, 88), Arm(20, 80), Arm(15, 85)]
    visitors = [f"visitor-{i}" for i in range(6000)]
    shares = bandit.arm_shares("recs", arms, visitors, bucket=20000)
    expected = _p_best(arms)
    assert abs(sum(expected) - 1.0) < 1e-6
    for share, p in zip(shares, expected, strict=True):
        assert abs(share - p) < 0.02, (shares, expected)
    assert int(np.argmax(shares)) == 1  # the better arm gets the most traffic


def test_close_arms_are_explored() -> None:
    arms = [Arm(50, 50), Arm(52, 48)]
    shares = bandit.arm_shares("close", arms, [f"v{i}" for i in range(4000)], bucket=1)
    expected = _p_best(arms)
    assert 0.2 < shares[0] < 0.5 and shares[1] > shares[0]
    assert abs(shares[1] - expected[1]) < 0.03


def test_choice_is_pinned_by_visitor_and_bucket() -> None:
    arms = [Arm(1, 1), Arm(1, 1), Arm(1, 1)]
    picks = [bandit.choose("s", arms, f"v{i}", 7) for i in range(200)]
    assert picks == [bandit.choose("s", arms, f"v{i}", 7) for i in range(200)]
    assert picks != [bandit.choose("s", arms, f"v{i}", 8) for i in range(200)]
    assert picks != [bandit.choose("t", arms, f"v{i}", 7) for i in range(200)]
    assert set(picks) == {0, 1, 2}


def test_time_bucket() -> None:
    assert bandit.time_bucket(86399, 24) == 0 and bandit.time_bucket(86400, 24) == 1
    assert bandit.time_bucket(7200, 0.5) == 4
    assert bandit.time_bucket(86400, 0) == 1  # non-positive width falls back to a day


def test_no_arms() -> None:
    assert bandit.choose("s", [], "v", 0) == -1
    assert bandit.arm_shares("s", [], [], 0) == []
