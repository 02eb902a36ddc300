"""Hybrid blend: cold items get content neighbours, visitors without history popularity."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from origin.models import EASE, ContentTfidf, HybridRecommender


def test_cold_items_and_cold_visitors() -> None:
    dense = np.zeros((20, 6), dtype=np.float32)
    dense[:, 0] = 1.0
    dense[:10, 1] = 1.0
    dense[10:, 2] = 1.0
    dense[:5, 3] = 1.0
    texts = ["red boot", "red boot lace", "blue tent", "red boot", "red boot waterproof", "z"]
    model = HybridRecommender(collab=EASE(l2=1.0), content=ContentTfidf(), k=3)
    model.fit(sp.csr_matrix(dense), texts=texts)
    assert model.cold_items_.tolist() == [4, 5]
    idx, _ = model.neighbors(3)
    assert set(idx[4][idx[4] >= 0]) <= {0, 1, 3}          # content only: the red boots
    assert 4 in set(idx[0][idx[0] >= 0]) | set(idx[3][idx[3] >= 0])  # cold item reachable
    top = model.recommend(sp.csr_matrix((1, 6), dtype=np.float32), n=3)
    assert top[0].tolist() == model.popularity_.top(3).tolist()


def test_without_texts_the_blend_is_the_collaborative_model() -> None:
    X = sp.csr_matrix(np.eye(4, dtype=np.float32) + np.eye(4, k=1, dtype=np.float32))
    model = HybridRecommender(collab=EASE(l2=1.0), k=2).fit(X)
    assert not hasattr(model, "content_")
    c_idx, _ = model.collab_.neighbors(2)
    h_idx, _ = model.neighbors(2)
    np.testing.assert_array_equal(c_idx, h_idx)
