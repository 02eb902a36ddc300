"""RP3beta (Paudel et al. 2017): three-step random walk item→user→item, popularity-damped.

Strong on MovieLens-like data and sparse, so it also serves large catalogs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from origin.models.base import ItemRecommender, Matrix, as_csr
from origin.models.itemknn import prune_rows


def _row_normalize(M: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.ravel(M.sum(axis=1))
    sums[sums == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / sums) @ M)


class RP3beta(ItemRecommender):
    """W_ij = (P(u|i) P(j|u))^alpha summed over u, divided by popularity(j)^beta."""

    def __init__(self, alpha: float = 1.0, beta: float = 0.5, topk: int = 100) -> None:
        self.alpha = alpha
        self.beta = beta
        self.topk = topk

    def fit(self, X: Matrix, y: object = None) -> RP3beta:
        X = as_csr(X)
        p_ui = _row_normalize(X)
        p_iu = _row_normalize(sp.csr_matrix(X.T))
        if self.alpha != 1.0:
            p_ui = p_ui.power(self.alpha)
            p_iu = p_iu.power(self.alpha)
        pop = np.ravel(X.sum(axis=0))
        damp = np.power(np.maximum(pop, 1.0), -self.beta)
        W = sp.csr_matrix(p_iu @ p_ui) @ sp.diags(damp.astype(np.float32))
        W = sp.csr_matrix(W, dtype=np.float32)
        W.setdiag(0.0)
        W.eliminate_zeros()
        self.weights_ = prune_rows(W, self.topk)
        self.n_items_ = X.shape[1]
        return self
