"""The bound benchmark swaps two core functions only while it measures, and measures what it
says: every variant over the same requests, the cookie floor over profile requests only."""

from __future__ import annotations

from typing import Any

import pytest

from bench import core_bound
from core import decide as decide_mod
from core import segments as segments_mod


def test_precomputed_puts_the_core_back_even_after_an_error() -> None:
    compute, recommend = segments_mod.compute, decide_mod.recommend
    with pytest.raises(RuntimeError), core_bound.precomputed({}, {"visitor": "", "item": False}):
        assert segments_mod.compute is not compute
        assert decide_mod.recommend is not recommend
        raise RuntimeError("boom")
    assert segments_mod.compute is compute
    assert decide_mod.recommend is recommend


def test_precomputed_answers_profile_visitors_from_the_table_only() -> None:
    table = {"7": {"segments": ["stored"], "propensity": {"buyer": 0.5}, "candidates": [3, 4]}}
    current: dict[str, Any] = {"visitor": "7", "item": False}
    attributes: dict[str, Any] = {}
    with core_bound.precomputed(table, current):
        stored = segments_mod.compute((), attributes, object(), 0, 72.0)
        current["visitor"] = "8"  # not in the table: the real computation answers
        computed = segments_mod.compute((), {}, object(), 0, 72.0)
    assert stored.segments == ["stored"] and stored.propensity == {"buyer": 0.5}
    assert attributes["segments"] == ["stored"]
    assert computed.segments == []


def test_run_times_every_request_and_the_floor_only_for_profiles() -> None:
    report = core_bound.run(visitors=24, rounds=1)
    decided = report["decision"]["all_requests"]["n"]
    profiles = report["decision"]["profile_requests"]["n"]
    assert decided == 24
    assert 0 < profiles < decided  # the reference mix has both kinds
    for name in ("precomputed_profile", "precomputed_decide_only"):
        assert report[name]["all_requests"]["n"] == decided
    for name in ("state_cookie_floor", "state_cookie_floor_decoded"):
        assert report[name]["all_requests"]["n"] == profiles
    assert report["profile_share"] == round(profiles / decided, 3)
