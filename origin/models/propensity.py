"""Propensity to act (e.g. purchase in the next session): logistic regression.

Trained on standardized features for conditioning, then folded back to raw-feature
coefficients, because the edge applies sigmoid(coef·x + intercept) to raw features.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression


class Propensity(BaseEstimator):  # type: ignore[misc]
    """coef_, intercept_ on raw features; threshold_ maximizes F1 on the training data
    unless `threshold` is given."""

    def __init__(
        self, C: float = 1.0, threshold: float | None = None, class_weight: str | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.C = C
        self.threshold = threshold
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> Propensity:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y).astype(int)
        if len(set(y.tolist())) < 2:
            raise ValueError("propensity needs both positive and negative examples")
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > 1e-9, scale, 1.0)
        lr = LogisticRegression(
            C=self.C, class_weight=self.class_weight, random_state=self.random_state,
            max_iter=1000,
        )
        lr.fit((X - mean) / scale, y)
        coef = lr.coef_[0] / scale
        self.coef_ = coef
        self.intercept_ = float(lr.intercept_[0] - np.dot(coef, mean))
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        else:
            self.threshold_ = self._best_f1_threshold(self.predict_proba(X)[:, 1], y)
        return self

    @staticmethod
    def _best_f1_threshold(p: np.ndarray, y: np.ndarray) -> float:
        best_t, best_f1 = 0.5, -1.0
        for t in np.unique(np.round(p, 3)):
            pred = p >= t
            tp = float(np.sum(pred & (y == 1)))
            f1 = 2 * tp / max(float(pred.sum() + (y == 1).sum()), 1.0)
            if f1 > best_f1:
                best_t, best_f1 = float(t), f1
        return best_t

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        logit = np.asarray(X, dtype=np.float64) @ self.coef_ + self.intercept_
        p = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= self.threshold_).astype(int)
