"""What the experiment, block and ROI reports read: events of a few types in a time range,
ordered per visitor, and each visitor's first event. The arithmetic is in `origin.reports`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from origin.storage.base import StoreBase, visitor_hash


class ReportEvent(NamedTuple):
    """One stored event as the reports see it (props decoded; {} when none)."""

    visitor: str
    type: str
    ts: int
    item: str | None
    value: float | None
    path: str | None
    props: dict[str, object]


def _range(since: int | None, until: int | None) -> tuple[str, list[int]]:
    where, args = [], []
    if since is not None:
        where.append("ts >= ?")
        args.append(since)
    if until is not None:
        where.append("ts < ?")
        args.append(until)
    return "".join(f" AND {w}" for w in where), args


class ReportStore(StoreBase):
    """Read-only queries for `origin.reports`; erased visitors' events never come back."""

    def report_events(
        self, types: Sequence[str], since: int | None = None, until: int | None = None
    ) -> list[ReportEvent]:
        """Events of the given types with `since <= ts < until`, by visitor, then time."""
        if not types:
            return []
        marks = ", ".join("?" for _ in types)
        extra, args = _range(since, until)
        rows = self._read().execute(
            "SELECT visitor, type, ts, item, value, path, props FROM events"
            f" WHERE type IN ({marks}){extra} ORDER BY visitor, ts, seq",
            [*types, *args],
        ).fetchall()
        out = []
        for visitor, kind, ts, item, value, path, props in rows:
            if self._erased and self._erased_event(visitor, ts):
                continue
            decoded = json.loads(props) if props else {}
            out.append(ReportEvent(visitor, kind, int(ts), item, value, path,
                                   decoded if isinstance(decoded, dict) else {}))
        return out

    def report_first_seen(
        self, since: int | None = None, until: int | None = None
    ) -> dict[str, int]:
        """Each visitor's first event time (any type) with `since <= ts < until`."""
        extra, args = _range(since, until)
        rows = self._read().execute(
            f"SELECT visitor, MIN(ts) FROM events WHERE 1 = 1{extra} GROUP BY visitor", args
        ).fetchall()
        return {
            str(v): int(ts) for v, ts in rows
            if not (self._erased and self._erased_event(str(v), int(ts)))
        }

    def _erased_event(self, visitor: str, ts: int) -> bool:
        """Same rule as ingest: an event dated before the visitor's erasure is not theirs to
        report (erasure deletes them; this guards rows that raced it)."""
        erased_at = self._erased.get(visitor_hash(visitor))
        return erased_at is not None and ts <= erased_at
