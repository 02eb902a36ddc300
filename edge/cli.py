"""`tailor edge`: starts the Node.js edge host (edge/server.mjs) with its configuration.

The configuration travels as JSON in an environment variable so tokens and keys never show
up in the process list. Signals are forwarded so the host stops its workers cleanly.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tailor edge",
        description="Run the Tailor edge: personalizes cached pages from the origin.",
    )
    p.add_argument("--origin", required=True, help="origin base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8787, help="port to listen on")
    p.add_argument("--data", default=str(ROOT / ".data" / "edge"),
                   help="directory for the last good bundle, the event journal and keys")
    p.add_argument("--public-key", default=os.environ.get("TAILOR_BUNDLE_PUBLIC_KEY"),
                   help="Ed25519 bundle public key: PEM file/text or raw 32 bytes in base64")
    p.add_argument("--admin-token", default=os.environ.get("TAILOR_EDGE_ADMIN_TOKEN", ""),
                   help="bearer token for PUT /_tailor/admin/bundle")
    p.add_argument("--metrics-token", default=os.environ.get("TAILOR_EDGE_METRICS_TOKEN", ""),
                   help="bearer token for /_tailor/metrics and the detailed /_tailor/health "
                        "(env TAILOR_EDGE_METRICS_TOKEN); without it both are open")
    p.add_argument("--origin-token", default=os.environ.get("TAILOR_EDGE_TOKEN", ""),
                   help="bearer token the edge sends to the origin (events, profiles)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes, each with its own Pyodide (default: CPU count)")
    p.add_argument("--cookie-key", default=os.environ.get("TAILOR_COOKIE_KEY"),
                   help="secret for the state cookie HMAC (default: generated into --data)")
    p.add_argument("--artifact", default=str(ROOT / "dist" / "edge"),
                   help="the built edge artifact (wheels + snapshot)")
    p.add_argument("--no-snapshot", action="store_true", help="boot Pyodide without the snapshot")
    p.add_argument("--country-header", default="cf-ipcountry",
                   help="request header carrying the visitor's country code")
    p.add_argument("--known-id-header", default="x-tailor-known-id",
                   help="header a trusted upstream sets with the signed-in visitor id")
    p.add_argument("--default-tz-offset", type=int, default=0,
                   help="minutes east of UTC when neither tz cookie nor country says")
    p.add_argument("--cache-mb", type=float, default=64, help="page cache size bound")
    p.add_argument("--profile-timeout-ms", type=int, default=50, help="profile fetch deadline")
    p.add_argument("--journal-mb", type=float, default=256, help="event journal size bound")
    p.add_argument("--warmup", type=int, default=300, metavar="N",
                   help="decisions each worker runs in the background after it starts serving, "
                        "so V8 optimizes the hot wasm code before traffic needs it (0: none)")
    p.add_argument("--start-wait-ms", type=int, default=5000, metavar="MS",
                   help="how long a request that arrives while the edge starts may wait for "
                        "its decision before the page is served with its defaults")
    p.add_argument("--bundle-snapshot-delay-ms", type=int, default=10000, metavar="MS",
                   help="make a memory snapshot with the live bundle installed once it has been "
                        "live this long, so restarts skip the install (-1: never)")
    p.add_argument("--debug-hooks", action="store_true",
                   help="testing only: honour X-Tailor-Debug: raise|bypass and expose segments")
    return p


def config(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON configuration edge/server.mjs reads."""
    if args.workers < 1:
        raise SystemExit("tailor edge: --workers must be at least 1")
    return {
        "origin": args.origin,
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "dataDir": str(Path(args.data).resolve()),
        "artifactDir": str(Path(args.artifact).resolve()),
        "useSnapshot": not args.no_snapshot,
        "publicKey": args.public_key,
        "adminToken": args.admin_token,
        "metricsToken": args.metrics_token,
        "originToken": args.origin_token,
        "cookieKey": args.cookie_key,
        "countryHeader": args.country_header,
        "knownIdHeader": args.known_id_header,
        "defaultTzOffset": args.default_tz_offset,
        "cacheBytes": int(args.cache_mb * 1024 * 1024),
        "profileTimeoutMs": args.profile_timeout_ms,
        "journalMaxBytes": int(args.journal_mb * 1024 * 1024),
        "debugHooks": bool(args.debug_hooks),
        "warmupDecisions": max(0, args.warmup),
        "startWaitMs": max(0, args.start_wait_ms),
        "bundleSnapshotDelayMs": args.bundle_snapshot_delay_ms,
    }


def command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise SystemExit("tailor edge: node (>= 20) is not on PATH")
    return [node, str(HERE / "server.mjs")]


def node_env(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """The edge host's environment: ours plus the configuration.

    NODE_EXTRA_CA_CERTS makes every Node process parse that CA bundle as it starts (~50 ms
    per process on the development machine, paid by the primary and then by each worker
    before it can serve). The edge's only outbound connections go to the origin, so with a
    plain-http origin no certificate is ever checked and the variable is left out; with an
    https origin it is passed on, as a private CA may sign the origin's certificate."""
    env = dict(environ)
    env["TAILOR_EDGE_CONFIG"] = json.dumps(config(args))
    if urlsplit(args.origin).scheme == "http":
        env.pop("NODE_EXTRA_CA_CERTS", None)
    return env


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not (HERE / "node_modules" / "pyodide").exists():
        print("tailor edge: run `npm ci` in edge/ first (make setup)", file=sys.stderr)
        return 2
    proc = subprocess.Popen(command(), env=node_env(args, os.environ))

    def forward(signum: int, _frame: FrameType | None) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:  # pragma: no cover - the handler above forwards it
            continue


if __name__ == "__main__":
    sys.exit(main())
