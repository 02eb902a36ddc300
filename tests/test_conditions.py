"""core.conditions: the spec cases against GrowthBook, and the entry points' contracts."""

from __future__ import annotations

import json
import os
import re
import types
from typing import Any

import pytest

from core import conditions
from core.condition_values import literal_regex, literal_search, padded_version
from tests.spec import runner

growthbook_core = pytest.importorskip("growthbook.core")

BEHAVIOUR = ("$count", "$recency", "$interest")


def _evaluate_cases() -> list[tuple[str, dict[str, Any], Any]]:
    out = []
    for path in runner.spec_files():
        if not os.path.basename(path).startswith("conditions"):
            continue
        with open(path, encoding="utf-8") as handle:
            spec = json.load(handle)
        for case in spec["cases"]:
            if case["input"]["op"] == "evaluate":
                key = f"{os.path.basename(path)}::{case['name']}"
                out.append((key, case["input"], case["expect"]))
    return out


CASES = _evaluate_cases()


def _uses_behaviour(condition: Any) -> bool:
    return any(op in json.dumps(condition) for op in BEHAVIOUR)


def test_spec_expectations_agree_with_growthbook() -> None:
    """Every evaluate case not marked as a deliberate difference gives GrowthBook's answer."""
    compared = 0
    for key, case, expect in CASES:
        if case.get("growthbook", True):
            theirs = growthbook_core.evalCondition(case["attributes"], case["condition"])
            assert theirs is expect, key
            compared += 1
    assert compared >= 200, compared


def test_marked_differences_really_differ_from_growthbook() -> None:
    """The "growthbook": false marks are exactly the documented differences, not a way out."""
    marked = 0
    for key, case, expect in CASES:
        if case.get("growthbook", True) or _uses_behaviour(case["condition"]):
            continue
        theirs = growthbook_core.evalCondition(case["attributes"], case["condition"])
        assert theirs is not expect, key
        marked += 1
    assert marked >= 8, marked


def test_evaluate_compile_and_compile_all_agree_on_spec_cases() -> None:
    conds = [case["condition"] for _, case, _ in CASES]
    for key, case, expect in CASES:
        assert conditions.evaluate(case["condition"], case["attributes"]) is expect, key
        assert conditions.compile(case["condition"])(case["attributes"]) is expect, key
    batch = conditions.compile_all(conds)
    seen = set()
    for _, case, _ in CASES:  # every condition against every distinct attribute map
        attributes = case["attributes"]
        key = json.dumps(attributes, sort_keys=True)
        if key not in seen:
            seen.add(key)
            assert batch(attributes) == [conditions.evaluate(c, attributes) for c in conds]
    assert len(seen) >= 15


def test_compile_all_keeps_order_and_length() -> None:
    batch = conditions.compile_all([{"a": 1}, {"$foo": 1}, {"a": {"$gt": 0}}, {"b": "x"}, {}])
    assert batch({"a": 1, "b": ["x"]}) == [True, False, True, True, True]
    assert batch({"a": 2}) == [False, False, True, False, True]
    assert batch(None) == [False, False, False, False, True]  # type: ignore[arg-type]
    assert conditions.compile_all([])({"a": 1}) == []


def test_non_dict_mapping_attributes() -> None:
    attributes = types.MappingProxyType({"country": "DE", "tags": ["a"]})
    condition = {"country": "DE", "tags": "a"}
    assert conditions.evaluate(condition, attributes) is True
    assert conditions.compile(condition)(attributes) is True


def test_condition_text_never_becomes_code() -> None:
    """Keys and values go in as constants: source-looking strings are just strings."""
    key = "x') or True or ('"
    value = "__import__('os')"  # no dot: a dot would make it a path
    condition = {key: value, "$or": [{value: {"$in": [key]}}, {"n": {"$gt": 1}}]}
    assert conditions.evaluate(condition, {key: value, value: key}) is True
    assert conditions.compile(condition)({key: value, value: key}) is True
    assert conditions.compile(condition)({key: "other", value: key}) is False


def test_deep_nesting_never_raises() -> None:
    condition: Any = {"country": "DE"}
    for _ in range(3000):
        condition = {"$not": {"$not": condition}}
    attributes = {"country": "DE"}
    assert conditions.evaluate(condition, attributes) is False  # too deep: an error, so false
    assert conditions.compile(condition)(attributes) is False
    problems = conditions.validate(condition)
    assert problems and "nested more than" in problems[0]
    assert conditions.referenced_paths(condition) == set()


def test_validate_accepts_the_contract_examples() -> None:
    examples = [
        {"$count": {"event": "view", "where": {"category": "hiking"}, "within_hours": 168,
                    "gte": 3}},
        {"$recency": {"event": "purchase", "where": {}, "within_hours": 720}},
        {"$interest": {"key": "category:hiking", "gte": 2.5}},
    ]
    for example in examples:
        assert conditions.validate(example) == []


def test_validate_never_raises_on_strange_values() -> None:
    for condition in [object(), {"x": {1: 2}}, {1: 2}, {"x": {"$in": [object()]}}, {"x": b"a"}]:
        problems = conditions.validate(condition)
        assert problems, condition
        assert all(isinstance(p, str) for p in problems)


def test_behavioural_operator_on_a_field_is_reported() -> None:
    assert conditions.validate({"x": {"$count": {"gte": 1}}}) == [
        '$count belongs at condition level, not on a field at "x"'
    ]


def test_referenced_paths() -> None:
    condition = {
        "$or": [{"segments": "hikers"}, {"device.class": "mobile"}],
        "$count": {"event": "view", "within_hours": 1, "gte": 1},
        "$interest": {"key": "k", "gte": 1},
    }
    assert conditions.referenced_paths(condition) == {
        "segments", "device", "events", "now", "interests"
    }


def test_unknown_operator_compiles_to_the_interpreter() -> None:
    condition = {"$or": [{"a": {"$foo": 1}}, {"b": 1}]}
    check = conditions.compile(condition)
    assert check({"b": 1}) is True
    assert check({"b": 2}) is False


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("^/products/", ("prefix", "/products/")),
        ("google\\.com", ("contains", "google.com")),
        ("sale", ("contains", "sale")),
        ("", ("contains", "")),
        ("x$", ("suffix", "x")),
        ("^t\\.co$", ("exact", "t.co")),
        ("a\\$", ("contains", "a$")),
        ("^a.c", None),
        ("a\\d", None),
        ("(?i)a", None),
        ("a\\", None),
        ("a$$", None),
    ],
)
def test_literal_regex_shortcut(pattern: str, literal: tuple[str, str] | None) -> None:
    assert literal_regex(pattern) == literal


@pytest.mark.parametrize("pattern", ["^ab$", "ab$", "^ab", "ab", "a\\.b$", "^a\\$"])
@pytest.mark.parametrize(
    "text", ["ab", "ab\n", "ab\n\n", "xab", "abx", "a.b", "a.b\n", "a$", "", "\nab"]
)
def test_literal_shortcut_equals_re_search(pattern: str, text: str) -> None:
    literal = literal_regex(pattern)
    assert literal is not None
    assert literal_search(literal, text) is (re.search(pattern, text) is not None)


def test_padded_versions_match_growthbook() -> None:
    for value in ["1.2.3", "v1.2.3+b", "1.2.3-rc.1", "1.10", "", "x", 2, 2.5, 1e21, 0, -1]:
        assert padded_version(value) == growthbook_core.paddedVersionString(value), value
