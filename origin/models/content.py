"""Content-based item similarity: TF-IDF over item text, tags, category and brand.

Gives every item neighbours from day one, including items nobody has interacted with yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from origin.models.base import ItemRecommender
from origin.models.itemknn import prune_rows


def item_text(item: Mapping[str, Any]) -> str:
    """The document of one catalog item: title, category, brand and tags (tags twice)."""
    tags = [str(t).replace(" ", "_") for t in item.get("tags") or []]
    parts = [
        str(item.get("title") or ""),
        "cat_" + str(item.get("category") or "").replace(" ", "_"),
        "brand_" + str(item.get("brand") or "").replace(" ", "_"),
        " ".join(tags),
        " ".join(tags),
    ]
    return " ".join(p for p in parts if p)


class ContentTfidf(ItemRecommender):
    """Cosine similarity of TF-IDF item documents, top `topk` per item.

    `fit(X)` takes one document per item (see `item_text`), like `TfidfVectorizer`.
    """

    def __init__(
        self, topk: int = 100, min_df: int = 1, max_features: int | None = 50000,
        sublinear_tf: bool = True,
    ) -> None:
        self.topk = topk
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def fit(self, X: Sequence[str], y: object = None) -> ContentTfidf:
        docs = [d if d.strip() else "_empty_" for d in X]
        vec = TfidfVectorizer(
            min_df=self.min_df, max_features=self.max_features, sublinear_tf=self.sublinear_tf,
            token_pattern=r"(?u)\b\w+\b",
        )
        tfidf = sp.csr_matrix(vec.fit_transform(docs), dtype=np.float32)
        self.vocabulary_ = vec.vocabulary_
        blocks = []
        for start in range(0, tfidf.shape[0], 2048):
            sim = sp.coo_matrix(tfidf[start : start + 2048] @ tfidf.T)
            off = sim.row + start != sim.col
            sim = sp.csr_matrix((sim.data[off], (sim.row[off], sim.col[off])), shape=sim.shape)
            blocks.append(prune_rows(sim, self.topk))
        self.weights_ = sp.csr_matrix(sp.vstack(blocks), dtype=np.float32)
        self.weights_.eliminate_zeros()
        self.n_items_ = tfidf.shape[0]
        return self
