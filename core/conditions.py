"""The condition language shared by segments, rules and experiment targeting.

MongoDB/GrowthBook-style JSON conditions plus Tailor's behavioural operators ($count,
$recency, $interest; see docs/contracts.md). Four entry points:

- `evaluate(condition, attributes)`: the reference interpreter; never raises, and anything
  it cannot make sense of (unknown operator, bad regex, type mismatch) is simply false.
- `compile(condition)`: the same answers from one generated function, built once per bundle.
- `validate(condition)`: human-readable problems, for the bundle compiler to reject with.
- `referenced_paths(condition)`: top-level attributes read, for indexing rules.

Semantics follow GrowthBook's evalCondition for every operator both define, with two
deliberate differences: a plain value also matches an array attribute when any element
equals it (`{"segments": "hikers"}`), and object equality ignores key order. A missing
attribute has `$type` "undefined" (as in GrowthBook's JS SDK); otherwise it acts as null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.condition_compile import compile_condition
from core.condition_eval import evaluate as _evaluate
from core.condition_validate import check_condition, paths

Condition = Mapping[str, Any]
Predicate = Callable[[Mapping[str, Any]], bool]

__all__ = ["Condition", "Predicate", "compile", "evaluate", "referenced_paths", "validate"]


def evaluate(condition: Any, attributes: Any) -> bool:
    """Whether `attributes` satisfy `condition`; false for anything malformed, never raises."""
    return _evaluate(condition, attributes)


def compile(condition: Any) -> Predicate:  # noqa: A001 - the module's public verb
    """A function giving `evaluate(condition, attributes)` for any attributes, only faster."""
    return compile_condition(condition)


def validate(condition: Any) -> list[str]:
    """Problems that make a condition unfit for a bundle; an empty list means valid."""
    out: list[str] = []
    try:
        check_condition(condition, "", 0, out)
    except Exception as exc:  # a value too strange to inspect is itself a problem
        out.append(f"condition cannot be inspected: {type(exc).__name__}")
    return out


def referenced_paths(condition: Any) -> set[str]:
    """Top-level attribute names the condition reads, plus "events"/"now"/"interests"."""
    out: set[str] = set()
    try:
        paths(condition, out)
    except Exception:
        pass
    return out
