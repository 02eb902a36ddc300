"""Origin benchmarks (prints JSON): event ingest through real HTTP with batches of 100, and
push latency of a new bundle to 4 local edge stubs that verify signatures.

Usage: tailor bench origin [--events 60000] [--concurrency 32] [--rounds 3] [--pushes 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import msgpack  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = b"tailor-bundle-v1\n"


class EdgeStub:
    """Verifies the Ed25519 signature and version like an edge; records when it swapped."""

    def __init__(self, public_key: Ed25519PublicKey, token: str) -> None:
        self.version = 0
        self.swapped_at = 0.0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_PUT(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                rollback = parse_qs(urlparse(self.path).query).get("rollback") == ["1"]
                ok = self.headers.get("Authorization") == f"Bearer {token}"
                if ok:
                    doc = msgpack.unpackb(body, raw=False)
                    public_key.verify(doc["signature"], DOMAIN + doc["header_raw"] + doc["payload"])
                    header = msgpack.unpackb(doc["header_raw"], raw=False)
                    ok = header["version"] > stub.version or rollback
                    if ok:
                        stub.version = header["version"]
                        stub.swapped_at = time.perf_counter()
                data = json.dumps({"ok": ok, "version": stub.version, "error": None}).encode()
                self.send_response(200 if ok else 409)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def start_origin(data: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "origin.cli", "origin", "--port", str(port), "--data", str(data),
         "--log-level", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("origin did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), for a per-request cost estimate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bodies(round_no: int, count: int, batch: int) -> list[bytes]:
    now = int(time.time())
    out = []
    for b in range(count // batch):
        events = [
            {"id": f"r{round_no}-b{b}-e{i}", "type": "view", "ts": now,
             "visitor": f"v{(b * batch + i) % 5000}", "item": f"i{(b * 7 + i) % 1000}",
             "path": "/products/x"}
            for i in range(batch)
        ]
        out.append(json.dumps({"consent": {"profile": True}, "events": events}).encode())
    return out


async def ingest(url: str, token: str, payloads: list[bytes], concurrency: int) -> dict[str, Any]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for p in payloads:
        queue.put_nowait(p)
    accepted = 0
    failures = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits,
                                 timeout=60) as client:

        async def worker() -> None:
            nonlocal accepted, failures
            while not queue.empty():
                body = queue.get_nowait()
                r = await client.post("/v1/events", content=body)
                if r.status_code == 202:
                    accepted += r.json()["accepted"]
                else:
                    failures += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"accepted": accepted, "failed_batches": failures, "seconds": elapsed}


async def ingest_raw(
    url: str, token: str, payloads: list[bytes], concurrency: int
) -> dict[str, Any]:
    """The same requests over keep-alive HTTP/1.1 written by hand on asyncio streams: the
    client costs far less CPU than httpx, so the figure is the server's, not the client's."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    head = (
        f"POST /v1/events HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}"
        "\r\nContent-Type: application/json\r\nContent-Length: "
    ).encode()
    pending = list(reversed(payloads))
    accepted = 0
    failures = 0

    async def worker() -> None:
        nonlocal accepted, failures
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while pending:
                body = pending.pop()
                writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
                response_head = await reader.readuntil(b"\r\n\r\n")
                status = int(response_head[9:12])
                length = 0
                for line in response_head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                data = await reader.readexactly(length)
                if status == 202:
                    accepted += json.loads(data)["accepted"]
                else:
                    failures += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"accepted": accepted, "failed_batches": failures,
            "seconds": time.perf_counter() - start}


def push_latency(url: str, admin: str, stubs: list[EdgeStub], pushes: int) -> list[float]:
    out = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin}"},
                      timeout=30) as c:
        payload = {"catalog": {"ids": [f"i{i}" for i in range(10000)]},
                   "blob": os.urandom(400_000)}
        body = msgpack.packb(payload, use_bin_type=True)
        for _ in range(pushes):
            r = c.post("/admin/bundles", content=body,
                       headers={"Content-Type": "application/msgpack"})
            version = r.json()["version"]
            start = time.perf_counter()
            result = c.post(f"/admin/bundles/{version}/push").json()
            if not result["ok"] or any(s.version != version for s in stubs):
                raise RuntimeError(f"push failed: {result}")
            out.append(max(s.swapped_at for s in stubs) - start)
    return out


def real_edges_push(url: str, admin: str, data: Path, public_key: str, pushes: int,
                    count: int = 4) -> dict[str, Any]:
    """Push latency to `count` real edge processes (node + Pyodide, one worker each): the
    origin answers the push only after every edge has verified and swapped the bundle."""
    from origin.app import free_port
    from tests.spec.handlers.fixtures import store_payload

    procs: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    try:
        for i in range(count):
            port = free_port()
            log = open(data / f"edge{i}.log", "wb")  # noqa: SIM115 - lives with the process
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "edge.cli", "--origin", url, "--port", str(port),
                 "--data", str(data / f"edge{i}"), "--public-key", public_key,
                 "--admin-token", f"real-edge-{i}-token", "--workers", "1",
                 "--cookie-key", "bench-cookie-key"],
                cwd=ROOT, stdout=log, stderr=log, env=dict(os.environ, PYTHONPATH=str(ROOT)),
            ))
            ports.append(port)
        deadline = time.monotonic() + 120
        for i in range(count):
            while b"tailor edge listening" not in (data / f"edge{i}.log").read_bytes():
                if time.monotonic() > deadline or procs[i].poll() is not None:
                    raise RuntimeError((data / f"edge{i}.log").read_text()[-2000:])
                time.sleep(0.1)
        body = msgpack.packb(store_payload(), use_bin_type=True)
        latencies = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin}"},
                          timeout=60) as c:
            for i, port in enumerate(ports):
                c.post("/admin/edges", json={"url": f"http://127.0.0.1:{port}",
                                             "token": f"real-edge-{i}-token"})
            for _ in range(pushes):
                r = c.post("/admin/bundles", content=body,
                           headers={"Content-Type": "application/msgpack"})
                version = r.json()["version"]
                start = time.perf_counter()
                result = c.post(f"/admin/bundles/{version}/push").json()
                elapsed = time.perf_counter() - start
                if not result["ok"]:
                    raise RuntimeError(f"push failed: {result}")
                latencies.append(elapsed)
        return {
            "edges": count, "bundle_bytes": len(body),
            "all_edges_updated_s_median": round(statistics.median(latencies), 4),
            "all_edges_updated_s_max": round(max(latencies), 4), "pushes": len(latencies),
        }
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tailor bench origin", description=__doc__)
    parser.add_argument("--events", type=int, default=60000, help="events per round")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pushes", type=int, default=7)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw: hand-written keep-alive HTTP/1.1 (cheap); httpx: AsyncClient")
    parser.add_argument("--real-edges", action="store_true",
                        help="also push to 4 real edge processes (needs dist/edge artifact)")
    parser.add_argument("--json", action="store_true", help="(output is always JSON)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from origin.app import free_port
    from origin.signing import load_public_key

    with tempfile.TemporaryDirectory(prefix="tailor-bench-") as tmp:
        data = Path(tmp)
        env = dict(os.environ, TAILOR_ADMIN_TOKEN="bench-admin-token",
                   TAILOR_EDGE_TOKEN="bench-edge-token")
        port = free_port()
        proc = start_origin(data, port, env)
        url = f"http://127.0.0.1:{port}"
        try:
            rounds = []
            for r in range(args.rounds):
                payloads = bodies(r, args.events, args.batch)
                server_cpu, client_cpu = cpu_seconds(proc.pid), time.process_time()
                run = ingest_raw if args.client == "raw" else ingest
                result = asyncio.run(run(url, "bench-edge-token", payloads, args.concurrency))
                result["server_cpu_s"] = round(cpu_seconds(proc.pid) - server_cpu, 3)
                result["client_cpu_s"] = round(time.process_time() - client_cpu, 3)
                rounds.append(result)
            commits = httpx.get(url + "/health").json()["commits"]
            conn = sqlite3.connect(data / "tailor.sqlite3")
            stored = int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            conn.close()
            sent = args.rounds * (args.events // args.batch) * args.batch
            key = httpx.get(url + "/v1/bundle-key").json()["raw_base64"]
            public = load_public_key(key)
            stubs = [EdgeStub(public, f"edge-{i}-token") for i in range(4)]
            with httpx.Client(base_url=url,
                              headers={"Authorization": "Bearer bench-admin-token"}) as c:
                for i, stub in enumerate(stubs):
                    c.post("/admin/edges", json={"url": stub.url, "token": f"edge-{i}-token"})
            latencies = push_latency(url, "bench-admin-token", stubs, args.pushes)
            real = None
            if args.real_edges:
                with httpx.Client(base_url=url,
                                  headers={"Authorization": "Bearer bench-admin-token"}) as c:
                    for stub in stubs:
                        c.delete("/admin/edges", params={"url": stub.url})
                real = real_edges_push(url, "bench-admin-token", data, key, args.pushes)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    rates = [r["accepted"] / r["seconds"] for r in rounds]
    print(json.dumps({
        "bench": "origin",
        "ingest": {
            "batch": args.batch, "concurrency": args.concurrency, "client": args.client,
            "events_per_round": args.events, "rounds": args.rounds,
            "events_per_s_median": round(statistics.median(rates)),
            "events_per_s_rounds": [round(x) for x in rates],
            "sent": sent, "accepted": sum(r["accepted"] for r in rounds), "stored": stored,
            "lost": sent - stored,
            "failed_batches": sum(r["failed_batches"] for r in rounds),
            "batches_per_commit": round(args.rounds * (args.events // args.batch) / commits, 2),
            "server_cpu_ms_per_batch": round(1000 * statistics.median(
                r["server_cpu_s"] / (args.events // args.batch) for r in rounds), 3),
            "client_cpu_ms_per_batch": round(1000 * statistics.median(
                r["client_cpu_s"] / (args.events // args.batch) for r in rounds), 3),
        },
        "push": {
            "edges": 4, "bundle_bytes_approx": 400_000 + 10000 * 6,
            "all_edges_updated_s_median": round(statistics.median(latencies), 4),
            "all_edges_updated_s_max": round(max(latencies), 4),
            "pushes": len(latencies),
        },
        "push_real_edges": real,
        "cpu_count": os.cpu_count(),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
