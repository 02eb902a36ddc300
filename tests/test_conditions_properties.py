"""Property tests: any input at all never raises, compile() always agrees with evaluate(), and
on conditions both languages define the answers equal GrowthBook's evalCondition."""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import conditions

growthbook_core = pytest.importorskip("growthbook.core")

FIELDS = ["s", "n", "b", "z", "l", "o", "o.s", "o.n", "v", "l.0", "l.length", "o.l"]
VALUE_OPS = [
    "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$all", "$size", "$elemMatch",
    "$exists", "$type", "$regex", "$not", "$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte",
]
PATTERNS = ["^a", "b$", "(", "[a-", "a|b", "\\d+", "", ".*", "é", "(?i)A", "x{2,}", "^a$", "ab$",
            "a\\.b", "^\\$", "a\\$"]
VERSIONS = ["1.2.3", "1.2.3-beta.1", "1.2.3-rc.2", "v2.0", "1.10", "1.9.9", "", "2", "1.2.3+b7"]
TYPES = ["string", "number", "boolean", "array", "object", "null", "undefined", "unknown", 5]

text = st.sampled_from(
    ["", "a", "ab", "b", "DE", "US", "é", "\U0001f600", "\ue000", "x.y", "1", "a\n", "ab\n", "a.b"]
    + ["$"]
)
numbers = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.0, -0.0, 1.0, 2.5, math.inf, -math.inf, math.nan, 10**30, 2**64]),
)
scalars = st.one_of(text, numbers, st.booleans(), st.none(), st.sampled_from(VERSIONS))
weird = st.sampled_from([b"a", (1, 2), frozenset({1}), object(), 1j, bytearray(b"x"), ...])
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["s", "n", "l", "0"]), inner)
    ),
    max_leaves=8,
)
anything = st.recursive(
    st.one_of(scalars, weird),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS + VALUE_OPS), st.integers(0, 2)), inner),
    ),
    max_leaves=6,
)


def _operand(op: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    if op in ("$in", "$nin", "$all"):
        return st.lists(st.one_of(scalars, value), max_size=4)
    if op == "$regex":
        return st.sampled_from(PATTERNS)
    if op.startswith("$v"):
        return st.one_of(st.sampled_from(VERSIONS), numbers)
    if op == "$type":
        return st.sampled_from(TYPES)
    if op == "$exists":
        return st.booleans()
    return st.one_of(scalars, value)


def value_conditions(depth: int = 2) -> st.SearchStrategy[Any]:
    """Field-level conditions: operator objects (some unknown) or plain values."""
    ops = st.sampled_from(VALUE_OPS + ["$foo", "$or"])
    inner = value_conditions(depth - 1) if depth else scalars
    op_objects = ops.flatmap(lambda op: st.fixed_dictionaries({op: _operand(op, inner)}))
    merged = st.builds(lambda a, b: {**a, **b}, op_objects, op_objects)
    return st.one_of(json_values, op_objects, merged)


def _behaviour() -> st.SearchStrategy[Any]:
    window = st.fixed_dictionaries(
        {},
        optional={
            "event": st.sampled_from(["view", "purchase", 3]),
            "where": st.fixed_dictionaries({"category": st.sampled_from(["hiking", "run"])}),
            "within_hours": st.sampled_from([1, 24, 0, -1, "x", 1e300]),
            "gte": st.sampled_from([0, 1, 2, "x"]),
            "lt": st.sampled_from([1, 3]),
            "bogus": st.just(1),
        },
    )
    interest = st.fixed_dictionaries(
        {"key": st.sampled_from(["category:hiking", "brand:x", 5])},
        optional={"gte": st.sampled_from([0, 0.5, 2]), "eq": st.just(0), "lt": st.just(1)},
    )
    return st.one_of(
        st.builds(lambda w: {"$count": w}, window),
        st.builds(lambda w: {"$recency": w}, window),
        st.builds(lambda w: {"$interest": w}, interest),
    )


def tailor_conditions() -> st.SearchStrategy[Any]:
    leaf = st.one_of(
        st.dictionaries(st.sampled_from(FIELDS + ["$foo"]), value_conditions(), max_size=2),
        _behaviour(),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(lambda xs: {"$and": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda xs: {"$or": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda xs: {"$nor": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda x: {"$not": x}, inner),
            st.builds(lambda a, b: {**a, **b}, inner, inner),
            st.builds(lambda x: {"l": {"$elemMatch": x}}, inner),
        ),
        max_leaves=6,
    )


events = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["view", "purchase", "click"]),
                "ts": st.one_of(st.integers(0, 200_000), st.just("x"), st.just(math.nan)),
                "category": st.one_of(
                    st.sampled_from(["hiking", "run", None]),
                    st.lists(st.sampled_from(["hiking", "run", 1]), max_size=3),
                ),
            }
        ),
        anything,
    ),
    max_size=6,
)
attribute_maps = st.fixed_dictionaries(
    {},
    optional={
        "s": json_values, "n": json_values, "b": json_values, "z": json_values,
        "l": json_values, "o": json_values, "v": json_values, "events": events,
        "now": st.one_of(st.integers(0, 200_000), st.none(), st.just("x")),
        "interests": st.one_of(
            st.dictionaries(st.sampled_from(["category:hiking", "brand:x"]), numbers), anything
        ),
    },
)
EXAMPLES = int(os.environ.get("CONDITIONS_EXAMPLES", "400"))
"""Raise it for a longer soak, e.g. CONDITIONS_EXAMPLES=20000."""
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(
    condition=st.one_of(tailor_conditions(), anything),
    attributes=st.one_of(attribute_maps, anything),
)
def test_never_raises_and_compile_agrees(condition: Any, attributes: Any) -> None:
    expected = conditions.evaluate(condition, attributes)
    assert expected is True or expected is False
    assert conditions.compile(condition)(attributes) is expected
    batch = conditions.compile_all([condition, {"$not": condition}, condition])(attributes)
    assert batch == [expected, conditions.evaluate({"$not": condition}, attributes), expected]
    assert isinstance(conditions.validate(condition), list)
    assert isinstance(conditions.referenced_paths(condition), set)


def _ordered(events: Any) -> Any:
    """The events whose timestamps are numbers, oldest first (as the visitor state keeps
    them): the form whose windows an EventIndex counts by bisection."""
    if not isinstance(events, list):
        return events
    timed = [e for e in events if isinstance(e, dict) and type(e.get("ts")) in (int, float)]
    return sorted((e for e in timed if e["ts"] == e["ts"]), key=lambda e: e["ts"])


@SETTINGS
@given(
    condition=tailor_conditions(),
    attributes=attribute_maps,
    ordered=st.booleans(),
    now=st.one_of(st.integers(0, 200_000), st.sampled_from([math.nan, math.inf, -math.inf])),
    hours=st.sampled_from([None, 0, 1, 24, 1e300, math.inf]),
)
def test_a_shared_event_index_gives_the_same_answers(
    condition: Any, attributes: dict[str, Any], ordered: bool, now: float, hours: float | None
) -> None:
    attributes = dict(attributes, now=now)
    if ordered:
        attributes["events"] = _ordered(attributes.get("events"))
    window: dict[str, Any] = {"event": "view"}
    if hours is not None:
        window["within_hours"] = hours
    counted = {"$count": {**window, "where": {"category": "hiking"}, "gte": 1}}
    checks = [condition, counted, {"$recency": window}]
    index = conditions.EventIndex(attributes)
    expected = [conditions.evaluate(c, attributes) for c in checks]
    assert [conditions.compile(c)(attributes, index) for c in checks] == expected
    assert conditions.compile_all(checks)(attributes, index) == expected
    assert conditions.compile_all(checks)(attributes, conditions.EventIndex(attributes)) == expected


@SETTINGS
@given(
    stamps=st.lists(st.sampled_from([0, 3600, 82800, 86400, 90000, "x", math.nan]), max_size=6),
    now=st.sampled_from([3600, 86400, 90000, 90000.5]),
    hours=st.sampled_from([0, 1, 24]),
    ordered=st.booleans(),
)
def test_an_event_index_counts_window_edges_like_a_scan(
    stamps: list[Any], now: float, hours: int, ordered: bool
) -> None:
    """Timestamps on and around each window's start (now - hours), kept in order or not."""
    events = [{"type": "view", "ts": ts, "category": "hiking"} for ts in stamps]
    attributes = {"now": now, "events": _ordered(events) if ordered else events}
    window = {"event": "view", "within_hours": hours}
    checks = [
        {"$count": {**window, "where": {"category": "hiking"}, "gte": n}} for n in (1, 2, 3)
    ] + [{"$count": {**window, "eq": n}} for n in (0, 1, 2)] + [{"$recency": window}]
    expected = [conditions.evaluate(c, attributes) for c in checks]
    index = conditions.EventIndex(attributes)
    assert [conditions.compile(c)(attributes, index) for c in checks] == expected
    assert conditions.compile_all(checks)(attributes) == expected


def _mutate(value: Any, choice: int) -> Any:
    """Damage one part of a condition: swap an operator, an operand or a list for a scalar."""
    if isinstance(value, dict) and value:
        key = sorted(value, key=str)[choice % len(value)]
        swapped = dict(value)
        if choice % 3 == 0:
            swapped[str(key) + "x"] = swapped.pop(key)
        elif choice % 3 == 1:
            swapped[key] = [value[key]] if not isinstance(value[key], list) else 7
        else:
            swapped[key] = _mutate(value[key], choice // 3)
        return swapped
    if isinstance(value, list) and value:
        return [_mutate(v, choice // 2) for v in value] + [choice]
    return {"$gt": value} if choice % 2 else None


@SETTINGS
@given(condition=tailor_conditions(), choice=st.integers(0, 1000), attributes=attribute_maps)
def test_mutated_conditions_never_raise(condition: Any, choice: int, attributes: Any) -> None:
    damaged = _mutate(condition, choice)
    expected = conditions.evaluate(damaged, attributes)
    assert conditions.compile(damaged)(attributes) is expected
    assert conditions.compile_all([condition, damaged])(attributes) == [
        conditions.evaluate(condition, attributes), expected
    ]


# ---- agreement with GrowthBook on what both define ------------------------------------------

GB_SCALAR_FIELDS = ["s", "n", "b", "z", "v", "o.s", "o.n"]
gb_scalars = st.one_of(text, numbers, st.booleans(), st.none(), st.sampled_from(VERSIONS))
gb_shared_ops = [op for op in VALUE_OPS if op != "$elemMatch"]


def _gb_value(depth: int, plain_ok: bool) -> st.SearchStrategy[Any]:
    """Shared-semantics field conditions; plain values only where the attribute is no array."""

    def operand(op: str) -> st.SearchStrategy[Any]:
        if op == "$type":
            return st.sampled_from(["string", "number", "boolean", "array", "object", "x"])
        if op in ("$not", "$size") and depth:
            return _gb_value(depth - 1, plain_ok or op == "$size")
        if op == "$all":
            return st.lists(st.one_of(gb_scalars, _gb_value(0, True)), max_size=3)
        if op in ("$in", "$nin"):
            return st.one_of(st.lists(gb_scalars, max_size=4), gb_scalars)
        if op == "$and":
            return st.lists(gb_scalars, max_size=2)
        return _operand(op, gb_scalars)

    ops = st.sampled_from(gb_shared_ops + ["$foo", "$and"])
    objects = ops.flatmap(lambda op: st.fixed_dictionaries({op: operand(op)}))
    if not plain_ok:
        return objects
    return st.one_of(objects, gb_scalars, st.dictionaries(text, gb_scalars))


def _one_reading(operand: Any) -> bool:
    """False for an $elemMatch operand mixing "$" keys with others: GrowthBook reads such a
    key as a field path of the element, Tailor as an (unknown) operator, so the two
    languages do not share a meaning for it."""
    if not isinstance(operand, dict):
        return True
    dollars = [k.startswith("$") for k in operand]
    return all(dollars) or not any(dollars)


def _gb_condition() -> st.SearchStrategy[Any]:
    scalar_field = st.sampled_from(GB_SCALAR_FIELDS).flatmap(
        lambda f: st.fixed_dictionaries({f: _gb_value(2, True)})
    )
    list_field = st.fixed_dictionaries({"l": _gb_value(2, False)})
    elem = st.fixed_dictionaries(
        {
            "l": st.fixed_dictionaries(
                {"$elemMatch": st.one_of(_gb_value(1, True), scalar_field).filter(_one_reading)}
            )
        }
    )
    leaf = st.one_of(scalar_field, list_field, elem)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(lambda xs: {"$and": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda xs: {"$or": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda xs: {"$nor": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda x: {"$not": x}, inner),
            st.builds(lambda a, b: {**a, **b}, inner, inner),
            st.builds(lambda xs: {"$or": xs + [5]}, st.lists(inner, max_size=2)),
        ),
        max_leaves=6,
    )


_gb_objects = st.dictionaries(st.sampled_from(["s", "n", "l"]), gb_scalars)
gb_attributes = st.fixed_dictionaries(
    {},
    optional={
        **{f: st.one_of(gb_scalars, st.dictionaries(text, gb_scalars)) for f in "snbzv"},
        "l": st.lists(st.one_of(gb_scalars, _gb_objects), max_size=4),
        "o": st.fixed_dictionaries({}, optional={"s": gb_scalars, "n": gb_scalars}),
    },
)


def canonical(value: Any) -> Any:
    """Sorted object keys, so GrowthBook's key-order-sensitive equality sees one order."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def canonical_condition(cond: Any) -> Any:
    """Sorted keys in literal values only: condition order decides what short-circuits."""
    if not isinstance(cond, dict):
        return cond
    out: dict[str, Any] = {}
    for key, value in cond.items():
        if key in ("$and", "$or", "$nor") and isinstance(value, list):
            out[key] = [canonical_condition(c) for c in value]
        elif key == "$not":
            out[key] = canonical_condition(value)
        else:
            out[key] = _canonical_value(value)
    return out


def _canonical_value(value: Any) -> Any:
    if not (isinstance(value, dict) and value and all(k.startswith("$") for k in value)):
        return canonical(value)
    out: dict[str, Any] = {}
    for op, operand in value.items():
        if op in ("$not", "$size"):
            out[op] = _canonical_value(operand)
        elif op == "$all" and isinstance(operand, list):
            out[op] = [_canonical_value(v) for v in operand]
        elif op == "$elemMatch":
            on_value = isinstance(operand, dict) and all(k.startswith("$") for k in operand)
            on_value = on_value and not any(k in ("$and", "$or", "$nor") for k in operand)
            out[op] = _canonical_value(operand) if on_value else canonical_condition(operand)
        else:
            out[op] = canonical(operand)
    return out


@settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=list(HealthCheck))
@given(condition=_gb_condition(), attributes=gb_attributes)
def test_agrees_with_growthbook(condition: Any, attributes: Any) -> None:
    ours = conditions.evaluate(condition, attributes)
    theirs = growthbook_core.evalCondition(
        canonical(attributes), canonical_condition(condition)
    )
    assert ours is theirs, (condition, attributes)
    assert conditions.compile(condition)(attributes) is ours
