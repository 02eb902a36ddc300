"""Segment models as generated straight-line functions over a request's feature values.

A nearest-centroid model with 10 centroids over 12 features is 120 subtract-multiply-adds
per request, a propensity model a 12-term dot product; as interpreted loops they cost about
three times what the same arithmetic costs written out (every constant a literal, every
feature a local). The generated code does exactly the model's arithmetic in the model's
order, so it returns the same bits as `CentroidModel.nearest` and `PropensityModel.score`
on every input; tests/test_model_compile.py checks them against each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

Nearest = Callable[[Sequence[float]], str]
Score = Callable[[Sequence[float]], float]


def _literals(numbers: Sequence[float]) -> list[str] | None:
    """Exact source literals (repr round-trips a float), None if one is not finite."""
    if not all(math.isfinite(x) for x in numbers):
        return None
    return [repr(float(x)) for x in numbers]


def _make(source: str, name: str, namespace: dict[str, Any]) -> Any:
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]


def nearest_function(
    mean: Sequence[float],
    scale: Sequence[float],
    centroids: Sequence[Sequence[float]],
    names: Sequence[str],
    positions: Sequence[int],
) -> Nearest | None:
    """`values -> name of the nearest centroid`, reading feature i at `values[positions[i]]`.

    None when a constant is not finite (the caller keeps the model's own loop).
    """
    m, s = _literals(mean), _literals(scale)
    rows = [_literals(c) for c in centroids]
    if m is None or s is None or any(r is None for r in rows) or not names:
        return None
    lines = ["def nearest(v):"]
    lines += [f"    z{i} = (v[{p}] - {m[i]}) / {s[i]}" for i, p in enumerate(positions)]
    lines.append("    best, best_distance = 0, inf")
    for j, row in enumerate(rows):
        assert row is not None
        terms = "".join(f" + (z{i} - {c}) * (z{i} - {c})" for i, c in enumerate(row))
        lines.append(f"    distance = 0.0{terms}")
        lines.append(f"    if distance < best_distance: best, best_distance = {j}, distance")
    lines.append("    return names[best]")
    made: Nearest = _make("\n".join(lines) + "\n", "nearest", {"inf": math.inf, "names": names})
    return made


def score_function(
    coef: Sequence[float], intercept: float, positions: Sequence[int]
) -> Score | None:
    """`values -> sigmoid(w·x + b)` as `PropensityModel.score` computes it, or None."""
    w, b = _literals(coef), _literals([intercept])
    if w is None or b is None:
        return None
    terms = "".join(f" + {c} * v[{p}]" for c, p in zip(w, positions, strict=True))
    source = (
        "def score(v):\n"
        f"    logit = {b[0]}{terms}\n"
        "    if logit < -60:\n"
        "        return 0.0\n"
        "    if logit > 60:\n"
        "        return 1.0\n"
        "    return 1.0 / (1.0 + exp(-logit))\n"
    )
    made: Score = _make(source, "score", {"exp": math.exp})
    return made
