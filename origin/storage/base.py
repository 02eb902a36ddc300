"""`StoreBase`: the connections every part of the store shares. Writes go through the single
`Writer` thread (group commit); reads use one connection per calling thread (WAL lets readers
run beside the writer)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

from origin.storage import schema
from origin.storage.writer import Writer


def visitor_hash(visitor: str) -> str:
    """What an erasure tombstone keeps: a hash, so the tombstone is no trace of the id."""
    return hashlib.sha256(b"tailor-erased\n" + visitor.encode("utf-8")).hexdigest()


def now_or(now: int | None) -> int:
    return int(time.time()) if now is None else now


class StoreBase:
    """Connections and the erased-visitor set; the typed methods live in the subclasses."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer = Writer(self._open_writer)
        self._erased: dict[str, int] = dict(
            self._read().execute("SELECT visitor_hash, erased_at FROM erasures").fetchall()
        )

    def _open_writer(self) -> sqlite3.Connection:
        conn = schema.connect(self.path)
        schema.create(conn)
        return conn

    def _read(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = schema.connect(self.path)
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def close(self) -> None:
        """Commit what is queued and close every connection."""
        self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    @property
    def commits(self) -> int:
        """Transactions committed by the writer (jobs share them under load)."""
        return self._writer.commits

