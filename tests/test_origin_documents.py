"""Document validation without a server: defaults are filled, problems are all listed."""

from __future__ import annotations

import pytest

from origin.documents import DocumentError, validate


def test_item_defaults_and_price_conversion() -> None:
    doc = validate("items", {"id": "a", "title": "A", "category": "c", "price": 1.25})
    assert doc["price_cents"] == 125 and "price" not in doc
    assert doc["tags"] == [] and doc["in_stock"] is True


def test_version_key_is_ignored_and_ids_checked() -> None:
    assert "version" not in validate("slots", {"id": "hero", "version": 7})
    with pytest.raises(DocumentError) as info:
        validate("slots", {"id": "has space"})
    assert info.value.problems[0].startswith("id")


def test_rule_needs_a_target_and_a_valid_cap() -> None:
    with pytest.raises(DocumentError) as info:
        validate("rules", {"id": "r", "slot": "s", "cap": {"max": 0, "per_hours": 1}})
    text = " ".join(info.value.problems)
    assert "block" in text and "cap" in text


def test_only_rule_segments_are_authored() -> None:
    with pytest.raises(DocumentError):
        validate("segments", {"id": "c", "kind": "centroid", "when": {}})
    assert validate("segments", {"id": "s", "when": {"device": "mobile"}})["kind"] == "rule"


def test_bandit_arms_match_variations() -> None:
    exp = {"id": "e", "kind": "bandit",
           "variations": [{"id": "a", "weight": 1, "blocks": {}}],
           "arms": [{"alpha": 1, "beta": 1}, {"alpha": 1, "beta": 1}]}
    with pytest.raises(DocumentError, match="arms"):
        validate("experiments", exp)
    exp["arms"] = [{"alpha": 2, "beta": 3}]
    assert validate("experiments", exp)["seed"] == "e"
