"""`tailor demo`: one command from nothing to a living, personalized storefront.

Starts the origin (SQLite under --data), generates the store and its visitor history, loads
the history into the event table, trains, compiles, signs, stores and pushes the bundle,
starts the edge, and prints the URLs. Ctrl-C stops every process it started; a re-run
reuses the data directory (history, bundle, keys, the edge's last good bundle).
`--check` does the same headless, drives the journeys once in Chromium and exits non-zero
when one fails. `DemoStack` is the same machinery for tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from origin.app import ServerThread, free_port
from origin.config import Config
from origin.signing import Signer
from origin.storage import Store

ROOT = Path(__file__).resolve().parent.parent
ARTIFACT = ROOT / "dist" / "edge"


def _say(progress: bool, step: str, detail: str = "") -> None:
    if progress:
        print(f"tailor demo: {step}{' — ' + detail if detail else ''}", flush=True)


def _secret(path: Path) -> str:
    from origin.config import read_or_create_secret

    return read_or_create_secret(path)


def port_free(port: int) -> bool:
    """Whether nothing listens on the port. SO_REUSEADDR, as the servers themselves bind:
    connections of a demo just stopped (TIME_WAIT) do not make the port look taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class DemoStack:
    """Origin (in-process thread) + store + trained bundle + edge (child process)."""

    def __init__(self, data_dir: Path, origin_port: int | None = None,
                 edge_port: int | None = None, workers: int = 2, visitors: int = 800,
                 l2: float | None = None, progress: bool = True, retrain: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self.origin_port = origin_port or free_port()
        self.edge_port = edge_port or free_port()
        self.workers = workers
        self.visitors = visitors
        self.l2 = l2
        self.progress = progress
        self.retrain = retrain
        self.server: ServerThread | None = None
        self.edge: subprocess.Popen[bytes] | None = None
        self.items: list[dict[str, Any]] = []
        self.config = Config.load(self.data_dir / "origin", port=self.origin_port)
        self.signer = Signer.load_or_create(self.config.key_dir)
        self.edge_admin_token = _secret(self.data_dir / "edge_admin_token")
        self.edge_log = self.data_dir / "edge.log"

    # -- urls -----------------------------------------------------------------------------

    @property
    def origin_url(self) -> str:
        return f"http://127.0.0.1:{self.origin_port}"

    @property
    def edge_url(self) -> str:
        return f"http://127.0.0.1:{self.edge_port}"

    @property
    def store(self) -> Store:
        if self.server is None:
            raise RuntimeError("the origin is stopped")
        return self.server.services.store

    # -- steps ----------------------------------------------------------------------------

    def start(self) -> DemoStack:
        from origin.store.catalog import generate_items

        for name, port in (("origin", self.origin_port), ("edge", self.edge_port)):
            if not port_free(port):
                raise SystemExit(f"tailor demo: port {port} is in use; pass --{name}-port")
        self.items = generate_items()
        _say(self.progress, "store generated", f"{len(self.items)} items")
        self.start_origin()
        self.load_history()
        version = self.build_bundle()
        self.ensure_artifact()
        self.start_edge()
        self.push(version)
        return self

    def start_origin(self) -> None:
        from origin.store import mount

        server = ServerThread(self.config, port=self.origin_port)
        mount(server.app, self.items)
        self.server = server.start()
        _say(self.progress, "origin started", f"{self.origin_url} (data {self.config.data_dir})")

    def stop_origin(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def load_history(self) -> None:
        from origin.store.history import generate_history
        from origin.store.pipeline import load_history

        now = int(time.time())
        marker = self.data_dir / "history.done"
        if marker.exists():
            _say(self.progress, "history reused", f"{self.store.count_events()} events stored")
            return
        events = generate_history(self.items, now, visitors=self.visitors)
        added = load_history(self.store, events, now)
        marker.write_text(json.dumps({"events": len(events), "at": now}), encoding="utf-8")
        _say(self.progress, "history loaded", f"{added} events of {self.visitors} visitors")

    def build_bundle(self) -> int:
        from origin.store.pipeline import publish, train_payload

        latest = self.store.latest_bundle_version()
        if latest is not None and not self.retrain:
            _say(self.progress, "bundle reused", f"version {latest}")
            return latest
        _say(self.progress, "training", "EASE + TF-IDF hybrid, K-Means segments, propensity")
        payload, info = train_payload(self.store, self.items, l2=self.l2, progress=self.progress)
        version = publish(self.store, self.signer, payload)
        _say(self.progress, "bundle signed and stored",
             f"version {version}, {len(self.store.get_bundle(version) or b'')} bytes, "
             f"trained in {info['seconds']} s on {info['interactions']} interactions")
        return version

    def ensure_artifact(self) -> None:
        if (ARTIFACT / "manifest.json").exists():
            return
        _say(self.progress, "building the edge artifact", "core wheel + Pyodide snapshot")
        subprocess.run([sys.executable, "-m", "build.edge_artifact"], cwd=ROOT, check=True)

    def edge_command(self) -> list[str]:
        cmd = [
            sys.executable, "-m", "edge.cli", "--origin", self.origin_url,
            "--port", str(self.edge_port), "--data", str(self.data_dir / "edge"),
            "--public-key", self.signer.public_raw_b64(), "--workers", str(self.workers),
            "--artifact", str(ARTIFACT),
        ]
        if not (ARTIFACT / "snapshot.bin").exists():
            cmd.append("--no-snapshot")
        return cmd

    def start_edge(self, timeout: float = 120.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TAILOR_EDGE_ADMIN_TOKEN":
               self.edge_admin_token, "TAILOR_EDGE_TOKEN": self.config.edge_token}
        env.pop("TAILOR_COOKIE_KEY", None)  # the edge keeps its own key (only it reads cookies)
        log = open(self.edge_log, "ab")  # noqa: SIM115 - the child writes to it
        mark = log.tell()
        self.edge = subprocess.Popen(self.edge_command(), cwd=ROOT, env=env, stdout=log,
                                     stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.edge.poll() is not None:
                raise RuntimeError("edge exited: " + self.edge_log.read_text()[-2000:])
            if b"tailor edge listening" in self.edge_log.read_bytes()[mark:]:
                _say(self.progress, "edge started", f"{self.edge_url} ({self.workers} workers)")
                return
            time.sleep(0.1)
        raise RuntimeError("edge did not start: " + self.edge_log.read_text()[-2000:])

    def cookie_key_hex(self) -> str:
        """The state-cookie key the edge generated into its data directory. Only the test
        harness reads it (to decode cookies as an operator would); the origin never does."""
        return (self.data_dir / "edge" / "cookie.key").read_text(encoding="utf-8").strip()

    def edge_version(self) -> int | None:
        health = httpx.get(self.edge_url + "/_tailor/health", timeout=10).json()
        version = health.get("bundle_version")
        return int(version) if isinstance(version, int) else None

    def push(self, version: int) -> None:
        from origin.push import push_bundle_sync

        if self.edge_version() == version:
            _say(self.progress, "edge already serves the bundle", f"version {version}")
            return
        self.store.add_edge(self.edge_url, self.edge_admin_token)
        result = push_bundle_sync(self.store, version, timeout=60.0)
        if not result.get("ok"):
            raise RuntimeError(f"bundle push failed: {json.dumps(result)[:500]}")
        _say(self.progress, "bundle pushed", f"version {version} in {result.get('ms')} ms")

    def stop_edge(self) -> None:
        if self.edge is None or self.edge.poll() is not None:
            return
        self.edge.send_signal(signal.SIGTERM)
        try:
            self.edge.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.edge.pid, signal.SIGKILL)
            self.edge.wait(5)

    def stop(self) -> None:
        self.stop_edge()
        self.stop_origin()

    def urls(self) -> dict[str, str]:
        return {
            "store": self.edge_url + "/",
            "privacy page": self.edge_url + "/privacy",
            "origin admin": self.origin_url + "/admin/bundles (Bearer token in "
            + str(self.config.data_dir / "admin_token") + ")",
            "dashboard": self.origin_url + "/admin/dashboard?token=<the admin token>",
            "origin health": self.origin_url + "/health",
            "edge health": self.edge_url + "/_tailor/health",
            "origin metrics": self.origin_url + "/metrics",
            "edge metrics": self.edge_url + "/_tailor/metrics",
        }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tailor demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="run the journeys headless and exit")
    p.add_argument("--data", default=str(ROOT / ".data" / "demo"), help="data directory")
    p.add_argument("--origin-port", type=int, default=8000)
    p.add_argument("--edge-port", type=int, default=8787)
    p.add_argument("--workers", type=int, default=2, help="edge worker processes")
    p.add_argument("--visitors", type=int, default=800, help="synthetic visitors to train on")
    p.add_argument("--retrain", action="store_true",
                   help="train and push a new bundle even when one is stored")
    p.add_argument("--only", action="append", help="with --check: run only this journey")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(list(argv or []))
    stack = DemoStack(Path(args.data), args.origin_port, args.edge_port, workers=args.workers,
                      visitors=args.visitors, retrain=args.retrain)
    stopping = threading.Event()

    def terminate(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the children too, like Ctrl-C

    signal.signal(signal.SIGTERM, terminate)
    try:
        stack.start()
        for name, url in stack.urls().items():
            print(f"  {name:15} {url}", flush=True)
        if args.check:
            from origin.store.journeys import run_all

            results = run_all(stack, only=args.only)
            failed = [r for r in results if not r["ok"]]
            print(f"tailor demo --check: {len(results) - len(failed)}/{len(results)} journeys "
                  "passed", flush=True)
            from origin.reporting import summary_lines

            for line in summary_lines(stack.store, stack.signer.public):
                print(f"  {line}", flush=True)
            return 1 if failed else 0
        print("tailor demo: running — press Ctrl-C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while not stopping.wait(1.0):
                if stack.edge is not None and stack.edge.poll() is not None:
                    print("tailor demo: the edge exited; stopping", file=sys.stderr)
                    return 1
        return 0
    finally:
        stack.stop()
        print("tailor demo: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
