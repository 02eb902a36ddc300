"""PureSVD: a truncated SVD of the interaction matrix; item-item weights V Vᵀ.

A factor model baseline; it ships as neighbour lists like the others.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import TruncatedSVD

from origin.models.base import ItemRecommender, Matrix, as_csr


class PureSVD(ItemRecommender):
    """Scores X V Vᵀ with V the top `n_components` right singular vectors."""

    def __init__(self, n_components: int = 50, random_state: int | None = 0) -> None:
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X: Matrix, y: object = None) -> PureSVD:
        X = as_csr(X)
        svd = TruncatedSVD(n_components=self.n_components, random_state=self.random_state)
        svd.fit(X)
        V = svd.components_.T.astype(np.float32)
        self.item_factors_ = V
        self.weights_ = V @ V.T
        self.n_items_ = X.shape[1]
        return self
