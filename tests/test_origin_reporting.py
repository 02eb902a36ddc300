"""Reports over a real SQLite store: event queries, erasure, and which definitions count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from origin.bundles import store_bundle
from origin.reporting import (
    Period,
    definitions,
    experiment_lines,
    experiments_report,
    roi_line,
    roi_report,
    summary_lines,
)
from origin.signing import Signer
from origin.storage import EventRow, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "db.sqlite")
    yield s
    s.close()


def row(i: int, visitor: str, kind: str, ts: int, props: str | None = None,
        value: float | None = None) -> EventRow:
    return (f"e{i}", visitor, kind, ts, "blk", value, None, "/", None, props)


EXPOSE = '{"experiment":"e1","variation":"%s","rule":"r"}'


def test_report_events_filters_types_range_and_erased(store: Store) -> None:
    store.insert_events([
        row(1, "v", "exposure", 100, EXPOSE % "a"), row(2, "v", "purchase", 150, value=3.0),
        row(3, "w", "exposure", 90, EXPOSE % "b"), row(4, "w", "view", 80),
        row(5, "gone", "exposure", 95, EXPOSE % "a"), row(6, "v", "exposure", 200, EXPOSE % "a"),
    ], now=300)
    got = store.report_events(["exposure"], since=90, until=200)
    assert [(e.visitor, e.ts) for e in got] == [("gone", 95), ("v", 100), ("w", 90)]
    assert got[1].props == {"experiment": "e1", "variation": "a", "rule": "r"}
    assert store.report_events([]) == []
    assert store.report_first_seen() == {"v": 100, "w": 80, "gone": 95}
    assert store.report_first_seen(since=85) == {"v": 100, "w": 90, "gone": 95}
    store.erase_subject("gone", now=400)
    assert all(e.visitor != "gone" for e in store.report_events(["exposure"]))
    assert "gone" not in store.report_first_seen()
    store.insert_events([row(7, "gone", "exposure", 500, EXPOSE % "a")], now=500)
    assert [e.ts for e in store.report_events(["exposure"]) if e.visitor == "gone"] == [500]


def test_definitions_prefer_the_live_bundle(store: Store, tmp_path: Path) -> None:
    signer = Signer.load_or_create(tmp_path / "keys")
    store.put_doc("experiments", {"id": "e1", "kind": "ab", "variations": [{"id": "a"}]})
    store.put_doc("experiments", {"id": "draft", "kind": "ab", "variations": [{"id": "d"}]})
    store.put_doc("config", {"id": "holdout", "value": {"percent": 5, "seed": "doc"}})
    defs = definitions(store, signer.public)
    assert defs.bundle_version is None and defs.holdout == {"percent": 5, "seed": "doc"}
    assert [e["id"] for e in defs.experiments] == ["draft", "e1"]
    store_bundle(store, signer, {
        "experiments": [{"id": "e1", "kind": "bandit", "variations": [{"id": "b"}, {"id": "a"}],
                         "arms": [{"alpha": 2, "beta": 3}, {"alpha": 1, "beta": 1}]}],
        "holdout": {"percent": 10, "seed": "live"}})
    defs = definitions(store, signer.public)
    assert defs.bundle_version == 1 and defs.holdout == {"percent": 10, "seed": "live"}
    assert [(e["id"], e["kind"]) for e in defs.experiments] == [("e1", "bandit"), ("draft", "ab")]
    rogue = Signer.load_or_create(tmp_path / "rogue")
    assert definitions(store, rogue.public).holdout == {"percent": 5, "seed": "doc"}


def test_reports_and_summary_lines(store: Store, tmp_path: Path) -> None:
    store.insert_events([
        row(1, "v", "exposure", 100, EXPOSE % "a"), row(2, "v", "purchase", 150, value=3.0),
        row(3, "w", "exposure", 90, EXPOSE % "b"),
    ], now=300)
    store.put_doc("experiments", {"id": "e1", "kind": "ab",
                                  "variations": [{"id": "a"}, {"id": "b"}]})
    defs = definitions(store, None)
    report = experiments_report(store, defs, Period(window=100))
    assert report["window_days"] == pytest.approx(100 / 86400)
    lines = experiment_lines(report)
    assert lines[0].startswith("e1/a: 1/1 100.0% [") and lines[0].endswith("control")
    assert lines[1].startswith("e1/b: 0/1 0.0% [") and "lift -100.0%" in lines[1]
    assert "p=" in lines[1]
    roi = roi_report(store, defs, Period(window=100))
    assert roi_line(roi) == "ROI: no holdout configured; 1/2 visitors converted (50.0%)"
    store.put_doc("config", {"id": "holdout", "value": {"percent": 50, "seed": "s"}})
    line = roi_line(roi_report(store, definitions(store, None), Period(window=100)))
    assert line.startswith("ROI: personalized ") and "vs holdout" in line
    # a goal up to one window after `until` still counts for an exposure inside the period
    assert experiments_report(store, defs, Period(until=120, window=100))[
        "experiments"][0]["variations"][0]["converted"] == 1


def test_summary_lines_for_the_demo(store: Store, tmp_path: Path) -> None:
    signer = Signer.load_or_create(tmp_path / "keys")
    assert summary_lines(store, signer.public) == [
        "ROI: no holdout configured; 0/0 visitors converted (n/a)"]
    store_bundle(store, signer, {"experiments": [
        {"id": "home-hero", "kind": "ab", "variations": [{"id": "a"}, {"id": "b"}]}],
        "holdout": {"percent": 0, "seed": "x"}})
    store.insert_events([row(1, "v", "exposure", 100, '{"experiment":"home-hero",'
                             '"variation":"b"}'), row(2, "v", "purchase", 200)], now=300)
    lines = summary_lines(store, signer.public)
    assert lines[0] == "ROI: no holdout configured; 1/1 visitors converted (100.0%)"
    assert lines[1] == "home-hero/a: 0/0 n/a control"
    assert lines[2].startswith("home-hero/b: 1/1 100.0% [") and lines[2].endswith(
        "lift n/a, p=n/a")
