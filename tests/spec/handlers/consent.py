"""Spec handler for core.consent: resolving cookie / TC string / GPC under a policy."""

from __future__ import annotations

from typing import Any

from core import consent


def run(case: dict[str, Any]) -> Any:
    op = case.get("op", "resolve")
    policy = consent.policy_from_dict(case.get("policy"))
    if op == "cookie":
        choice = consent.parse_cookie(case["cookie"])
        if choice is None:
            return None
        return {"purposes": sorted(choice.purposes), "sensitive": sorted(choice.sensitive)}
    decision = consent.resolve(
        case.get("consent"), policy, sensitive_optins=case.get("sensitive_optins", [])
    )
    if op == "resolve":
        return decision.to_dict()
    if op == "allowed":
        return {name: consent.allowed_attribute(name, decision, policy) for name in case["names"]}
    if op == "strip":
        return consent.strip_sensitive(case["attributes"], decision, policy)
    raise ValueError(f"unknown op {op!r}")
