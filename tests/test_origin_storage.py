"""Store against real SQLite files: WAL mode, atomic event batches, documents, erasure."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from origin.storage import EventRow, Store, WriterClosed, visitor_hash


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "t.sqlite3")
    yield s
    s.close()


def row(i: int, visitor: str = "v1", ts: int = 1000) -> EventRow:
    return (f"e{i}", visitor, "view", ts, f"i{i}", 1.5, None, "/p", "hiking", '{"k":1}')


def test_database_is_in_wal_mode(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_events_dedup_and_iterate_in_order(store: Store) -> None:
    assert store.insert_events([row(i) for i in range(5)], now=2000) == (5, 0, 0)
    assert store.insert_events([row(3), row(5), row(5)], now=2000) == (1, 2, 0)
    events = list(store.iter_events(chunk=2))
    assert [e["id"] for e in events] == ["e0", "e1", "e2", "e3", "e4", "e5"]
    assert events[0]["props"] == {"k": 1} and events[0]["value"] == 1.5
    assert events[0]["received_at"] == 2000
    assert [e["id"] for e in store.iter_events(after_seq=events[3]["seq"])] == ["e4", "e5"]


def test_concurrent_batches_are_each_atomic(store: Store) -> None:
    def submit(t: int) -> None:
        futures = [store.submit_events([row(t * 1000 + b * 10 + i) for i in range(10)])
                   for b in range(20)]
        for f in futures:
            assert f.result() == (10, 0, 0)

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count_events() == 800
    assert 1 <= store.commits <= 80  # at most one commit per batch; none lost


def test_a_failing_job_rolls_back_only_itself(store: Store) -> None:
    store.insert_events([row(1)])

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO events (id, visitor, type, ts, received_at)"
                     " VALUES ('x1', 'v', 'view', 1, 1)")
        raise ValueError("boom")

    writer = store._writer  # noqa: SLF001 - exercising the writer's savepoints
    bad = writer.submit(broken)
    good = store.submit_events([row(2)])
    with pytest.raises(ValueError):
        bad.result()
    assert good.result() == (1, 0, 0)
    assert sorted(e["id"] for e in store.iter_events()) == ["e1", "e2"]


def test_documents_versions(store: Store) -> None:
    assert store.put_docs("rules", [{"id": "a", "x": 1}, {"id": "b"}]) == [1, 1]
    assert store.put_doc("rules", {"id": "a", "x": 2}) == 2
    assert store.get_doc("rules", "a") == {"id": "a", "x": 2, "version": 2}
    assert store.get_doc("rules", "a", 1) == {"id": "a", "x": 1, "version": 1}
    assert store.delete_doc("rules", "b") == 2
    assert store.delete_doc("rules", "b") is None
    assert [d["id"] for d in store.list_docs("rules")] == ["a"]
    assert store.list_docs("items") == []


def test_erasure_counts_and_tombstone(store: Store) -> None:
    store.insert_events([row(i, "alice") for i in range(3)] + [row(9, "bob")])
    store.add_consent("alice", ts=1, profile=True, purposes=[1])
    store.put_profile("alice", {"segments": []}, expires_at=10**10)
    assert store.erase_subject("alice", now=5000) == {"events": 3, "consents": 1, "profiles": 1}
    assert store.is_erased("alice") and not store.is_erased("bob")
    assert store.table_counts()["erasures"] == 1
    assert store.insert_events([row(20, "alice", ts=4000)]) == (0, 0, 1)
    assert store.insert_events([row(21, "alice", ts=6000)]) == (1, 0, 0)
    store.put_profile("alice", {"segments": []}, expires_at=10**10)
    assert store.get_profile("alice") is None
    reopened = Store(store.path)
    try:
        assert reopened.is_erased("alice")
    finally:
        reopened.close()
    assert visitor_hash("alice") != "alice" and len(visitor_hash("alice")) == 64


def test_bundles_edges_and_pushes(store: Store) -> None:
    store.add_bundle(1, b"abc", "k", 100)
    with pytest.raises(sqlite3.IntegrityError):
        store.add_bundle(1, b"def", "k", 100)
    assert store.get_bundle(1) == b"abc" and store.latest_bundle_version() == 1
    store.add_edge("http://e1", "t1")
    store.record_pushes([{"url": "http://e1", "version": 1, "ok": True, "ms": 3.0,
                          "edge_version": 1, "answer": {"ok": True}}])
    edge = store.edges(with_tokens=True)[0]
    assert edge["version"] == 1 and edge["ok"] is True and edge["token"] == "t1"
    assert store.pushes()[0]["answer"] == {"ok": True}
    assert store.remove_edge("http://e1") and store.edges() == []


def test_closed_store_refuses_writes(tmp_path: Path) -> None:
    s = Store(tmp_path / "c.sqlite3")
    s.close()
    with pytest.raises(WriterClosed):
        s.submit_events([row(1)])
