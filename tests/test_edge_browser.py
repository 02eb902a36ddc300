"""The browser build (edge/static/worker.mjs) in Debian's Chromium: the core wheel and a
bundle load in a Web Worker from files the edge serves, and decide exactly as the core does
in CPython for the same inputs."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest

from edge import glue
from tests.edge_support import OriginServer, Signer, running, store_payload

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="no Debian chromium")
KEY_HEX = "ab" * 32

CALL = """async ([op, args]) => {
  if (!window.tw) {
    window.tw = new Worker('/_tailor/worker.mjs', {type: 'module'});
    window.tn = 0;
    window.tw.onmessage = (e) => window.tr[e.data.id](e.data);
    window.tr = {};
  }
  const id = ++window.tn;
  const fixed = op === 'prepare' ? [Uint8Array.from(atob(args[0]), (c) => c.charCodeAt(0)),
                                    args[1]] : args;
  return await new Promise((resolve) => { window.tr[id] = resolve; window.tw.postMessage(
    {id, op, args: fixed}); });
}"""


def requests() -> list[dict[str, Any]]:
    base = {"query": {}, "page_slots": ["hero", "recs", "promo"], "country": "DE",
            "language": "de", "referrer": None, "weekday": 2, "profile": None, "attributes": {},
            "consent": {"tcf": None, "gpc": False, "cookie": "granted"},
            "cookies": {"tailor_s": None, "tailor_consent": "granted"}}
    return [
        {"op": "page", "now": 1_800_000_000, "fresh_id": "a" * 32,
         "request": {**base, "path": "/products/boot-1", "device": "desktop", "local_hour": 9}},
        {"op": "page", "now": 1_800_000_100, "fresh_id": "b" * 32,
         "request": {**base, "path": "/products/shoe-2", "device": "mobile", "local_hour": 20}},
        {"op": "page", "now": 1_800_000_200, "fresh_id": "c" * 32,
         "request": {**base, "path": "/", "device": "desktop", "local_hour": 12,
                     "consent": {"tcf": None, "gpc": True, "cookie": "denied"}}},
        {"op": "events", "now": 1_800_000_300, "fresh_id": "d" * 32,
         "events": [{"id": "e1", "type": "add_to_cart", "ts": 1_800_000_290, "item": "boot-2",
                     "value": None, "query": None, "path": "/products/boot-2"}],
         "request": {**base, "path": "/products/boot-2", "device": "desktop", "local_hour": 9}},
    ]


def cpython_answers(payload: bytes) -> list[dict[str, Any]]:
    glue.configure(json.dumps({"cookie_key_hex": KEY_HEX}))
    assert json.loads(glue.prepare(payload, 1))["ok"]
    glue.commit(1)
    try:
        return [json.loads(glue.handle(json.dumps(r))) for r in requests()]
    finally:
        glue._live = None
        glue._live_version = 0


def test_browser_worker_decides_like_cpython(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    payload = bytes(msgpack.packb(store_payload(version=1), use_bin_type=True))
    expected = cpython_answers(payload)
    origin = OriginServer()
    origin.start()
    signer = Signer()
    try:
        with running(origin.url, tmp_path, signer.public_b64) as edge, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"])
            try:
                page = browser.new_page()
                page.goto(edge.url + "/c/browser")

                def call(op: str, *args: Any) -> Any:
                    reply = page.evaluate(CALL, [op, list(args)])
                    assert "error" not in reply, reply
                    return reply["result"]

                page.set_default_timeout(120_000)
                assert call("init", "/_tailor/")
                call("configure", json.dumps({"cookie_key_hex": KEY_HEX}))
                assert json.loads(call("prepare", base64.b64encode(payload).decode(), 1))["ok"]
                assert json.loads(call("commit", 1))["version"] == 1
                got = [json.loads(call("handle", json.dumps(r))) for r in requests()]
            finally:
                browser.close()
    finally:
        origin.stop()
    for answer in (*expected, *got):
        answer.pop("py_us", None)
    assert got == expected
    assert got[0]["slots"]["recs"] and got[1]["mode"] == "profile"
    assert got[2]["mode"] == "contextual" and got[3]["accepted"] == 1
