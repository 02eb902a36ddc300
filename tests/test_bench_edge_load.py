"""bench/edge_load.py: CPU accounting from /proc, and the paced load generator against a real
server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.edge_load import cpu_per_request, edge_cpu, paced

BUSY = "import sys, time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n" \
       "sys.stdin.read()"


def test_edge_cpu_counts_the_children_of_the_primary() -> None:
    before = edge_cpu(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", BUSY], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        after = edge_cpu(os.getpid())
        while after["workers"] - before["workers"] < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
            after = edge_cpu(os.getpid())
    finally:
        child.communicate(b"")
    assert 0.3 <= after["workers"] - before["workers"] < 5
    assert after["primary"] >= before["primary"] > 0  # this test process itself


def test_cpu_per_request_is_microseconds_per_request_by_role() -> None:
    out = cpu_per_request({"primary": 1.0, "workers": 2.0}, {"primary": 1.5, "workers": 6.0}, 1000)
    assert out == {"primary": 500.0, "workers": 4000.0}
    assert cpu_per_request({"workers": 0.0}, {"workers": 1.0}, 0) == {"workers": 1e6}


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(0.03)
        body = b"ok" * 100
        self.send_response(503 if self.path == "/fail" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_paced_load_sends_on_schedule_and_times_from_the_due_time() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        out = paced(url, [{"path": "/"}, {"path": "/fail"}], 0.5, 4, 40)
    finally:
        server.shutdown()
    assert out["sent"] == out["completed"] == 20
    assert out["errors"] == 0 and out["status_errors"] == 10
    assert 30 <= out["p50_ms"] <= out["p99_ms"] <= out["max_ms"]  # the server's 30 ms, at least
    assert 0 <= out["send_lag_p99_ms"] <= out["send_lag_max_ms"] < out["max_ms"]
