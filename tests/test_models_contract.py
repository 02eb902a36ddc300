"""One contract for every estimator: scikit-learn conventions and recommendation basics."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone

from origin.models import (
    EASE,
    ContentTfidf,
    HybridRecommender,
    ItemKNN,
    KMeansSegments,
    Popularity,
    Propensity,
    PureSVD,
    RP3beta,
)


def _interactions(seed: int = 0, users: int = 60, items: int = 30) -> sp.csr_matrix:
    """Two taste groups over two halves of the catalog, plus noise; item 29 never seen."""
    rng = np.random.default_rng(seed)
    dense = np.zeros((users, items), dtype=np.float32)
    for u in range(users):
        half = np.arange(0, 14) if u % 2 == 0 else np.arange(14, 29)
        dense[u, rng.choice(half, size=5, replace=False)] = 1.0
        dense[u, rng.integers(0, 29)] = 1.0
    return sp.csr_matrix(dense)


TEXTS = [f"item {i} {'red shoes' if i < 14 else 'blue tent'} tag{i % 3}" for i in range(30)]


def _features(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0, 1, (40, 3)), rng.normal(4, 1, (40, 3))])
    y = np.r_[np.zeros(40), np.ones(40)].astype(int)
    return X, y


Case = tuple[Callable[[], BaseEstimator], Callable[[BaseEstimator], BaseEstimator], bool]

CASES: dict[str, Case] = {
    "ease": (lambda: EASE(l2=10.0), lambda m: m.fit(_interactions()), True),
    "itemknn": (lambda: ItemKNN(topk=20), lambda m: m.fit(_interactions()), True),
    "itemknn_bm25": (
        lambda: ItemKNN(topk=20, weighting="bm25"), lambda m: m.fit(_interactions()), True
    ),
    "rp3beta": (lambda: RP3beta(topk=20), lambda m: m.fit(_interactions()), True),
    "puresvd": (lambda: PureSVD(n_components=4), lambda m: m.fit(_interactions()), True),
    "popularity": (lambda: Popularity(), lambda m: m.fit(_interactions()), True),
    "content": (lambda: ContentTfidf(topk=10), lambda m: m.fit(TEXTS), True),
    "hybrid": (
        lambda: HybridRecommender(collab=EASE(l2=10.0), content=ContentTfidf(), k=10),
        lambda m: m.fit(_interactions(), texts=TEXTS),
        True,
    ),
    "kmeans": (lambda: KMeansSegments(n_clusters=2), lambda m: m.fit(_features()[0]), False),
    "propensity": (lambda: Propensity(), lambda m: m.fit(*_features()), False),
}


def _learned(model: BaseEstimator) -> dict[str, Any]:
    return {k: v for k, v in vars(model).items() if k.endswith("_") and not k.startswith("_")}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, Case]:
    return request.param, CASES[request.param]


def test_init_only_stores_params(case: tuple[str, Case]) -> None:
    _, (make, _, _) = case
    model = make()
    params = inspect.signature(type(model).__init__).parameters
    names = [p for p in params if p != "self"]
    assert sorted(vars(model)) == sorted(names)
    assert set(model.get_params(deep=False)) == set(names)


def test_fit_returns_self_and_learned_attributes_end_in_underscore(case: tuple[str, Case]) -> None:
    _, (make, fit, _) = case
    model = make()
    assert fit(model) is model
    learned = _learned(model)
    assert learned, "fit must set at least one attribute ending in '_'"
    params = set(model.get_params(deep=False))
    assert set(vars(model)) - params == set(learned)


def test_get_set_params_and_clone(case: tuple[str, Case]) -> None:
    _, (make, fit, _) = case
    model = make()
    params = model.get_params(deep=False)
    cloned = clone(model)
    assert cloned.get_params(deep=False).keys() == params.keys()
    if params:
        name = sorted(params)[0]
        model.set_params(**{name: params[name]})
        assert model.get_params(deep=False)[name] is params[name]
    fit(model)
    assert not _learned(clone(model))


def _arrays(model: BaseEstimator) -> list[np.ndarray]:
    out = []
    for value in _learned(model).values():
        if sp.issparse(value):
            out.append(value.toarray())
        elif isinstance(value, np.ndarray):
            out.append(value)
    return out


def test_deterministic_with_seed(case: tuple[str, Case]) -> None:
    _, (make, fit, _) = case
    a, b = fit(make()), fit(make())
    arrays_a, arrays_b = _arrays(a), _arrays(b)
    assert arrays_a
    for x, y in zip(arrays_a, arrays_b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_recommend_excludes_seen_items(case: tuple[str, Case]) -> None:
    name, (make, fit, recommends) = case
    if not recommends:
        pytest.skip("segment model: no recommendations")
    model = fit(make())
    X = _interactions(seed=1)[:10]
    if name == "content":
        X = X[:, :30]
    top = model.recommend(X, n=5)
    assert top.shape == (10, 5)
    for u in range(10):
        seen = set(X[u].indices)
        got = [i for i in top[u] if i >= 0]
        assert got, f"user {u} got nothing"
        assert not seen & set(got)
        assert len(set(got)) == len(got)


def test_neighbors_are_sorted_and_exclude_self(case: tuple[str, Case]) -> None:
    _, (make, fit, recommends) = case
    if not recommends:
        pytest.skip("segment model: no neighbour lists")
    idx, vals = fit(make()).neighbors(5)
    assert idx.shape == vals.shape == (30, 5)
    for i in range(30):
        row = idx[i][idx[i] >= 0]
        assert i not in row
        assert np.all(np.diff(vals[i][: len(row)]) <= 0)
        assert np.all(vals[i][: len(row)] > 0)


def test_collaborative_models_learn_the_taste_groups() -> None:
    X = _interactions()
    for model in (EASE(l2=10.0), ItemKNN(topk=20), RP3beta(topk=20)):
        idx, _ = model.fit(X).neighbors(3)
        same_half = [(i < 14) == (j < 14) for i in range(28) for j in idx[i] if j >= 0]
        assert np.mean(same_half) > 0.8, type(model).__name__
