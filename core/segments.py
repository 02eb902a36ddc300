"""Segments: rule segments (conditions), nearest-centroid clusters and logistic propensities.

Models are trained at the origin and shipped as numbers; here they are only evaluated. A
segment that reads stored behaviour is computed only with profile consent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core import conditions, features
from core.arrays import ArrayError, from_bytes
from core.attributes import PROFILE_PATHS
from core.features import Feature, FeatureError
from core.state import VisitorState

Predicate = Callable[[Mapping[str, Any]], bool]


class SegmentError(ValueError):
    """A segment definition is malformed; the message names it."""


@dataclass(frozen=True)
class RuleSegment:
    """Members are the visitors whose attributes match `when`."""

    id: str
    when: Predicate
    needs_profile: bool
    reads_now: bool = False


@dataclass(frozen=True)
class CentroidModel:
    """Nearest standardized centroid wins; `names[i]` is the segment of centroid i."""

    id: str
    features: tuple[Feature, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    centroids: tuple[tuple[float, ...], ...]
    names: tuple[str, ...]

    def nearest(self, x: Sequence[float]) -> str:
        z = [(v - m) / s for v, m, s in zip(x, self.mean, self.scale, strict=True)]
        best, best_distance = 0, math.inf
        for i, centroid in enumerate(self.centroids):
            distance = 0.0
            for a, b in zip(z, centroid, strict=True):
                distance += (a - b) * (a - b)
            if distance < best_distance:
                best, best_distance = i, distance
        return self.names[best]


@dataclass(frozen=True)
class PropensityModel:
    """Logistic regression: member when sigmoid(w·x + b) ≥ threshold."""

    id: str
    features: tuple[Feature, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def score(self, x: Sequence[float]) -> float:
        logit = self.intercept
        for w, v in zip(self.coef, x, strict=True):
            logit += w * v
        if logit < -60:
            return 0.0
        if logit > 60:
            return 1.0
        return 1.0 / (1.0 + math.exp(-logit))


Segment = RuleSegment | CentroidModel | PropensityModel


def _floats(raw: object, where: str, length: int | None = None) -> tuple[float, ...]:
    if not isinstance(raw, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw
    ):
        raise SegmentError(f"{where}: expected a list of numbers")
    if length is not None and len(raw) != length:
        raise SegmentError(f"{where}: expected {length} numbers, got {len(raw)}")
    return tuple(float(v) for v in raw)


def _parse_rule(raw: Mapping[str, Any], sid: str, where: str) -> RuleSegment:
    when = raw.get("when")
    problems = conditions.validate(when)
    if problems:
        raise SegmentError(f"{where}.when ({sid}): {'; '.join(problems)}")
    paths = conditions.referenced_paths(when)
    needs_profile = bool(paths & (PROFILE_PATHS | {"segments"}))
    return RuleSegment(
        id=sid, when=conditions.compile(when), needs_profile=needs_profile, reads_now="now" in paths
    )


def _parse_centroid(raw: Mapping[str, Any], sid: str, where: str) -> CentroidModel:
    feats = features.parse_features(raw.get("features"), f"{where}.features")
    d = len(feats)
    names = raw.get("names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise SegmentError(f"{where}.names: expected a non-empty list of segment ids")
    try:
        flat = from_bytes(raw.get("centroids"), "f4", len(names) * d)
    except ArrayError as exc:
        raise SegmentError(f"{where}.centroids: {exc}") from None
    scale = _floats(raw.get("scale", [1.0] * d), f"{where}.scale", d)
    if any(s <= 0 for s in scale):
        raise SegmentError(f"{where}.scale: every scale must be positive")
    centroids = tuple(tuple(flat[i * d : (i + 1) * d]) for i in range(len(names)))
    return CentroidModel(
        id=sid,
        features=feats,
        mean=_floats(raw.get("mean", [0.0] * d), f"{where}.mean", d),
        scale=scale,
        centroids=centroids,
        names=tuple(names),
    )


def _parse_propensity(raw: Mapping[str, Any], sid: str, where: str) -> PropensityModel:
    feats = features.parse_features(raw.get("features"), f"{where}.features")
    intercept = raw.get("intercept", 0.0)
    threshold = raw.get("threshold", 0.5)
    if not isinstance(intercept, (int, float)) or not isinstance(threshold, (int, float)):
        raise SegmentError(f"{where}: intercept and threshold must be numbers")
    return PropensityModel(
        id=sid,
        features=feats,
        coef=_floats(raw.get("coef"), f"{where}.coef", len(feats)),
        intercept=float(intercept),
        threshold=float(threshold),
    )


def parse(raw: object) -> tuple[Segment, ...]:
    """Validate and compile the bundle's `segments` list."""
    if not isinstance(raw, list):
        raise SegmentError("segments: expected a list")
    parsed: list[Segment] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"segments[{i}]"
        if not isinstance(item, Mapping):
            raise SegmentError(f"{where}: expected a map")
        sid = item.get("id")
        if not isinstance(sid, str) or not sid:
            raise SegmentError(f"{where}.id: expected a non-empty string")
        if sid in seen:
            raise SegmentError(f"{where}.id: duplicate segment id {sid!r}")
        seen.add(sid)
        kind = item.get("kind", "rule")
        try:
            if kind == "rule":
                parsed.append(_parse_rule(item, sid, where))
            elif kind == "centroid":
                parsed.append(_parse_centroid(item, sid, where))
            elif kind == "propensity":
                parsed.append(_parse_propensity(item, sid, where))
            else:
                raise SegmentError(f"{where}.kind: unknown segment kind {kind!r}")
        except FeatureError as exc:
            raise SegmentError(str(exc)) from None
    return tuple(parsed)


@dataclass
class Membership:
    """The segments a visitor is in, and the propensity scores behind them."""

    segments: list[str]
    propensity: dict[str, float]


def compute(
    segment_list: Sequence[Segment],
    attributes: dict[str, Any],
    state: VisitorState | None,
    now: int,
    half_life_hours: float,
    hidden: frozenset[str] = frozenset(),
) -> Membership:
    """Evaluate every segment in order; `state` None means contextual mode (no profile).

    Rule segments see the segments found before them in `attributes["segments"]`, so a
    segment can build on earlier ones.
    """
    members: list[str] = []
    propensity: dict[str, float] = dict(attributes.get("propensity") or {})
    attributes["segments"] = members
    attributes["propensity"] = propensity
    device = attributes.get("device")
    vectors: dict[tuple[Feature, ...], list[float]] = {}
    for segment in segment_list:
        if isinstance(segment, RuleSegment):
            if segment.needs_profile and state is None:
                continue
            if segment.when(attributes):
                members.append(segment.id)
            continue
        if state is None:
            continue
        x = vectors.get(segment.features)
        if x is None:
            x = features.vector(segment.features, state, now, half_life_hours, device, hidden)
            vectors[segment.features] = x
        if isinstance(segment, CentroidModel):
            members.append(segment.nearest(x))
        else:
            score = segment.score(x)
            propensity[segment.id] = score
            if score >= segment.threshold:
                members.append(segment.id)
    return Membership(segments=members, propensity=propensity)
