"""A page request resolved once for the slot loop: attributes, the folded state, candidates.

`build` reads the request's context, and with profile consent folds the page view into the
visitor's state (never for a sensitive item without its opt-in), adds the profile
attributes, hides behaviour kept under a withdrawn opt-in, and takes a known visitor's
candidate list from the origin's profile. Everything the rules, segments and rendering then
read comes from the `PageRequest` it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core import attributes as attributes_mod
from core import fold as fold_mod
from core.bundle import Bundle
from core.conditions import EventIndex
from core.consent import ConsentDecision
from core.state import VisitorState


@dataclass
class PageRequest:
    """Everything the slot loop needs, resolved once per request."""

    bundle: Bundle
    state: VisitorState
    now: int
    profile: bool
    attributes: dict[str, Any]
    page_type: str | None
    path: str
    item_index: int | None
    candidates: list[int]
    sensitive_excluded: frozenset[str]
    index: EventIndex
    """The attributes' events bucketed once for every condition of the request."""
    values: dict[str, object] | None = None
    segment_set: frozenset[str] = frozenset()


def _sensitive_excluded(bundle: Bundle, consent: ConsentDecision) -> frozenset[str]:
    return frozenset(bundle.consent.sensitive - consent.sensitive_optins)


def _visible(value: object, hidden: frozenset[str]) -> bool:
    return not (isinstance(value, str) and value in hidden)


def sensitive_item(bundle: Bundle, index: int, hidden: frozenset[str]) -> bool:
    """An item whose category or one of whose tags is sensitive and not opted in."""
    if not hidden:
        return False
    catalog = bundle.catalog
    return catalog.category_of(index) in hidden or not hidden.isdisjoint(catalog.tags[index])


def known_profile(request: Mapping[str, Any]) -> Mapping[str, Any] | None:
    profile = request.get("profile")
    if profile is None or profile.__class__ is dict:  # skips the ABC check, nearly always
        return profile
    return profile if isinstance(profile, Mapping) else None


def _page_view(
    state: VisitorState, item: str | None, category: str | None, path: str, now: int
) -> dict[str, Any]:
    """The page's view event as forwarded to the origin (with the item's catalog category,
    so the origin's reports need no catalog join)."""
    view = {
        "id": f"{state.visitor_id}:{now}:{state.revision}:view",
        "type": "view",
        "ts": now,
        "item": item,
        "path": path[:512],
        "visitor": state.visitor_id,
    }
    if category is not None:
        view["category"] = category[:128]  # the origin's limit for event text
    return view


def build(
    bundle: Bundle,
    request: Mapping[str, Any],
    state: VisitorState,
    now: int,
    consent: ConsentDecision,
    *,
    owned: bool = False,
) -> tuple[PageRequest, list[dict[str, Any]]]:
    """The page request; `owned` means the caller hands `state` over to be changed in place."""
    path = request.get("path") if isinstance(request.get("path"), str) else "/"
    assert isinstance(path, str)
    catalog = bundle.catalog
    page_type = bundle.page_type(path)
    item_index = catalog.by_url.get(path)
    item = catalog.ids[item_index] if item_index is not None else None
    category = catalog.category_of(item_index) if item_index is not None else None
    hidden = _sensitive_excluded(bundle, consent)
    events: list[dict[str, Any]] = []
    attrs = attributes_mod.context(
        request, page_type, item, category if _visible(category, hidden) else None
    )
    attrs["now"] = now
    known = known_profile(request)
    candidates: list[int] = []
    if consent.profile:
        view = None
        if item_index is not None and not sensitive_item(bundle, item_index, hidden):
            # a view of a sensitive item is never kept without its opt-in
            view = _page_view(state, item, category, path, now)
            events.append(view)
        state = fold_mod.page_step(state, view, now, bundle.settings, catalog.info, copy=not owned)
        known_id = request.get("known_id")
        if isinstance(known_id, str) and known_id:
            state.known_id = known_id[:64]
        # behaviour kept under an opt-in since withdrawn is not read either
        hidden_items = bundle.hidden_items(hidden) if hidden else hidden
        half_life = bundle.settings.half_life_hours
        attrs.update(attributes_mod.profile(state, now, half_life, known, hidden, hidden_items))
        if known is not None:
            raw = known.get("candidates")
            if isinstance(raw, list):
                candidates = [
                    catalog.index[c] for c in raw[:200] if isinstance(c, str) and c in catalog.index
                ]
    extra = request.get("attributes")
    if extra is not None and isinstance(extra, Mapping):
        for name, value in extra.items():
            if isinstance(name, str) and name not in attrs and name not in hidden:
                attrs[name] = value
    request_index = EventIndex(attrs)  # after every change to attrs["events"] above
    return PageRequest(
        bundle,
        state,
        now,
        consent.profile,
        attrs,
        page_type,
        path,
        item_index,
        candidates,
        hidden,
        request_index,
    ), events
