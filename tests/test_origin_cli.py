"""The `tailor` command: help for every subcommand, clear messages for missing parts,
`tailor origin` serving on a real port, and `tailor push` from the data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from origin.app import free_port
from origin.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent


def test_every_own_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("origin", "push", "bench"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "usage: tailor " + command in capsys.readouterr().out
    text = build_parser().format_help()
    for name in ("origin", "edge", "train", "eval", "build-bundle", "push", "demo", "bench"):
        assert name in text


def test_missing_modules_give_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "no_such_bench"]) == 2
    assert "bench.no_such_bench is not available" in capsys.readouterr().err
    assert main(["bench", "../x"]) == 2


def test_push_without_bundles_or_with_no_edges(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", "--data", str(tmp_path)]) == 2
    assert "no bundle" in capsys.readouterr().err
    from origin.bundles import store_bundle
    from origin.config import Config
    from origin.signing import Signer
    from origin.storage import Store

    config = Config.load(tmp_path, env={})
    store = Store(config.db_path)
    store_bundle(store, Signer.load_or_create(config.key_dir), {})
    store.close()
    assert main(["push", "--data", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["version"] == 1 and result["edges"] == []


def test_tailor_origin_serves_and_prints_key_paths(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, TAILOR_ADMIN_TOKEN="cli-admin-token")
    proc = subprocess.Popen(
        [sys.executable, "-m", "origin.cli", "origin", "--port", str(port), "--data",
         str(tmp_path)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert r.json()["ok"] is True
        r = httpx.get(f"http://127.0.0.1:{port}/admin/edges",
                      headers={"Authorization": "Bearer cli-admin-token"})
        assert r.status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    first = json.loads(err.decode().splitlines()[0])
    assert Path(first["bundle_public_key_pem"]).exists()
    assert first["data"] == str(tmp_path.resolve())


def test_push_through_the_admin_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from origin.app import running
    from origin.bundles import store_bundle
    from origin.config import Config

    config = Config.load(tmp_path, env={})
    with running(config) as srv:
        store_bundle(srv.services.store, srv.services.signer, {})
        code = main(["push", "--origin", srv.url, "--data", str(tmp_path)])
        answer = json.loads(capsys.readouterr().out)
        assert code == 0 and answer["version"] == 1 and answer["ok"] is True
        code = main(["push", "--origin", srv.url, "--admin-token", "wrong"])
        assert code == 1 and "invalid admin token" in capsys.readouterr().out
