"""Every /admin route refuses a missing or wrong token with a 401 JSON error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from origin.app import ServerThread, running
from origin.config import Config


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    env = {"TAILOR_ADMIN_TOKEN": "admin-secret-1", "TAILOR_EDGE_TOKEN": "edge-secret-1"}
    with running(Config.load(tmp_path_factory.mktemp("auth"), env=env)) as srv:
        yield srv


def admin_calls(server: ServerThread) -> list[tuple[str, str]]:
    calls = []
    for route in server.app.routes:
        assert isinstance(route, Route)
        if route.path.startswith("/admin"):
            path = route.path.replace("{version}", "1").replace("{doc_id}", "x")
            path = path.replace("{visitor}", "v")
            calls += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return calls


@pytest.mark.parametrize("token", [None, "wrong", "edge-secret-1"])
def test_admin_routes_need_the_admin_token(server: ServerThread, token: str | None) -> None:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    calls = admin_calls(server)
    assert len(calls) > 38
    with httpx.Client(base_url=server.url, headers=headers) as c:
        for method, path in calls:
            r = c.request(method, path, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.json()["error"] and r.headers["www-authenticate"].startswith("Bearer")


def test_tokens_from_environment_are_used(server: ServerThread) -> None:
    ok = httpx.get(server.url + "/admin/items", headers={"Authorization": "Bearer admin-secret-1"})
    assert ok.status_code == 200
    edge = httpx.get(server.url + "/v1/profiles/v",
                     headers={"Authorization": "Bearer edge-secret-1"})
    assert edge.status_code == 404
    basic = httpx.get(server.url + "/admin/items", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_tokens_are_generated_into_the_data_dir(tmp_path: Path) -> None:
    first = Config.load(tmp_path, env={})
    assert (tmp_path / "admin_token").read_text().strip() == first.admin_token
    assert (tmp_path / "admin_token").stat().st_mode & 0o077 == 0
    assert Config.load(tmp_path, env={}).edge_token == first.edge_token
    assert first.admin_token != first.edge_token and len(first.admin_token) >= 32
