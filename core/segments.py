"""Segments: rule segments (conditions), nearest-centroid clusters and logistic propensities.

Models are trained at the origin and shipped as numbers; here they are only evaluated. A
segment that reads stored behaviour is computed only with profile consent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core import conditions, features, model_compile
from core.arrays import ArrayError, from_bytes
from core.attributes import PROFILE_PATHS
from core.features import Feature, FeatureError
from core.state import VisitorState

Predicate = conditions.Predicate


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


INDEPENDENT_OF = frozenset({"segments", "propensity"})
"""Rule segments reading neither of these can be evaluated together, in one batch."""


@dataclass(frozen=True)
class Plan:
    """A bundle's segments, arranged for evaluation once per request.

    Rule segments that do not build on other segments or propensities are evaluated in two
    batches (`conditions.compile_all`: every attribute read once, one shared event index):
    those usable without profile consent, and those needing it. The rest are evaluated in
    declared order after them. Membership is always reported in declared order.
    """

    segments: tuple[Segment, ...]
    context_ids: tuple[str, ...] = ()
    context_batch: conditions.Batch | None = None
    profile_ids: tuple[str, ...] = ()
    profile_batch: conditions.Batch | None = None
    sequential: tuple[Segment, ...] = ()
    order: Mapping[str, int] = field(default_factory=dict)
    features: tuple[Feature, ...] = ()
    positions: tuple[tuple[int, ...], ...] = ()
    """The distinct features of all models, and for each of `sequential` the positions of
    its features among them (empty for rule segments): each is computed once per visit."""
    runs: tuple[Callable[[Sequence[float]], Any] | None, ...] = ()
    """For each of `sequential`, its model as generated code over the shared feature values
    (`core.model_compile`; same answers), or None: a rule segment or the model's own loop."""


def _shared_features(
    sequential: Sequence[Segment],
) -> tuple[tuple[Feature, ...], tuple[tuple[int, ...], ...]]:
    distinct: dict[Feature, int] = {}
    positions: list[tuple[int, ...]] = []
    for segment in sequential:
        if isinstance(segment, RuleSegment):
            positions.append(())
            continue
        positions.append(tuple(distinct.setdefault(f, len(distinct)) for f in segment.features))
    return tuple(distinct), tuple(positions)


def _runs(
    sequential: Sequence[Segment], positions: Sequence[tuple[int, ...]]
) -> tuple[Callable[[Sequence[float]], Any] | None, ...]:
    runs: list[Callable[[Sequence[float]], Any] | None] = []
    for segment, where in zip(sequential, positions, strict=True):
        if isinstance(segment, CentroidModel):
            runs.append(
                model_compile.nearest_function(
                    segment.mean, segment.scale, segment.centroids, segment.names, where
                )
            )
        elif isinstance(segment, PropensityModel):
            runs.append(model_compile.score_function(segment.coef, segment.intercept, where))
        else:
            runs.append(None)
    return tuple(runs)


def _order(segment_list: Sequence[Segment]) -> dict[str, int]:
    """Rank of every id `compute` can report: segments in declared order, then cluster
    names that are not segment ids themselves (so membership sorts with a C-level key)."""
    order = {segment.id: i for i, segment in enumerate(segment_list)}
    for segment in segment_list:
        if isinstance(segment, CentroidModel):
            for name in segment.names:
                order.setdefault(name, len(segment_list))
    return order


def plan(segment_list: Sequence[Segment], raw: Sequence[Any] = ()) -> Plan:
    """Group the segments; `raw` are their bundle maps (for the conditions to batch)."""
    conditions_by_id = {
        item.get("id"): item.get("when") for item in raw if isinstance(item, Mapping)
    }
    context: list[tuple[str, Any]] = []
    profile: list[tuple[str, Any]] = []
    sequential: list[Segment] = []
    for segment in segment_list:
        when = conditions_by_id.get(segment.id)
        if (
            isinstance(segment, RuleSegment)
            and when is not None
            and not conditions.referenced_paths(when) & INDEPENDENT_OF
        ):
            (profile if segment.needs_profile else context).append((segment.id, when))
        else:
            sequential.append(segment)
    shared, positions = _shared_features(sequential)
    return Plan(
        segments=tuple(segment_list),
        features=shared,
        positions=positions,
        runs=_runs(sequential, positions),
        context_ids=tuple(i for i, _ in context),
        context_batch=conditions.compile_all([c for _, c in context]) if context else None,
        profile_ids=tuple(i for i, _ in profile),
        profile_batch=conditions.compile_all([c for _, c in profile]) if profile else None,
        sequential=tuple(sequential),
        order=_order(segment_list),
    )


def compute(
    arranged: Plan | Sequence[Segment],
    attributes: dict[str, Any],
    state: VisitorState | None,
    now: int,
    half_life_hours: float,
    hidden: frozenset[str] = frozenset(),
    index: conditions.EventIndex | None = None,
    decayed: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
) -> Membership:
    """Every segment the visitor is in; `state` None means contextual mode (no profile).

    Rule segments that read `segments` see those found before them (batched ones first,
    then the others in declared order), so a segment can build on others. `index` is the
    attributes' EventIndex when the caller shares one with other conditions; `decayed` the
    state's counters at `now` when the caller has them (see `features.vector`).
    """
    steps = arranged if isinstance(arranged, Plan) else plan(arranged)
    if index is None:
        index = conditions.EventIndex(attributes)
    members: list[str] = []
    propensity: dict[str, float] = dict(attributes.get("propensity") or {})
    attributes["segments"] = members
    attributes["propensity"] = propensity
    if steps.context_batch is not None:
        members.extend(
            i
            for i, hit in zip(
                steps.context_ids, steps.context_batch(attributes, index), strict=True
            )
            if hit
        )
    if state is not None and steps.profile_batch is not None:
        members.extend(
            i
            for i, hit in zip(
                steps.profile_ids, steps.profile_batch(attributes, index), strict=True
            )
            if hit
        )
    batched = len(members)
    device = attributes.get("device")
    values: list[float] | None = None
    runs = steps.runs or (None,) * len(steps.sequential)
    for segment, where, run in zip(steps.sequential, steps.positions, runs, strict=True):
        if isinstance(segment, RuleSegment):
            if segment.needs_profile and state is None:
                continue
            if segment.when(attributes, index):
                members.append(segment.id)
            continue
        if state is None:
            continue
        if values is None:
            values = features.vector(
                steps.features, state, now, half_life_hours, device, hidden, decayed
            )
        if isinstance(segment, CentroidModel):
            members.append(run(values) if run else segment.nearest([values[i] for i in where]))
        else:
            score = run(values) if run else segment.score([values[i] for i in where])
            propensity[segment.id] = score
            if score >= segment.threshold:
                members.append(segment.id)
    if batched and len(members) > 1 and steps.order:
        order = steps.order
        try:
            members.sort(key=order.__getitem__)
        except KeyError:  # a hand-made Plan whose order misses some id: unknown ids last
            members.sort(key=lambda sid: order.get(sid, len(order)))
    return Membership(segments=members, propensity=propensity)
