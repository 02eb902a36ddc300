"""Hybrid neighbour lists: collaborative and content scores blended, with cold starts.

Each source's neighbour scores are divided by that source's largest score so the blend
weights mean what they say; an item without interactions takes its content neighbours
only, and a visitor without history gets the popularity list.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from origin.models.base import ItemRecommender, Matrix, as_csr
from origin.models.content import ContentTfidf
from origin.models.ease import EASE
from origin.models.popularity import Popularity


def _to_sparse(idx: np.ndarray, vals: np.ndarray, n: int) -> sp.csr_matrix:
    rows = np.repeat(np.arange(idx.shape[0]), idx.shape[1])
    keep = idx.ravel() >= 0
    return sp.csr_matrix(
        (vals.ravel()[keep], (rows[keep], idx.ravel()[keep])), shape=(n, n), dtype=np.float32
    )


class HybridRecommender(ItemRecommender):
    """weights_ = collab_weight·collab/max + (1 - collab_weight)·content/max, top `k`."""

    def __init__(
        self, collab: ItemRecommender | None = None, content: ItemRecommender | None = None,
        collab_weight: float = 0.7, k: int = 50,
    ) -> None:
        self.collab = collab
        self.content = content
        self.collab_weight = collab_weight
        self.k = k

    def fit(self, X: Matrix, y: object = None, texts: Sequence[str] | None = None) -> (
        HybridRecommender
    ):
        X = as_csr(X)
        n = X.shape[1]
        self.collab_ = clone(self.collab if self.collab is not None else EASE()).fit(X)
        self.popularity_ = Popularity().fit(X)
        c_idx, c_val = self.collab_.neighbors(self.k)
        collab = _to_sparse(c_idx, c_val / max(float(c_val.max(initial=0.0)), 1e-12), n)
        cold = np.ravel((X > 0).sum(axis=0)) == 0
        if texts is not None:
            if len(texts) != n:
                raise ValueError(f"texts: expected {n} documents, got {len(texts)}")
            self.content_ = clone(self.content if self.content is not None else ContentTfidf())
            self.content_.fit(list(texts))
            t_idx, t_val = self.content_.neighbors(self.k)
            content = _to_sparse(t_idx, t_val / max(float(t_val.max(initial=0.0)), 1e-12), n)
            w = np.where(cold, 0.0, self.collab_weight).astype(np.float32)
            blend = sp.diags(w) @ collab + sp.diags(1.0 - w) @ content
        else:
            blend = collab
        self.cold_items_ = np.flatnonzero(cold)
        self.weights_ = sp.csr_matrix(blend, dtype=np.float32)
        self.n_items_ = n
        return self

    def score(self, X: Matrix) -> np.ndarray:
        """Blended scores; items no neighbour list reaches are -inf (left to popularity)."""
        scores = super().score(X)
        scores[scores <= 0] = -np.inf
        return scores

    def recommend(
        self, X: Matrix, n: int = 10, exclude_seen: bool = True, batch: int = 2048
    ) -> np.ndarray:
        """Blended-neighbour top-`n`, topped up from popularity (no history → popularity)."""
        X = as_csr(X)
        out = super().recommend(X, n, exclude_seen, batch)
        popular = self.popularity_.top(self.n_items_)
        for u in range(X.shape[0]):
            row = [i for i in out[u] if i >= 0]
            if len(row) < n:
                seen = set(X.indices[X.indptr[u] : X.indptr[u + 1]]) if exclude_seen else set()
                taken = set(row)
                extra = [i for i in popular if i not in taken and i not in seen][: n - len(row)]
                out[u, : len(row) + len(extra)] = row + extra
        return out
