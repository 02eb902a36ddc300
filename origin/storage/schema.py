"""The SQLite schema: every table the origin keeps, created idempotently at open.

WAL with `synchronous=NORMAL`: a commit survives a crash of the process (the WAL is in the
OS page cache) but not necessarily a power loss before the next checkpoint's fsync; that is
the durability an event store needs and it keeps ingest off the disk's fsync latency.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

TABLES: tuple[str, ...] = (
    "events",
    "consents",
    "docs",
    "profiles",
    "bundles",
    "edges",
    "pushes",
    "erasures",
    "meta",
)

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    visitor TEXT NOT NULL,
    type TEXT NOT NULL,
    ts INTEGER NOT NULL,
    item TEXT,
    value REAL,
    query TEXT,
    path TEXT,
    category TEXT,
    props TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_visitor ON events (visitor);
CREATE TABLE IF NOT EXISTS consents (
    seq INTEGER PRIMARY KEY,
    visitor TEXT NOT NULL,
    ts INTEGER NOT NULL,
    profile INTEGER NOT NULL,
    purposes TEXT NOT NULL,
    tcf TEXT,
    gpc INTEGER NOT NULL,
    source TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS consents_visitor ON consents (visitor);
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id, version)
);
CREATE TABLE IF NOT EXISTS profiles (
    visitor TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bundles (
    version INTEGER PRIMARY KEY,
    data BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS edges (
    url TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    version INTEGER,
    ok INTEGER,
    last_push_at INTEGER,
    last_result TEXT,
    added_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pushes (
    seq INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    version INTEGER NOT NULL,
    rollback INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    status INTEGER,
    answer TEXT,
    error TEXT,
    ms REAL NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS erasures (
    visitor_hash TEXT PRIMARY KEY,
    erased_at INTEGER NOT NULL
);
"""


def connect(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with WAL pragmas set."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: the event indexes stay in memory
    return conn


def create(conn: sqlite3.Connection) -> None:
    """Create missing tables and record the schema version."""
    conn.executescript(DDL)
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
