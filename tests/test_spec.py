"""The language-neutral spec cases, run in CPython (Pyodide runs them in test_spec_pyodide)."""

from __future__ import annotations

import pytest

from tests.spec import runner

EXPECTED = runner.expectations()
RESULTS = runner.run_all()


def test_spec_has_enough_cases() -> None:
    assert len(EXPECTED) >= 300, len(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_spec_case(key: str) -> None:
    assert RESULTS[key] == EXPECTED[key]
