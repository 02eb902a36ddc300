"""Compiles a condition once per bundle into one plain Python function.

The condition becomes the source of a single boolean expression (`and`/`or`/`not`, class
checks, set lookups, pre-compiled regexes, pre-padded versions) with every value from the
condition bound as a closure constant, never spliced into the source text, so the generated
code is a fixed set of templates whatever the bundle says. A field is read once, where it is
first needed. Conditions the fast form cannot express exactly (unknown operators, malformed
structure) are answered by the interpreter, and so is any call whose fast form raises (odd
data such as an unhashable array element), so the answers always equal `evaluate`.

The expression contains no conditional expressions or lambdas, so Python evaluates it left
to right; the first textual use of a field therefore binds it (`(v1 := a.get(k0))`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from core import condition_behaviour as behaviour
from core.condition_eval import elem_match_on_value, eval_condition, evaluate, regex
from core.condition_values import (
    BEHAVIOUR_KEYS,
    CONDITION_ONLY,
    MISSING,
    NUMBER_TYPES,
    PADDED,
    InSet,
    compare,
    deep_equal,
    get_path,
    is_operator_object,
    padded_version,
    plain_match,
    split_path,
    type_name,
)

Predicate = Callable[[Any], bool]


class Compiled(Protocol):
    """A compiled condition. `index` is the attribute map's `EventIndex`, when the caller
    has one: windows then read it instead of scanning `events` (same answers)."""

    def __call__(self, attributes: Any, index: behaviour.EventIndex | None = None, /) -> bool: ...


class Unclean(Exception):
    """The condition needs three-valued or error semantics: use the interpreter."""


def _path_or_none(attributes: Any, parts: tuple[str, ...]) -> Any:
    value = get_path(attributes, parts)
    return None if value is MISSING else value


def _all(actual: list[Any], tests: tuple[Predicate, ...]) -> bool:
    return all(any(test(x) for x in actual) for test in tests)


def _elem_match(actual: list[Any], test: Predicate) -> bool:
    return any(test(x) for x in actual if x is not None)


HELPERS: dict[str, Any] = {
    "N": NUMBER_TYPES,
    "M": MISSING,
    "gp": get_path,
    "gpn": _path_or_none,
    "pm": plain_match,
    "de": deep_equal,
    "tn": type_name,
    "cu": compare,
    "pv": padded_version,
    "al": _all,
    "pc": PADDED,
    "em": _elem_match,
    "wt": behaviour.window_test,
    "wi": behaviour.EventIndex.test,
    "EI": behaviour.EventIndex,
    "it": behaviour.interest_test,
}


class Gen:
    """Source text plus the constants it refers to as k0, k1, …"""

    def __init__(self) -> None:
        self.consts: list[Any] = []
        self.n_vars = 0

    def const(self, value: Any) -> str:
        self.consts.append(value)
        return f"k{len(self.consts) - 1}"

    def var(self) -> str:
        self.n_vars += 1
        return f"v{self.n_vars}"

    def mark(self) -> str:
        self.n_vars += 1
        return f"\x00{self.n_vars}\x00"

    # ---- condition level -------------------------------------------------------------

    def condition(self, cond: Any) -> str:
        if cond.__class__ is not dict:
            raise Unclean
        parts = [self.entry(key, value) for key, value in cond.items()]
        return "(" + " and ".join(parts) + ")" if parts else "True"

    def entry(self, key: Any, value: Any) -> str:
        if key.__class__ is not str:
            raise Unclean
        if key in ("$and", "$or", "$nor"):
            if value.__class__ is not list:
                raise Unclean
            subs = [self.condition(c) for c in value]
            if key == "$and":
                return "(" + " and ".join(subs) + ")" if subs else "True"
            any_of = "(" + " or ".join(subs) + ")" if subs else "True"
            return any_of if key == "$or" else f"(not {any_of})"
        if key == "$not":
            return f"(not {self.condition(value)})"
        if key in BEHAVIOUR_KEYS:
            return self.behaviour(key, value)
        if key.startswith("$"):
            raise Unclean
        return self.field(key, value)

    def behaviour(self, op: str, operand: Any) -> str:
        parsed = behaviour.parse(op, operand)
        if parsed is None:
            raise Unclean
        if isinstance(parsed, behaviour.Interest):
            return f"it({self.const(parsed)}, a)"
        window = self.const(parsed)
        if parsed.where is None or parsed.where_eq is not None:
            return f"(wi(ix, {window}) if ix is not None else wt({window}, a, None))"
        where = compile_condition(parsed.where, strict=True)
        return f"wt({window}, a, {self.const(where)})"

    def field(self, path: str, cond: Any) -> str:
        keep_missing = reads_missing(cond)
        mark = self.mark()
        expr = self.value(cond, mark, keep_missing)
        return self.bind(expr, mark, self.lookup(path, keep_missing))

    def lookup(self, path: str, keep_missing: bool) -> str:
        """An expression reading `path` from `a` (MISSING or None when absent)."""
        parts = split_path(path)
        default = ", M" if keep_missing else ""
        lookup = f"a.get({self.const(parts[0])}{default})"
        if len(parts) > 1:  # dicts all the way down inline; anything else via get_path
            slow = f"{'gp' if keep_missing else 'gpn'}(a, {self.const(parts)})"
            for part in parts[1:]:
                t = self.var()
                lookup = (
                    f"({t}.get({self.const(part)}{default})"
                    f" if ({t} := {lookup}).__class__ is dict else {slow})"
                )
        return lookup

    def bind(self, expr: str, mark: str, lookup: str) -> str:
        name = self.var()
        return expr.replace(mark, f"({name} := {lookup})", 1).replace(mark, name)

    # ---- value level -----------------------------------------------------------------

    def value(self, cond: Any, v: str, missing: bool, whole: bool = True) -> str:
        """`whole` as in condition_eval.eval_value: plain values also match array elements."""
        if not is_operator_object(cond):
            return self.plain(cond, v, missing) if whole else self.equal_json(cond, v)
        parts = [self.operator(op, x, v, missing, whole) for op, x in cond.items()]
        return "(" + " and ".join(parts) + ")" if parts else "True"

    def plain(self, expected: Any, v: str, missing: bool) -> str:
        k = self.const(expected)
        if expected.__class__ is str:
            return (
                f"(({v}.__class__ is str and {v} == {k})"
                f" or ({v}.__class__ is list and {k} in {self.items(v)}))"
            )
        in_array = f"({v}.__class__ is list and pm({k}, {v}))"
        if expected.__class__ is bool:
            return f"({v} is {k} or {in_array})"
        if expected is None:
            return f"({v} is None or {v} is M or {in_array})"
        if expected.__class__ in NUMBER_TYPES:
            return f"(({v}.__class__ in N and {v} == {k}) or {in_array})"
        return f"pm({k}, {v})"

    def items(self, v: str) -> str:
        """The array in `v` for string membership tests (only used once `v` is a list)."""
        return v

    def equal_json(self, expected: Any, v: str) -> str:
        """Deep equality with one value (`v` is never MISSING here)."""
        k = self.const(expected)
        if expected.__class__ is str:
            return f"({v}.__class__ is str and {v} == {k})"
        if expected.__class__ is bool:
            return f"({v} is {k})"
        if expected is None:
            return f"({v} is None)"
        if expected.__class__ in NUMBER_TYPES:
            return f"({v}.__class__ in N and {v} == {k})"
        return f"de({k}, {v})"

    def operator(self, op: str, operand: Any, v: str, missing: bool, whole: bool) -> str:
        if op in ("$eq", "$ne"):
            eq = self.equal(operand, v, missing)
            return eq if op == "$eq" else f"(not {eq})"
        if op in ("$gt", "$gte", "$lt", "$lte"):
            return self.order(op, operand, v)
        if op in ("$in", "$nin"):
            if operand.__class__ is not list:
                return "False"
            test = self.membership(InSet(operand), v)
            return test if op == "$in" else f"(not {test})"
        if op == "$exists":
            absent = f"({v} is None or {v} is M)" if missing else f"({v} is None)"
            return f"(not {absent})" if operand else absent
        if op == "$type":
            return f"(tn({v}) == {self.const(operand)})"
        if op == "$regex":
            compiled = regex(operand) if operand.__class__ is str else None
            if compiled is None:
                return "False"
            pattern, literal = compiled
            if literal is None:
                return f"({v}.__class__ is str and {self.const(pattern.search)}({v}) is not None)"
            how, lit = literal
            text = self.const(lit)
            test = {
                "contains": f"{text} in {v}",
                "prefix": f"{v}.startswith({text})",
                "exact": f"({v} == {text} or {v} == {self.const(lit + chr(10))})",
                "suffix": f"{v}.endswith(({text}, {self.const(lit + chr(10))}))",
            }[how]
            return f"({v}.__class__ is str and {test})"
        if op == "$not":
            return f"(not {self.value(operand, v, missing, whole)})"
        if op == "$size":
            mark = self.mark()
            inner = self.bind(self.value(operand, mark, False, False), mark, f"len({v})")
            return f"({v}.__class__ is list and {inner})"
        if op == "$all":
            if operand.__class__ is not list:
                return "False"
            tests = self.const(tuple(compile_value(c) for c in operand))
            if operand and all(c.__class__ is str for c in operand):
                items = self.items(v)
                found = " and ".join(f"{self.const(c)} in {items}" for c in dict.fromkeys(operand))
                return f"({v}.__class__ is list and {found})"
            return f"({v}.__class__ is list and al({v}, {tests}))"
        if op == "$elemMatch":
            if len(operand) == 1 and operand.get("$in").__class__ is list:
                members = InSet(operand["$in"])
                if members.only_strings:  # then no null: same as $in over the array
                    return f"({v}.__class__ is list and {self.strings_in_array(members, v)})"
            on_value = elem_match_on_value(operand)
            matcher = compile_value(operand) if on_value else compile_condition(operand, True)
            return f"({v}.__class__ is list and em({v}, {self.const(matcher)}))"
        if op in ("$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte"):
            return self.version(op, operand, v)
        if op in CONDITION_ONLY:
            return "False"
        raise Unclean

    def strings_in_array(self, members: InSet, v: str) -> str:
        """Any string of the array in the set (raises on an unhashable element: see build)."""
        return f"(not {self.const(members.strings)}.isdisjoint({self.items(v)}))"

    def membership(self, members: InSet, v: str) -> str:
        """$in for a value: set lookups by type, so 1 never finds True."""
        if members.bools or members.has_null:
            return f"{self.const(members.test)}({v})"
        parts = []
        if members.strings:
            parts.append(f"({v}.__class__ is str and {v} in {self.const(members.strings)})")
        if members.numbers:
            parts.append(f"({v}.__class__ in N and {v} in {self.const(members.numbers)})")
        if members.only_strings:
            parts.append(f"({v}.__class__ is list and {self.strings_in_array(members, v)})")
        else:
            parts.append(f"({v}.__class__ is list and {self.const(members.test)}({v}))")
        return "(" + " or ".join(parts) + ")"

    def equal(self, operand: Any, v: str, missing: bool) -> str:
        cls = operand.__class__
        if cls is str:
            return f"({v}.__class__ is str and {v} == {self.const(operand)})"
        if cls in NUMBER_TYPES:
            return f"({v}.__class__ in N and {v} == {self.const(operand)})"
        if cls is bool:
            return f"({v} is {self.const(operand)})"
        if operand is None:
            return f"({v} is None or {v} is M)" if missing else f"({v} is None)"
        return "False"

    def order(self, op: str, operand: Any, v: str) -> str:
        sym = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[op]
        k = self.const(operand)
        if operand.__class__ in NUMBER_TYPES:
            if operand != operand:
                return "False"
            return f"({v}.__class__ in N and {v} {sym} {k})"
        if operand.__class__ is str:
            if operand.isascii():
                return (
                    f"({v}.__class__ is str and "
                    f"(({v}.isascii() and {v} {sym} {k}) or "
                    f"(not {v}.isascii() and cu({v}, {k}) {sym} 0)))"
                )
            return f"({v}.__class__ is str and cu({v}, {k}) {sym} 0)"
        return "False"

    def version(self, op: str, operand: Any, v: str) -> str:
        if operand.__class__ is str:
            kind = f"{v}.__class__ is str"
        elif operand.__class__ in NUMBER_TYPES:
            kind = f"{v}.__class__ in N"
        else:
            return "True" if op == "$vne" else "False"
        sym = {"$veq": "==", "$vne": "!=", "$vgt": ">", "$vgte": ">=", "$vlt": "<"}.get(op, "<=")
        padded = f"(pc.get({v}) or pv({v}))" if operand.__class__ is str else f"pv({v})"
        test = f"{padded} {sym} {self.const(padded_version(operand))}"
        if op == "$vne":
            return f"(not ({kind}) or {test})"
        return f"({kind} and {test})"


def reads_missing(cond: Any) -> bool:
    """Whether the field's test can tell a missing attribute from null ($type only)."""
    if not is_operator_object(cond):
        return False
    return "$type" in cond or ("$not" in cond and reads_missing(cond["$not"]))


def _build(expr: str, gen: Gen, fallback: Predicate, mode: str) -> Compiled:
    """Turn the expression into a function. "top": a non-map or any exception is answered
    by the interpreter for the whole condition (which never raises), so the fast form may
    take shortcuts that raise on odd data. "sub" ($elemMatch, where): a non-map goes to the
    interpreter, exceptions propagate to the top. "value": the bare expression."""
    names = [f"k{i}" for i in range(len(gen.consts))]
    unpack = f"    {', '.join(names)}, = K\n" if names else ""
    lines = ["def make(K, fb):\n", unpack, "    def test(a, ix=None):\n"]
    if mode != "value":
        lines.append("        if a.__class__ is not dict:\n            return fb(a)\n")
    if mode == "top":
        lines.append("        try:\n")
        lines.append(f"            return {expr}\n")
        lines.append("        except Exception:\n            return fb(a)\n")
    else:
        lines.append(f"        return {expr}\n")
    lines.append("    return test\n")
    namespace = dict(HELPERS)
    exec(compile("".join(lines), "<condition>", "exec"), namespace)
    made: Compiled = namespace["make"](tuple(gen.consts), fallback)
    return made


def compile_condition(condition: Any, strict: bool = False) -> Compiled:
    """A condition as one function of the attribute map. `strict` (for conditions nested in
    $elemMatch or `where`) re-raises Unclean and lets run-time exceptions propagate."""
    gen = Gen()

    def fallback(attributes: Any, index: behaviour.EventIndex | None = None) -> bool:
        return evaluate(condition, attributes)

    def nested(attributes: Any, index: behaviour.EventIndex | None = None) -> bool:
        return eval_condition(condition, attributes) is True

    try:
        expr = gen.condition(condition)
        return _build(expr, gen, nested if strict else fallback, "sub" if strict else "top")
    except Exception as exc:  # unknown operators, malformed or absurdly deep conditions
        if strict:
            raise Unclean from exc
        return fallback


def compile_value(cond: Any) -> Compiled:
    """A field-level condition as a function of one value (for $all and $elemMatch)."""
    gen = Gen()
    mark = gen.mark()
    expr = gen.bind(gen.value(cond, mark, False, False), mark, "a")
    return _build(expr, gen, bool, "value")
