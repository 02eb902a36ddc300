"""The bandit feedback loop: `tailor build-bundle` puts Beta posteriors built from stored
outcomes into the next signed bundle (real SQLite, events ingested over real HTTP)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from origin import compile as compile_mod
from origin.app import ServerThread, running
from origin.config import Config
from origin.feedback import LOOKBACK, bandit_posteriors
from origin.signing import verify_bundle

DAY = 86400
NOW = int(time.time())

BANDIT = {"id": "promo", "kind": "bandit", "seed": "promo", "layer": None,
          "variations": [{"id": "x", "weight": 1, "blocks": {"promo": "promo_x"}},
                         {"id": "y", "weight": 1, "blocks": {"promo": "promo_y"}},
                         {"id": "z", "weight": 1, "blocks": {"promo": "promo_z"}}],
          "arms": [{"alpha": 50, "beta": 50}] * 3}
AB = {"id": "plain", "kind": "ab", "seed": "plain",
      "variations": [{"id": "c", "weight": 1, "blocks": {"hero": "h"}}]}

# (variation, exposed, converted): z was never shown
OUTCOMES = [("x", 10, 2), ("y", 12, 6)]


def events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for var, exposed, converted in OUTCOMES:
        for i in range(exposed):
            v, t = f"{var}{i}", NOW - 10 * DAY + i
            out.append({"id": f"ex-{v}", "type": "exposure", "ts": t, "visitor": v,
                        "item": f"promo_{var}", "path": "/",
                        "props": {"slot": "promo", "experiment": "promo", "variation": var}})
            if i < converted:
                out.append({"id": f"buy-{v}", "type": "purchase", "ts": t + DAY, "visitor": v,
                            "item": "sku", "value": 12.5})
    out.append({"id": "ex-plain", "type": "exposure", "ts": NOW - DAY, "visitor": "p0",
                "item": "h", "props": {"experiment": "plain", "variation": "c"}})
    return out


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(Config.load(tmp_path, env={})) as srv:
        cfg = srv.services.config
        with httpx.Client(base_url=srv.url) as c:
            admin = {"Authorization": f"Bearer {cfg.admin_token}"}
            assert c.post("/admin/experiments", headers=admin,
                          json=[BANDIT, AB]).status_code == 201
            r = c.post("/v1/events", headers={"Authorization": f"Bearer {cfg.edge_token}"},
                       json={"consent": {"profile": True}, "events": events()})
            assert r.status_code == 202, r.text
        yield srv


def test_build_bundle_carries_posteriors_from_outcomes(
    server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert compile_mod.main(["--data", str(tmp_path), "--json"]) == 0
    assert '"version": 1' in capsys.readouterr().out
    svc = server.services
    data = svc.store.get_bundle(1)
    assert data is not None
    _header, payload = verify_bundle(data, svc.signer.public)
    exps = {e["id"]: e for e in payload["experiments"]}
    assert exps["promo"]["arms"] == [
        {"alpha": 1 + 2, "beta": 1 + 10 - 2},
        {"alpha": 1 + 6, "beta": 1 + 12 - 6},
        {"alpha": 1, "beta": 1},
    ]
    assert exps["plain"]["arms"] is None  # A/B tests are left as authored
    # the authored document is unchanged: the posterior lives in the bundle only
    doc = svc.store.get_doc("experiments", "promo")
    assert doc is not None and doc["arms"] == BANDIT["arms"]


def test_posteriors_only_use_the_lookback(server: ServerThread) -> None:
    store = server.services.store
    docs = [dict(BANDIT)]
    later = bandit_posteriors(store, docs, now=NOW + LOOKBACK)  # exposures fell out of it
    assert later[0]["arms"] == BANDIT["arms"]
    now = bandit_posteriors(store, docs, now=NOW, window=DAY - 1)  # purchases 1 day later
    assert now[0]["arms"] == [{"alpha": 1, "beta": 11}, {"alpha": 1, "beta": 13},
                              {"alpha": 1, "beta": 1}]
    assert bandit_posteriors(store, [AB]) == [AB]
