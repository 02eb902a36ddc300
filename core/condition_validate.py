"""Compile-time checks of a condition, and the attributes a condition reads.

Evaluation forgives everything (a bad part is simply false); the bundle compiler must not:
it rejects a condition with these messages, each naming where in the condition it is.
"""

from __future__ import annotations

import re
from typing import Any, Final

from core import condition_behaviour as behaviour
from core.condition_eval import elem_match_on_value
from core.condition_values import (
    BEHAVIOUR_KEYS,
    CONDITION_ONLY,
    NUMBER_TYPES,
    TYPE_NAMES,
    VALUE_OPS,
    VERSION_SHAPE,
    type_name,
)

MAX_DEPTH: Final = 32
_JSON_SCALARS: Final = (str, int, float, bool, type(None))
_VERSION_OPS: Final = frozenset(("$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte"))


def _kind(value: Any) -> str:
    name = type_name(value)
    return type(value).__name__ if name == "unknown" else name


def _at(where: str) -> str:
    return f' at "{where}"' if where else " at the top level"


def _join(where: str, part: str) -> str:
    return f"{where}.{part}" if where else part


def _json_problem(value: Any, depth: int = 0) -> str | None:
    """Why a value is not plain JSON (msgpack-safe), or None."""
    if depth > MAX_DEPTH:
        return "nested too deeply"
    if value.__class__ in (str, bool, type(None)):
        return None
    if value.__class__ in NUMBER_TYPES:
        return "NaN is not a JSON value" if value != value else None
    if value.__class__ is list:
        return next((p for p in (_json_problem(x, depth + 1) for x in value) if p), None)
    if value.__class__ is dict:
        if any(k.__class__ is not str for k in value):
            return "object keys must be strings"
        return next((p for p in (_json_problem(x, depth + 1) for x in value.values()) if p), None)
    return f"{type(value).__name__} is not a JSON value"


def check_condition(cond: Any, where: str, depth: int, out: list[str]) -> None:
    """Problems of a condition object (fields, $and/$or/$nor/$not, behavioural operators)."""
    if depth > MAX_DEPTH:
        out.append(f"condition nested more than {MAX_DEPTH} levels{_at(where)}")
        return
    if cond.__class__ is not dict:
        out.append(f"a condition must be an object, got {_kind(cond)}{_at(where)}")
        return
    for key, value in cond.items():
        if key.__class__ is not str:
            out.append(f"condition keys must be strings, got {key!r}{_at(where)}")
            continue
        here = _join(where, key)
        if key in ("$and", "$or", "$nor"):
            if value.__class__ is not list:
                out.append(f"{key} expects a list of conditions{_at(here)}")
                continue
            for i, sub in enumerate(value):
                check_condition(sub, f"{here}[{i}]", depth + 1, out)
        elif key == "$not":
            check_condition(value, here, depth + 1, out)
        elif key in BEHAVIOUR_KEYS:
            out.extend(f"{p}{_at(here)}" for p in behaviour.problems(key, value))
            if value.__class__ is dict and value.get("where").__class__ is dict:
                check_condition(value["where"], _join(here, "where"), depth + 1, out)
        elif key.startswith("$"):
            out.append(f'unknown operator "{key}"{_at(where)}')
        else:
            if "" in key.split("."):
                out.append(f'empty segment in path "{key}"')
            check_value(value, here, depth + 1, out)


def check_value(cond: Any, where: str, depth: int, out: list[str]) -> None:
    """Problems of a field's condition: an operator object or a plain value."""
    if depth > MAX_DEPTH:
        out.append(f"condition nested more than {MAX_DEPTH} levels{_at(where)}")
        return
    if cond.__class__ is dict and cond:
        dollar = [k for k in cond if k.__class__ is str and k.startswith("$")]
        if dollar and len(dollar) < len(cond):
            out.append(
                f"object mixes operators ({', '.join(dollar)}) and fields{_at(where)};"
                " it would be compared as a literal value"
            )
            return
        if dollar:
            for op, operand in cond.items():
                check_operator(op, operand, where, depth, out)
            return
    problem = _json_problem(cond)
    if problem:
        out.append(f"{problem}{_at(where)}")


def check_operator(op: str, operand: Any, where: str, depth: int, out: list[str]) -> None:
    """Problems of one value operator and its operand."""
    at = _at(where)
    if op not in VALUE_OPS:
        if op in CONDITION_ONLY:
            out.append(f"{op} belongs at condition level, not on a field (never matches){at}")
        elif op in BEHAVIOUR_KEYS:
            out.append(f"{op} belongs at condition level, not on a field{at}")
        else:
            out.append(f'unknown operator "{op}"{at}')
        return
    if op in ("$eq", "$ne"):
        if operand.__class__ in (list, dict):
            out.append(f"{op} never matches an array or object (use a plain value){at}")
        elif operand.__class__ not in _JSON_SCALARS or operand != operand:
            out.append(f"{op} expects a string, number, boolean or null{at}")
    elif op in ("$gt", "$gte", "$lt", "$lte"):
        ok = operand.__class__ is str or (operand.__class__ in NUMBER_TYPES and operand == operand)
        if not ok:
            out.append(f"{op} expects a number or a string{at}")
    elif op in ("$in", "$nin", "$all"):
        if operand.__class__ is not list:
            out.append(f"{op} expects a list{at}")
        elif op == "$all":
            for i, sub in enumerate(operand):
                check_value(sub, f"{where}.$all[{i}]", depth + 1, out)
        else:
            problem = _json_problem(operand)
            if problem:
                out.append(f"{op}: {problem}{at}")
    elif op == "$size":
        if operand.__class__ is dict:
            check_value(operand, _join(where, op), depth + 1, out)
        elif operand.__class__ is not int or operand < 0:
            out.append(f"$size expects a non-negative integer or an operator object{at}")
    elif op == "$elemMatch":
        if operand.__class__ is not dict:
            out.append(f"$elemMatch expects an object{at}")
        elif elem_match_on_value(operand):
            check_value(operand, _join(where, op), depth + 1, out)
        else:
            check_condition(operand, _join(where, op), depth + 1, out)
    elif op == "$exists":
        if operand.__class__ is not bool:
            out.append(f"$exists expects true or false{at}")
    elif op == "$type":
        if operand.__class__ is not str or operand not in TYPE_NAMES:
            names = ", ".join(f'"{n}"' for n in sorted(TYPE_NAMES))
            out.append(f"$type expects one of {names}{at}")
    elif op == "$regex":
        _check_regex(operand, at, out)
    elif op == "$not":
        check_value(operand, _join(where, op), depth + 1, out)
    elif op in _VERSION_OPS:
        if operand.__class__ is str:
            if not VERSION_SHAPE.match(operand):
                out.append(f'{op}: bad version string "{operand}"{at}')
        elif operand.__class__ not in NUMBER_TYPES or operand != operand:
            out.append(f"{op} expects a version string{at}")


def _check_regex(operand: Any, at: str, out: list[str]) -> None:
    if operand.__class__ is not str:
        out.append(f"$regex expects a string{at}")
        return
    try:
        re.compile(operand)
    except Exception:  # the error text differs between Python versions: leave it out
        out.append(f'$regex: bad regular expression "{operand}"{at}')


def paths(cond: Any, out: set[str], depth: int = 0) -> None:
    """Collect the top-level attribute names a condition reads (best effort, never raises)."""
    if cond.__class__ is not dict or depth > MAX_DEPTH:
        return
    for key, value in cond.items():
        if key.__class__ is not str:
            continue
        if key in ("$and", "$or", "$nor"):
            if value.__class__ is list:
                for sub in value:
                    paths(sub, out, depth + 1)
        elif key == "$not":
            paths(value, out, depth + 1)
        elif key in ("$count", "$recency"):
            out.add("events")
            if value.__class__ is dict and "within_hours" in value:
                out.add("now")
        elif key == "$interest":
            out.add("interests")
        elif not key.startswith("$"):
            out.add(key.split(".", 1)[0])
