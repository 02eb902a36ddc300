"""K-Means segments: standardization shipped with the centroids, edge-equivalent predict."""

from __future__ import annotations

import numpy as np

from core.features import parse_features
from core.segments import CentroidModel
from origin.models import KMeansSegments


def test_predict_matches_the_core_nearest_centroid() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([0, 100], [1, 10], (30, 2)), rng.normal([5, 300], [1, 10], (30, 2))])
    km = KMeansSegments(n_clusters=2, prefix="c").fit(X)
    assert km.names_ == ["c_0", "c_1"]
    assert np.all(km.scale_ > 0)
    core_model = CentroidModel(
        id="c", features=parse_features([{"kind": "cart_size"}, {"kind": "purchases"}], "f"),
        mean=tuple(km.mean_), scale=tuple(km.scale_),
        centroids=tuple(tuple(float(v) for v in c) for c in km.centroids_),
        names=tuple(km.names_),
    )
    predicted = km.predict(X)
    assert len(set(predicted[:30])) == 1 and len(set(predicted[30:])) == 1
    assert predicted[0] != predicted[-1]
    for row, c in zip(X, predicted, strict=True):
        assert core_model.nearest(list(row)) == km.names_[c]
