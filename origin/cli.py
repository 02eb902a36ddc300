"""The `tailor` command: one argparse tree whose subcommands delegate, importing lazily so a
missing optional part gives a one-line message instead of a traceback."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DELEGATES = {
    "edge": ("edge.cli", "run the edge host (Node.js + Pyodide)"),
    "train": ("origin.train", "train the models from stored events"),
    "eval": ("origin.evaluate", "evaluate through the edge path (e.g. --dataset ml-100k)"),
    "build-bundle": ("origin.compile", "compile, sign and store a bundle"),
    "demo": ("origin.demo", "run the end-to-end demo"),
}


def _load_main(module: str) -> Callable[[list[str]], Any] | None:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or ""
        if missing and (module == missing or module.startswith(missing + ".")):
            print(f"tailor: {module} is not available ({exc})", file=sys.stderr)
        else:
            print(f"tailor: {module} cannot be loaded: {exc}", file=sys.stderr)
        return None
    main = getattr(mod, "main", None)
    if not callable(main):
        print(f"tailor: {module} has no main(argv)", file=sys.stderr)
        return None
    return main  # type: ignore[no-any-return]


def _delegate(module: str, argv: list[str]) -> int:
    main = _load_main(module)
    if main is None:
        return 2
    result = main(argv)
    return result if isinstance(result, int) else 0


def _run_origin(args: argparse.Namespace) -> int:
    from origin.app import serve
    from origin.config import Config
    from origin.signing import Signer

    config = Config.load(args.data, host=args.host, port=args.port, log_level=args.log_level)
    signer = Signer.load_or_create(config.key_dir)
    print(json.dumps({
        "origin": f"http://{config.host}:{config.port}",
        "data": str(config.data_dir),
        "admin_token_file": str(config.data_dir / "admin_token"),
        "edge_token_file": str(config.data_dir / "edge_token"),
        "bundle_public_key_pem": str(signer.public_pem_path),
        "bundle_public_key_raw_base64": str(signer.public_raw_path),
        "bundle_key_id": signer.key_id,
    }), file=sys.stderr, flush=True)
    serve(config)
    return 0


def _run_push(args: argparse.Namespace) -> int:
    if args.origin:
        return _push_via_api(args)
    from origin.config import Config
    from origin.push import PushError, normalize_edge_url, push_bundle_sync
    from origin.storage import Store

    config = Config.load(args.data)
    store = Store(config.db_path)
    try:
        for url, token in args.add_edge or []:
            store.add_edge(normalize_edge_url(url), token)
        version = args.version or store.latest_bundle_version()
        if version is None:
            print("tailor push: no bundle stored yet (run tailor build-bundle)", file=sys.stderr)
            return 2
        try:
            result = push_bundle_sync(store, version, rollback=args.rollback)
        except PushError as exc:
            print(f"tailor push: {exc}", file=sys.stderr)
            return 2
    finally:
        store.close()
    print(json.dumps(result))
    return 0 if result["ok"] else 1


def _push_via_api(args: argparse.Namespace) -> int:
    import httpx

    token = args.admin_token
    if token is None:
        token_file = Path(args.data) / "admin_token"
        if not token_file.exists():
            print(f"tailor push: no {token_file}; pass --admin-token", file=sys.stderr)
            return 2
        token = token_file.read_text(encoding="utf-8").strip()
    try:
        return _push_with_token(args, token)
    except httpx.HTTPError as exc:
        print(f"tailor push: cannot reach {args.origin}: {exc}", file=sys.stderr)
        return 2


def _push_with_token(args: argparse.Namespace, token: str) -> int:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    base = args.origin.rstrip("/")
    with httpx.Client(timeout=30.0, headers=headers) as client:
        for url, edge_token in args.add_edge or []:
            added = client.post(base + "/admin/edges", json={"url": url, "token": edge_token})
            if added.status_code != 201:
                print(added.text)
                return 1
        version = args.version
        if version is None:
            response = client.get(base + "/admin/bundles")
            if response.status_code != 200:
                print(response.text)
                return 1
            listed = response.json().get("bundles", [])
            if not listed:
                print("tailor push: the origin has no bundle", file=sys.stderr)
                return 2
            version = listed[-1]["version"]
        action = "rollback" if args.rollback else "push"
        response = client.post(f"{base}/admin/bundles/{version}/{action}")
    print(response.text)
    return 0 if response.status_code == 200 else 1


def _run_bench(args: argparse.Namespace, rest: list[str]) -> int:
    if not (PROJECT_ROOT / "bench").is_dir():
        print(f"tailor bench: no bench/ directory under {PROJECT_ROOT}", file=sys.stderr)
        return 2
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    if not args.name.replace("_", "").isalnum():
        print(f"tailor bench: bad benchmark name {args.name!r}", file=sys.stderr)
        return 2
    return _delegate(f"bench.{args.name}", rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tailor", description="Personalize cached web pages at the edge."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    origin = sub.add_parser("origin", help="run the origin service")
    origin.add_argument("--host", default="127.0.0.1")
    origin.add_argument("--port", type=int, default=8000)
    origin.add_argument("--data", default="./tailor-data", help="data directory (created)")
    origin.add_argument("--log-level", default="INFO")

    push = sub.add_parser("push", help="push a stored bundle version to every registered edge")
    push.add_argument("version", type=int, nargs="?", help="bundle version (default: latest)")
    push.add_argument("--rollback", action="store_true", help="explicit rollback to VERSION")
    push.add_argument("--data", default="./tailor-data", help="origin data directory")
    push.add_argument("--origin", help="push through this origin's admin API instead")
    push.add_argument("--admin-token", help="admin token for --origin (default: DATA file)")
    push.add_argument("--add-edge", nargs=2, action="append", metavar=("URL", "TOKEN"),
                      help="register an edge first (repeatable)")

    for name, (module, text) in DELEGATES.items():
        sub.add_parser(name, help=text, add_help=False, description=f"Delegates to {module}.")

    bench = sub.add_parser("bench", help="run a benchmark from bench/ (prints JSON)")
    bench.add_argument("name", help="benchmark module in bench/, e.g. origin")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if args_list and args_list[0] in DELEGATES:
        # The delegate owns its options (and its --help).
        return _delegate(DELEGATES[args_list[0]][0], args_list[1:])
    if args_list[:1] == ["bench"] and len(args_list) >= 2 and not args_list[1].startswith("-"):
        args = parser.parse_args(args_list[:2])
        return _run_bench(args, args_list[2:])
    args = parser.parse_args(args_list)
    if args.command == "origin":
        return _run_origin(args)
    if args.command == "push":
        return _run_push(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
