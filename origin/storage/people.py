"""Events, consent records and data-subject requests: everything personal lives here."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

from origin.storage import schema
from origin.storage.base import StoreBase, now_or, visitor_hash

EventRow = tuple[
    str, str, str, int, str | None, float | None, str | None, str | None, str | None, str | None
]
"""(id, visitor, type, ts, item, value, query, path, category, props_json)."""

EVENT_COLUMNS = (
    "id", "visitor", "type", "ts", "item", "value", "query", "path", "category", "props",
)

INSERT_EVENTS = (
    "INSERT OR IGNORE INTO events (id, visitor, type, ts, item, value, query, path, category,"
    " props, received_at) SELECT "
    + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(10))
    + ", ? FROM json_each(?)"
)
"""One statement per batch, rows passed as one JSON array: SQLite runs the whole batch in a
single step, so the writer thread releases and retakes the GIL once per batch rather than
once per row (per-row handoffs convoy behind the busy event-loop thread)."""


class PeopleStore(StoreBase):
    """Events, consent, export and erasure."""

    # -- events -------------------------------------------------------------------------

    def submit_events(
        self, rows: list[EventRow], now: int | None = None
    ) -> Future[tuple[int, int, int]]:
        """Queue one batch; resolves to (accepted, duplicates, dropped) after the commit.

        The batch is one SAVEPOINT: stored whole or not at all. Events of an erased visitor
        dated before the erasure (still in flight from an edge) are dropped, not stored.
        """
        received = now_or(now)
        encoded = json.dumps(rows, separators=(",", ":"), allow_nan=False)

        def insert(conn: sqlite3.Connection) -> tuple[int, int, int]:
            # The tombstone check runs in the writer thread, ordered with erasure jobs, so a
            # batch queued behind an erasure cannot slip its events in.
            kept, payload = rows, encoded
            if self._erased:
                kept = [r for r in rows if not self._erased_before(r[1], r[3])]
                if len(kept) != len(rows):
                    payload = json.dumps(kept, separators=(",", ":"), allow_nan=False)
            dropped = len(rows) - len(kept)
            if not kept:
                return (0, 0, dropped)
            accepted = conn.execute(INSERT_EVENTS, (received, payload)).rowcount
            return (accepted, len(kept) - accepted, dropped)

        return self._writer.submit(insert, single_statement=True)

    def _erased_before(self, visitor: str, ts: int) -> bool:
        erased_at = self._erased.get(visitor_hash(visitor))
        return erased_at is not None and ts <= erased_at

    def insert_events(self, rows: list[EventRow], now: int | None = None) -> tuple[int, int, int]:
        """Blocking form of `submit_events`."""
        return self.submit_events(rows, now).result()

    def count_events(self) -> int:
        return int(self._read().execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def iter_events(self, after_seq: int = 0, chunk: int = 10000) -> Iterator[dict[str, Any]]:
        """Events in arrival order (for training), as dicts with the stored columns + seq."""
        conn = self._read()
        last = after_seq
        cols = ("seq", *EVENT_COLUMNS, "received_at")
        while True:
            rows = conn.execute(
                f"SELECT {', '.join(cols)} FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, chunk),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                event = dict(zip(cols, row, strict=True))
                if event["props"] is not None:
                    event["props"] = json.loads(event["props"])
                yield event
            last = rows[-1][0]

    # -- consent ------------------------------------------------------------------------

    def add_consents(self, records: list[dict[str, Any]], now: int | None = None) -> list[int]:
        """Record consent decisions (keys: visitor, ts, profile, purposes, tcf, gpc, source)
        in one transaction; returns their sequence numbers."""
        received = now_or(now)
        rows = [
            (r["visitor"], int(r["ts"]), int(bool(r["profile"])), json.dumps(r.get("purposes", [])),
             r.get("tcf"), int(bool(r.get("gpc", False))), r.get("source"), received)
            for r in records
        ]

        def insert(conn: sqlite3.Connection) -> list[int]:
            seqs = []
            for row in rows:
                cur = conn.execute(
                    "INSERT INTO consents (visitor, ts, profile, purposes, tcf, gpc, source,"
                    " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                seqs.append(int(cur.lastrowid or 0))
            return seqs

        return self._writer.run(insert)

    def add_consent(self, visitor: str, *, ts: int, profile: bool, purposes: list[int],
                    tcf: str | None = None, gpc: bool = False, source: str | None = None,
                    now: int | None = None) -> int:
        """Record one consent decision; returns its sequence number."""
        record = {"visitor": visitor, "ts": ts, "profile": profile, "purposes": purposes,
                  "tcf": tcf, "gpc": gpc, "source": source}
        return self.add_consents([record], now)[0]

    def consents(self, visitor: str) -> list[dict[str, Any]]:
        rows = self._read().execute(
            "SELECT seq, ts, profile, purposes, tcf, gpc, source, received_at FROM consents"
            " WHERE visitor = ? ORDER BY seq",
            (visitor,),
        ).fetchall()
        return [
            {
                "seq": r[0], "ts": r[1], "profile": bool(r[2]), "purposes": json.loads(r[3]),
                "tcf": r[4], "gpc": bool(r[5]), "source": r[6], "received_at": r[7],
            }
            for r in rows
        ]

    # -- data subjects ------------------------------------------------------------------

    def export_subject(self, visitor: str) -> dict[str, Any]:
        """Everything held about one visitor."""
        conn = self._read()
        cols = (*EVENT_COLUMNS, "received_at")
        rows = conn.execute(
            f"SELECT {', '.join(cols)} FROM events WHERE visitor = ? ORDER BY seq", (visitor,)
        ).fetchall()
        events = []
        for row in rows:
            event = dict(zip(cols, row, strict=True))
            if event["props"] is not None:
                event["props"] = json.loads(event["props"])
            events.append(event)
        prow = conn.execute(
            "SELECT body, expires_at, updated_at FROM profiles WHERE visitor = ?", (visitor,)
        ).fetchone()
        profile = None
        if prow is not None:
            profile = {**json.loads(prow[0]), "expires_at": prow[1], "updated_at": prow[2]}
        return {
            "visitor": visitor,
            "events": events,
            "consents": self.consents(visitor),
            "profile": profile,
            "erased": visitor_hash(visitor) in self._erased,
        }

    def erase_subject(self, visitor: str, now: int | None = None) -> dict[str, int]:
        """Delete the visitor's events, consent records and profile; keep a hashed tombstone
        so in-flight events and later training runs exclude the id. Returns counts deleted."""
        at = now_or(now)
        key = visitor_hash(visitor)

        def erase(conn: sqlite3.Connection) -> dict[str, int]:
            counts = {
                table: conn.execute(f"DELETE FROM {table} WHERE visitor = ?", (visitor,)).rowcount
                for table in ("events", "consents", "profiles")
            }
            conn.execute(
                "INSERT INTO erasures (visitor_hash, erased_at) VALUES (?, ?)"
                " ON CONFLICT (visitor_hash) DO UPDATE SET erased_at = excluded.erased_at",
                (key, at),
            )
            self._erased[key] = at  # in the writer thread: later queued jobs see it
            return counts

        return self._writer.run(erase)

    def is_erased(self, visitor: str) -> bool:
        return visitor_hash(visitor) in self._erased

    def table_counts(self) -> dict[str, int]:
        conn = self._read()
        return {
            t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in schema.TABLES
        }
