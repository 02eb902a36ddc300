"""Behaviour features for centroid and propensity segments, computed identically everywhere.

The origin trains K-Means and logistic models on these features and ships the feature
definitions with the model; the edge computes them from the live visitor state with this
same code, so training and serving cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.state import VisitorState
from core.state import decayed as decayed_table

FEATURE_KINDS = frozenset(
    {
        "interest",
        "event_count",
        "recent_items",
        "cart_size",
        "purchases",
        "hours_since_last",
        "device",
        "session_pages",
        "visit_count",
    }
)
MAX_HOURS = 720.0


class FeatureError(ValueError):
    """A feature definition is malformed."""


@dataclass(frozen=True)
class Feature:
    """One named input of a model: `kind` says how to read it, `key` what to read."""

    name: str
    kind: str
    key: str = ""


def parse_features(raw: object, where: str) -> tuple[Feature, ...]:
    """Validate a list of {name, kind, key} maps."""
    if not isinstance(raw, list) or not raw:
        raise FeatureError(f"{where}: expected a non-empty list of features")
    features = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise FeatureError(f"{where}[{i}]: expected a map")
        kind = item.get("kind")
        if kind not in FEATURE_KINDS:
            raise FeatureError(f"{where}[{i}].kind: unknown feature kind {kind!r}")
        key = item.get("key", "")
        name = item.get("name", f"{kind}:{key}")
        if not isinstance(key, str) or not isinstance(name, str):
            raise FeatureError(f"{where}[{i}]: name and key must be strings")
        features.append(Feature(name=name, kind=str(kind), key=key))
    return tuple(features)


def _hours_since_last(state: VisitorState, event_type: str, now: int) -> float:
    for event in reversed(state.events):
        if event.type == event_type:
            return min(MAX_HOURS, max(0.0, (now - event.ts) / 3600.0))
    return MAX_HOURS


def _hidden(interest_key: str, hidden: frozenset[str]) -> bool:
    """An interest ("category:x", "tag:y") in a sensitive category or tag not opted in."""
    return bool(hidden) and interest_key.partition(":")[2] in hidden


def value(
    feature: Feature,
    state: VisitorState,
    now: int,
    half_life_hours: float,
    device: str | None,
    hidden: frozenset[str] = frozenset(),
) -> float:
    """The value of one feature for this visitor at `now` (0.0 when absent).

    Interests in `hidden` (sensitive categories or tags without opt-in) read as 0.0.
    """
    kind = feature.kind
    if kind == "interest":
        if _hidden(feature.key, hidden):
            return 0.0
        counter = state.interests.get(feature.key)
        return counter.at(now, half_life_hours) if counter else 0.0
    if kind == "event_count":
        counter = state.counts.get(feature.key)
        return counter.at(now, half_life_hours) if counter else 0.0
    if kind == "recent_items":
        return float(len(state.recent_items))
    if kind == "cart_size":
        return float(len(state.cart))
    if kind == "purchases":
        return float(len(state.purchases))
    if kind == "hours_since_last":
        return _hours_since_last(state, feature.key, now)
    if kind == "device":
        return 1.0 if device == feature.key else 0.0
    if kind == "session_pages":
        return float(state.session_pages)
    if kind == "visit_count":
        return float(state.visit_count)
    return 0.0


def vector(
    features: Sequence[Feature],
    state: VisitorState,
    now: int,
    half_life_hours: float,
    device: str | None = None,
    hidden: frozenset[str] = frozenset(),
    decayed: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
) -> list[float]:
    """All features of a model, in order.

    `decayed` is the state's (interests, counts) already decayed to `now` (`state.decayed`),
    when the caller has them: interest and count features are then read, not recomputed.
    Without it they are decayed here, once per table rather than once per feature.
    """
    if decayed is None:
        decayed = (
            decayed_table(state.interests, now, half_life_hours),
            decayed_table(state.counts, now, half_life_hours),
        )
    interests, counts = decayed
    out: list[float] = []
    for f in features:
        kind = f.kind
        if kind == "interest":
            out.append(0.0 if _hidden(f.key, hidden) else interests.get(f.key, 0.0))
        elif kind == "event_count":
            out.append(counts.get(f.key, 0.0))
        else:
            out.append(value(f, state, now, half_life_hours, device, hidden))
    return out


def describe(features: Sequence[Feature]) -> list[dict[str, Any]]:
    """Features back to their bundle form (the origin writes these next to a model)."""
    return [{"name": f.name, "kind": f.kind, "key": f.key} for f in features]
