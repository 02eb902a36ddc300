"""edge/lib/journal.mjs in real Node: the forwarder's bounded on-disk journal and retries."""

from __future__ import annotations

import json
from pathlib import Path

from tests.edge_support import node_json


def test_bounded_ordered_and_durable_across_reopen(tmp_path: Path) -> None:
    d = json.dumps(str(tmp_path))
    out = node_json("journal", f"""
        const j = new m.Journal({d}, 200);
        j.append([{{id: 'a'}}, {{id: 'b'}}]);
        let full = null;
        try {{ j.append([{{id: 'x'.repeat(300)}}]); }} catch (e) {{ full = e.constructor.name; }}
        const head = j.peek(1);
        j.ack(head.bytes, head.lines);
        j.append([{{id: 'c'}}]);
        j.close();
        const again = new m.Journal({d}, 200);  // a restarted edge
        const rest = again.peek(10);
        return {{full, first: head.events, pending: again.pending, rest: rest.events}};""")
    assert out == {"full": "JournalFull", "first": [{"id": "a"}], "pending": 2,
                   "rest": [{"id": "b"}, {"id": "c"}]}


def test_forwarder_retries_with_backoff_then_delivers(tmp_path: Path) -> None:
    d = json.dumps(str(tmp_path))
    out = node_json("journal", f"""
        const j = new m.Journal({d}, 1 << 20);
        j.append([{{id: 'a'}}, {{id: 'b'}}, {{id: 'c'}}]);
        const calls = [];
        const statuses = [0, 503, 200, 200];
        const f = new m.Forwarder(j, async (events) => {{
          calls.push([Date.now(), events.map((e) => e.id)]);
          const s = statuses[calls.length - 1];
          if (s === 0) throw new Error('connection refused');
          return s;
        }}, {{batch: 2, flushMs: 1}});
        f.start();
        while (j.pending > 0) await new Promise((r) => setTimeout(r, 20));
        const gaps = calls.slice(1).map((c, i) => c[0] - calls[i][0]);
        return {{batches: calls.map((c) => c[1]), gaps, sent: f.sent, size: j.size}};""")
    assert out["batches"] == [["a", "b"], ["a", "b"], ["a", "b"], ["c"]]
    assert out["gaps"][0] >= 100 and out["gaps"][1] >= 200  # 250 ms, 500 ms with jitter
    assert out["sent"] == 3 and out["size"] == 0  # delivered, then compacted


def test_a_batch_too_large_for_the_origin_is_split_not_dropped(tmp_path: Path) -> None:
    d = json.dumps(str(tmp_path))
    out = node_json("journal", f"""
        const j = new m.Journal({d}, 1 << 20);
        j.append(['a', 'b', 'c', 'd', 'e'].map((id) => ({{id}})));
        const calls = [];
        const f = new m.Forwarder(j, async (events) => {{
          calls.push(events.map((e) => e.id));
          return events.length > 2 ? 413 : 200;  // an origin configured for 2 per batch
        }}, {{batch: 4, flushMs: 1}});
        f.start();
        while (j.pending > 0) await new Promise((r) => setTimeout(r, 5));
        const one = new m.Forwarder(j, async () => 413, {{batch: 4, flushMs: 1}});
        j.append([{{id: 'big'}}]);
        await one.flush();  // a single event the origin refuses as too large: dropped
        return {{calls, stats: f.stats(), one: one.stats()}};""")
    assert out["calls"] == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["e"]]
    assert out["stats"]["sent"] == 5 and out["stats"]["dropped"] == 0
    assert out["stats"]["batch"] == 2
    assert out["one"]["dropped"] == 1 and out["one"]["sent"] == 0


def test_a_journal_that_never_drains_is_compacted(tmp_path: Path) -> None:
    d = json.dumps(str(tmp_path))
    out = node_json("journal", f"""
        const j = new m.Journal({d}, 1 << 20);
        j.compactBytes = 100;
        const sizes = [];
        for (let i = 0; i < 20; i++) {{
          j.append([{{id: 'e' + i, pad: 'x'.repeat(40)}}]);
          if (i > 0) {{ const h = j.peek(1); j.ack(h.bytes, h.lines); }}
          sizes.push(j.size);
        }}
        j.close();
        const again = new m.Journal({d}, 1 << 20);
        return {{max: Math.max(...sizes), left: again.peek(10).events.map((e) => e.id)}};""")
    assert out["max"] < 400  # without compaction the file would hold all 20 events (~1 KB)
    assert out["left"] == ["e19"]


def test_an_erased_visitors_pending_events_are_removed_durably(tmp_path: Path) -> None:
    d = json.dumps(str(tmp_path))
    out = node_json("journal", f"""
        const j = new m.Journal({d}, 1 << 20);
        j.append([{{id: 'a', visitor: 'v1'}}, {{id: 'b', visitor: 'v2'}},
                  {{id: 'c', visitor: 'v1'}}, {{id: 'd', visitor: 'v2'}}]);
        const h = j.peek(1);
        j.ack(h.bytes, h.lines);  // 'a' was delivered already
        const removed = j.remove((e) => e.visitor === 'v1');
        const none = j.remove((e) => e.visitor === 'v9');
        j.append([{{id: 'e', visitor: 'v2'}}]);
        j.close();
        const again = new m.Journal({d}, 1 << 20);
        return {{removed, none, pending: again.pending,
                 left: again.peek(10).events.map((e) => e.id)}};""")
    assert out == {"removed": 1, "none": 0, "pending": 3, "left": ["b", "d", "e"]}


def test_exclusive_runs_while_no_batch_is_in_flight(tmp_path: Path) -> None:
    d = json.dumps(str(tmp_path))
    out = node_json("journal", f"""
        const j = new m.Journal({d}, 1 << 20);
        j.append([{{id: 'a', visitor: 'v1'}}, {{id: 'b', visitor: 'v2'}}]);
        const log = [];
        let release;
        const f = new m.Forwarder(j, async (events) => {{
          log.push('send ' + events.map((e) => e.id).join(','));
          await new Promise((r) => {{ release = r; }});
          log.push('sent');
          return 200;
        }}, {{batch: 1, flushMs: 1}});
        f.start();
        while (!release) await new Promise((r) => setTimeout(r, 2));
        const purge = f.exclusive(async () => {{
          log.push('purge');
          return j.remove((e) => e.visitor === 'v2');
        }});
        await new Promise((r) => setTimeout(r, 30));
        release();
        const removed = await purge;
        await new Promise((r) => setTimeout(r, 50));
        return {{log, removed, pending: j.pending}};""")
    assert out == {"log": ["send a", "sent", "purge"], "removed": 1, "pending": 0}
