"""bench/edge_load.py: CPU accounting from /proc, and the paced load generator against the tests'
real origin on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.edge_load import cpu_per_request, edge_cpu, paced
from tests.edge_support import OriginServer

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


def test_paced_load_sends_on_schedule_and_times_from_the_due_time(origin: OriginServer) -> None:
    origin.state.profile_delay = 0.03  # every profile answer takes the origin 30 ms
    origin.state.profiles["known"] = {"segments": []}
    try:  # a known profile answers 200, an unknown one 404
        out = paced(origin.url, [{"path": "/v1/profiles/known"}, {"path": "/v1/profiles/nobody"}],
                    0.5, 4, 40)
    finally:
        origin.state.profile_delay = 0.0
    assert out["sent"] == out["completed"] == 20
    assert out["errors"] == 0 and out["status_errors"] == 10
    assert 30 <= out["p50_ms"] <= out["p99_ms"] <= out["max_ms"]  # the server's 30 ms, at least
    assert 0 <= out["send_lag_p99_ms"] <= out["send_lag_max_ms"] < out["max_ms"]
