"""edge/lib/forward.mjs in real Node: page events coalesced into few journal messages."""

from __future__ import annotations

from tests.edge_support import node_json

SETUP = """
const sent = [];
const ipc = { send: (msg) => sent.push(structuredClone(msg)) };
const ev = (visitor, n) => ({ id: `${visitor}:${n}`, type: 'view', visitor });
"""


def test_pages_within_the_window_share_one_message() -> None:
    out = node_json("forward", SETUP + """
        const q = new m.PageEvents(ipc, { flushMs: 30, max: 100 });
        q.add([ev('a', 1), ev('a', 2)]);
        q.add([ev('b', 1)]);
        const before = sent.length;
        await new Promise((r) => setTimeout(r, 80));
        q.add([ev('c', 1)]);
        await new Promise((r) => setTimeout(r, 80));
        return { before, sent };""")
    assert out["before"] == 0  # nothing leaves synchronously with the page
    assert [m["t"] for m in out["sent"]] == ["journal", "journal"]
    assert [[e["id"] for e in m["events"]] for m in out["sent"]] == [
        ["a:1", "a:2", "b:1"], ["c:1"]]
    assert all("rid" not in m for m in out["sent"])  # no reply awaited per page


def test_a_full_batch_goes_at_once_and_nothing_is_sent_twice() -> None:
    out = node_json("forward", SETUP + """
        const q = new m.PageEvents(ipc, { flushMs: 10000, max: 3 });
        q.add([ev('a', 1), ev('a', 2)]);
        const early = sent.length;
        q.add([ev('a', 3), ev('a', 4)]);
        const full = sent.length;
        q.flush();
        q.flush();
        return { early, full, ids: sent.map((m) => m.events.map((e) => e.id)) };""")
    assert out["early"] == 0 and out["full"] == 1
    assert out["ids"] == [["a:1", "a:2", "a:3", "a:4"]]  # flushing an empty queue sends nothing


def test_an_erased_visitors_waiting_events_are_dropped() -> None:
    out = node_json("forward", SETUP + """
        const q = new m.PageEvents(ipc, { flushMs: 10000, max: 100 });
        q.add([ev('gone', 1), ev('kept', 1), ev('gone', 2)]);
        q.forget('gone');
        q.flush();
        return sent.map((m) => m.events.map((e) => e.id));""")
    assert out == [["kept:1"]]
