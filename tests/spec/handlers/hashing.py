"""Spec handler for core.hashing: GrowthBook-compatible buckets and the seeded PRNG."""

from __future__ import annotations

from typing import Any

from core import hashing


def run(case: dict[str, Any]) -> Any:
    op = case["op"]
    if op == "bucket":
        return round(hashing.bucket(case["seed"], case["unit"]), 6)
    if op == "fnv1a32":
        return hashing.fnv1a32(case["text"])
    prng = hashing.Prng(case["key"])
    n = int(case.get("n", 4))
    if op == "u64":
        return [str(prng.next_u64()) for _ in range(n)]
    if op == "random":
        return [round(prng.random(), 6) for _ in range(n)]
    if op == "gamma":
        return [round(prng.gamma(float(case["shape"])), 6) for _ in range(n)]
    if op == "beta":
        a, b = float(case["alpha"]), float(case["beta"])
        return [round(prng.beta(a, b), 6) for _ in range(n)]
    raise ValueError(f"unknown op {op!r}")
