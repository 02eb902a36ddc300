"""The spec cases run inside real Pyodide (Node + the edge artifact, offline): every case's
result there must equal its `expect` and CPython's result (tests/test_spec.py runs CPython)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from build import edge_artifact
from tests.spec import runner

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = runner.expectations()


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    """Pyodide's and CPython's results for every case, from one Node run."""
    edge_artifact.build()
    node = shutil.which("node")
    assert node, "node is needed to run the spec cases in Pyodide"
    proc = subprocess.run(
        [node, str(ROOT / "edge" / "spec_runner.mjs"), "--artifact", str(edge_artifact.OUT)],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return {"pyodide": json.loads(proc.stdout), "cpython": runner.run_all()}


def test_pyodide_ran_exactly_the_spec_cases(results: dict[str, dict[str, Any]]) -> None:
    assert sorted(results["pyodide"]) == sorted(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_spec_case_in_pyodide(key: str, results: dict[str, dict[str, Any]]) -> None:
    pyodide = results["pyodide"].get(key, "<missing in Pyodide>")
    cpython = results["cpython"].get(key, "<missing in CPython>")
    assert pyodide == EXPECTED[key], f"{key}: Pyodide {pyodide!r} != expect {EXPECTED[key]!r}"
    assert pyodide == cpython, f"{key}: Pyodide {pyodide!r} != CPython {cpython!r}"
