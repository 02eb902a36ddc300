"""The app factory and ServerThread: health, a clean stop that closes the store."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from origin.app import ServerThread
from origin.config import Config
from origin.storage import WriterClosed


def test_health_and_clean_stop(tmp_path: Path) -> None:
    server = ServerThread(Config.load(tmp_path, env={})).start()
    try:
        health = httpx.get(server.url + "/health").json()
        assert health["ok"] is True and health["latest_bundle"] is None
    finally:
        server.stop()
    assert not server.thread.is_alive()
    with pytest.raises(WriterClosed):
        server.services.store.submit_events([])
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/health", timeout=1)
