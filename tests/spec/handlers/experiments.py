"""Spec handler for core.experiments: assignment, layers, holdout, bandit arm choice."""

from __future__ import annotations

from typing import Any

from core import experiments


def run(case: dict[str, Any]) -> Any:
    op = case.get("op", "assign")
    holdout = experiments.holdout_from_dict(case.get("holdout"))
    visitors: list[str] = case.get("visitors", [])
    if op == "holdout":
        return {v: experiments.in_holdout(holdout, v) for v in visitors}
    try:
        parsed = experiments.parse_experiments(case["experiments"])
    except experiments.ExperimentError:
        return {"error": "ExperimentError"}
    now = int(case.get("now", 0))
    attributes = case.get("attributes", {})
    if op == "assign":
        assignments = case.get("assignments", {})
        return {
            v: {
                eid: experiments.assign(exp, v, attributes, assignments, now, holdout=holdout)
                for eid, exp in parsed.items()
            }
            for v in visitors
        }
    if op == "sticky_value":
        exp = parsed[case["experiment"]]
        return experiments.sticky_value(exp, case["variation"], now)
    if op == "shares":
        exp = parsed[case["experiment"]]
        shares = experiments.arm_shares(exp, int(case["n"]), now)
        return {k: round(s, 6) for k, s in shares.items()}
    raise ValueError(f"unknown op {op!r}")
