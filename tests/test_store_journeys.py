"""The journey table itself (the journeys run in tests/test_journeys.py)."""

from __future__ import annotations

from origin.store.journeys import JOURNEYS


def test_the_eight_journeys_of_the_issue_in_order() -> None:
    assert len(JOURNEYS) == 8
    names = [name for name, _ in JOURNEYS]
    assert len(set(names)) == 8
    for number, (name, journey) in enumerate(JOURNEYS, start=1):
        assert journey.__name__ == name
        assert (journey.__doc__ or "").startswith(f"{number}. ")
