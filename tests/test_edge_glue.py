"""edge/glue.py in CPython with the real core (the same module runs inside Pyodide).

The Pyodide side is exercised end to end by tests/test_edge_server.py; here the glue's
contract is pinned: one JSON string in, one out, never an exception, staged swaps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import msgpack  # type: ignore[import-untyped]
import pytest

from edge import glue
from tests.edge_support import store_payload


@pytest.fixture(autouse=True)
def fresh_glue() -> Iterator[None]:
    glue.configure(json.dumps({"cookie_key_hex": "00" * 32, "debug_raise": True}))
    yield
    glue._live = None
    glue._live_version = 0
    glue._staged = None
    __import__("gc").unfreeze()  # commits freeze the heap; the rest of the suite should not


def payload(version: int, **kw: object) -> bytes:
    return bytes(msgpack.packb(store_payload(version=version, **kw), use_bin_type=True))


def page(**kw: object) -> dict[str, object]:
    request = {"path": "/products/boot-1", "query": {}, "page_slots": ["hero", "recs", "promo"],
               "device": "desktop", "country": None, "language": None, "referrer": None,
               "local_hour": 10, "weekday": 1,
               "consent": {"tcf": None, "gpc": False, "cookie": "granted"}, "profile": None,
               "attributes": {}, "cookies": {"tailor_s": None, "tailor_consent": "granted"}}
    msg = {"op": "page", "request": request, "now": 1_800_000_000, "fresh_id": "v" * 32}
    msg.update(kw)
    return dict(json.loads(glue.handle(json.dumps(msg))))


def test_no_bundle_is_an_error_answer_not_an_exception() -> None:
    assert page() == {"error": "no bundle loaded"}


def test_prepare_then_commit_makes_a_bundle_live() -> None:
    assert json.loads(glue.prepare(payload(3), 3)) == {"ok": True, "version": 3}
    assert glue.version() == 0 and page() == {"error": "no bundle loaded"}
    assert json.loads(glue.commit(3))["ok"]
    out = page()
    assert out["version"] == 3 and out["mode"] == "profile"
    assert "boot-2" in str(out["slots"]["recs"])  # type: ignore[index]
    assert isinstance(out["set_cookie"], str)


def test_rejections_name_the_problem_and_keep_the_live_bundle() -> None:
    glue.prepare(payload(1), 1)
    glue.commit(1)
    bad = json.loads(glue.prepare(payload(2, rules=[{"id": "r", "slot": "hero", "priority": 1,
                                                      "block": "nope"}]), 2))
    assert bad["ok"] is False and "invalid bundle" in bad["error"]
    mismatch = json.loads(glue.prepare(payload(4), 5))
    assert mismatch["ok"] is False and "version" in mismatch["error"]
    junk = json.loads(glue.prepare(b"\xc1\x00", 2))
    assert junk["ok"] is False and "undecodable" in junk["error"]
    assert json.loads(glue.commit(2))["ok"] is False
    assert glue.version() == 1 and page()["version"] == 1


def test_abort_drops_the_staged_bundle() -> None:
    glue.prepare(payload(2), 2)
    glue.abort()
    assert json.loads(glue.commit(2))["ok"] is False


def test_failures_inside_come_back_as_error() -> None:
    glue.prepare(payload(1), 1)
    glue.commit(1)
    assert "DebugRaise" in str(page(debug_raise=True)["error"])
    assert "unknown op" in str(page(op="dance")["error"])
    assert "error" in json.loads(glue.handle("{not json"))
    assert "TypeError" in str(page(now=None)["error"])


def test_events_fold_and_forward_with_consent() -> None:
    glue.prepare(payload(1), 1)
    glue.commit(1)
    request = {"path": "/", "consent": {"tcf": None, "gpc": False, "cookie": "granted"},
               "cookies": {"tailor_s": None}}
    events = [{"id": "a", "type": "click", "ts": 1_800_000_000, "item": "boot-1", "value": None,
               "query": None, "path": "/"}]
    msg = {"op": "events", "request": request, "events": events, "now": 1_800_000_000,
           "fresh_id": "w" * 32}
    out = json.loads(glue.handle(json.dumps(msg)))
    assert out["accepted"] == 1 and out["forward"][0]["visitor"] == "w" * 32
    assert out["forward"][0]["category"] == "hiking"  # filled from the catalog


def test_a_commit_freezes_the_live_bundle_and_frees_the_one_it_replaced() -> None:
    import gc
    import weakref

    glue.prepare(payload(1), 1)
    glue.commit(1)
    assert gc.get_freeze_count() > 0  # the live bundle is out of the collector's rescans
    old = weakref.ref(glue._live)
    gc.unfreeze()
    # a cycle hanging off the old bundle: only a full collection after unfreezing frees it
    glue._live.cycle = {"self": glue._live}
    gc.freeze()
    glue.prepare(payload(2), 2)
    glue.commit(2)
    assert old() is None
    assert gc.get_freeze_count() > 0


def test_a_page_answer_says_what_its_consent_resolved_to() -> None:
    glue.prepare(payload(1), 1)
    glue.commit(1)
    granted = page()
    assert granted["consent"] == {"profile": True, "purposes": list(range(1, 12))}
    short = {"tcf": None, "gpc": False, "cookie": "v1;p=1"}
    request = {"path": "/", "page_slots": [], "consent": short, "cookies": {}}
    out = json.loads(glue.handle(json.dumps(
        {"op": "page", "request": request, "now": 1_800_000_000, "fresh_id": "x" * 32})))
    assert out["mode"] == "contextual" and out["consent"] == {"profile": False, "purposes": [1]}
    asked = json.loads(glue.handle(json.dumps(
        {"op": "consent", "request": request, "now": 1_800_000_000, "fresh_id": "-"})))
    assert {k: asked[k] for k in ("profile", "purposes")} == out["consent"]
