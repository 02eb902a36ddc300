"""Cold starts of `tailor edge`, from process start to the first personalized response.

Side by side, alternating: a data directory holding only the stored bundle (a worker
restores the artifact's snapshot, then installs the bundle) and the same directory with
the bundle's own snapshot, which the edge makes in the background after a bundle goes live
(edge/lib/bundle_snapshot.mjs), as every restart after the first finds it.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_edge(origin: str, data: Path, public_b64: str, port: int, workers: int, log: Path,
               extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], float]:
    args = [sys.executable, "-m", "edge.cli", "--origin", origin, "--port", str(port),
            "--data", str(data), "--public-key", public_b64, "--admin-token", "bench",
            "--workers", str(workers), "--cookie-key", "bench-key", "--debug-hooks", *extra]
    out = open(log, "ab")  # noqa: SIM115 - owned by the child
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=out,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc, started


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def first_personalized(url: str, started: float, proc: subprocess.Popen[bytes]) -> float:
    """Seconds from process start until a personalized page comes back."""
    with httpx.Client(timeout=2) as c:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("edge exited during start")
            try:
                r = c.get(url + "/products/cold-start", cookies={"tailor_consent": "granted"})
                if r.status_code == 200 and r.headers.get("x-tailor-mode"):
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.002)


def make_bundle_snapshot(origin: str, data: Path, public_b64: str, timeout: float = 120
                         ) -> dict[str, Any]:
    """Start an edge that makes its bundle's snapshot at once; wait for it; stop."""
    port = free_port()
    proc, _ = start_edge(origin, data, public_b64, port, 1, data / "edge.log",
                         ("--bundle-snapshot-delay-ms", "0"))
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/_tailor/health").json()[
                    "bundle_snapshot"]
                if status["state"] in ("ready", "failed"):
                    return dict(status)
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError("the bundle snapshot was not made in time")
    finally:
        stop(proc)


def cold_start(origin: str, data: Path, public_b64: str, workers: int) -> tuple[float, str]:
    """One start (the edge makes no snapshot of its own meanwhile): ms, and where the first
    worker's Python came from ("artifact" or "preferred", the bundle's snapshot)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc, started = start_edge(origin, data, public_b64, port, workers, data / "edge.log",
                               ("--bundle-snapshot-delay-ms", "-1"))
    try:
        ms = first_personalized(url, started, proc) * 1000
        source = httpx.get(url + "/_tailor/health").json()["workers"][0]["pyodide"]["source"]
    finally:
        stop(proc)
    return ms, str(source)


def cold_starts(origin: str, bundle: bytes, public_b64: str, workers: int, rounds: int
                ) -> dict[str, Any]:
    """`rounds` alternating pairs of starts without and with the bundle's snapshot."""
    base = Path(tempfile.mkdtemp(prefix="tailor-bench-cold-"))
    plain, snap = base / "plain", base / "snapshot"
    try:
        for d in (plain, snap):
            d.mkdir()
            (d / "bundle.msgpack").write_bytes(bundle)
        made = make_bundle_snapshot(origin, snap, public_b64)
        times: dict[str, list[float]] = {"artifact": [], "preferred": []}
        for _ in range(rounds):
            for d, want in ((plain, "artifact"), (snap, "preferred")):
                ms, source = cold_start(origin, d, public_b64, workers)
                if source != want:
                    raise RuntimeError(f"expected a start from the {want} snapshot, got {source}")
                times[want].append(round(ms, 1))
                time.sleep(0.3)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return {
        "rounds": rounds,
        "artifact_snapshot_ms": times["artifact"],
        "bundle_snapshot_ms": times["preferred"],
        "median_artifact_snapshot_ms": statistics.median(times["artifact"]),
        "median_bundle_snapshot_ms": statistics.median(times["preferred"]),
        "bundle_snapshot_made": made,
    }
