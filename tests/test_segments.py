"""core.segments: rule segments, nearest-centroid clusters and logistic propensities."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.arrays import to_bytes
from core.segments import (
    CentroidModel,
    PropensityModel,
    RuleSegment,
    SegmentError,
    compute,
    parse,
    plan,
)
from core.state import Counter, fresh
from tests.core_support import T0

CART = [{"name": "cart", "kind": "cart_size"}]


def centroid(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "cluster",
        "kind": "centroid",
        "features": [{"kind": "cart_size"}, {"kind": "session_pages"}],
        "mean": [0.0, 0.0],
        "scale": [1.0, 1.0],
        "centroids": to_bytes([0.0, 0.0, 10.0, 0.0, 0.0, 10.0], "f4"),
        "names": ["browsers", "carters", "readers"],
    }
    raw.update(changes)
    return raw


def propensity(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "buyer",
        "kind": "propensity",
        "features": CART,
        "coef": [1.0],
        "intercept": -2.0,
        "threshold": 0.5,
    }
    raw.update(changes)
    return raw


def test_parse_builds_each_kind() -> None:
    rule = {"id": "mobile", "when": {"device": "mobile"}}
    parsed = parse([rule, centroid(), propensity()])
    assert [type(s) for s in parsed] == [RuleSegment, CentroidModel, PropensityModel]
    assert [s.id for s in parsed] == ["mobile", "cluster", "buyer"]


def test_rule_segments_know_whether_they_read_the_profile() -> None:
    parsed = parse(
        [
            {"id": "ctx", "kind": "rule", "when": {"device": "mobile", "local_hour": {"$gt": 3}}},
            {"id": "cart", "kind": "rule", "when": {"cart_size": {"$gt": 0}}},
            {"id": "count", "kind": "rule", "when": {"$count": {"event": "view", "gte": 1}}},
            {"id": "interest", "kind": "rule", "when": {"$interest": {"key": "a", "gte": 1}}},
            {"id": "on_seg", "kind": "rule", "when": {"segments": "ctx"}},
        ]
    )
    flags = {s.id: s.needs_profile for s in parsed if isinstance(s, RuleSegment)}
    assert flags == {"ctx": False, "cart": True, "count": True, "interest": True, "on_seg": True}


@pytest.mark.parametrize(
    "raw,match",
    [
        ({"segments": 1}, r"^segments: expected a list"),
        ([1], r"segments\[0\]: expected a map"),
        ([{"when": {}}], r"segments\[0\]\.id"),
        ([{"id": "a", "when": {}}, {"id": "a", "when": {}}], r"segments\[1\]\.id: duplicate"),
        ([{"id": "a", "kind": "magic"}], r"segments\[0\]\.kind"),
        ([{"id": "a", "when": {"$bogus": 1}}], r"segments\[0\]\.when \(a\)"),
        ([centroid(centroids=to_bytes([0.0] * 5, "f4"))], r"segments\[0\]\.centroids"),
        ([centroid(names=[])], r"segments\[0\]\.names"),
        ([centroid(scale=[1.0, 0.0])], r"segments\[0\]\.scale"),
        ([centroid(mean=[0.0])], r"segments\[0\]\.mean"),
        ([centroid(features=[{"kind": "nope"}])], r"segments\[0\]\.features\[0\]\.kind"),
        ([propensity(coef=[1.0, 2.0])], r"segments\[0\]\.coef"),
        ([propensity(coef=["1"])], r"segments\[0\]\.coef"),
        ([propensity(intercept="0")], r"segments\[0\]"),
        ([propensity(features=[])], r"segments\[0\]\.features"),
    ],
)
def test_malformed_segments_name_the_field(raw: Any, match: str) -> None:
    with pytest.raises(SegmentError, match=match):
        parse(raw if isinstance(raw, list) else raw["segments"])


def test_nearest_centroid() -> None:
    (model,) = parse([centroid()])
    assert isinstance(model, CentroidModel)
    assert model.nearest([1.0, 1.0]) == "browsers"
    assert model.nearest([8.0, 1.0]) == "carters"
    assert model.nearest([0.0, 7.0]) == "readers"


def test_centroid_distance_is_measured_after_standardising() -> None:
    (model,) = parse([centroid(mean=[10.0, 0.0], scale=[10.0, 1.0])])
    assert isinstance(model, CentroidModel)
    # raw x=(10, 0) standardises to (0, 0): the "browsers" centroid, not "carters"
    assert model.nearest([10.0, 0.0]) == "browsers"
    assert model.nearest([110.0, 0.0]) == "carters"


def test_centroid_ties_go_to_the_first() -> None:
    (model,) = parse([centroid(centroids=to_bytes([1.0, 0.0, -1.0, 0.0, 9.0, 9.0], "f4"))])
    assert isinstance(model, CentroidModel)
    assert model.nearest([0.0, 0.0]) == "browsers"


def test_propensity_is_the_logistic_of_the_linear_score() -> None:
    (model,) = parse([propensity(coef=[0.5], intercept=-1.0)])
    assert isinstance(model, PropensityModel)
    for x in (0.0, 1.0, 2.0, 5.0):
        assert model.score([x]) == pytest.approx(1.0 / (1.0 + math.exp(-(0.5 * x - 1.0))))
    assert model.score([2.0]) == pytest.approx(0.5)


def test_propensity_saturates_without_overflow() -> None:
    (model,) = parse([propensity(coef=[1000.0], intercept=0.0)])
    assert isinstance(model, PropensityModel)
    assert model.score([1e6]) == 1.0
    assert model.score([-1e6]) == 0.0


@given(st.floats(-1e6, 1e6))
def test_propensity_is_a_probability(x: float) -> None:
    (model,) = parse([propensity(coef=[0.37], intercept=-0.2)])
    assert isinstance(model, PropensityModel)
    assert 0.0 <= model.score([x]) <= 1.0


def cart_state(size: int) -> Any:
    s = fresh("v", T0)
    s.cart = [f"i{n}" for n in range(size)]
    return s


@pytest.mark.parametrize(
    "cart,threshold,member",
    [(1, 0.5, False), (2, 0.5, True), (3, 0.5, True), (3, 0.8, True), (3, 0.9, False)],
)
def test_propensity_membership_uses_the_threshold(
    cart: int, threshold: float, member: bool
) -> None:
    # score = sigmoid(2 * cart - 4): 0.119, 0.5 (exactly the threshold: member), 0.881
    segs = parse([propensity(threshold=threshold, coef=[2.0], intercept=-4.0)])
    attrs: dict[str, Any] = {"device": "desktop"}
    membership = compute(segs, attrs, cart_state(cart), T0, 72.0)
    score = 1.0 / (1.0 + math.exp(-(2.0 * cart - 4.0)))
    assert membership.propensity["buyer"] == pytest.approx(score)
    assert ("buyer" in membership.segments) is member
    assert attrs["propensity"] is membership.propensity


def test_compute_adds_centroid_name_and_keeps_known_propensities() -> None:
    segs = parse([centroid(), propensity()])
    attrs: dict[str, Any] = {"propensity": {"churn": 0.3}}
    membership = compute(segs, attrs, cart_state(9), T0, 72.0)
    assert membership.segments == ["carters", "buyer"]
    assert membership.propensity["churn"] == 0.3
    assert attrs["segments"] == ["carters", "buyer"]


def test_contextual_mode_skips_profile_segments() -> None:
    segs = parse(
        [
            {"id": "mobile", "when": {"device": "mobile"}},
            {"id": "cart", "when": {"cart_size": {"$gt": 0}}},
            {"id": "viewer", "when": {"$count": {"event": "view", "gte": 0}}},
            centroid(),
            propensity(intercept=10.0),
        ]
    )
    # the attributes even carry profile-looking data: contextual mode must not use it
    attrs: dict[str, Any] = {"device": "mobile", "cart_size": 5, "events": [], "now": T0}
    membership = compute(segs, attrs, None, T0, 72.0)
    assert membership.segments == ["mobile"]
    assert membership.propensity == {}


def test_profile_mode_evaluates_profile_rules() -> None:
    segs = parse([{"id": "cart", "when": {"cart_size": {"$gt": 0}}}])
    attrs: dict[str, Any] = {"cart_size": 2}
    assert compute(segs, attrs, cart_state(2), T0, 72.0).segments == ["cart"]


def test_segments_build_on_earlier_ones_in_order() -> None:
    segs = parse(
        [
            {"id": "mobile", "when": {"device": "mobile"}},
            {"id": "mobile_evening", "when": {"segments": "mobile", "local_hour": {"$gte": 18}}},
            {"id": "buyer_on_mobile", "when": {"segments": {"$all": ["mobile", "buyer"]}}},
            propensity(intercept=10.0),
            {"id": "late", "when": {"segments": "buyer"}},
        ]
    )
    attrs: dict[str, Any] = {"device": "mobile", "local_hour": 20}
    membership = compute(segs, attrs, cart_state(0), T0, 72.0)
    # "buyer_on_mobile" comes before "buyer" is known; "late" comes after it
    assert membership.segments == ["mobile", "mobile_evening", "buyer", "late"]


def test_compute_replaces_stale_segments_in_the_attributes() -> None:
    segs = parse([{"id": "a", "when": {"segments": "stale"}}])
    attrs: dict[str, Any] = {"segments": ["stale"]}
    assert compute(segs, attrs, cart_state(0), T0, 72.0).segments == []


def test_features_decay_with_the_given_half_life() -> None:
    raw = propensity(
        features=[{"kind": "interest", "key": "category:hiking"}], coef=[1.0], intercept=-1.0
    )
    segs = parse([raw])
    s = fresh("v", T0)
    s.interests["category:hiking"] = Counter(2.0, T0)
    fresh_score = compute(segs, {}, s, T0, 10.0).propensity["buyer"]
    later_score = compute(segs, {}, s, T0 + 10 * 3600, 10.0).propensity["buyer"]
    assert fresh_score == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert later_score == pytest.approx(0.5)


def test_batched_and_model_segments_are_reported_in_declared_order() -> None:
    """Cluster names that are not segment ids go last; one that is an id takes its place."""
    raw = [
        centroid(names=["browsers", "carters", "mobile"]),
        propensity(intercept=10.0),
        {"id": "mobile", "when": {"device": "mobile"}},
        {"id": "early", "when": {"local_hour": {"$lt": 9}}},
    ]
    steps = plan(parse(raw), raw)
    assert steps.context_ids == ("mobile", "early")  # evaluated first, in one batch
    attrs: dict[str, Any] = {"device": "mobile", "local_hour": 8}
    membership = compute(steps, attrs, cart_state(9), T0, 72.0)
    assert membership.segments == ["buyer", "mobile", "early", "carters"]
    reader = cart_state(0)
    reader.session_pages = 10  # nearest to the third centroid, named like a segment
    attrs = {"device": "desktop", "local_hour": 8}
    assert compute(steps, attrs, reader, T0, 72.0).segments == ["buyer", "mobile", "early"]
    partial = replace(steps, order={"early": 0})  # a hand-made plan missing ids still sorts
    attrs = {"device": "mobile", "local_hour": 8}
    assert compute(partial, attrs, cart_state(9), T0, 72.0).segments == [
        "early", "mobile", "carters", "buyer"
    ]


def test_models_run_as_generated_code_and_fall_back_to_their_loops() -> None:
    """A plan runs each model as generated code; a model with a non-finite constant (which
    has no source literal) runs its own loop instead, with the same answers either way."""
    finite = parse([centroid(), propensity()])
    huge = parse([centroid(mean=[0.0, -math.inf]), propensity(intercept=math.inf)])
    assert all(run is not None for run in plan(finite).runs)
    assert all(run is None for run in plan(huge).runs)
    for cart in (0, 1, 3, 9):
        for segs in (finite, huge):
            state = cart_state(cart)
            got = compute(plan(segs), {}, state, T0, 72.0)
            x = [float(cart), float(state.session_pages)]
            cluster, buyer = segs
            assert isinstance(cluster, CentroidModel) and isinstance(buyer, PropensityModel)
            assert got.segments[0] == cluster.nearest(x)
            assert got.propensity["buyer"] == buyer.score([float(cart)])
