"""core.bundle: a decoded payload becomes a servable Bundle, or one BundleError naming a field.

The spec (tests/spec/bundle_load.json) covers many rejections; these are representative
ones plus the properties of a loaded bundle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from core.arrays import to_bytes
from core.bundle import Bundle, BundleError, load
from core.rules import RuleIndex
from core.settings import Settings
from tests.core_support import payload

Edit = Callable[[dict[str, Any]], None]


def test_reference_bundle_loads() -> None:
    bundle = load(payload(version=7))
    assert isinstance(bundle, Bundle)
    assert (bundle.version, bundle.created_at) == (7, 1_700_000_000)
    assert bundle.settings == Settings(half_life_hours=72.0, recent_items_max=8, event_log_max=24)
    assert isinstance(bundle.settings.half_life_hours, float)
    assert bundle.consent.sensitive == frozenset({"health"})
    assert len(bundle.catalog) == 12
    assert bundle.rule_count == 6
    assert isinstance(bundle.rules, RuleIndex)
    assert set(bundle.experiments) == {"hero-test"}
    assert bundle.holdout is None  # percent 0
    assert bundle.slots == {"hero": None, "recs": "recs", "promo": None}
    assert bundle.recs.popular[:3] == (7, 4, 0)
    assert bundle.recs.by_segment["hikers"] == (1, 0, 2, 3)
    assert (bundle.recs.collab_weight, bundle.recs.content_weight) == (1.0, 0.0)


@pytest.mark.parametrize(
    "path,page_type",
    [
        ("/products/boot-1", "product"),
        ("/products/boot-1/reviews", None),
        ("/c/hiking", "category"),
        ("/", "home"),
        ("/cart", "cart"),
        ("/about", None),
    ],
)
def test_page_type_first_match_wins(path: str, page_type: str | None) -> None:
    assert load(payload()).page_type(path) == page_type


def test_first_matching_page_type_wins() -> None:
    pages = [{"type": "special", "match": "/products/boot-1"}, {"type": "product", "match": "/**"}]
    bundle = load(payload(pages=pages))
    assert bundle.page_type("/products/boot-1") == "special"
    assert bundle.page_type("/products/boot-2") == "product"


def test_optional_sections_default() -> None:
    raw = payload()
    for key in ("settings", "pages", "consent", "recs", "segments", "slots", "holdout"):
        del raw[key]
    raw["rules"] = [r for r in raw["rules"] if r["id"] not in ("hiking-hero",)]
    bundle = load(raw)
    assert bundle.settings == Settings()
    assert bundle.pages == () and bundle.page_type("/") is None
    assert bundle.segments == ()
    assert bundle.recs.popular == () and bundle.recs.collab is None


def test_each_bundle_has_its_own_fragment_cache() -> None:
    a, b = load(payload()), load(payload())
    a.fragments.put(("k",), "v")
    assert b.fragments.get(("k",)) is None


def _set(path: str, value: Any) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        keys = path.split("/")
        target: Any = raw
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last = keys[-1]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def _delete(key: str) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        del raw[key]

    return edit


@pytest.mark.parametrize(
    "edit,field",
    [
        (_set("schema", 2), "schema"),
        (_delete("schema"), "schema"),
        (_set("version", "7"), "version"),
        (_set("version", True), "version"),
        (_delete("created_at"), "created_at"),
        (_set("settings/half_life_hours", -1), "settings.half_life_hours"),
        (_set("settings/recent_items_max", "8"), "settings.recent_items_max"),
        (_set("settings", [1]), "settings"),
        (_delete("catalog"), "catalog"),
        (_set("catalog/ids", ["a"]), "catalog."),
        (_set("consent/vendor_id", "x"), "consent.vendor_id"),
        (_set("consent/profile_purposes", ["1"]), "consent.profile_purposes"),
        (_set("recs/k", -1), "recs.k"),
        (_set("recs/popular", to_bytes([12], "u4")), "recs.popular"),
        (_set("recs/by_segment", {"hikers": to_bytes([99], "u4")}), "recs.by_segment.hikers"),
        (_set("recs/collab/scores", b"\x00"), "recs.collab.scores"),
        (_set("segments/0/when", {"$nope": 1}), "segments[0].when"),
        (_set("blocks/hero_b/template", "{{ x }"), "blocks.hero_b.template"),
        (_set("slots/recs/fallback_block", "nope"), "slots.recs.fallback_block"),
        (_set("rules/0/block", "nope"), "rule mobile-evening"),
        (_set("rules/2/experiment", "nope"), "rules (home-test).experiment"),
        (_set("experiments/0/variations/1/blocks", {"hero": "nope"}), "experiments (hero-test)"),
        (_set("experiments/0/when", {"$nope": 1}), "experiments[0].when"),
        (_set("experiments/0/kind", "mab"), "hero-test"),
        (_set("pages/0/match", 5), "pages[0].match"),
        (lambda raw: raw["experiments"].append(raw["experiments"][0]), "duplicate experiment"),
        (_set("segments/1/id", "mobile"), "duplicate segment id"),
    ],
)
def test_bad_documents_are_rejected_naming_the_field(edit: Edit, field: str) -> None:
    raw = payload()
    edit(raw)
    with pytest.raises(BundleError) as info:
        load(raw)
    assert field in str(info.value)


@pytest.mark.parametrize("document", [None, [], "payload", b"\x80"])
def test_non_map_payload_is_rejected(document: object) -> None:
    with pytest.raises(BundleError, match="payload"):
        load(document)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            _set("holdout", "half"),
            id="holdout-not-a-map",
        ),
        pytest.param(
            _set("experiments/0/variations/0/blocks", ["hero_b"]),
            id="variation-blocks-list",
        ),
        pytest.param(
            _set("experiments/0/arms", [1, 2]),
            id="arms-not-maps",
        ),
        pytest.param(
            _set("settings/cookie_max_bytes", math.inf),
            id="settings-infinite",
        ),
        pytest.param(
            _set("rules/0/priority", math.inf),
            id="priority-infinite",
        ),
        pytest.param(_set("rules/0/rotate", [["x"]]), id="rotate-unhashable"),
        pytest.param(_set("recs/blend", {"collab": "x"}), id="blend-string"),
    ],
)
def test_any_malformed_document_raises_bundle_error_only(edit: Edit) -> None:
    raw = payload()
    edit(raw)
    with pytest.raises(BundleError):
        load(raw)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            _set("settings/half_life_hours", math.nan),
            id="settings-nan",
        ),
        pytest.param(
            _set("recs/collab/scale", math.nan),
            id="scale-nan",
        ),
        pytest.param(
            _set("holdout", {"percent": 250, "seed": "h"}),
            id="holdout-over-100",
        ),
        pytest.param(
            _set("rules/0/experiment", 5),
            id="rule-experiment-not-a-string",
        ),
        pytest.param(
            _set("recs/list_dtype", "i4"),
            id="list-dtype-signed",
        ),
    ],
)
def test_invalid_values_are_rejected(edit: Edit) -> None:
    raw = payload()
    edit(raw)
    with pytest.raises(BundleError):
        load(raw)


def test_overlapping_experiments_in_one_layer_are_rejected() -> None:
    raw = payload()
    other = dict(raw["experiments"][0], id="other", range=[0.5, 1.0])
    raw["experiments"].append(other)
    with pytest.raises(BundleError, match="overlap"):
        load(raw)


def test_disjoint_experiments_in_one_layer_load() -> None:
    raw = payload()
    raw["experiments"][0]["range"] = [0.0, 0.5]
    raw["experiments"].append(dict(raw["experiments"][0], id="other", range=[0.5, 1.0]))
    assert set(load(raw).experiments) == {"hero-test", "other"}
