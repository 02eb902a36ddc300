"""/openapi.json lists every mounted route with its method."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.routing import Route

from origin.app import running
from origin.config import Config


def test_every_route_is_documented(tmp_path: Path) -> None:
    with running(Config.load(tmp_path, env={})) as srv:
        doc = httpx.get(srv.url + "/openapi.json").json()
        routes = [r for r in srv.app.routes if isinstance(r, Route)]
    assert doc["openapi"].startswith("3.")
    missing = [
        (m, r.path) for r in routes for m in (r.methods or ()) if m != "HEAD"
        and m.lower() not in doc["paths"].get(r.path, {})
    ]
    assert missing == []
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    mounted = {(m.lower(), r.path) for r in routes for m in (r.methods or ()) if m != "HEAD"}
    assert documented == mounted
    assert doc["paths"]["/admin/items"]["get"]["security"] == [{"adminToken": []}]
