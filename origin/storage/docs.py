"""Versioned config documents (items, blocks, rules, ...) and known visitors' profiles."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from origin.storage.base import StoreBase, now_or, visitor_hash


class DocStore(StoreBase):
    """Documents, where every write is a new version, and profiles with an expiry."""

    # -- versioned config documents -----------------------------------------------------

    def put_docs(
        self, kind: str, docs: list[dict[str, Any]], now: int | None = None
    ) -> list[int]:
        """Store new versions of documents (each has an "id"); returns their versions."""
        created = now_or(now)
        encoded = [(str(d["id"]), json.dumps(d, sort_keys=True)) for d in docs]

        def insert(conn: sqlite3.Connection) -> list[int]:
            versions = []
            for doc_id, body in encoded:
                version = _next_doc_version(conn, kind, doc_id)
                conn.execute(
                    "INSERT INTO docs (kind, id, version, body, deleted, created_at)"
                    " VALUES (?, ?, ?, ?, 0, ?)",
                    (kind, doc_id, version, body, created),
                )
                versions.append(version)
            return versions

        return self._writer.run(insert)

    def put_doc(self, kind: str, doc: dict[str, Any], now: int | None = None) -> int:
        return self.put_docs(kind, [doc], now)[0]

    def delete_doc(self, kind: str, doc_id: str, now: int | None = None) -> int | None:
        """Record a deletion as a new version; None when there is no live document."""
        created = now_or(now)

        def delete(conn: sqlite3.Connection) -> int | None:
            if _latest_doc(conn, kind, doc_id) is None:
                return None
            version = _next_doc_version(conn, kind, doc_id)
            conn.execute(
                "INSERT INTO docs (kind, id, version, body, deleted, created_at)"
                " VALUES (?, ?, ?, NULL, 1, ?)",
                (kind, doc_id, version, created),
            )
            return version

        return self._writer.run(delete)

    def get_doc(
        self, kind: str, doc_id: str, version: int | None = None
    ) -> dict[str, Any] | None:
        """The live document (or a given version) with its "version" key set."""
        conn = self._read()
        if version is None:
            return _latest_doc(conn, kind, doc_id)
        row = conn.execute(
            "SELECT body, version FROM docs WHERE kind = ? AND id = ? AND version = ?"
            " AND deleted = 0",
            (kind, doc_id, version),
        ).fetchone()
        return None if row is None else {**json.loads(row[0]), "version": row[1]}

    def list_docs(self, kind: str) -> list[dict[str, Any]]:
        """The live version of every document of a kind, ordered by id."""
        rows = self._read().execute(
            "SELECT d.body, d.version FROM docs d JOIN (SELECT id, MAX(version) AS v FROM docs"
            " WHERE kind = ? GROUP BY id) m ON d.id = m.id AND d.version = m.v"
            " WHERE d.kind = ? AND d.deleted = 0 ORDER BY d.id",
            (kind, kind),
        ).fetchall()
        return [{**json.loads(body), "version": version} for body, version in rows]

    def doc_versions(self, kind: str, doc_id: str) -> list[dict[str, Any]]:
        rows = self._read().execute(
            "SELECT version, deleted, created_at FROM docs WHERE kind = ? AND id = ?"
            " ORDER BY version",
            (kind, doc_id),
        ).fetchall()
        return [{"version": v, "deleted": bool(d), "created_at": c} for v, d, c in rows]

    # -- profiles -----------------------------------------------------------------------

    def put_profiles(
        self, profiles: Iterable[tuple[str, dict[str, Any], int]], now: int | None = None
    ) -> int:
        """Upsert (visitor, profile, expires_at) rows; erased visitors are skipped."""
        updated = now_or(now)
        encoded = [
            (visitor, json.dumps(body, separators=(",", ":")), int(expires), updated)
            for visitor, body, expires in profiles
        ]

        def upsert(conn: sqlite3.Connection) -> int:
            # Checked in the writer thread, ordered with erasures (see PeopleStore).
            rows = [r for r in encoded if visitor_hash(r[0]) not in self._erased]
            conn.executemany(
                "INSERT INTO profiles (visitor, body, expires_at, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (visitor) DO UPDATE SET body = excluded.body,"
                " expires_at = excluded.expires_at, updated_at = excluded.updated_at",
                rows,
            )
            return len(rows)

        return self._writer.run(upsert)

    def put_profile(
        self, visitor: str, profile: dict[str, Any], expires_at: int, now: int | None = None
    ) -> None:
        self.put_profiles([(visitor, profile, expires_at)], now)

    def get_profile(self, visitor: str, now: int | None = None) -> dict[str, Any] | None:
        """The stored profile with its "expires_at", or None when absent or expired."""
        row = self._read().execute(
            "SELECT body, expires_at FROM profiles WHERE visitor = ?", (visitor,)
        ).fetchone()
        if row is None or row[1] <= now_or(now):
            return None
        return {**json.loads(row[0]), "expires_at": row[1]}


def _next_doc_version(conn: sqlite3.Connection, kind: str, doc_id: str) -> int:
    row = conn.execute(
        "SELECT MAX(version) FROM docs WHERE kind = ? AND id = ?", (kind, doc_id)
    ).fetchone()
    return 1 if row[0] is None else int(row[0]) + 1


def _latest_doc(conn: sqlite3.Connection, kind: str, doc_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT body, version, deleted FROM docs WHERE kind = ? AND id = ?"
        " ORDER BY version DESC LIMIT 1",
        (kind, doc_id),
    ).fetchone()
    if row is None or row[2]:
        return None
    return {**json.loads(row[0]), "version": row[1]}
