"""Model selection uses validation folds of the training rows and picks by measurement."""

from __future__ import annotations

from origin.datasets import Interaction
from origin.models.ease import EASE
from origin.models.popularity import Popularity
from origin.models.selection import tune_l2, tune_neighbours


def _rows() -> list[Interaction]:
    rows = []
    for u in range(60):
        base = 0 if u % 2 == 0 else 10
        rows += [Interaction(f"u{u}", f"i{base + (u + j) % 10}", j) for j in range(6)]
    return rows


def test_tune_l2_scores_every_grid_value() -> None:
    best, scores = tune_l2(_rows(), grid=(1.0, 1e6))
    assert set(scores) == {"1.0", "1000000.0"}
    assert best == max((1.0, 1e6), key=lambda v: (scores[str(v)], -v))


def test_tune_neighbours_prefers_the_model_that_knows_the_groups() -> None:
    options = {"ease": lambda l2: EASE(l2=l2), "popularity": lambda _: Popularity()}
    best, scores = tune_neighbours(_rows(), l2=5.0, candidates=options)
    assert set(scores) == {"ease", "popularity"}
    assert best == "ease" and scores["ease"] > scores["popularity"]
