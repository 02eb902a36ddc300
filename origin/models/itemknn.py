"""Item-based k-nearest neighbours: cosine similarity with shrinkage, optional BM25 weighting.

Sparse throughout, so it scales to catalogs where a dense n_items² model does not fit.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from origin.models.base import ItemRecommender, Matrix, as_csr


def bm25_weight(X: sp.csr_matrix, k1: float = 1.2, b: float = 0.75) -> sp.csr_matrix:
    """BM25-weight the user×item matrix (users as documents, items as terms)."""
    X = sp.coo_matrix(X, dtype=np.float32)
    n_users = X.shape[0]
    idf = np.log(n_users / (1.0 + np.bincount(X.col, minlength=X.shape[1])))
    lengths = np.ravel(X.sum(axis=1))
    norm = (1.0 - b) + b * lengths / max(lengths.mean(), 1e-9)
    data = X.data * (k1 + 1.0) / (k1 * norm[X.row] + X.data) * idf[X.col]
    return sp.csr_matrix((data.astype(np.float32), (X.row, X.col)), shape=X.shape)


def prune_rows(W: sp.csr_matrix, k: int, batch: int = 1024) -> sp.csr_matrix:
    """Keep the `k` largest entries of every row (dense row blocks, vectorized)."""
    W = sp.csr_matrix(W, dtype=np.float32)
    n_rows, n_cols = W.shape
    if k >= n_cols:
        return W
    rows, cols, vals = [], [], []
    for start in range(0, n_rows, batch):
        block = W[start : start + batch]
        dense = block.toarray()
        dense[dense == 0] = -np.inf  # only stored (non-zero) entries may be kept
        keep = np.argpartition(-dense, k - 1, axis=1)[:, :k]
        picked = np.take_along_axis(dense, keep, axis=1)
        ok = np.isfinite(picked)
        r = np.broadcast_to(np.arange(start, start + len(dense))[:, None], keep.shape)
        rows.append(r[ok])
        cols.append(keep[ok])
        vals.append(picked[ok])
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=W.shape
    )


class ItemKNN(ItemRecommender):
    """sim(i, j) = <x_i, x_j> / (|x_i||x_j| + shrink), top `topk` per item."""

    def __init__(self, topk: int = 100, shrink: float = 10.0, weighting: str = "none") -> None:
        self.topk = topk
        self.shrink = shrink
        self.weighting = weighting

    def fit(self, X: Matrix, y: object = None) -> ItemKNN:
        X = as_csr(X)
        if self.weighting == "bm25":
            X = bm25_weight(X)
        elif self.weighting != "none":
            raise ValueError(f"weighting must be 'none' or 'bm25', got {self.weighting!r}")
        Xc = sp.csc_matrix(X)
        norms = np.sqrt(np.ravel(Xc.multiply(Xc).sum(axis=0)))
        sim = sp.csr_matrix(Xc.T @ Xc, dtype=np.float32)
        sim.setdiag(0.0)
        sim.eliminate_zeros()
        coo = sim.tocoo()
        coo.data = coo.data / (norms[coo.row] * norms[coo.col] + self.shrink)
        self.weights_ = prune_rows(coo.tocsr(), self.topk)
        self.n_items_ = X.shape[1]
        return self
