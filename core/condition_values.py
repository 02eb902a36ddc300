"""Value primitives of the condition language: JSON types, paths, equality, ordering, versions.

They follow GrowthBook's evalCondition (JS semantics carried into Python): values of
different JSON types never compare, booleans are not numbers, and NaN orders with nothing.
The interpreter and the compiler share these, so both answer alike.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

MISSING: Final[Any] = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""A path that leads nowhere; JS `undefined`. Every operator but $type treats it as null."""

NUMBER_TYPES: Final = frozenset((int, float))
TYPE_NAMES: Final = frozenset(
    ("string", "number", "boolean", "array", "object", "null", "undefined")
)
BEHAVIOUR_KEYS: Final = frozenset(("$count", "$recency", "$interest"))
VALUE_OPS: Final = frozenset(
    (
        "$eq",
        "$ne",
        "$gt",
        "$gte",
        "$lt",
        "$lte",
        "$in",
        "$nin",
        "$all",
        "$size",
        "$elemMatch",
        "$exists",
        "$type",
        "$regex",
        "$not",
        "$veq",
        "$vne",
        "$vgt",
        "$vgte",
        "$vlt",
        "$vlte",
    )
)
CONDITION_ONLY: Final = frozenset(("$and", "$or", "$nor", "$savedGroup"))
"""Condition-level keys that GrowthBook answers false on a value (not unknown)."""


class Malformed(Exception):
    """A structurally broken condition met during evaluation: the whole condition is false."""


def type_name(value: Any) -> str:
    """The JSON type name $type compares against."""
    cls = value.__class__
    if cls is str:
        return "string"
    if cls in NUMBER_TYPES:
        return "number"
    if cls is bool:
        return "boolean"
    if value is None:
        return "null"
    if cls is list:
        return "array"
    if cls is dict:
        return "object"
    if value is MISSING:
        return "undefined"
    return "unknown"


def is_operator_object(value: Any) -> bool:
    """A dict whose keys all start with "$" (an empty dict counts: it always passes)."""
    if value.__class__ is not dict:
        return False
    for key in value:
        if key.__class__ is not str:
            raise Malformed("non-string key")
        if not key.startswith("$"):
            return False
    return True


def _is_index(key: str, length: int) -> bool:
    return (
        len(key) <= 10
        and key.isascii()
        and key.isdigit()
        and (key == "0" or key[0] != "0")
        and int(key) < length
    )


def get_path(attributes: Any, parts: tuple[str, ...]) -> Any:
    """Follow a pre-split dot path; lists expose "length" and canonical indices like JS."""
    current = attributes
    for part in parts:
        cls = current.__class__
        if cls is dict:
            current = current.get(part, MISSING)
            if current is MISSING:
                return MISSING
        elif cls is list:
            if part == "length":
                current = len(current)
            elif _is_index(part, len(current)):
                current = current[int(part)]
            else:
                return MISSING
        else:
            return MISSING
    return current


def split_path(path: str) -> tuple[str, ...]:
    """A dot path split once, at compile time."""
    return tuple(path.split("."))


def _json_value(value: Any) -> Any:
    """Inside arrays and objects NaN and infinities serialise as null, as JSON.stringify does."""
    if value.__class__ is float and not math.isfinite(value):
        return None
    return value


def deep_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: same types all the way down; object key order does not matter."""
    if a is MISSING:
        a = None
    if b is MISSING:
        b = None
    ta = type_name(a)
    if ta != type_name(b):
        return False
    if ta == "array":
        return len(a) == len(b) and all(
            deep_equal(_json_value(x), _json_value(y)) for x, y in zip(a, b, strict=False)
        )
    if ta == "object":
        return a.keys() == b.keys() and all(
            deep_equal(_json_value(a[k]), _json_value(b[k])) for k in a
        )
    if ta == "unknown":
        return False
    return bool(a == b)


def plain_match(expected: Any, actual: Any) -> bool:
    """A plain (non-operator) condition value: deep equality, or any element of an array."""
    if expected.__class__ is str:  # the common case, written exactly as the compiler inlines it
        return (actual.__class__ is str and actual == expected) or (
            actual.__class__ is list and expected in actual
        )
    if deep_equal(expected, actual):
        return True
    if actual.__class__ is list:
        return any(deep_equal(expected, element) for element in actual)
    return False


def strict_equal(a: Any, b: Any) -> bool:
    """JS `===` between separately parsed values: arrays and objects are never equal."""
    if a is MISSING:
        a = None
    if b is MISSING:
        b = None
    ta = type_name(a)
    if ta != type_name(b) or ta in ("array", "object", "unknown"):
        return False
    return bool(a == b)


def orderable(a: Any, b: Any) -> bool:
    """Only two numbers or two strings order; booleans are not numbers."""
    ca, cb = a.__class__, b.__class__
    return (ca in NUMBER_TYPES and cb in NUMBER_TYPES) or (ca is str and cb is str)


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 for two orderable values (strings by UTF-16 units like JS); None for NaN."""
    if (a.__class__ is float and math.isnan(a)) or (b.__class__ is float and math.isnan(b)):
        return None
    if a.__class__ is str and not (a.isascii() and b.isascii()):
        a = a.encode("utf-16-be", "surrogatepass")
        b = b.encode("utf-16-be", "surrogatepass")
    return 1 if a > b else -1 if a < b else 0


def js_number_string(value: Any) -> str:
    """A number formatted like JS `String(n)`, which is what a numeric version compares as."""
    try:
        x = float(value)
    except OverflowError:
        x = math.inf if value > 0 else -math.inf
    if math.isnan(x):
        return "NaN"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + js_number_string(-x)
    if math.isinf(x):
        return "Infinity"
    mantissa, _, exp = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    padded = (whole + fraction).lstrip("0")
    digits = padded.rstrip("0")
    k = len(digits)
    n = int(exp or "0") - len(fraction) + len(padded)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return head + "e" + ("+" if n > 0 else "-") + str(abs(n - 1))


_VERSION_STRIP = re.compile(r"(^v|\+.*$)")
_VERSION_SPLIT = re.compile(r"[-.]")
VERSION_SHAPE: Final = re.compile(r"^v?\d+(\.\d+)*(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]*)?$")
"""What validate() accepts as a version; evaluation pads anything, as GrowthBook does."""


def _padded(text: str) -> str:
    parts = _VERSION_SPLIT.split(_VERSION_STRIP.sub("", text))
    if len(parts) == 3:
        parts.append("~")  # a release sorts after its prereleases: "~" is the largest ASCII
    return "-".join(p.rjust(5, " ") if p.isdigit() else p for p in parts)


PADDED: Final[dict[str, str]] = {}
"""Memo of padded version strings (visitors share a handful of app versions); bounded."""


def padded_version(value: Any) -> str:
    """GrowthBook's comparable version string: numeric parts left-padded, "~" for releases."""
    if value.__class__ in NUMBER_TYPES:
        value = js_number_string(value)
    if not value or value.__class__ is not str:
        value = "0"
    found = PADDED.get(value)
    if found is None:
        if len(PADDED) >= 4096:
            PADDED.clear()
        found = PADDED[value] = _padded(value)
    return found


def version_test(op: str, actual: Any, expected: Any) -> bool:
    """$veq … $vlte; a type mismatch is false except for $vne, the negation of $veq."""
    if not orderable(actual, expected):
        return op == "$vne"
    a, b = padded_version(actual), padded_version(expected)
    if op == "$veq":
        return a == b
    if op == "$vne":
        return a != b
    if op == "$vgt":
        return a > b
    if op == "$vgte":
        return a >= b
    if op == "$vlt":
        return a < b
    return a <= b


class InSet:
    """An $in list pre-split by type so membership is a set lookup without bool/int aliasing."""

    __slots__ = ("strings", "numbers", "bools", "has_null", "only_strings")

    def __init__(self, values: list[Any]) -> None:
        self.strings = frozenset(v for v in values if v.__class__ is str)
        self.numbers = frozenset(v for v in values if v.__class__ in NUMBER_TYPES)
        self.bools = frozenset(v for v in values if v.__class__ is bool)
        self.has_null = any(v is None for v in values)
        self.only_strings = all(v.__class__ is str for v in values)

    def has(self, value: Any) -> bool:
        """Strict membership of one scalar."""
        cls = value.__class__
        if cls is str:
            return value in self.strings
        if cls in NUMBER_TYPES:
            return value in self.numbers
        if cls is bool:
            return value in self.bools
        return self.has_null and (value is None or value is MISSING)

    def test(self, actual: Any) -> bool:
        """$in semantics for any attribute value."""
        if actual.__class__ is list:
            if self.only_strings:
                try:  # no non-string equals a string, so plain set logic is exact here
                    return not self.strings.isdisjoint(actual)
                except TypeError:  # an unhashable element: it can never match anyway
                    pass
            has = self.has
            for x in actual:
                if has(x):
                    return True
            return False
        return self.has(actual)


def is_in(values: list[Any], actual: Any) -> bool:
    """$in: a scalar in the list, or any element of an array in it (JS strict equality)."""
    return InSet(values).test(actual)


Literal = tuple[str, str]
"""(how, text) with how one of "contains", "prefix", "suffix", "exact"."""


def literal_regex(pattern: str) -> Literal | None:
    """The shortcut for a pattern that is plain text, optionally anchored by "^" and/or "$":
    re.search is then exactly `in` / startswith / endswith / ==, several times faster.
    Without MULTILINE, "$" also matches before one final newline, so that is allowed for."""
    start = pattern.startswith("^")
    body = pattern[1:] if start else pattern
    end = body.endswith("$") and not body.endswith("\\$")
    body = body[:-1] if end else body
    out: list[str] = []
    escaped = False
    for ch in body:
        if escaped:
            if ch.isalnum() or ch == "_" or not ch.isascii():
                return None
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ".^$*+?{}[]|()":
            return None
        else:
            out.append(ch)
    if escaped:
        return None
    how = ("exact" if end else "prefix") if start else ("suffix" if end else "contains")
    return how, "".join(out)


def literal_search(literal: Literal, text: str) -> bool:
    """re.search for a literal pattern."""
    how, lit = literal
    if how == "contains":
        return lit in text
    if how == "prefix":
        return text.startswith(lit)
    if how == "exact":
        return text == lit or text == lit + "\n"
    return text.endswith(lit) or text.endswith(lit + "\n")


def regex_search(pattern: re.Pattern[str], literal: Literal | None, text: str) -> bool:
    """re.search through the literal shortcut when there is one."""
    if literal is None:
        return pattern.search(text) is not None
    return literal_search(literal, text)
