"""History → SQLite → training → payload → signed bundle, on the real origin modules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core import bundle as bundle_mod
from origin.signing import Signer, verify_bundle
from origin.storage import Store
from origin.store.catalog import generate_items
from origin.store.history import generate_history
from origin.store.pipeline import histories, load_history, publish, train_payload

ITEMS = generate_items(400)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "db.sqlite3")


def test_history_loads_once_and_groups_by_visitor(store: Store) -> None:
    now = int(time.time())
    events = generate_history(ITEMS, now, visitors=30)
    assert load_history(store, events, now) == len(events)
    assert load_history(store, events, now) == 0  # ids dedupe: a re-run adds nothing
    grouped = histories(store)
    assert len(grouped) == 30 and sum(map(len, grouped.values())) == len(events)


def test_bad_event_is_refused_whole_batch(store: Store) -> None:
    now = int(time.time())
    bad = [{"id": "x1", "type": "view", "ts": now, "visitor": "v"},
           {"id": "x2", "type": "teleport", "ts": now, "visitor": "v"}]
    with pytest.raises(ValueError):
        load_history(store, bad, now)
    assert store.count_events() == 0


def test_trained_payload_loads_in_the_core_and_is_signed(store: Store, tmp_path: Path) -> None:
    now = int(time.time())
    load_history(store, generate_history(ITEMS, now, visitors=160), now)
    payload, info = train_payload(store, ITEMS, l2=200.0, clusters=3)
    assert info["visitors"] == 160 and info["interactions"] > 1000
    assert {"hikers", "behaviour"} <= set(info["segments"])
    assert set(payload["recs"]["by_category"]) >= {"hiking", "running"}
    signer = Signer.load_or_create(tmp_path / "keys")
    first = publish(store, signer, payload)
    second = publish(store, signer, payload)
    assert second == first + 1
    header, decoded = verify_bundle(store.get_bundle(second) or b"", signer.public)
    assert header["version"] == second
    loaded = bundle_mod.load(decoded)
    assert loaded.version == second and len(loaded.catalog) == len(ITEMS)
