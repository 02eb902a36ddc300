"""Tailor's behavioural operators: $count, $recency and $interest (docs/contracts.md).

They read `events`, `now` and `interests` from the attribute map. An operand is parsed once
into a `Window` or `Interest`; a malformed one parses to its list of problems, which
validate() reports and evaluation treats like an unknown operator (false, even under $not).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

from core.condition_values import NUMBER_TYPES

COMPARE_KEYS: Final = ("eq", "gt", "gte", "lt", "lte")
_WINDOW_KEYS: Final = frozenset(("event", "where", "within_hours"))
_ALLOWED: Final = {
    "$count": _WINDOW_KEYS | frozenset(COMPARE_KEYS),
    "$recency": _WINDOW_KEYS,
    "$interest": frozenset(("key",) + COMPARE_KEYS),
}

Compares = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Window:
    """A $count or $recency operand: which events, in which window, compared how."""

    event: str | None
    where: dict[str, Any] | None
    within_hours: float | None
    compares: Compares
    exists: bool
    """True for $recency: any matching event is enough."""
    where_eq: tuple[str, str] | None = None
    """`where` of the common form {"category": "hiking"}, tested inline."""


@dataclass(frozen=True, slots=True)
class Interest:
    """A $interest operand."""

    key: str
    compares: Compares


def _is_number(value: Any) -> bool:
    return value.__class__ in NUMBER_TYPES and value == value


def as_float(value: Any) -> float:
    """A number as a float; an int too large for a double becomes an infinity, as in JS."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def problems(op: str, operand: Any) -> list[str]:
    """What is wrong with a behavioural operand, without location (validate adds it)."""
    if operand.__class__ is not dict:
        return [f"{op} expects an object"]
    out: list[str] = []
    allowed = _ALLOWED[op]
    for key in operand:
        if key not in allowed:
            out.append(f"{op} has unknown field {key!r}")
    for key in COMPARE_KEYS:
        if key in operand and key in allowed and not _is_number(operand[key]):
            out.append(f"{op}.{key} expects a number")
    if op in ("$count", "$interest") and not any(k in operand for k in COMPARE_KEYS):
        out.append(f"{op} needs at least one of eq, gt, gte, lt, lte")
    if op == "$interest":
        if operand.get("key").__class__ is not str:
            out.append("$interest.key expects a string")
        return out
    if "event" in operand and operand["event"].__class__ is not str:
        out.append(f"{op}.event expects a string")
    if "where" in operand and operand["where"].__class__ is not dict:
        out.append(f"{op}.where expects a condition object")
    if "within_hours" in operand:
        hours = operand["within_hours"]
        if not _is_number(hours) or hours < 0:
            out.append(f"{op}.within_hours expects a non-negative number")
    return out


def parse(op: str, operand: Any) -> Window | Interest | None:
    """The parsed operand, or None when it has problems."""
    if problems(op, operand):
        return None
    compares = tuple((k, as_float(operand[k])) for k in COMPARE_KEYS if k in operand)
    if op == "$interest":
        return Interest(operand["key"], compares)
    hours = operand.get("within_hours")
    where = operand.get("where")
    where_eq = None
    if where is not None and len(where) == 1:
        key, value = next(iter(where.items()))
        if key.__class__ is str and "." not in key and not key.startswith("$"):
            where_eq = (key, value) if value.__class__ is str else None
    return Window(
        event=operand.get("event"),
        where=operand.get("where"),
        within_hours=None if hours is None else as_float(hours),
        compares=compares,
        exists=op == "$recency",
        where_eq=where_eq,
    )


def holds(value: float, compares: Compares) -> bool:
    """All comparison keys hold for `value`."""
    for key, bound in compares:
        if key == "eq":
            ok = value == bound
        elif key == "gt":
            ok = value > bound
        elif key == "gte":
            ok = value >= bound
        elif key == "lt":
            ok = value < bound
        else:
            ok = value <= bound
        if not ok:
            return False
    return True


def window_test(
    window: Window, attributes: Any, where: Callable[[dict[str, Any]], bool] | None
) -> bool:
    """$count / $recency over `attributes["events"]`; no clock means no event is in a window."""
    if attributes.__class__ is not dict:
        return holds(0.0, window.compares) if not window.exists else False
    events: Any = attributes.get("events")
    count = 0
    if events.__class__ is list:
        since: float | None = None
        if window.within_hours is not None:
            now: Any = attributes.get("now")
            if now.__class__ in NUMBER_TYPES:
                since = as_float(now) - window.within_hours * 3600.0
        if window.within_hours is not None and since is None:
            events = []
        kind = window.event
        where_eq = window.where_eq
        event: Any
        for event in events:
            if event.__class__ is not dict:
                continue
            if kind is not None and event.get("type") != kind:
                continue
            if since is not None:
                ts: Any = event.get("ts")
                if ts.__class__ not in NUMBER_TYPES or not cast(float, ts) >= since:
                    continue
            if where_eq is not None:
                found = event.get(where_eq[0])
                if not (
                    (found.__class__ is str and found == where_eq[1])
                    or (found.__class__ is list and where_eq[1] in found)
                ):
                    continue
            elif where is not None and not where(event):
                continue
            if window.exists:
                return True
            count += 1
    if window.exists:
        return False
    return holds(float(count), window.compares)


def interest_test(interest: Interest, attributes: Any) -> bool:
    """$interest: the decayed score for `key` (0.0 when absent) against the comparisons."""
    scores = attributes.get("interests") if attributes.__class__ is dict else None
    value: Any = scores.get(interest.key) if scores.__class__ is dict else None
    score = as_float(value) if value.__class__ in NUMBER_TYPES else 0.0
    return holds(score, interest.compares)


def _sorted_numbers(stamps: list[Any]) -> bool:
    """Every timestamp is a number (not NaN) and none is below the one before."""
    previous: Any = -math.inf
    for ts in stamps:
        if ts.__class__ not in NUMBER_TYPES or not ts >= previous:
            return False
        previous = ts
    return True


class EventIndex:
    """One request's events bucketed by (type or None, (where key, value) or None) -> their
    timestamps, so that each $count/$recency of the common form ({"category": "x"} or no
    `where`) is a lookup plus a binary search instead of a pass over every event.

    Made once per request and shared by every condition that reads the same attribute map
    (the segment batches and each rule's `when` take it as their optional second argument).
    Buckets for a `where` key are built on the first window that needs them.
    """

    __slots__ = ("buckets", "built", "events", "kinds", "now", "ordered", "stamps")

    def __init__(self, attributes: Any) -> None:
        data = attributes if attributes.__class__ is dict else {}
        now: Any = data.get("now")
        self.now = as_float(now) if now.__class__ in NUMBER_TYPES else None
        events: Any = data.get("events")
        self.events: list[dict[str, Any]] = (
            [e for e in events if e.__class__ is dict] if events.__class__ is list else []
        )
        self.stamps: list[Any] = []
        self.kinds: list[Any] = []
        self.buckets: dict[Any, list[Any]] = {}
        self.built: set[str | None] = set()
        self.ordered = True
        """Every timestamp is a number (not NaN) and none is below the one before: then
        every bucket is sorted, and a window's count is a bisection."""

    def _build(self, key: str | None) -> None:
        """Buckets for one `where` key (None: by type alone). Each field is read once per
        event by a comprehension (timestamps and types once for all keys), then one pass
        fills the buckets. The two passes repeat the same append on purpose: one shared
        loop for both measured 17 % slower in Pyodide, and a helper call costs more still."""
        buckets = self.buckets
        if not self.built:
            self.stamps = [event.get("ts") for event in self.events]
            self.kinds = [event.get("type") for event in self.events]
            self.ordered = _sorted_numbers(self.stamps)
        self.built.add(key)
        stamps, kinds = self.stamps, self.kinds
        if key is None:
            buckets[(None, None)] = list(stamps)
            for kind, ts in zip(kinds, stamps, strict=True):
                if kind.__class__ is str or isinstance(kind, str):
                    bucket = buckets.get((kind, None))
                    if bucket is None:
                        buckets[(kind, None)] = [ts]
                    else:
                        bucket.append(ts)
            return
        found_values: list[Any] = [event.get(key) for event in self.events]
        for kind, found, ts in zip(kinds, found_values, stamps, strict=True):
            if found.__class__ is str:
                label: Any = (key, found)
                bucket = buckets.get((None, label))  # appended inline: a call costs more
                if bucket is None:
                    buckets[(None, label)] = [ts]
                else:
                    bucket.append(ts)
                if kind.__class__ is str or isinstance(kind, str):
                    bucket = buckets.get((kind, label))
                    if bucket is None:
                        buckets[(kind, label)] = [ts]
                    else:
                        bucket.append(ts)
            elif found.__class__ is list:  # once per distinct value, as `in` would find
                typed = isinstance(kind, str)
                for label in {(key, x) for x in found if isinstance(x, str)}:
                    buckets.setdefault((None, label), []).append(ts)
                    if typed:
                        buckets.setdefault((kind, label), []).append(ts)

    def test(self, window: Window) -> bool:
        """window_test's answer for a window whose `where` is absent or `where_eq`."""
        where_eq = window.where_eq
        key = None if where_eq is None else where_eq[0]
        if key not in self.built:
            self._build(key)
        stamps = self.buckets.get((window.event, where_eq), ())
        hours = window.within_hours
        if hours is None:
            count = len(stamps)
        elif self.now is None:
            count = 0
        else:
            since = self.now - hours * 3600.0
            if since != since:  # NaN: no timestamp compares at least equal
                count = 0
            elif self.ordered:
                count = len(stamps) - bisect_left(stamps, since)
            else:
                count = 0
                for ts in stamps:
                    if ts.__class__ in NUMBER_TYPES and cast(float, ts) >= since:
                        count += 1
        if window.exists:
            return count > 0
        compares = window.compares
        if len(compares) == 1 and compares[0][0] == "gte":  # the common form, without a call
            return count >= compares[0][1]
        return holds(float(count), compares)
