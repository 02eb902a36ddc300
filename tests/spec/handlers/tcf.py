"""Spec handler for core.tcf: decoding TC strings (and encoding them for round trips)."""

from __future__ import annotations

from typing import Any

from core import tcf


def run(case: dict[str, Any]) -> Any:
    op = case.get("op", "decode")
    try:
        if op == "decode":
            return tcf.decode(case["tc"]).to_dict()
        if op == "vendors":
            decoded = tcf.decode(case["tc"])
            ids = case["ids"]
            return {
                "consent": [i for i in ids if decoded.vendor_consent(i)],
                "legitimate_interest": [i for i in ids if decoded.vendor_legitimate_interest(i)],
            }
        if op == "encode":
            encoded = tcf.encode(**case["fields"])
            return {"tc": encoded, "decoded": tcf.decode(encoded).to_dict()}
    except tcf.TCStringError:
        return {"error": "TCStringError"}
    raise ValueError(f"unknown op {op!r}")
