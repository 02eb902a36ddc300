"""Model selection on validation splits carved out of the training rows only.

Two questions, two measurements: which EASE l2 gives the best per-visitor candidate lists
(served to known visitors from their profile), and which model's truncated neighbour lists
serve best from a few recent items (what the edge does for everyone else).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from tqdm import tqdm

from origin.datasets import Interaction, Interactions, recent_by_user, split_per_user
from origin.models.base import ItemRecommender
from origin.models.ease import EASE, ease_weights, gram_matrix
from origin.models.rp3beta import RP3beta

L2_GRID = (100.0, 200.0, 350.0, 500.0, 750.0, 1000.0, 1500.0)
VALIDATION_SEEDS = (43, 44)
"""Two validation splits of the training rows: one split alone picks noisily."""
NEIGHBOUR_CANDIDATES: dict[str, Callable[[float], ItemRecommender]] = {
    "ease": lambda l2: EASE(l2=l2),
    "rp3beta_a0.5_b0": lambda _: RP3beta(alpha=0.5, beta=0.0),
    "rp3beta_a1_b0": lambda _: RP3beta(alpha=1.0, beta=0.0),
    "rp3beta_a1_b0.25": lambda _: RP3beta(alpha=1.0, beta=0.25),
    "rp3beta_a1_b0.5": lambda _: RP3beta(alpha=1.0, beta=0.5),
}
"""Neighbour-list models tried (factories take the tuned EASE l2)."""


def _folds(rows: Sequence[Interaction], seeds: Sequence[int]) -> list[
    tuple[list[Interaction], Interactions, dict[str, set[str]]]
]:
    out = []
    for seed in seeds:
        fit_rows, val_rows = split_per_user(rows, 0.75, seed=seed)
        truth: dict[str, set[str]] = defaultdict(set)
        for r in val_rows:
            truth[r.user].add(r.item)
        out.append((list(fit_rows), Interactions(list(fit_rows)), dict(truth)))
    return out


def tune_l2(rows: Sequence[Interaction], grid: Sequence[float] = L2_GRID, k: int = 10,
            seeds: Sequence[int] = VALIDATION_SEEDS,
            progress: bool = False) -> tuple[float, dict[str, float]]:
    """The EASE l2 with the best mean nDCG@k of full-history top-k lists on validation."""
    from origin.evaluate import ranking_metrics

    totals: dict[str, float] = dict.fromkeys((str(v) for v in grid), 0.0)
    bar = tqdm(total=len(grid) * len(seeds), desc="tune l2", disable=not progress, leave=False)
    for _, data, truth in _folds(rows, seeds):
        X = data.matrix()
        gram = gram_matrix(X)
        for l2 in grid:
            model = EASE(l2=l2)
            model.weights_ = ease_weights(gram, l2)
            top = model.recommend(X, k)
            served = {u: [data.item_ids[i] for i in top[n] if i >= 0]
                      for n, u in enumerate(data.user_ids)}
            totals[str(l2)] += ranking_metrics(served, truth, k)["ndcg_at_k"] / len(seeds)
            bar.update()
    bar.close()
    scores = {name: round(v, 6) for name, v in totals.items()}
    best = max(grid, key=lambda v: (scores[str(v)], -v))
    return best, scores


def tune_neighbours(
    rows: Sequence[Interaction], l2: float, k: int = 10, lists: int = 30, recent: int = 12,
    candidates: dict[str, Callable[[float], ItemRecommender]] | None = None,
    seeds: Sequence[int] = VALIDATION_SEEDS, progress: bool = False,
) -> tuple[str, dict[str, float]]:
    """The model whose top-`lists` neighbour lists, seeded with each visitor's `recent` items
    and scored as the edge scores them, give the best mean nDCG@k on validation."""
    from origin.evaluate import neighbour_path_numpy, ranking_metrics

    options = candidates or NEIGHBOUR_CANDIDATES
    totals = dict.fromkeys(options, 0.0)
    bar = tqdm(total=len(options) * len(seeds), desc="tune neighbours", disable=not progress,
               leave=False)
    for fit_rows, data, truth in _folds(rows, seeds):
        X = data.matrix()
        recent_items = recent_by_user(fit_rows, recent)
        seen: dict[str, set[int]] = defaultdict(set)
        for r in fit_rows:
            seen[r.user].add(data.item_index[r.item])
        for name, make in options.items():
            idx, vals = make(l2).fit(X).neighbors(lists)
            served = {}
            for user in truth:
                s = [data.item_index[i] for i in recent_items.get(user, [])]
                top = neighbour_path_numpy(idx, vals, s, seen[user], k)
                served[user] = [data.item_ids[j] for j in top]
            totals[name] += ranking_metrics(served, truth, k)["ndcg_at_k"] / len(seeds)
            bar.update()
    bar.close()
    scores = {name: round(v, 6) for name, v in totals.items()}
    best = max(options, key=lambda n: (scores[n], n == "ease"))
    return best, scores
