"""Training features come from the core's own fold + features code."""

from __future__ import annotations

from core.settings import ItemInfo, Settings
from origin.models.behaviour import category_features, feature_matrix, replay


def _info(item: str) -> ItemInfo | None:
    return ItemInfo(category="boots") if item.startswith("b") else None


def test_feature_matrix_from_histories() -> None:
    t = 1_700_000_000
    histories = {
        "v1": [
            {"type": "view", "item": "b1", "ts": t},
            {"type": "view", "item": "b2", "ts": t + 60},
            {"type": "add_to_cart", "item": "b2", "ts": t + 120},
        ],
        "v2": [{"type": "view", "item": "x", "ts": t}],
    }
    feats = [{"name": "views", "kind": "event_count", "key": "view"},
             {"name": "cart", "kind": "cart_size", "key": ""}] + category_features(["boots"])
    visitors, X = feature_matrix(histories, feats, t + 120, Settings(), _info)
    assert visitors == ["v1", "v2"]
    assert X.shape == (2, 3)
    assert X[0, 1] == 1.0 and X[1, 1] == 0.0
    assert X[0, 0] > X[1, 0] > 0.0
    assert X[0, 2] > 0.0 and X[1, 2] == 0.0
    state = replay("v1", histories["v1"], Settings(), _info)
    assert state.recent_items[0] == "b2"
