"""Spec handler for the condition language (core.conditions).

Input: {"op": "evaluate", "condition", "attributes"} -> bool, checked against compile() and
compile_all() (a disagreement is returned as {"mismatch": ...}, which never equals a case's
expectation); {"op": "validate", "condition"} -> [messages];
{"op": "paths", "condition"} -> sorted referenced paths. Other keys (e.g. "growthbook": false,
which marks a deliberate difference from GrowthBook) are ignored here.
"""

from __future__ import annotations

from typing import Any

from core import conditions


def run(case: dict[str, Any]) -> Any:
    op = case["op"]
    condition = case["condition"]
    if op == "evaluate":
        attributes = case["attributes"]
        result = conditions.evaluate(condition, attributes)
        compiled = conditions.compile(condition)(attributes)
        batch = conditions.compile_all([condition, {"$not": condition}])(attributes)
        negated = conditions.evaluate({"$not": condition}, attributes)
        if compiled is not result or batch != [result, negated]:
            return {"mismatch": {"evaluate": result, "compile": compiled, "compile_all": batch}}
        return result
    if op == "validate":
        return conditions.validate(condition)
    if op == "paths":
        return sorted(conditions.referenced_paths(condition))
    raise ValueError(f"unknown op {op!r}")
