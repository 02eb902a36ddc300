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
