"""core.hashing: GrowthBook hash v2 equality, uniform buckets, the seeded PRNG and samplers."""

from __future__ import annotations

import json
import math
import os

import pytest
from growthbook.core import fnv1a32 as gb_fnv1a32
from growthbook.core import gbhash
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats  # type: ignore[import-untyped]

from core.hashing import Prng, bucket, fnv1a32

SPEC = os.path.join(os.path.dirname(__file__), "spec", "hashing.json")


@given(st.text(max_size=40), st.text(max_size=40))
def test_bucket_equals_growthbook_v2(seed: str, unit: str) -> None:
    assert bucket(seed, unit) == gbhash(seed, unit, 2)


@given(st.text(max_size=60))
def test_fnv1a32_equals_growthbook(text: str) -> None:
    assert fnv1a32(text) == gb_fnv1a32(text)


def test_spec_bucket_cases_come_from_growthbook() -> None:
    with open(SPEC, encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    checked = 0
    for case in cases:
        inp = case["input"]
        if inp["op"] == "bucket":
            reference = gbhash(inp["seed"], inp["unit"], 2)
            assert reference is not None
            assert case["expect"] == round(reference, 6), case["name"]
            checked += 1
        elif inp["op"] == "fnv1a32":
            assert case["expect"] == gb_fnv1a32(inp["text"]), case["name"]
            checked += 1
    assert checked >= 40


def test_known_fnv_values() -> None:
    # FNV-1a 32 reference values (offset basis for "", published vectors for "a", "foobar").
    assert fnv1a32("") == 0x811C9DC5
    assert fnv1a32("a") == 0xE40C292C
    assert fnv1a32("foobar") == 0xBF9CF968


def test_buckets_uniform_chi_square() -> None:
    bins = 20
    counts = [0] * bins
    n = 20000
    for i in range(n):
        value = bucket("uniformity", f"visitor-{i}")
        assert 0.0 <= value < 1.0
        counts[int(value * bins)] += 1
    expected = n / bins
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    assert chi2 < stats.chi2.ppf(0.999, bins - 1), counts


def test_xoshiro_reference_vector() -> None:
    prng = Prng.from_state((1, 2, 3, 4))
    assert [prng.next_u64() for _ in range(4)] == [11520, 0, 1509978240, 1215971899390074240]


def test_prng_is_deterministic_per_key() -> None:
    a, b, c = Prng("k"), Prng("k"), Prng("other")
    first = [a.next_u64() for _ in range(5)]
    assert first == [b.next_u64() for _ in range(5)]
    assert first != [c.next_u64() for _ in range(5)]


def test_random_is_uniform() -> None:
    prng = Prng("uniform")
    xs = [prng.random() for _ in range(20000)]
    assert all(0.0 <= x < 1.0 for x in xs)
    assert stats.kstest(xs, "uniform").pvalue > 0.001


def test_normal_moments() -> None:
    prng = Prng("normal")
    xs = [prng.normal() for _ in range(20000)]
    assert stats.kstest(xs, "norm").pvalue > 0.001


@pytest.mark.parametrize("shape", [0.3, 1.0, 2.5, 40.0])
def test_gamma_matches_distribution(shape: float) -> None:
    prng = Prng(f"gamma-{shape}")
    xs = [prng.gamma(shape) for _ in range(6000)]
    assert stats.kstest(xs, stats.gamma(shape).cdf).pvalue > 0.001


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (2.0, 5.0), (0.5, 0.5), (120.0, 880.0)])
def test_beta_matches_distribution(alpha: float, beta: float) -> None:
    prng = Prng(f"beta-{alpha}-{beta}")
    xs = [prng.beta(alpha, beta) for _ in range(6000)]
    assert all(0.0 <= x <= 1.0 for x in xs)
    assert stats.kstest(xs, stats.beta(alpha, beta).cdf).pvalue > 0.001


def test_gamma_rejects_bad_shape() -> None:
    with pytest.raises(ValueError):
        Prng("x").gamma(0.0)
    with pytest.raises(ValueError):
        Prng("x").gamma(math.nan)
