"""core.experiments: GrowthBook-equal splits, weights, exclusive layers, holdout, stickiness,
targeting and parsing."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest
from growthbook import Experiment as GBExperiment
from growthbook import GrowthBook
from growthbook.core import chooseVariation, gbhash, getBucketRanges

from core import conditions, experiments
from core.bandit import Arm
from core.experiments import Experiment, ExperimentError, Holdout, Variation, assign

NOW = 1_763_900_000
N = 20000


def _ab(eid: str, *weights: float, **kw: Any) -> Experiment:
    variations = tuple(Variation(f"v{i}", w, {"hero": f"b{i}"}) for i, w in enumerate(weights))
    return Experiment(id=eid, seed=kw.pop("seed", eid), variations=variations, **kw)


def test_same_variation_as_growthbook_sdk() -> None:
    exp = _ab("hero", 0.25, 0.25, 0.5, seed="hero-2026")
    gb = GBExperiment(
        key="hero", variations=[0, 1, 2], weights=[0.25, 0.25, 0.5], seed="hero-2026", hashVersion=2
    )
    for i in range(500):
        visitor = f"visitor-{i}"
        expected = GrowthBook(attributes={"id": visitor}).run(gb).variationId
        assert assign(exp, visitor, {}, {}, NOW) == f"v{expected}"


def test_weights_respected() -> None:
    exp = _ab("cta", 0.2, 0.3, 0.5)
    counts = Counter(assign(exp, f"u{i}", {}, {}, NOW) for i in range(N))
    for vid, weight in (("v0", 0.2), ("v1", 0.3), ("v2", 0.5)):
        assert abs(counts[vid] / N - weight) < 0.015, counts


def test_layers_are_mutually_exclusive_and_sized_by_range() -> None:
    layer = [
        _ab(f"price-{k}", 0.5, 0.5, layer="pricing", range=(start, end))
        for k, (start, end) in enumerate([(0.0, 0.2), (0.2, 0.5), (0.5, 0.9)])
    ]
    outside = _ab("other", 0.5, 0.5, layer="search", range=(0.0, 0.5))
    in_each = Counter[str]()
    overlap_with_other = 0
    for i in range(N):
        visitor = f"u{i}"
        hits = [e.id for e in layer if assign(e, visitor, {}, {}, NOW) is not None]
        assert len(hits) <= 1
        in_each.update(hits)
        if hits and assign(outside, visitor, {}, {}, NOW) is not None:
            overlap_with_other += 1
    for k, width in enumerate((0.2, 0.3, 0.4)):
        assert abs(in_each[f"price-{k}"] / N - width) < 0.015
    # a different layer is independent: about half of the 90% in "pricing" also in "search"
    assert abs(overlap_with_other / N - 0.45) < 0.02


def test_holdout_gets_nothing_and_has_its_size() -> None:
    holdout = Holdout(percent=10, seed="hold")
    exp = _ab("hero", 0.5, 0.5)
    held = 0
    for i in range(N):
        visitor = f"u{i}"
        if experiments.in_holdout(holdout, visitor):
            held += 1
            assert assign(exp, visitor, {}, {}, NOW, holdout=holdout) is None
        else:
            assert assign(exp, visitor, {}, {}, NOW, holdout=holdout) is not None
    assert abs(held / N - 0.10) < 0.01


def test_sticky_assignment_survives_weight_and_range_changes() -> None:
    before = _ab("hero", 0.5, 0.5)
    after = _ab("hero", 0.0, 1.0, range=(0.0, 0.01))
    for i in range(200):
        visitor = f"u{i}"
        first = assign(before, visitor, {}, {}, NOW)
        assert first is not None
        assert assign(after, visitor, {}, {"hero": first}, NOW) == first
    assert assign(after, "u1", {}, {"hero": "removed"}, NOW) in (None, "v1")


def test_targeting_is_always_checked() -> None:
    def only_de(attributes: Mapping[str, Any]) -> bool:
        return attributes.get("country") == "DE"

    exp = Experiment(id="de", seed="de", variations=(Variation("a"), Variation("b")), when=only_de)
    assert assign(exp, "u1", {"country": "DE"}, {}, NOW) in ("a", "b")
    assert assign(exp, "u1", {"country": "FR"}, {}, NOW) is None
    assert assign(exp, "u1", {"country": "FR"}, {"de": "a"}, NOW) is None


def test_experiment_from_dict_with_injected_compiler() -> None:
    seen: list[Any] = []

    def compile_condition(cond: Any) -> experiments.Condition:
        seen.append(cond)
        return lambda attributes: attributes.get("tier") == cond["tier"]

    raw = {
        "id": "gold",
        "seed": "s",
        "when": {"tier": "gold"},
        "kind": "ab",
        "variations": [
            {"id": "a", "weight": 1, "blocks": {"hero": "x"}},
            {"id": "b", "weight": 1, "blocks": {"hero": "y", "side": "x"}},
        ],
    }
    exp = experiments.experiment_from_dict(raw, compile_condition)
    assert seen == [{"tier": "gold"}]
    assert assign(exp, "u", {"tier": "gold"}, {}, NOW) in ("a", "b")
    assert assign(exp, "u", {"tier": "free"}, {}, NOW) is None
    assert experiments.referenced_blocks(exp) == ["x", "y"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"id": "e1", "kind": "ab", "variations": []}, "e1"),
        ({"id": "e2", "kind": "weird", "variations": [{"id": "a"}]}, "e2"),
        ({"id": "e3", "variations": [{"id": "a", "weight": "heavy"}]}, "e3"),
        ({"id": "e4", "variations": [{"id": "a"}], "range": [0.5]}, "e4"),
        ({"id": "", "variations": [{"id": "a"}]}, "id"),
    ],
)
def test_bad_experiment_names_itself(raw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ExperimentError, match=fragment):
        experiments.parse_experiments([raw])


def test_parse_holdout() -> None:
    assert experiments.parse_holdout(None) is None
    assert experiments.parse_holdout({"percent": 0, "seed": "h"}) is None
    assert experiments.parse_holdout({"percent": 5, "seed": "h"}) == Holdout(5.0, "h")
    with pytest.raises(ExperimentError):
        experiments.parse_holdout({"percent": 150, "seed": "h"})
    with pytest.raises(ExperimentError):
        experiments.parse_holdout([1])


def test_bucket_ranges_match_growthbook_layout() -> None:
    flat = [x for r in experiments.bucket_ranges([0.2, 0.3, 0.5]) for x in r]
    assert flat == pytest.approx([0.0, 0.2, 0.2, 0.5, 0.5, 1.0])
    assert experiments.bucket_ranges([1, 3]) == [(0.0, 0.25), (0.25, 1.0)]
    assert experiments.bucket_ranges([0, 0]) == [(0.0, 0.5), (0.5, 1.0)]


def test_bandit_is_sticky_within_a_time_bucket_only() -> None:
    exp = Experiment(
        id="b",
        seed="b",
        kind="bandit",
        time_bucket_hours=24,
        variations=(Variation("a"), Variation("b")),
        arms=(Arm(1, 1), Arm(1, 1)),
    )
    day = NOW - NOW % 86400
    changed = 0
    for i in range(300):
        visitor = f"u{i}"
        first = assign(exp, visitor, {}, {}, day)
        assert first is not None
        assert assign(exp, visitor, {}, {}, day + 86399) == first
        stored = {"b": experiments.sticky_value(exp, first, day)}
        # even with posteriors flipped to favour the other arm, the bucket keeps the arm
        other = "a" if first == "b" else "b"
        flipped = Experiment(
            id="b", seed="b", kind="bandit", variations=exp.variations, arms=_favour(other)
        )
        assert assign(flipped, visitor, {}, stored, day + 3600) == first
        assert assign(flipped, visitor, {}, stored, day + 86400) == other
        changed += assign(exp, visitor, {}, {}, day + 86400) != first
    assert 100 < changed < 200  # flat posteriors: a new bucket re-draws about half


def _favour(arm: str) -> tuple[Arm, Arm]:
    strong, weak = Arm(5000, 1), Arm(1, 5000)
    return (strong, weak) if arm == "a" else (weak, strong)


def test_arm_shares_for_ab_follow_weights() -> None:
    shares = experiments.arm_shares(_ab("w", 1, 3), 4000, NOW)
    assert abs(shares["v0"] - 0.25) < 0.03 and abs(shares["v1"] - 0.75) < 0.03


def test_overlapping_slices_in_a_layer_are_rejected() -> None:
    def exp(eid: str, start: float, end: float) -> dict[str, Any]:
        return {"id": eid, "layer": "L", "range": [start, end], "variations": [{"id": "a"}]}

    experiments.parse_experiments([exp("a", 0.0, 0.3), exp("b", 0.3, 0.6), exp("c", 0.6, 0.6)])
    with pytest.raises(ExperimentError, match="overlap"):
        experiments.parse_experiments([exp("a", 0.0, 0.9), exp("b", 0.2, 0.2), exp("c", 0.5, 0.6)])


def _growthbook_oracle(exp: Mapping[str, Any], visitor: str, case: Mapping[str, Any]) -> str | None:
    """The documented A/B rules restated on GrowthBook's own hashing primitives."""
    holdout = case.get("holdout")
    if holdout and (gbhash(holdout["seed"], visitor, 2) or 0.0) < holdout["percent"] / 100:
        return None
    if exp.get("when") is not None and not conditions.evaluate(
        exp["when"], case.get("attributes", {})
    ):
        return None
    ids = [v["id"] for v in exp["variations"]]
    sticky = case.get("assignments", {}).get(exp["id"], "").partition("@")[0]
    if sticky in ids:
        return str(sticky)
    start, end = exp.get("range", [0.0, 1.0])
    if not start <= (gbhash("__" + (exp.get("layer") or exp["id"]), visitor, 2) or 0.0) < end:
        return None
    weights = [float(v["weight"]) for v in exp["variations"]]
    total = sum(weights)
    weights = [w / total for w in weights] if total else [1 / len(ids)] * len(ids)
    n = gbhash(exp.get("seed") or exp["id"], visitor, 2) or 0.0
    return str(ids[chooseVariation(n, getBucketRanges(len(ids), 1, weights))])


def test_spec_ab_cases_agree_with_growthbook_primitives() -> None:
    path = os.path.join(os.path.dirname(__file__), "spec", "experiments.json")
    with open(path, encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    checked = 0
    for case in cases:
        inp = case["input"]
        if inp.get("op") != "assign" or "error" in case["expect"]:
            continue
        if any(e.get("kind") == "bandit" for e in inp["experiments"]):
            continue
        for visitor in inp["visitors"]:
            for exp in inp["experiments"]:
                expected = _growthbook_oracle(exp, visitor, inp)
                assert case["expect"][visitor][exp["id"]] == expected, (case["name"], visitor)
                checked += 1
    assert checked >= 300
