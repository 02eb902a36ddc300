"""Compiles a condition once per bundle into one plain Python function.

The condition becomes the source of a single boolean expression (`and`/`or`/`not`, class
checks, set lookups, pre-compiled regexes, pre-padded versions) with every value from the
condition bound as a closure constant, never spliced into the source text, so the generated
code is a fixed set of templates whatever the bundle says. A field is read once, where it is
first needed. Conditions the fast form cannot express exactly (unknown operators, malformed
structure) fall back to the interpreter, which answers "false" for them.

The expression contains no conditional expressions or lambdas, so Python evaluates it left
to right; the first textual use of a field therefore binds it (`(v1 := a.get(k0))`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import condition_behaviour as behaviour
from core.condition_eval import elem_match_on_value, evaluate, regex
from core.condition_values import (
    BEHAVIOUR_KEYS,
    CONDITION_ONLY,
    MISSING,
    NUMBER_TYPES,
    InSet,
    compare,
    get_path,
    is_operator_object,
    padded_version,
    plain_match,
    split_path,
    type_name,
)

Predicate = Callable[[Any], bool]


class Unclean(Exception):
    """The condition needs three-valued or error semantics: use the interpreter."""


def _path_or_none(attributes: Any, parts: tuple[str, ...]) -> Any:
    value = get_path(attributes, parts)
    return None if value is MISSING else value


def _all(actual: list[Any], tests: tuple[Predicate, ...]) -> bool:
    return all(any(test(x) for x in actual) for test in tests)


def _elem_match(actual: list[Any], test: Predicate) -> bool:
    return any(test(x) for x in actual if x is not None)


_HELPERS: dict[str, Any] = {
    "N": NUMBER_TYPES,
    "M": MISSING,
    "gp": get_path,
    "gpn": _path_or_none,
    "pm": plain_match,
    "tn": type_name,
    "cu": compare,
    "pv": padded_version,
    "al": _all,
    "em": _elem_match,
    "wt": behaviour.window_test,
    "it": behaviour.interest_test,
}


class _Gen:
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
        where = None if parsed.where is None else compile_condition(parsed.where, strict=True)
        return f"wt({self.const(parsed)}, a, {self.const(where)})"

    def field(self, path: str, cond: Any) -> str:
        parts = split_path(path)
        keep_missing = _reads_missing(cond)
        if len(parts) == 1:
            lookup = f"a.get({self.const(path)}{', M' if keep_missing else ''})"
        else:
            lookup = f"{'gp' if keep_missing else 'gpn'}(a, {self.const(parts)})"
        mark = self.mark()
        return self.bind(self.value(cond, mark, keep_missing), mark, lookup)

    def bind(self, expr: str, mark: str, lookup: str) -> str:
        name = self.var()
        return expr.replace(mark, f"({name} := {lookup})", 1).replace(mark, name)

    # ---- value level -----------------------------------------------------------------

    def value(self, cond: Any, v: str, missing: bool) -> str:
        if not is_operator_object(cond):
            return self.plain(cond, v, missing)
        parts = [self.operator(op, operand, v, missing) for op, operand in cond.items()]
        return "(" + " and ".join(parts) + ")" if parts else "True"

    def plain(self, expected: Any, v: str, missing: bool) -> str:
        k = self.const(expected)
        if expected.__class__ is str:
            return (
                f"(({v}.__class__ is str and {v} == {k})"
                f" or ({v}.__class__ is list and {k} in {v}))"
            )
        return f"pm({k}, {v})"

    def operator(self, op: str, operand: Any, v: str, missing: bool) -> str:
        if op in ("$eq", "$ne"):
            eq = self.equal(operand, v, missing)
            return eq if op == "$eq" else f"(not {eq})"
        if op in ("$gt", "$gte", "$lt", "$lte"):
            return self.order(op, operand, v)
        if op in ("$in", "$nin"):
            if operand.__class__ is not list:
                return "False"
            members = InSet(operand)
            check = self.const(members.test)
            if members.only_strings:
                strings = self.const(members.strings)
                test = (
                    f"(({v}.__class__ is str and {v} in {strings})"
                    f" or ({v}.__class__ is list and {check}({v})))"
                )
            else:
                test = f"{check}({v})"
            return test if op == "$in" else f"(not {test})"
        if op == "$exists":
            absent = f"({v} is None or {v} is M)" if missing else f"({v} is None)"
            return f"(not {absent})" if operand else absent
        if op == "$type":
            return f"(tn({v}) == {self.const(operand)})"
        if op == "$regex":
            pattern = regex(operand) if operand.__class__ is str else None
            if pattern is None:
                return "False"
            return f"({v}.__class__ is str and {self.const(pattern.search)}({v}) is not None)"
        if op == "$not":
            return f"(not {self.value(operand, v, missing)})"
        if op == "$size":
            mark = self.mark()
            inner = self.bind(self.value(operand, mark, False), mark, f"len({v})")
            return f"({v}.__class__ is list and {inner})"
        if op == "$all":
            if operand.__class__ is not list:
                return "False"
            tests = tuple(compile_value(c) for c in operand)
            return f"({v}.__class__ is list and al({v}, {self.const(tests)}))"
        if op == "$elemMatch":
            on_value = elem_match_on_value(operand)
            matcher = compile_value(operand) if on_value else compile_condition(operand, True)
            return f"({v}.__class__ is list and em({v}, {self.const(matcher)}))"
        if op in ("$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte"):
            return self.version(op, operand, v)
        if op in CONDITION_ONLY:
            return "False"
        raise Unclean

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
        test = f"pv({v}) {sym} {self.const(padded_version(operand))}"
        if op == "$vne":
            return f"(not ({kind}) or {test})"
        return f"({kind} and {test})"


def _reads_missing(cond: Any) -> bool:
    """Whether the field's test can tell a missing attribute from null ($type only)."""
    if not is_operator_object(cond):
        return False
    return "$type" in cond or ("$not" in cond and _reads_missing(cond["$not"]))


def _build(expr: str, gen: _Gen, fallback: Predicate, value_level: bool) -> Predicate:
    names = [f"k{i}" for i in range(len(gen.consts))]
    unpack = f"    {', '.join(names)}, = K\n" if names else ""
    guard = "" if value_level else "        if a.__class__ is not dict:\n            return fb(a)\n"
    source = (
        "def make(K, fb):\n"
        f"{unpack}"
        "    def test(a):\n"
        f"{guard}"
        "        try:\n"
        f"            return {expr}\n"
        "        except Exception:\n"
        "            return False\n"
        "    return test\n"
    )
    namespace = dict(_HELPERS)
    exec(compile(source, "<condition>", "exec"), namespace)
    made: Predicate = namespace["make"](tuple(gen.consts), fallback)
    return made


def compile_condition(condition: Any, strict: bool = False) -> Predicate:
    """A condition as one function of the attribute map; `strict` re-raises Unclean."""
    gen = _Gen()

    def fallback(attributes: Any) -> bool:
        return evaluate(condition, attributes)

    try:
        return _build(gen.condition(condition), gen, fallback, value_level=False)
    except Exception as exc:  # unknown operators, malformed or absurdly deep conditions
        if strict:
            raise Unclean from exc
        return fallback


def compile_value(cond: Any) -> Predicate:
    """A field-level condition as a function of one value (for $all and $elemMatch)."""
    gen = _Gen()
    mark = gen.mark()
    expr = gen.bind(gen.value(cond, mark, False), mark, "a")
    return _build(expr, gen, bool, value_level=True)
