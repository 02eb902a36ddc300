"""Propensity: raw-feature coefficients score like the core's PropensityModel."""

from __future__ import annotations

import numpy as np
import pytest

from core.features import parse_features
from core.segments import PropensityModel
from origin.models import Propensity


def test_raw_coefficients_match_core_scoring() -> None:
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(0, 1, 200), rng.normal(50, 20, 200)])
    y = (X[:, 0] + (X[:, 1] - 50) / 20 + rng.normal(0, 0.5, 200) > 0).astype(int)
    model = Propensity().fit(X, y)
    assert 0.0 < model.threshold_ < 1.0
    assert (model.predict(X) == y).mean() > 0.8
    core_model = PropensityModel(
        id="p", features=parse_features([{"kind": "cart_size"}, {"kind": "purchases"}], "f"),
        coef=tuple(float(c) for c in model.coef_), intercept=model.intercept_,
        threshold=model.threshold_,
    )
    for row, p in zip(X[:20], model.predict_proba(X[:20])[:, 1], strict=True):
        assert core_model.score(list(row)) == pytest.approx(p, abs=1e-9)


def test_needs_both_classes() -> None:
    with pytest.raises(ValueError):
        Propensity().fit(np.zeros((4, 1)), np.zeros(4))
