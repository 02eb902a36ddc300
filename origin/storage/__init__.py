"""The origin's storage: SQLite in WAL mode behind one `Store` class (all SQL lives here)."""

from origin.storage.base import visitor_hash
from origin.storage.people import EventRow
from origin.storage.store import Store
from origin.storage.writer import WriterClosed

__all__ = ["EventRow", "Store", "WriterClosed", "visitor_hash"]
