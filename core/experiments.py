"""Experiments: who is in which test, and which variation they see.

Order of checks in `assign`, and why:

1. Global holdout (`in_holdout`): a fixed slice of visitors sees only defaults, so the lift
   of personalization as a whole stays measurable. Position ``bucket(holdout.seed, v)``;
   ``percent`` is 0..100.
2. Targeting (`when`): always re-checked, so an experiment never shows outside its audience.
3. Stickiness: a stored variation is kept while it still exists, even when weights or
   ranges were edited since; a bandit's stored arm is kept only within its time bucket
   (values "arm@bucket", see `sticky_value`; a bare arm id is simply re-drawn, which gives
   the same arm unless the posteriors changed).
4. Layer exclusivity: experiments in one layer own disjoint slices ``[start, end)`` of the
   layer's hash space, position ``bucket("__" + layer, v)``, so a visitor is in at most
   one of them. An experiment without a layer is its own layer (its range is its traffic
   share). The "__" prefix keeps layer hashes apart from variation hashes.
5. Variation: A/B splits ``bucket(seed, v)`` into GrowthBook-style consecutive weight
   ranges (same answer as GrowthBook for the same seed and weights); bandits use Thompson
   sampling (`core.bandit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from core import bandit, conditions
from core.bandit import Arm
from core.hashing import bucket

Condition = Callable[[Mapping[str, Any]], bool]


class ExperimentError(ValueError):
    """An experiment definition that cannot be used; the message names it."""


@dataclass(frozen=True)
class Variation:
    """One arm of an experiment and the blocks it puts in slots."""

    id: str
    weight: float = 1.0
    blocks: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """An A/B test or a Beta-Bernoulli bandit (see the module doc for the rules)."""

    id: str
    seed: str
    variations: tuple[Variation, ...]
    layer: str | None = None
    range: tuple[float, float] = (0.0, 1.0)
    when: Condition | None = None
    kind: str = "ab"
    arms: tuple[Arm, ...] = ()
    time_bucket_hours: float = bandit.DEFAULT_BUCKET_HOURS

    def variation_ids(self) -> tuple[str, ...]:
        """Variation ids in order."""
        return tuple(v.id for v in self.variations)

    def bandit_arms(self) -> tuple[Arm, ...]:
        """One posterior per variation; missing ones are the flat Beta(1, 1)."""
        missing = max(0, len(self.variations) - len(self.arms))
        return (self.arms + (Arm(),) * missing)[: len(self.variations)]


@dataclass(frozen=True)
class Holdout:
    """The global holdout: `percent` (0..100) of visitors always get the defaults."""

    percent: float
    seed: str


def _default_compile(condition: Any) -> Condition:
    """Validate and compile with `core.conditions`, the language rules and segments share."""
    problems = conditions.validate(condition)
    if problems:
        raise ValueError(f"when: {'; '.join(problems)}")
    return conditions.compile(condition)


def experiment_from_dict(
    data: Mapping[str, Any], compile_condition: Callable[[Any], Condition] | None = None
) -> Experiment:
    """Build an experiment from its bundle map; raises `ExperimentError` naming it."""
    name = str(data.get("id", "?"))
    if not isinstance(data.get("id"), str) or not data["id"]:
        raise ExperimentError(f"experiment {name}: id must be a non-empty string")
    try:
        variations = tuple(
            Variation(
                id=str(v["id"]),
                weight=float(v.get("weight", 1.0)),
                blocks={str(k): str(b) for k, b in (v.get("blocks") or {}).items()},
            )
            for v in data.get("variations") or ()
        )
        arms = tuple(
            Arm(float(a.get("alpha", 1.0)), float(a.get("beta", 1.0)))
            for a in data.get("arms") or ()
        )
        start, end = (float(x) for x in data.get("range") or (0.0, 1.0))
        when_raw = data.get("when")
        when = None
        if when_raw is not None:
            when = (compile_condition or _default_compile)(when_raw)
        experiment = Experiment(
            id=str(data["id"]),
            seed=str(data.get("seed") or data["id"]),
            variations=variations,
            layer=str(data["layer"]) if data.get("layer") is not None else None,
            range=(start, end),
            when=when,
            kind=str(data.get("kind", "ab")),
            arms=arms,
            time_bucket_hours=float(data.get("time_bucket_hours", bandit.DEFAULT_BUCKET_HOURS)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExperimentError(f"experiment {name}: {exc}") from exc
    _check(experiment)
    return experiment


def _check(experiment: Experiment) -> None:
    name = experiment.id
    if experiment.kind not in ("ab", "bandit"):
        raise ExperimentError(f"experiment {name}: kind must be ab or bandit")
    if not experiment.variations:
        raise ExperimentError(f"experiment {name}: no variations")
    if len(set(experiment.variation_ids())) != len(experiment.variations):
        raise ExperimentError(f"experiment {name}: duplicate variation ids")
    if any(not (v.weight >= 0.0) for v in experiment.variations):
        raise ExperimentError(f"experiment {name}: weights must be >= 0")
    if any(not (a.alpha > 0.0 and a.beta > 0.0) for a in experiment.arms):
        raise ExperimentError(f"experiment {name}: arm alpha and beta must be > 0")
    start, end = experiment.range
    if not 0.0 <= start <= end <= 1.0:
        raise ExperimentError(f"experiment {name}: range must satisfy 0 <= start <= end <= 1")


def parse_experiments(
    raw: object, compile_condition: Callable[[Any], Condition] | None = None
) -> dict[str, Experiment]:
    """The bundle's `experiments` list as {id: Experiment}; raises `ExperimentError`."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ExperimentError("experiments: expected a list")
    parsed: dict[str, Experiment] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ExperimentError(f"experiments[{i}]: expected a map")
        experiment = experiment_from_dict(item, compile_condition)
        if experiment.id in parsed:
            raise ExperimentError(f"experiments[{i}]: duplicate experiment id {experiment.id!r}")
        parsed[experiment.id] = experiment
    _check_layers(parsed.values())
    return parsed


def _check_layers(experiments: Iterable[Experiment]) -> None:
    """Experiments sharing a layer must own disjoint slices, or exclusivity would break."""
    by_layer: dict[str, list[Experiment]] = {}
    for experiment in experiments:
        if experiment.layer is not None:
            by_layer.setdefault(experiment.layer, []).append(experiment)
    for layer, members in by_layer.items():
        owner: Experiment | None = None  # the member whose slice reaches furthest so far
        for experiment in sorted(members, key=lambda e: e.range):
            start, end = experiment.range
            if start == end:
                continue  # an empty slice holds nobody
            if owner is not None and start < owner.range[1]:
                raise ExperimentError(
                    f"experiments {owner.id} and {experiment.id} overlap in layer {layer!r}"
                )
            if owner is None or end > owner.range[1]:
                owner = experiment


def referenced_blocks(experiment: Experiment) -> list[str]:
    """Every block id the experiment's variations put in slots (for bundle validation)."""
    return sorted({b for v in experiment.variations for b in v.blocks.values()})


def holdout_from_dict(data: Mapping[str, Any] | None) -> Holdout | None:
    """The bundle's holdout, or None when absent or zero."""
    if not data or not float(data.get("percent", 0.0)) > 0.0:
        return None
    return Holdout(percent=float(data["percent"]), seed=str(data.get("seed", "holdout")))


def parse_holdout(raw: object) -> Holdout | None:
    """The bundle's `holdout` map; raises `ExperimentError` when malformed."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ExperimentError("holdout: expected a map")
    try:
        holdout = holdout_from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise ExperimentError(f"holdout: {exc}") from exc
    if holdout is not None and not holdout.percent <= 100.0:
        raise ExperimentError("holdout.percent: expected 0..100")
    return holdout


def in_holdout(holdout: Holdout | None, visitor_id: str) -> bool:
    """Whether the visitor is in the global holdout."""
    if holdout is None:
        return False
    return bucket(holdout.seed, visitor_id) < holdout.percent / 100.0


def layer_position(experiment: Experiment, visitor_id: str) -> float:
    """The visitor's position in the experiment's layer hash space."""
    return bucket(
        "__" + (experiment.layer if experiment.layer is not None else experiment.id), visitor_id
    )


def in_range(experiment: Experiment, visitor_id: str) -> bool:
    """Whether the visitor's layer position falls in the experiment's slice."""
    start, end = experiment.range
    return start <= layer_position(experiment, visitor_id) < end


def bucket_ranges(weights: Sequence[float]) -> list[tuple[float, float]]:
    """Consecutive [start, end) ranges, weights normalised to sum 1 (equal if all zero).

    The total is added left to right, as GrowthBook's SDKs do: `sum()` of floats is
    compensated since Python 3.12, so it can differ in the last bit between CPython and
    Pyodide and move a boundary onto a visitor's exact bucket.
    """
    total = 0.0
    for weight in weights:
        total += weight
    norm = [w / total for w in weights] if total > 0 else [1.0 / len(weights)] * len(weights)
    ranges: list[tuple[float, float]] = []
    cumulative = 0.0
    for w in norm:
        ranges.append((cumulative, cumulative + w))
        cumulative += w
    if ranges:
        ranges[-1] = (ranges[-1][0], 1.0)
    return ranges


@lru_cache(maxsize=256)
def _cached_ranges(weights: tuple[float, ...]) -> tuple[tuple[float, float], ...]:
    return tuple(bucket_ranges(weights))


def choose_weighted(experiment: Experiment, visitor_id: str) -> str:
    """The A/B variation from the seed hash and the weight ranges."""
    n = bucket(experiment.seed, visitor_id)
    ranges = _cached_ranges(tuple(v.weight for v in experiment.variations))
    for variation, (start, end) in zip(experiment.variations, ranges, strict=True):
        if start <= n < end:
            return variation.id
    return experiment.variations[-1].id


def choose_bandit(experiment: Experiment, visitor_id: str, now: int) -> str:
    """The Thompson-sampled variation for this visitor in the current time bucket."""
    tb = bandit.time_bucket(now, experiment.time_bucket_hours)
    index = bandit.choose(experiment.seed, experiment.bandit_arms(), visitor_id, tb)
    return experiment.variations[index].id


def sticky_value(experiment: Experiment, variation_id: str, now: int) -> str:
    """What to store in `VisitorState.assignments` for this assignment."""
    if experiment.kind == "bandit":
        return f"{variation_id}@{bandit.time_bucket(now, experiment.time_bucket_hours)}"
    return variation_id


def _sticky(experiment: Experiment, stored: str | None, now: int) -> str | None:
    if not stored:
        return None
    variation_id, _, stored_bucket = stored.partition("@")
    if variation_id not in experiment.variation_ids():
        return None
    if experiment.kind == "bandit":
        current = bandit.time_bucket(now, experiment.time_bucket_hours)
        return variation_id if stored_bucket == str(current) else None
    return variation_id


def assign(
    experiment: Experiment,
    visitor_id: str,
    attributes: Mapping[str, Any],
    assignments: Mapping[str, str],
    now: int,
    *,
    holdout: Holdout | None = None,
) -> str | None:
    """The visitor's variation id, or None when they are not in this experiment."""
    if not experiment.variations or in_holdout(holdout, visitor_id):
        return None
    if experiment.when is not None and not experiment.when(attributes):
        return None
    kept = _sticky(experiment, assignments.get(experiment.id), now)
    if kept is not None:
        return kept
    if not in_range(experiment, visitor_id):
        return None
    if experiment.kind == "bandit":
        return choose_bandit(experiment, visitor_id, now)
    return choose_weighted(experiment, visitor_id)


def arm_shares(
    experiment: Experiment, visitors: int, now: int, prefix: str = "v"
) -> dict[str, float]:
    """Share of `visitors` synthetic ids (prefix + index) per variation, ignoring range,
    targeting and stickiness: the allocation the current posteriors or weights produce."""
    ids = [f"{prefix}{i}" for i in range(visitors)]
    if experiment.kind == "bandit":
        tb = bandit.time_bucket(now, experiment.time_bucket_hours)
        shares = bandit.arm_shares(experiment.seed, experiment.bandit_arms(), ids, tb)
        return dict(zip(experiment.variation_ids(), shares, strict=True))
    counts = dict.fromkeys(experiment.variation_ids(), 0)
    for visitor_id in ids:
        counts[choose_weighted(experiment, visitor_id)] += 1
    return {k: c / visitors if visitors else 0.0 for k, c in counts.items()}
