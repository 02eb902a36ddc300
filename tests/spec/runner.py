"""Runs the language-neutral spec cases; the same file runs in CPython and in Pyodide.

A spec file is `{"kind": K, "cases": [{"name": str, "input": any, "expect": any}]}`.
`handlers/K.py` defines `run(input) -> JSON value`; a case passes when the result equals
`expect` after a JSON round trip. This module uses only the standard library so the Node
runner can load it into Pyodide next to the core wheel.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def spec_files(directory: str = HERE) -> list[str]:
    """All spec files, sorted so both runtimes walk them in the same order."""
    return sorted(
        os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".json")
    )


def run_case(kind: str, case_input: Any) -> Any:
    """The JSON-normalised result of one case, or {"error": type name} if it raised."""
    handler = importlib.import_module(f"handlers.{kind}")
    try:
        result = handler.run(case_input)
    except Exception as exc:  # a spec case that raises is recorded, not fatal
        return {"raised": type(exc).__name__, "message": str(exc)}
    return json.loads(json.dumps(result, sort_keys=True))


def run_all(directory: str = HERE) -> dict[str, Any]:
    """Every case of every file: {"file::name": result}."""
    results: dict[str, Any] = {}
    for path in spec_files(directory):
        with open(path, encoding="utf-8") as handle:
            spec = json.load(handle)
        base = os.path.basename(path)
        for case in spec["cases"]:
            results[f"{base}::{case['name']}"] = run_case(spec["kind"], case["input"])
    return results


def expectations(directory: str = HERE) -> dict[str, Any]:
    """Every case's expected result: {"file::name": expect}."""
    expected: dict[str, Any] = {}
    for path in spec_files(directory):
        with open(path, encoding="utf-8") as handle:
            spec = json.load(handle)
        base = os.path.basename(path)
        for case in spec["cases"]:
            key = f"{base}::{case['name']}"
            if key in expected:
                raise ValueError(f"duplicate spec case name {key}")
            expected[key] = json.loads(json.dumps(case["expect"], sort_keys=True))
    return expected


if __name__ == "__main__":
    print(json.dumps(run_all(sys.argv[1] if len(sys.argv) > 1 else HERE), sort_keys=True))
