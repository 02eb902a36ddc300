"""/metrics exposes request and ingest counters labelled by route template."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from origin.app import running
from origin.config import Config


def test_metrics_count_requests_and_events(tmp_path: Path) -> None:
    with running(Config.load(tmp_path, env={})) as srv:
        edge = {"Authorization": f"Bearer {srv.services.config.edge_token}"}
        events = [{"id": f"m{i}", "type": "click", "ts": int(time.time()), "visitor": "v"}
                  for i in range(3)]
        httpx.post(srv.url + "/v1/events", headers=edge,
                   json={"consent": {"profile": True}, "events": events})
        httpx.post(srv.url + "/v1/events", headers=edge, json={"events": events})
        httpx.get(srv.url + "/v1/profiles/someone", headers=edge)
        text = httpx.get(srv.url + "/metrics").text
    assert "tailor_events_accepted_total 3.0" in text
    assert 'tailor_events_rejected_batches_total{field="consent"} 1.0' in text
    assert 'route="/v1/profiles/{visitor}",status="404"' in text
    assert 'route="/v1/events",status="202"' in text
    assert "tailor_http_request_seconds_bucket" in text
