"""`Store`: the origin's only door to its database. Routes and training call typed methods;
no SQL lives anywhere else, so a PostgreSQL store can follow with the same methods."""

from __future__ import annotations

from origin.storage.docs import DocStore
from origin.storage.fleet import FleetStore
from origin.storage.people import EventRow, PeopleStore
from origin.storage.reports import ReportStore


class Store(PeopleStore, DocStore, FleetStore, ReportStore):
    """SQLite (WAL) storage for events, consent, config documents, profiles, bundles, edges."""


__all__ = ["EventRow", "Store"]
