"""EASE (Steck 2019): a closed-form linear item-item model for implicit feedback.

One n_items² solve; the learned weight row of an item is exactly what the edge serves as
that item's neighbour list, so the bundle's lookups are a truncation of the model itself.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from origin.models.base import ItemRecommender, Matrix, as_csr


def gram_matrix(X: Matrix) -> np.ndarray:
    """XᵀX as float64, the only data EASE needs (tuning reuses it across l2 values)."""
    X = as_csr(X)
    return np.asarray((X.T @ X).toarray(), dtype=np.float64)


def ease_weights(gram: np.ndarray, l2: float) -> np.ndarray:
    """The closed-form solution for one l2: B = I - P·diag(1/diag(P)), P = (G + l2·I)⁻¹."""
    g = gram.astype(np.float32)
    g[np.diag_indices_from(g)] += l2
    # Cholesky inverse in float32: ~10x faster than a general inverse, and G + l2·I is
    # symmetric positive definite for l2 > 0
    factor, info = lapack.spotrf(g, lower=False)
    if info == 0:
        upper, info = lapack.spotri(factor, lower=False)
    if info != 0:
        inv = np.linalg.inv(g.astype(np.float64))
    else:
        inv = np.triu(upper)
        inv += inv.T
        inv[np.diag_indices_from(inv)] *= 0.5
    weights = inv / (-np.diag(inv))
    np.fill_diagonal(weights, 0.0)
    return weights.astype(np.float32)


class EASE(ItemRecommender):
    """B = argmin ||X - XB||² + l2·||B||², diag(B) = 0."""

    def __init__(self, l2: float = 500.0) -> None:
        self.l2 = l2

    def fit(self, X: Matrix, y: object = None) -> EASE:
        X = as_csr(X)
        self.weights_ = ease_weights(gram_matrix(X), self.l2)
        self.n_items_ = X.shape[1]
        return self
