"""Data loading and the per-user random split."""

from __future__ import annotations

from pathlib import Path

import pytest

from origin.datasets import (
    Interaction,
    Interactions,
    load_csv,
    recent_by_user,
    split_per_user,
    split_random,
)


def test_split_is_per_user_seeded_and_75_25() -> None:
    rows = [Interaction(f"u{u}", f"i{i}", i) for u in range(5) for i in range(8)]
    train, test = split_per_user(rows, 0.75, seed=42)
    assert len(train) == 30 and len(test) == 10
    for u in range(5):
        assert sum(r.user == f"u{u}" for r in train) == 6
    assert (train, test) == split_per_user(list(reversed(rows)), 0.75, seed=42)
    assert (train, test) != split_per_user(rows, 0.75, seed=7)
    assert not {(r.user, r.item) for r in train} & {(r.user, r.item) for r in test}


def test_csv_with_and_without_timestamp(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("user,item,timestamp\nu1,i1,10\nu1,i2,\n", encoding="utf-8")
    assert load_csv(a) == [Interaction("u1", "i1", 10), Interaction("u1", "i2", 0)]
    b = tmp_path / "b.csv"
    b.write_text("user,item\nu1,i9\n", encoding="utf-8")
    assert load_csv(b) == [Interaction("u1", "i9", 0)]
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\nx,y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        load_csv(bad)


def test_matrix_and_recent() -> None:
    rows = [Interaction("a", "x", 1), Interaction("a", "y", 3), Interaction("b", "x", 2),
            Interaction("a", "x", 5)]
    data = Interactions(rows)
    assert data.matrix().toarray().tolist() == [[1.0, 1.0], [1.0, 0.0]]
    assert recent_by_user(rows, 5)["a"] == ["x", "y"]
    assert recent_by_user(rows, 1)["a"] == ["x"]


def test_missing_recbole_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from origin.datasets import DatasetUnavailable, load_ml100k

    def missing(name: str) -> object:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(DatasetUnavailable, match=r"pip install --no-deps recbole==1\.2\.1"):
        load_ml100k()


def test_random_split_over_interactions_is_seeded_and_order_independent() -> None:
    rows = [Interaction(f"u{u}", f"i{i}", u * 100 + i) for u in range(20) for i in range(u % 7 + 1)]
    train, test = split_random(rows, 0.75, seed=42)
    assert len(train) == round(len(rows) * 0.75) and len(train) + len(test) == len(rows)
    assert sorted(train + test, key=str) == sorted(rows, key=str)
    assert (train, test) == split_random(list(reversed(rows)), 0.75, seed=42)
    assert (train, test) != split_random(rows, 0.75, seed=7)
