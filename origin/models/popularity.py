"""Most-popular baseline and fallback for visitors with no history."""

from __future__ import annotations

import numpy as np

from origin.models.base import ItemRecommender, Matrix, as_csr


class Popularity(ItemRecommender):
    """Scores every item by its number of interacting users."""

    def __init__(self) -> None:
        pass

    def fit(self, X: Matrix, y: object = None) -> Popularity:
        X = as_csr(X)
        self.counts_ = np.ravel((X > 0).sum(axis=0)).astype(np.float32)
        self.ranking_ = np.lexsort((np.arange(len(self.counts_)), -self.counts_))
        self.n_items_ = X.shape[1]
        return self

    def score(self, X: Matrix) -> np.ndarray:
        return np.tile(self.counts_, (as_csr(X).shape[0], 1))

    def neighbors(self, k: int = 50, batch: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """The most popular items for every item (itself excluded)."""
        head = self.top(k + 1)
        idx = np.full((self.n_items_, k), -1, dtype=np.int64)
        vals = np.zeros((self.n_items_, k), dtype=np.float32)
        for i in range(self.n_items_):
            row = head[head != i][:k]
            idx[i, : len(row)] = row
            vals[i, : len(row)] = self.counts_[row]
        return idx, vals

    def top(self, n: int) -> np.ndarray:
        """The `n` most popular item indices with at least one interaction."""
        ranked = self.ranking_[self.counts_[self.ranking_] > 0]
        return ranked[:n]
