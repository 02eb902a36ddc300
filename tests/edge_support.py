"""Test support for the edge: a real origin on loopback, signed bundles, the real edge process.

The origin is a small threaded http.server serving product pages with three slots, the
profile endpoint and an events sink; it can be stopped and restarted on the same port to
simulate an outage. Bundles are signed with a real Ed25519 key per docs/contracts.md.
"""

from __future__ import annotations

import atexit
import base64
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import msgpack  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from origin.config import Limits
from origin.events import EventError, parse_batch
from tests.spec.handlers.fixtures import ITEMS, store_payload

ROOT = Path(__file__).resolve().parent.parent
ARTIFACT = ROOT / "dist" / "edge"
CONSENT_ALL = "granted"
ADMIN_TOKEN = "test-admin-token"

__all__ = ["ITEMS", "store_payload"]


@functools.cache
def artifact() -> Path:
    """A private copy of dist/edge for this test session (a rebuild cannot race the tests)."""
    target = Path(tempfile.mkdtemp(prefix="tailor-artifact-"))
    atexit.register(shutil.rmtree, target, True)
    for _ in range(60):
        manifest = ARTIFACT / "manifest.json"
        if manifest.exists():
            files = [f["file"] for f in json.loads(manifest.read_text())["wheels"]]
            files += ["manifest.json", "pyodide-lock.json", "snapshot.bin"]
            try:
                for name in files:
                    shutil.copy2(ARTIFACT / name, target / name)
                return target
            except FileNotFoundError:
                pass
        time.sleep(1)
    raise RuntimeError("no edge artifact in dist/edge: run `make artifact`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def node_json(module: str, body: str) -> Any:
    """Runs `body` (JS with `m` bound to edge/lib/<module>.mjs, ending in `return value`)
    in a real Node process and returns the value, JSON-decoded."""
    url = (ROOT / "edge" / "lib" / f"{module}.mjs").as_uri()
    script = (f"import * as m from {json.dumps(url)};\n"
              f"const out = await (async () => {{ {body} }})();\n"
              "process.stdout.write(JSON.stringify(out));\n")
    done = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True,
                          text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


# --- bundles -------------------------------------------------------------------------------


class Signer:
    """An Ed25519 key pair that signs bundle files exactly as the origin does."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()

    @property
    def public_b64(self) -> str:
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    def bundle(
        self,
        version: int,
        payload: dict[str, Any] | None = None,
        *,
        schema: int = 1,
        payload_bytes: bytes | None = None,
    ) -> bytes:
        """A signed bundle file: {"header_raw", "payload", "signature"}."""
        header = {"schema": schema, "version": version, "created_at": 1_700_000_000,
                  "key_id": "test"}
        header_raw = msgpack.packb(header)
        if payload_bytes is None:
            payload_bytes = msgpack.packb(payload or store_payload(version=version),
                                          use_bin_type=True)
        signature = self.key.sign(b"tailor-bundle-v1\n" + header_raw + payload_bytes)
        return bytes(msgpack.packb(
            {"header_raw": header_raw, "payload": payload_bytes, "signature": signature},
            use_bin_type=True,
        ))


# --- the origin ----------------------------------------------------------------------------

SLOTTED = """<!doctype html>
<html><head><title>{title}</title><meta charset="utf-8"></head>
<body>
<header><div data-tailor-slot="hero"><h1>Default hero</h1></div></header>
<main><h2 data-tailor-page-item="{title}">{title}</h2><p>{body}</p>
<button id="add" data-tailor-event="add_to_cart" data-tailor-item="{title}">Add to cart</button>
<a id="other" href="#other" data-tailor-item="boot-2">Another boot</a>
<form id="search" onsubmit="return false"><input type="search" name="q" value="rain jacket">
<button id="go">Search</button></form>
<section data-tailor-slot="recs"><p class="default-recs">Popular picks</p></section>
<aside data-tailor-slot="promo"><div class="default-promo">Free returns</div></aside>
</main>
<script src="/_tailor/t.js" defer></script>
</body></html>
"""


def product_page(path: str, padding: int = 0) -> str:
    title = path.rsplit("/", 1)[-1]
    body = "Good gear. " + ("Lorem ipsum dolor sit amet. " * padding)
    return SLOTTED.format(title=title, body=body)


class OriginState:
    """What the test origin serves and what it has received."""

    def __init__(self) -> None:
        self.cache_control = "public, max-age=60, stale-if-error=600"
        self.events: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.event_posts = 0
        self.page_fetches = 0
        self.not_modified = 0
        self.profiles: dict[str, dict[str, Any]] = {}
        self.profile_delay = 0.0
        self.padding = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        st = self.server.state
        path = self.path.split("?", 1)[0]
        m = re.fullmatch(r"/v1/profiles/([^/]+)", path)
        if m:
            time.sleep(st.profile_delay)
            profile = st.profiles.get(m.group(1))
            if profile is None:
                self._send(404, b'{"error":"unknown"}', {"Content-Type": "application/json"})
            else:
                self._send(200, json.dumps(profile).encode(), {"Content-Type": "application/json"})
            return
        if path == "/style.css":
            self._send(200, b"body{color:#333}", {"Content-Type": "text/css",
                                                  "Cache-Control": "public, max-age=60"})
            return
        if path == "/varies":
            who = self.headers.get("Cookie") or "nobody"
            self._send(200, product_page(f"/varies/{who}").encode(),
                       {"Content-Type": "text/html", "Cache-Control": "public, max-age=60",
                        "Vary": "Cookie", "Set-Cookie": "site=1; Path=/"})
            return
        if path == "/nocache":
            self._send(200, product_page(path).encode(), {"Content-Type": "text/html",
                                                          "Cache-Control": "no-store"})
            return
        with st.lock:
            st.page_fetches += 1
        if self.headers.get("If-None-Match") == '"v1"':
            with st.lock:
                st.not_modified += 1
            self.send_response(304)
            self.send_header("Cache-Control", st.cache_control)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            return
        html = product_page(path, st.padding).encode()
        self._send(200, html, {"Content-Type": "text/html; charset=utf-8",
                               "Cache-Control": st.cache_control, "ETag": '"v1"'})

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/v1/events":
            doc = json.loads(body)
            try:  # the real origin's validation: forwarded batches must pass it
                parse_batch(doc, time.time(), Limits())
            except EventError as exc:
                with st.lock:
                    st.refused.append(str(exc))
                self._send(400, json.dumps({"error": str(exc)}).encode(),
                           {"Content-Type": "application/json"})
                return
            with st.lock:
                st.event_posts += 1
                st.events.extend(doc["events"])
            self._send(200, b'{"ok":true}', {"Content-Type": "application/json"})
            return
        self._send(200, json.dumps({"echo": body.decode()}).encode(),
                   {"Content-Type": "application/json"})


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    state: OriginState

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        super().__init__(address, handler)
        self.conns: set[socket.socket] = set()

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        self.conns.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        self.conns.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Closes kept-alive connections too, so a stopped origin is really unreachable."""
        for conn in list(self.conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class OriginServer:
    """A real HTTP origin on 127.0.0.1 that can be stopped and restarted on its port."""

    def __init__(self) -> None:
        self.state = OriginState()
        self.port = free_port()
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = _Server(("127.0.0.1", self.port), _Handler)
        self.server.state = self.state
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server.drop_connections()
            self.server = None


# --- the edge ------------------------------------------------------------------------------


class EdgeProcess:
    """The real edge (`python -m edge.cli` → node edge/server.mjs) on a free port."""

    def __init__(self, origin_url: str, data_dir: Path, public_key: str, *, workers: int = 1,
                 extra: list[str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        extra = list(extra or [])
        if "--bundle-snapshot-delay-ms" not in extra:
            # tests that keep an edge up for long would otherwise make the live bundle's
            # snapshot in the background (tests/test_edge_bundle_snapshot.py covers it)
            extra += ["--bundle-snapshot-delay-ms", "-1"]
        self.args = [
            sys.executable, "-m", "edge.cli", "--origin", origin_url, "--port", str(self.port),
            "--data", str(data_dir), "--public-key", public_key, "--admin-token", ADMIN_TOKEN,
            "--workers", str(workers), "--cookie-key", "test-cookie-key", "--artifact",
            str(artifact()), "--country-header", "x-country", "--debug-hooks", *extra,
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "edge.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> int:
        """Spawn the edge without waiting for it; returns where its output starts in the log."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        mark = out.tell()
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=out, stderr=out,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        return mark

    def start(self, timeout: float = 60.0) -> None:
        mark = self.launch()
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"edge exited: {self.log.read_text()[-2000:]}")
            if b"tailor edge listening" in self.log.read_bytes()[mark:]:
                return
            time.sleep(0.1)
        raise RuntimeError(f"edge did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def health(self) -> dict[str, Any]:
        return dict(httpx.get(self.url + "/_tailor/health", timeout=10).json())

    def push(self, bundle: bytes, *, rollback: bool = False,
             token: str = ADMIN_TOKEN) -> httpx.Response:
        url = self.url + "/_tailor/admin/bundle" + ("?rollback=1" if rollback else "")
        return httpx.put(url, content=bundle, timeout=60,
                         headers={"Authorization": f"Bearer {token}"})


@contextmanager
def running(origin_url: str, data_dir: Path, public_key: str, **kw: Any) -> Iterator[EdgeProcess]:
    edge = EdgeProcess(origin_url, data_dir, public_key, **kw)
    edge.start()
    try:
        yield edge
    finally:
        edge.stop()


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
