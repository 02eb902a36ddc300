"""Signed bundle versions, registered edges and the answers to every push."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from origin.storage.base import StoreBase, now_or


class FleetStore(StoreBase):
    """Bundles, edges, pushes."""

    # -- bundles ------------------------------------------------------------------------

    def add_bundle(self, version: int, data: bytes, key_id: str, created_at: int) -> None:
        """Store a signed bundle; raises `sqlite3.IntegrityError` if the version exists."""
        digest = hashlib.sha256(data).hexdigest()
        row = (version, data, digest, len(data), key_id, created_at)
        self._writer.run(
            lambda conn: conn.execute(
                "INSERT INTO bundles (version, data, sha256, size, key_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
        )

    def get_bundle(self, version: int) -> bytes | None:
        row = self._read().execute(
            "SELECT data FROM bundles WHERE version = ?", (version,)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def list_bundles(self) -> list[dict[str, Any]]:
        rows = self._read().execute(
            "SELECT version, sha256, size, key_id, created_at FROM bundles ORDER BY version"
        ).fetchall()
        keys = ("version", "sha256", "size", "key_id", "created_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def latest_bundle_version(self) -> int | None:
        row = self._read().execute("SELECT MAX(version) FROM bundles").fetchone()
        return None if row[0] is None else int(row[0])

    # -- edges and pushes ---------------------------------------------------------------

    def add_edge(self, url: str, token: str, now: int | None = None) -> None:
        """Register an edge (or replace its token)."""
        added = now_or(now)
        self._writer.run(
            lambda conn: conn.execute(
                "INSERT INTO edges (url, token, added_at) VALUES (?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET token = excluded.token",
                (url, token, added),
            )
        )

    def remove_edge(self, url: str) -> bool:
        def delete(conn: sqlite3.Connection) -> bool:
            return conn.execute("DELETE FROM edges WHERE url = ?", (url,)).rowcount > 0

        return self._writer.run(delete)

    def edges(self, with_tokens: bool = False) -> list[dict[str, Any]]:
        """Registered edges with the version each last confirmed and the last push answer."""
        rows = self._read().execute(
            "SELECT url, token, version, ok, last_push_at, last_result, added_at FROM edges"
            " ORDER BY url"
        ).fetchall()
        out = []
        for url, token, version, ok, at, result, added in rows:
            edge: dict[str, Any] = {
                "url": url, "version": version, "ok": None if ok is None else bool(ok),
                "last_push_at": at, "last_result": None if result is None else json.loads(result),
                "added_at": added,
            }
            if with_tokens:
                edge["token"] = token
            out.append(edge)
        return out

    def record_pushes(self, results: list[dict[str, Any]], now: int | None = None) -> None:
        """Record each edge's answer to a push (keys: url, version, rollback, ok, status,
        answer, error, ms; the edge's confirmed version is kept when ok)."""
        at = now_or(now)

        def record(conn: sqlite3.Connection) -> None:
            for r in results:
                answer = None if r.get("answer") is None else json.dumps(r["answer"])
                conn.execute(
                    "INSERT INTO pushes (url, version, rollback, ok, status, answer, error, ms, at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (r["url"], r["version"], int(r.get("rollback", False)), int(r["ok"]),
                     r.get("status"), answer, r.get("error"), float(r["ms"]), at),
                )
                summary = json.dumps({k: r.get(k) for k in ("ok", "status", "error", "ms")})
                if r["ok"]:
                    conn.execute(
                        "UPDATE edges SET version = ?, ok = 1, last_push_at = ?, last_result = ?"
                        " WHERE url = ?",
                        (r.get("edge_version", r["version"]), at, summary, r["url"]),
                    )
                else:
                    conn.execute(
                        "UPDATE edges SET ok = 0, last_push_at = ?, last_result = ? WHERE url = ?",
                        (at, summary, r["url"]),
                    )

        self._writer.run(record)

    def pushes(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._read().execute(
            "SELECT url, version, rollback, ok, status, answer, error, ms, at FROM pushes"
            " ORDER BY seq DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            {"url": u, "version": v, "rollback": bool(rb), "ok": bool(ok), "status": st,
             "answer": None if a is None else json.loads(a), "error": e, "ms": ms, "at": at}
            for u, v, rb, ok, st, a, e, ms, at in rows
        ]
