"""The edge benchmark's origin: a threaded HTTP server on loopback serving a realistic
~40 KB product page with three slots (cacheable, with stale-while-revalidate), a signed-in
visitor's long-term profile, and a 202 to every event batch."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def product_page(path: str) -> bytes:
    """~40 KB of realistic product-page HTML with three slots."""
    filler = "".join(
        f'<div class="spec"><h3>Detail {i}</h3><p>Water-resistant upper, cushioned midsole and '
        f'a grippy outsole for mixed terrain; tested over {i * 10} km of trail.</p>'
        f'<a href="/c/gear?page={i}" class="link">More like this</a></div>\n'
        for i in range(182))
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
        f'{path}</title><link rel="stylesheet" href="/style.css"></head><body>\n'
        '<header><nav><a href="/">Home</a> <a href="/c/gear">Gear</a></nav>'
        '<div data-tailor-slot="hero"><h1>Gear for every path</h1></div></header>\n'
        f'<main><h2 data-tailor-page-item="{path}">{path}</h2>{filler}'
        '<section data-tailor-slot="recs"><p>Popular picks</p></section>'
        '<aside data-tailor-slot="promo"><div>Free returns</div></aside></main>'
        '<script src="/_tailor/t.js" defer></script></body></html>\n')
    return html.encode()


class _Origin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def _send(self, status: int, body: bytes, ctype: str, cc: str = "no-store") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", cc)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/v1/profiles/"):
            profile = {"segments": ["vip"], "propensities": {"buyer": 0.8},
                       "candidates": [f"sku-{i:05d}" for i in range(0, 400, 20)],
                       "expires_at": int(time.time()) + 3600}
            self._send(200, json.dumps(profile).encode(), "application/json")
            return
        self._send(200, product_page(self.path), "text/html; charset=utf-8",
                   "public, max-age=3600, stale-while-revalidate=60, stale-if-error=86400")

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(202, b'{"accepted":1}', "application/json")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections the load generator resets at the end of a phase are not errors."""


def start_origin() -> tuple[ThreadingHTTPServer, str]:
    server = _QuietServer(("127.0.0.1", 0), _Origin)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
