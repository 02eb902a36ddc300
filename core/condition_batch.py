"""All of a bundle's conditions as one generated function returning one answer each.

Evaluating hundreds of conditions per request through hundreds of small functions pays a
call and an attribute lookup per condition. Here every attribute path the set reads is
fetched once per request, and each condition is one element of a single list display, so a
condition costs little more than its comparisons. Answers equal `evaluate(c, attributes)`
for every condition: a condition the fast form cannot express is handed to the
interpreter, and so is the whole request when the fast form raises on odd data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from core import condition_behaviour as behaviour
from core.condition_compile import HELPERS, Compiled, Gen, compile_condition, reads_missing
from core.condition_eval import evaluate


class Batch(Protocol):
    """Compiled conditions: attributes (and optionally their `EventIndex`) -> answers."""

    def __call__(
        self, attributes: Any, index: behaviour.EventIndex | None = None, /
    ) -> list[bool]: ...


class _HoistingGen(Gen):
    """A generator whose field reads become statements run once, before all conditions."""

    def __init__(self) -> None:
        super().__init__()
        self.hoisted: dict[tuple[str, bool], str] = {}
        self.statements: list[str] = []
        self.sets: dict[str, str] = {}
        self.current = ("", "")

    def behaviour(self, op: str, operand: Any) -> str:
        """Windows of the common form read the request's EventIndex (the caller's, or one
        made on first use)."""
        parsed = behaviour.parse(op, operand)
        if not isinstance(parsed, behaviour.Window) or (
            parsed.where is not None and parsed.where_eq is None
        ):
            return super().behaviour(op, operand)
        return f"wi(ix or (ix := EI(a)), {self.const(parsed)})"

    def field(self, path: str, cond: Any) -> str:
        keep_missing = reads_missing(cond)
        name = self.hoisted.get((path, keep_missing))
        if name is None:
            name = self.var()
            self.statements.append(f"{name} = {self.lookup(path, keep_missing)}")
            self.statements.append(f"c{name} = {name}.__class__")
            self.hoisted[(path, keep_missing)] = name
        mark = self.mark()
        self.current = (mark, name)
        expr = self.value(cond, mark, keep_missing).replace(mark, name)
        return expr.replace(f"{name}.__class__", f"c{name}")

    def items(self, v: str) -> str:
        """A hoisted array becomes a set once per request: many conditions test membership
        in the same few arrays (segments, cart). An unhashable element makes frozenset()
        raise, and the per-condition functions answer instead."""
        mark, name = self.current
        if v != mark:
            return v
        if name not in self.sets:
            self.sets[name] = f"s{name}"
            self.statements.append(f"s{name} = frozenset({name}) if c{name} is list else None")
        return self.sets[name]


def compile_all(conditions: Sequence[Any]) -> Batch:
    """One function: attributes -> [answer of each condition, in order]."""
    conds = tuple(conditions)
    gen = _HoistingGen()
    exprs: list[str] = []
    for condition in conds:
        try:
            exprs.append(gen.condition(condition))
        except Exception:  # unknown operator, malformed: the interpreter answers it
            exprs.append(f"ev({gen.const(condition)}, a)")
    names = [f"k{i}" for i in range(len(gen.consts))]
    unpack = f"    {', '.join(names)}, = K\n" if names else ""
    body = "".join(f"            {line}\n" for line in gen.statements)
    source = (
        "def make(K, C):\n"
        f"{unpack}"
        "    def test_all(a, ix=None):\n"
        "        if a.__class__ is not dict:\n"
        "            return [ev(c, a) for c in C]\n"
        "        try:\n"
        f"{body}"
        f"            return [{', '.join(exprs)}]\n"
        "        except Exception:\n"
        "            return [ev(c, a) for c in C]\n"
        "    return test_all\n"
    )
    namespace = dict(HELPERS, ev=evaluate)
    try:
        exec(compile(source, "<conditions>", "exec"), namespace)
    except Exception:  # too big or too deep for one function: one function each
        return _one_by_one([compile_condition(c) for c in conds])
    made: Batch = namespace["make"](tuple(gen.consts), conds)
    return made


def _one_by_one(singles: list[Compiled]) -> Batch:
    def test_all(attributes: Any, index: behaviour.EventIndex | None = None) -> list[bool]:
        return [f(attributes, index) for f in singles]

    return test_all
