"""The condition language shared by segments, rules and experiment targeting.

MongoDB/GrowthBook-style JSON conditions plus Tailor's behavioural operators ($count,
$recency, $interest; see docs/contracts.md). Entry points:

- `evaluate(condition, attributes)`: the reference interpreter; never raises, and anything
  it cannot make sense of (unknown operator, bad regex, type mismatch) is simply false.
- `compile(condition)`: the same answers from one generated function, built once per bundle.
- `compile_all(conditions)`: a whole bundle's conditions as one function returning a list of
  answers; each attribute is read once per request, the fastest way to evaluate many.
- `EventIndex(attributes)`: the attribute map's events bucketed for $count and $recency. Both
  compiled forms take one as an optional second argument, so the conditions of one request
  share a single index instead of each scanning `events`.
- `validate(condition)`: human-readable problems, for the bundle compiler to reject with.
- `referenced_paths(condition)`: top-level attributes read, for indexing rules.

Semantics follow GrowthBook's evalCondition (SDK 4.0.0) for every operator both define,
including its three-valued handling of unknown operators (false even under $not) and
"a malformed part makes the whole condition false". Deliberate differences: a plain value on
a field also matches when the field is an array with an equal element
(`{"segments": "hikers"}`, as in MongoDB); object equality ignores key order; a missing
attribute has `$type` "undefined" (as in GrowthBook's JS SDK) and otherwise acts as null;
GrowthBook-only operators ($regexi, $ini, $savedGroup, …) are unknown here. Regexes are
Python's `re` (the same in CPython and Pyodide).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.condition_batch import Batch
from core.condition_batch import compile_all as _compile_all
from core.condition_behaviour import EventIndex
from core.condition_compile import Compiled as Predicate
from core.condition_compile import compile_condition
from core.condition_eval import evaluate as _evaluate
from core.condition_validate import check_condition, paths

Condition = Mapping[str, Any]

__all__ = [
    "Batch",
    "Condition",
    "EventIndex",
    "Predicate",
    "compile",
    "compile_all",
    "evaluate",
    "referenced_paths",
    "validate",
]


def evaluate(condition: Any, attributes: Any) -> bool:
    """Whether `attributes` satisfy `condition`; false for anything malformed, never raises."""
    return _evaluate(condition, attributes)


def compile(condition: Any) -> Predicate:  # noqa: A001 - the module's public verb
    """A function giving `evaluate(condition, attributes)` for any attributes, only faster."""
    return compile_condition(condition)


def compile_all(conditions: Sequence[Any]) -> Batch:
    """One function giving `[evaluate(c, attributes) for c in conditions]`, only faster."""
    return _compile_all(conditions)


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
