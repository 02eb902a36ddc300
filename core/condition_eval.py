"""The condition interpreter: walks the JSON condition each time (the reference semantics).

Results are three-valued like GrowthBook's: True, False, or None for "depends on an operator
this engine does not know". None behaves as unknown through $and/$or/$not and is false at
the top, so negating an unknown operator never turns it into a match. A structurally broken
condition met on the way (an $and that is not a list, a non-object condition) raises
`Malformed`, which makes the whole condition false.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from core import condition_behaviour as behaviour
from core.condition_values import (
    BEHAVIOUR_KEYS,
    CONDITION_ONLY,
    MISSING,
    Literal,
    Malformed,
    compare,
    deep_equal,
    get_path,
    is_in,
    is_operator_object,
    literal_regex,
    orderable,
    plain_match,
    regex_search,
    split_path,
    strict_equal,
    type_name,
    version_test,
)

Tri = bool | None


Regex = tuple[re.Pattern[str], Literal | None]


@lru_cache(maxsize=512)
def regex(pattern: str) -> Regex | None:
    """A compiled pattern and its literal shortcut, or None for one Python cannot compile
    (then $regex is false)."""
    try:
        return re.compile(pattern), literal_regex(pattern)
    except Exception:
        return None


def _not(result: Tri) -> Tri:
    return None if result is None else not result


def eval_condition(condition: Any, attributes: Any) -> Tri:
    """A condition object against an attribute map (any value: non-maps have no fields)."""
    if condition.__class__ is not dict:
        raise Malformed("a condition must be an object")
    result: Tri = True
    for key, value in condition.items():
        if key.__class__ is not str:
            raise Malformed("non-string key")
        r: Tri
        if key.startswith("$"):
            if key == "$and":
                r = _and(value, attributes)
            elif key == "$or":
                r = _or(value, attributes)
            elif key == "$nor":
                r = _not(_or(value, attributes))
            elif key == "$not":
                r = _not(eval_condition(value, attributes))
            elif key in BEHAVIOUR_KEYS:
                r = _behaviour(key, value, attributes)
            else:
                r = None
        else:
            r = eval_value(value, get_path(attributes, split_path(key)))
        if r is False:
            return False
        if r is None:
            result = None
    return result


def _and(conditions: Any, attributes: Any) -> Tri:
    if conditions.__class__ is not list:
        raise Malformed("$and expects a list")
    result: Tri = True
    for condition in conditions:
        r = eval_condition(condition, attributes)
        if r is False:
            return False
        if r is None:
            result = None
    return result


def _or(conditions: Any, attributes: Any) -> Tri:
    if conditions.__class__ is not list:
        raise Malformed("$or expects a list")
    if not conditions:
        return True
    result: Tri = False
    for condition in conditions:
        r = eval_condition(condition, attributes)
        if r is True:
            return True
        if r is None:
            result = None
    return result


def _behaviour(op: str, operand: Any, attributes: Any) -> Tri:
    parsed = behaviour.parse(op, operand)
    if parsed is None:
        return None
    if isinstance(parsed, behaviour.Interest):
        return behaviour.interest_test(parsed, attributes)
    where = parsed.where
    if where is None or parsed.where_eq is not None:
        return behaviour.window_test(parsed, attributes, None)
    unknown = False

    def test(event: dict[str, Any]) -> bool:
        nonlocal unknown
        r = eval_condition(where, event)
        unknown = unknown or r is None
        return r is True

    result = behaviour.window_test(parsed, attributes, test)
    # an event that may or may not match leaves a count unknown; a found event is found
    return None if unknown and not (parsed.exists and result) else result


def eval_value(condition: Any, actual: Any, whole: bool = True) -> Tri:
    """A field's condition (operator object or plain value) against the value at its path.
    `whole`: `actual` is the field's own value, where a plain value also matches an array
    element; inside $all and $elemMatch a plain value must equal the element itself."""
    if not is_operator_object(condition):
        return plain_match(condition, actual) if whole else deep_equal(condition, actual)
    result: Tri = True
    for op, operand in condition.items():
        r = eval_operator(op, actual, operand, whole)
        if r is False:
            return False
        if r is None:
            result = None
    return result


def eval_operator(op: str, actual: Any, operand: Any, whole: bool = True) -> Tri:
    """One value operator; None when the operator is unknown."""
    if op == "$eq":
        return strict_equal(actual, operand)
    if op == "$ne":
        return not strict_equal(actual, operand)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if not orderable(actual, operand):
            return False
        c = compare(actual, operand)
        if c is None:
            return False
        if op == "$gt":
            return c > 0
        if op == "$gte":
            return c >= 0
        return c < 0 if op == "$lt" else c <= 0
    if op in ("$in", "$nin"):
        if operand.__class__ is not list:
            return False
        return is_in(operand, actual) is (op == "$in")
    if op == "$exists":
        return (
            (actual is not None and actual is not MISSING)
            if operand
            else (actual is None or actual is MISSING)
        )
    if op == "$type":
        return bool(type_name(actual) == operand)
    if op == "$regex":
        compiled = regex(operand) if operand.__class__ is str else None
        if compiled is None or actual.__class__ is not str:
            return False
        return regex_search(compiled[0], compiled[1], actual)
    if op == "$not":
        return _not(eval_value(operand, actual, whole))
    if op == "$size":
        if actual.__class__ is not list:
            return False
        return eval_value(operand, len(actual), False)
    if op == "$all":
        if operand.__class__ is not list or actual.__class__ is not list:
            return False
        if all(c.__class__ is str for c in operand):  # the compiler's form: `"a" in actual`
            return all(c in actual for c in operand)
        return _all(operand, actual)
    if op == "$elemMatch":
        return _elem_match(operand, actual)
    if op in ("$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte"):
        return version_test(op, actual, operand)
    if op in CONDITION_ONLY:
        return False
    return None


def _all(expected: list[Any], actual: list[Any]) -> Tri:
    result: Tri = True
    for condition in expected:
        passed: Tri = False
        for element in actual:
            r = eval_value(condition, element, False)
            if r is True:
                passed = True
                break
            if r is None:
                passed = None
        if passed is False:
            return False
        if passed is None:
            result = None
    return result


def elem_match_on_value(operand: Any) -> bool:
    """Operators test each element itself; a condition (fields, $and…) tests its fields."""
    return is_operator_object(operand) and not any(
        k in CONDITION_ONLY or k in BEHAVIOUR_KEYS for k in operand
    )


def _elem_match(operand: Any, actual: Any) -> Tri:
    if actual.__class__ is not list:
        return False
    on_value = elem_match_on_value(operand)
    result: Tri = False
    for item in actual:
        if item is None:
            continue
        r = eval_value(operand, item, False) if on_value else eval_condition(operand, item)
        if r is True:
            return True
        if r is None:
            result = None
    return result


def evaluate(condition: Any, attributes: Any) -> bool:
    """True only when the condition certainly holds; never raises."""
    try:
        if attributes.__class__ is not dict and hasattr(attributes, "keys"):
            attributes = dict(attributes)
        return eval_condition(condition, attributes) is True
    except Exception:
        return False
