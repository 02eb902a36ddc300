"""Shared helpers for the core unit tests: the reference store bundle and request builders.

The fixture bundle lives with the spec handlers (it also runs inside Pyodide). Handler modules
import it as `handlers.fixtures`, so tests/spec goes on `sys.path` for them; this module
imports it by its package path, which type-checks.
"""

from __future__ import annotations

import os
import sys
from typing import Any

SPEC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spec")
if SPEC_DIR not in sys.path:
    sys.path.insert(0, SPEC_DIR)

from core import bundle as bundle_mod  # noqa: E402
from tests.spec.handlers import fixtures  # noqa: E402

T0 = 1_700_000_000
HOUR = 3600
KEY = b"unit-test-cookie-key-0123456789ab"
GRANTED = {"cookie": "granted"}
NO_CONSENT: dict[str, Any] = {"cookie": None}
ITEMS = fixtures.ITEMS
IDS = [item[0] for item in fixtures.ITEMS]


def payload(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the reference store payload (safe to mutate)."""
    raw: dict[str, Any] = fixtures.store_payload(**overrides)
    return raw


def load(**overrides: Any) -> bundle_mod.Bundle:
    """The reference store bundle, loaded fresh (each has its own fragment cache)."""
    return bundle_mod.load(payload(**overrides))


def request(path: str = "/", **fields: Any) -> dict[str, Any]:
    """A page request with the store's three slots and profile consent unless overridden."""
    base: dict[str, Any] = {
        "path": path,
        "page_slots": ["hero", "recs", "promo"],
        "device": "desktop",
        "local_hour": 12,
        "weekday": 1,
        "consent": dict(GRANTED),
    }
    base.update(fields)
    return base


def index_of(item_id: str) -> int:
    return IDS.index(item_id)


def category_of(item_id: str) -> str:
    return str(ITEMS[index_of(item_id)][1])
