"""Interaction data for training and evaluation: MovieLens-100k from the recbole wheel, CSVs.

MovieLens-100k is read in place from the installed `recbole==1.2.1` wheel and never copied:
GroupLens terms forbid redistribution. Every rating counts as an implicit positive.
"""

from __future__ import annotations

import csv
import importlib.metadata
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ML100K_FILE = "recbole/dataset_example/ml-100k/ml-100k.inter"
INSTALL_HINT = (
    "MovieLens-100k is read from the recbole wheel, which is not installed. Install it for "
    "evaluation only (never commit or ship the data):\n"
    "    .venv/bin/pip install --no-deps recbole==1.2.1"
)


class DatasetUnavailable(RuntimeError):
    """The requested data set is not installed here."""


@dataclass(frozen=True)
class Interaction:
    """One implicit positive: `user` touched `item` at `ts` (0 when unknown)."""

    user: str
    item: str
    ts: int = 0


@dataclass
class Interactions:
    """Interactions with dense user and item indices, as a sparse user×item matrix."""

    rows: list[Interaction]
    user_ids: list[str] = field(default_factory=list)
    item_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.user_ids:
            self.user_ids = sorted({r.user for r in self.rows})
        if not self.item_ids:
            self.item_ids = sorted({r.item for r in self.rows})
        self.user_index = {u: i for i, u in enumerate(self.user_ids)}
        self.item_index = {t: i for i, t in enumerate(self.item_ids)}

    def matrix(self) -> sp.csr_matrix:
        """Binary user×item matrix; rows for unknown users or items are dropped."""
        users, items = self.user_index, self.item_index
        u = np.fromiter((users.get(r.user, -1) for r in self.rows), np.int64, len(self.rows))
        i = np.fromiter((items.get(r.item, -1) for r in self.rows), np.int64, len(self.rows))
        keep = (u >= 0) & (i >= 0)
        shape = (len(self.user_ids), len(self.item_ids))
        m = sp.csr_matrix((np.ones(int(keep.sum()), np.float32), (u[keep], i[keep])), shape=shape)
        m.data[:] = 1.0  # duplicates were summed: binary again
        return m

    def recent(self, user: str, limit: int) -> list[str]:
        """The user's `limit` most recent distinct items, most recent first."""
        return recent_by_user(self.rows, limit).get(user, [])


def recent_by_user(rows: Iterable[Interaction], limit: int) -> dict[str, list[str]]:
    """Per user, the `limit` most recent distinct items, most recent first (ties: later row)."""
    by_user: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for n, r in enumerate(rows):
        by_user[r.user].append((r.ts, n, r.item))
    out: dict[str, list[str]] = {}
    for user, events in by_user.items():
        seen: list[str] = []
        for _, _, item in sorted(events, reverse=True):
            if item not in seen:
                seen.append(item)
                if len(seen) == limit:
                    break
        out[user] = seen
    return out


def ml100k_path() -> Path:
    """Where the installed recbole wheel keeps MovieLens-100k; raises if not installed."""
    try:
        dist = importlib.metadata.distribution("recbole")
    except importlib.metadata.PackageNotFoundError:
        raise DatasetUnavailable(INSTALL_HINT) from None
    for file in dist.files or []:
        if str(file).replace("\\", "/") == ML100K_FILE:
            return Path(str(dist.locate_file(file)))
    raise DatasetUnavailable(INSTALL_HINT)


def load_ml100k() -> list[Interaction]:
    """All 100,000 ratings as implicit interactions, in file order."""
    rows: list[Interaction] = []
    with ml100k_path().open(encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader)
        for user, item, _rating, ts in reader:
            rows.append(Interaction(user, item, int(float(ts))))
    return rows


def load_csv(path: str | Path) -> list[Interaction]:
    """A CSV with header `user,item[,timestamp]`."""
    rows: list[Interaction] = []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        if "user" not in fields or "item" not in fields:
            raise ValueError(f"{path}: header must be user,item[,timestamp], got {fields}")
        for n, rec in enumerate(reader, start=2):
            user, item = (rec.get("user") or "").strip(), (rec.get("item") or "").strip()
            if not user or not item:
                raise ValueError(f"{path}:{n}: empty user or item")
            raw_ts = (rec.get("timestamp") or "").strip()
            rows.append(Interaction(user, item, int(float(raw_ts)) if raw_ts else 0))
    return rows


def split_per_user(
    rows: Sequence[Interaction], ratio: float = 0.75, seed: int = 42
) -> tuple[list[Interaction], list[Interaction]]:
    """Random split per user: shuffle each user's rows with `seed`, first `ratio` to train.

    Users are visited in sorted order and each gets its own `random.Random(seed)` shuffle,
    so the split does not depend on the row order of other users.
    """
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for r in rows:
        by_user[r.user].append(r)
    train: list[Interaction] = []
    test: list[Interaction] = []
    for user in sorted(by_user):
        items = sorted(by_user[user], key=lambda r: (r.item, r.ts))
        random.Random(f"{seed}:{user}").shuffle(items)
        cut = int(round(len(items) * ratio))
        train.extend(items[:cut])
        test.extend(items[cut:])
    return train, test


def split_random(
    rows: Sequence[Interaction], ratio: float = 0.75, seed: int = 42
) -> tuple[list[Interaction], list[Interaction]]:
    """Random split per interaction: one `random.Random(seed)` shuffle of all rows (in a
    canonical order first), the first `ratio` to train. A user may land wholly in test."""
    ordered = sorted(rows, key=lambda r: (r.user, r.item, r.ts))
    random.Random(seed).shuffle(ordered)
    cut = int(round(len(ordered) * ratio))
    return ordered[:cut], ordered[cut:]
