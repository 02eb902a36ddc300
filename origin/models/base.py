"""Shared behaviour of the item recommenders: scoring, top-N lists, neighbour lists.

Every collaborative estimator learns an item×item weight matrix `weights_` (dense or
sparse, row i = what an interaction with item i adds to every other item's score), so the
edge can serve it as per-item neighbour lists and the origin as per-visitor candidates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

Matrix = Any  # scipy.sparse matrix or numpy array


def as_csr(X: Matrix) -> sp.csr_matrix:
    """A float32 CSR copy of a user×item matrix, values kept as given."""
    return sp.csr_matrix(X, dtype=np.float32)


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the indices and values of the `k` largest entries, best first.

    Entries equal to -inf are padding: their index is -1. Ties break by lower index.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k <= 0:
        return np.zeros((n_rows, 0), np.int64), np.zeros((n_rows, 0), np.float32)
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < n_cols else np.tile(
        np.arange(n_cols), (n_rows, 1)
    )
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    idx = np.take_along_axis(part, order, axis=1).astype(np.int64)
    vals = np.take_along_axis(vals, order, axis=1).astype(np.float32)
    idx[~np.isfinite(vals)] = -1
    return idx, vals


class ItemRecommender(BaseEstimator):  # type: ignore[misc]
    """Mixin: subclasses set `weights_` (n_items × n_items) in `fit`."""

    weights_: Matrix

    def score(self, X: Matrix) -> np.ndarray:
        """Dense user×item scores for the history rows in `X`."""
        X = as_csr(X)
        out = X @ self.weights_
        return np.asarray(out.toarray() if sp.issparse(out) else out, dtype=np.float32)

    def recommend(
        self, X: Matrix, n: int = 10, exclude_seen: bool = True, batch: int = 2048
    ) -> np.ndarray:
        """Top-`n` item indices per user row of `X`, best first, -1 where none is left."""
        X = as_csr(X)
        out = np.full((X.shape[0], n), -1, dtype=np.int64)
        for start in range(0, X.shape[0], batch):
            rows = X[start : start + batch]
            scores = self.score(rows)
            if exclude_seen:
                r, c = rows.nonzero()
                scores[r, c] = -np.inf
            idx, _ = top_k_rows(scores, n)
            out[start : start + len(idx), : idx.shape[1]] = idx
        return out

    def neighbors(self, k: int = 50, batch: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """Per item, up to `k` neighbours with positive weight: (indices, scores), -1 padded."""
        w = self.weights_
        n = w.shape[0]
        idx = np.full((n, k), -1, dtype=np.int64)
        vals = np.zeros((n, k), dtype=np.float32)
        for start in range(0, n, batch):
            block = w[start : start + batch]
            block = np.array(block.toarray() if sp.issparse(block) else block, np.float32)
            rows = np.arange(len(block))
            block[rows, rows + start] = -np.inf
            block[block <= 0] = -np.inf
            b_idx, b_vals = top_k_rows(block, k)
            b_vals[b_idx < 0] = 0.0
            idx[start : start + len(block), : b_idx.shape[1]] = b_idx
            vals[start : start + len(block), : b_idx.shape[1]] = b_vals
        return idx, vals
