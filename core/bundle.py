"""A validated bundle as plain typed objects, built from the decoded msgpack payload.

Decoding bytes and checking signatures belong to the adapters (edge, origin); `load` takes
the payload map and either returns a ready-to-serve `Bundle` (conditions compiled, rules
indexed, arrays decoded) or raises one `BundleError` whose message names the bad field.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from core import conditions
from core import experiments as experiments_mod
from core import segments as segments_mod
from core.catalog import Catalog, CatalogError, load_catalog, load_item_list, load_neighbours
from core.consent import ConsentDecision, ConsentPolicy, policy_from_dict
from core.recommend import RecsData
from core.render import FragmentCache
from core.rules import (
    Block,
    PageType,
    RuleError,
    RuleIndex,
    index_rules,
    parse_blocks,
    parse_pages,
    parse_rules,
    parse_slots,
)
from core.settings import Settings
from core.state import VisitorState

SCHEMA = 1


class BundleError(ValueError):
    """The bundle cannot be served; the message names the field at fault."""


@dataclass
class Bundle:
    version: int
    created_at: int
    settings: Settings
    pages: tuple[PageType, ...]
    consent: ConsentPolicy
    catalog: Catalog
    recs: RecsData
    segments: tuple[segments_mod.Segment, ...]
    segment_plan: segments_mod.Plan
    blocks: dict[str, Block]
    slots: dict[str, str | None]
    rules: RuleIndex
    experiments: dict[str, experiments_mod.Experiment]
    holdout: experiments_mod.Holdout | None
    rule_count: int = 0
    fragments: FragmentCache = field(default_factory=FragmentCache)
    """Rendered fragments of this bundle, memoised across requests."""
    contextual: OrderedDict[tuple[object, ...], dict[str, Any]] = field(default_factory=OrderedDict)
    """Contextual decisions by context key (see `core.visit`), memoised across requests."""
    consents: OrderedDict[tuple[object, ...], ConsentDecision] = field(default_factory=OrderedDict)
    """Consent decisions by the request's (gpc, cookie, tcf): a site's visitors share a few
    consent values, and each visitor's repeat on every page (see `core.visit`)."""
    recent_states: OrderedDict[tuple[bytes, str], VisitorState] = field(default_factory=OrderedDict)
    """States this edge process encoded recently, by the key and exact cookie value it wrote: a
    visitor's next request carries that value, so decoding (and verifying) it is skipped."""

    hidden_cache: dict[frozenset[str], frozenset[str]] = field(default_factory=dict)

    def hidden_items(self, hidden: frozenset[str]) -> frozenset[str]:
        """Ids of items whose category or a tag is in `hidden` (memoised per hidden set)."""
        found = self.hidden_cache.get(hidden)
        if found is None:
            catalog = self.catalog
            found = frozenset(
                catalog.ids[i]
                for i in range(len(catalog))
                if catalog.category_of(i) in hidden or not hidden.isdisjoint(catalog.tags[i])
            )
            if len(self.hidden_cache) > 64:
                self.hidden_cache.clear()
            self.hidden_cache[hidden] = found
        return found

    @cached_property
    def contextual_reads_now(self) -> bool:
        """Whether a decision without profile consent can depend on the exact time."""
        return self.rules.contextual_reads_now or any(
            isinstance(s, segments_mod.RuleSegment) and s.reads_now and not s.needs_profile
            for s in self.segments
        )

    def page_type(self, path: str) -> str | None:
        for page in self.pages:
            if page.match.match(path):
                return page.type
        return None


def _int(raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BundleError(f"{key}: expected an integer")
    return value


def _settings(raw: object) -> Settings:
    if raw is None:
        return Settings()
    if not isinstance(raw, Mapping):
        raise BundleError("settings: expected a map")
    defaults = Settings()
    values: dict[str, Any] = {}
    for name, default in defaults.__dict__.items():
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise BundleError(f"settings.{name}: expected a non-negative number")
        if not math.isfinite(value):
            raise BundleError(f"settings.{name}: expected a finite number")
        values[name] = type(default)(value)
    return Settings(**values)


def _consent(raw: object) -> ConsentPolicy:
    if raw is None:
        return ConsentPolicy()
    if not isinstance(raw, Mapping):
        raise BundleError("consent: expected a map")
    vendor = raw.get("vendor_id")
    if vendor is not None and (isinstance(vendor, bool) or not isinstance(vendor, int)):
        raise BundleError("consent.vendor_id: expected an integer or null")
    for key in ("profile_purposes", "context_purposes"):
        purposes = raw.get(key, [])
        if not isinstance(purposes, list) or not all(isinstance(p, int) for p in purposes):
            raise BundleError(f"consent.{key}: expected a list of integers")
    sensitive = raw.get("sensitive", [])
    if not isinstance(sensitive, list) or not all(isinstance(s, str) for s in sensitive):
        raise BundleError("consent.sensitive: expected a list of strings")
    return policy_from_dict(raw)


def _experiments(raw: object) -> dict[str, experiments_mod.Experiment]:
    """Validate targeting conditions first (for clear messages), then parse and check layers."""
    if isinstance(raw, list):
        for i, item in enumerate(raw):
            when = item.get("when") if isinstance(item, Mapping) else None
            if when is not None:
                problems = conditions.validate(when)
                if problems:
                    raise BundleError(f"experiments[{i}].when: {'; '.join(problems)}")
    return experiments_mod.parse_experiments(raw, conditions.compile)


def _recs(raw: object, catalog: Catalog) -> RecsData:
    if raw is None:
        return RecsData()
    if not isinstance(raw, Mapping):
        raise BundleError("recs: expected a map")
    n = len(catalog)
    k = raw.get("k", 0)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise BundleError("recs.k: expected a non-negative integer")
    blend = raw.get("blend") or {}
    if not isinstance(blend, Mapping):
        raise BundleError("recs.blend: expected a map")
    dtype = raw.get("list_dtype", "u4")
    if dtype not in ("u2", "u4"):
        raise BundleError("recs.list_dtype: expected 'u2' or 'u4'")
    collab = load_neighbours(raw["collab"], n, k, "recs.collab") if "collab" in raw else None
    content = load_neighbours(raw["content"], n, k, "recs.content") if "content" in raw else None

    def lists(key: str) -> dict[str, tuple[int, ...]]:
        section = raw.get(key) or {}
        if not isinstance(section, Mapping):
            raise BundleError(f"recs.{key}: expected a map")
        return {
            str(name): load_item_list(v, n, f"recs.{key}.{name}", dtype)
            for name, v in section.items()
        }

    popular = raw.get("popular")
    return RecsData(
        collab=collab,
        content=content,
        collab_weight=float(blend.get("collab", 0.7)),
        content_weight=float(blend.get("content", 0.3)),
        popular=load_item_list(popular, n, "recs.popular", dtype) if popular is not None else (),
        by_segment=lists("by_segment"),
        by_category=lists("by_category"),
    )


def load(payload: object) -> Bundle:
    """Validate and compile a decoded payload map into a servable bundle."""
    if not isinstance(payload, Mapping):
        raise BundleError("payload: expected a map")
    schema = payload.get("schema")
    if schema != SCHEMA:
        raise BundleError(f"schema: expected {SCHEMA}, got {schema!r}")
    try:
        catalog = load_catalog(payload.get("catalog"))
        blocks = parse_blocks(payload.get("blocks", {}))
        rules = parse_rules(payload.get("rules", []), blocks)
        experiments = _experiments(payload.get("experiments", []))
        segment_list = segments_mod.parse(payload.get("segments", []))
        for rule in rules:
            if rule.experiment is not None and rule.experiment not in experiments:
                raise BundleError(
                    f"rules ({rule.id}).experiment: unknown experiment {rule.experiment!r}"
                )
        for experiment in experiments.values():
            for block_id in (b for v in experiment.variations for b in v.blocks.values()):
                if block_id not in blocks:
                    raise BundleError(f"experiments ({experiment.id}): unknown block {block_id!r}")
        return Bundle(
            version=_int(payload, "version"),
            created_at=_int(payload, "created_at"),
            settings=_settings(payload.get("settings")),
            pages=parse_pages(payload.get("pages")),
            consent=_consent(payload.get("consent")),
            catalog=catalog,
            recs=_recs(payload.get("recs"), catalog),
            segments=segment_list,
            segment_plan=segments_mod.plan(segment_list, payload.get("segments", [])),
            blocks=blocks,
            slots=parse_slots(payload.get("slots"), blocks),
            rules=index_rules(rules),
            experiments=experiments,
            holdout=experiments_mod.parse_holdout(payload.get("holdout")),
            rule_count=len(rules),
        )
    except (
        CatalogError,
        RuleError,
        segments_mod.SegmentError,
        experiments_mod.ExperimentError,
    ) as exc:
        raise BundleError(str(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        if isinstance(exc, BundleError):
            raise
        raise BundleError(f"malformed bundle: {type(exc).__name__}: {exc}") from None
