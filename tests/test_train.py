"""`tailor train` from events, then `tailor build-bundle` from its output."""

from __future__ import annotations

import json
import random
from pathlib import Path

import msgpack
import pytest

from core.bundle import load
from origin import compile as compile_mod
from origin.datasets import Interaction
from origin.models.selection import tune_l2
from origin.train import fit_recs, load_models, main

HOUR = 3600


def _catalog() -> list[dict[str, object]]:
    return [{"id": f"p{i}", "title": f"{'boot' if i < 10 else 'tent'} {i}",
             "category": "boots" if i < 10 else "tents", "brand": "acme",
             "tags": ["outdoor"], "price": 10 + i} for i in range(21)]  # p20: never touched


def _events() -> list[dict[str, object]]:
    rng = random.Random(5)
    out: list[dict[str, object]] = []
    for v in range(40):
        group = range(0, 10) if v % 2 == 0 else range(10, 20)
        ts = 1_700_000_000 + v * 10
        for session in range(3):
            ts += 5 * HOUR
            for item in rng.sample(list(group), 3):
                ts += 60
                out.append({"id": f"e{len(out)}", "visitor": f"v{v}", "type": "view",
                            "item": f"p{item}", "ts": ts})
            if v % 4 == 0 and session == 2:
                out.append({"id": f"e{len(out)}", "visitor": f"v{v}", "type": "add_to_cart",
                            "item": f"p{group[0]}", "ts": ts + 30})
                out.append({"id": f"e{len(out)}", "visitor": f"v{v}", "type": "purchase",
                            "item": f"p{group[0]}", "ts": ts + 60})
    return out


def test_train_then_build_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "catalog.json").write_text(json.dumps(_catalog()), encoding="utf-8")
    (tmp_path / "events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in _events()), encoding="utf-8")
    models = tmp_path / "models"
    assert main(["--events", str(tmp_path / "events.jsonl"), "--catalog",
                 str(tmp_path / "catalog.json"), "--out", str(models), "--quiet",
                 "--l2", "5", "--clusters", "2"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["items"] == 21
    assert summary["segments"] == ["behaviour", "likely_buyer"]
    profiles = json.loads((models / "profiles.json").read_text(encoding="utf-8"))
    assert set(profiles) == {f"v{v}" for v in range(40)}
    recs, segments = load_models(models)
    assert recs.by_segment
    payload_file = tmp_path / "payload.msgpack"
    assert compile_mod.main(["--catalog", str(tmp_path / "catalog.json"), "--models",
                             str(models), "--out", str(payload_file), "--json"]) == 0
    bundle = load(msgpack.unpackb(payload_file.read_bytes(), raw=False))
    assert [s.id for s in bundle.segments] == ["behaviour", "likely_buyer"]
    # cold item p20 has content neighbours (the hybrid's cold-start path)
    cold = bundle.catalog.index["p20"]
    assert bundle.recs.collab.of(cold, 5)
    # collaborative neighbours of a boot are boots
    boot = bundle.catalog.index["p3"]
    got = [bundle.catalog.ids[i] for i, _ in bundle.recs.collab.of(boot, 5)]
    assert got and all(int(g[1:]) < 10 for g in got)


def test_fit_recs_candidates_exclude_seen_and_tuning_picks_from_grid() -> None:
    rows = [Interaction(f"u{u}", f"i{(u + j) % 12}") for u in range(30) for j in range(4)]
    result = fit_recs(rows, l2=5.0, n_candidates=5)
    for u in range(30):
        seen = {f"i{(u + j) % 12}" for j in range(4)}
        assert result.candidates[f"u{u}"] and not seen & set(result.candidates[f"u{u}"])
    best, scores = tune_l2(rows, grid=(1.0, 10.0))
    assert best in (1.0, 10.0) and set(scores) == {"1.0", "10.0"}


def test_train_and_build_bundle_against_the_origin_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from origin.config import Config
    from origin.signing import Signer, verify_bundle
    from origin.storage import Store

    data = tmp_path / "data"
    config = Config.load(data)
    store = Store(config.db_path)
    try:
        for item in _catalog():
            store.put_doc("items", dict(item))
        rows = [(str(e["id"]), str(e["visitor"]), str(e["type"]), int(str(e["ts"])),
                 str(e["item"]), None, None, None, None, None) for e in _events()]
        store.insert_events(rows)
        store.erase_subject("v3")
    finally:
        store.close()
    assert main(["--data", str(data), "--quiet", "--l2", "5", "--clusters", "2"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["profiles_stored"] == 39
    assert compile_mod.main(["--data", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    store = Store(config.db_path)
    try:
        profile = store.get_profile("v0")
        assert profile is not None and profile["candidates"] and profile["segments"]
        assert store.get_profile("v3") is None
        signed = store.get_bundle(report["version"])
    finally:
        store.close()
    assert signed is not None
    header, payload = verify_bundle(signed, Signer.load_or_create(config.key_dir).public)
    bundle = load(payload)
    assert bundle.version == report["version"] == header["version"]
    assert len(bundle.catalog) == 21
    assert b"v0" not in signed and b"v3" not in signed
