"""Behaviour clusters: K-Means over standardized features, shipped as centroids.

The edge standardizes a visitor's features with the shipped mean and scale and picks the
nearest centroid, so only (mean, scale, centroids) cross the wire.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans


class KMeansSegments(BaseEstimator):  # type: ignore[misc]
    """K-Means on (x - mean_) / scale_; `names_[c]` is the segment id of cluster c."""

    def __init__(
        self, n_clusters: int = 4, prefix: str = "cluster", n_init: int = 10,
        random_state: int | None = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.prefix = prefix
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: object = None) -> KMeansSegments:
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale_ = np.where(scale > 1e-9, scale, 1.0)
        k = min(self.n_clusters, len(X))
        km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
        km.fit((X - self.mean_) / self.scale_)
        order = np.lexsort(km.cluster_centers_.T[::-1])  # stable names across refits
        self.centroids_ = km.cluster_centers_[order].astype(np.float32)
        self.names_: Sequence[str] = [f"{self.prefix}_{c}" for c in range(k)]
        self.inertia_ = float(km.inertia_)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Index of the nearest centroid per row, as the edge computes it."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        d = ((Z[:, None, :] - self.centroids_[None, :, :].astype(np.float64)) ** 2).sum(axis=2)
        return np.asarray(np.argmin(d, axis=1))
