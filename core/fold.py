"""Folding behaviour events into the visitor state, so the next page already knows them.

Every public function is pure: it returns a new state (or the input itself when nothing
applies) and never raises. Effects of one accepted event (types in `state.EVENT_TYPES`):

- ``counts[type]`` decayed counter += 1 (every type; half life `settings.half_life_hours`).
- interests ``category:X``, ``brand:Y``, ``tag:Z`` of the event's item += the type's weight:
  view 1, click 1, hover 0.25, dwell min(seconds, 120) / 60, scroll 0.5 x depth (value is a
  fraction 0..1, or a percent when > 1), add_to_cart 3, purchase 5; remove_from_cart and
  exposure add no interest. A search adds 1 to ``search:<normalised query>``. Interests are
  bounded by `settings.interests_max` (the lowest decayed value at `now` leaves first).
- recent_items (view, click, add_to_cart): most recent first, no duplicates, bounded.
- the event log (every type except the high-volume hover, scroll and exposure): kept sorted
  oldest first, bounded by `settings.event_log_max` (oldest dropped).
- add_to_cart / remove_from_cart change the cart (oldest first, bounded by cart_max) and set
  cart_changed_at; a purchase records the item (or, with no item, the whole cart) in
  purchases (most recent first, bounded), sets last_purchase_at and empties those items out
  of the cart.
- exposure: the content block id is ``event["item"]``; recorded as by `record_exposure`.
- revision += 1; updated_at = now; a gap longer than session_gap_minutes starts a session.

An event is ignored (state returned unchanged) when its type is unknown, a field has the
wrong type, a required field is missing (item for add/remove_from_cart and exposure; a
non-empty normalised query for search; a value >= 0 for dwell and scroll), or it is older
than 30 days (the decision never looks further back). A
timestamp >= 1e11 is taken as milliseconds; a missing one means `now`; a future one is
clamped to `now`. Counters take each event at its own (clamped) time.

Sessions belong to `touch`, which the decision calls once per page request: a gap longer
than `session_gap_minutes` since `updated_at` starts a new session (visit_count + 1,
session_started_at = now, session_pages = 0), then the page is counted.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.settings import ItemInfo, Settings
from core.state import EVENT_TYPES, Counter, LoggedEvent, VisitorState, copy_state

MAX_EVENT_AGE_SECONDS = 30 * 86400
MILLISECONDS_FROM = 10**11
"""A timestamp at least this large is in milliseconds (10**11 s is the year 5138)."""
ID_MAX_CHARS = 128
SEARCH_TERM_MAX_CHARS = 40
EXPOSURE_BLOCKS_MAX = 16
"""Blocks with exposure records; the one least recently shown is forgotten first."""
INTEREST_WEIGHTS: dict[str, float] = {
    "view": 1.0,
    "click": 1.0,
    "hover": 0.25,
    "add_to_cart": 3.0,
    "purchase": 5.0,
    "search": 1.0,
}
DWELL_CAP_SECONDS = 120.0
SCROLL_WEIGHT = 0.5
LOGGED = frozenset(EVENT_TYPES) - {"hover", "scroll", "exposure"}
RECENT = frozenset({"view", "click", "add_to_cart"})
NEEDS_ITEM = frozenset({"add_to_cart", "remove_from_cart", "exposure"})
NEEDS_VALUE = frozenset({"dwell", "scroll"})

ItemLookup = Callable[[str], ItemInfo | None]


@dataclass(slots=True)
class _Event:
    """A validated event, resolved against the catalog before the state is touched."""

    type: str
    ts: int
    item: str | None
    value: float | None
    term: str | None
    info: ItemInfo | None


def fold(
    state: VisitorState,
    event: Mapping[str, Any],
    now: int,
    settings: Settings,
    item_info: ItemLookup,
) -> VisitorState:
    """The state after one behaviour event (the input itself if the event is ignored)."""
    return fold_many(state, (event,), now, settings, item_info)


def fold_many(
    state: VisitorState,
    events: Iterable[Mapping[str, Any]],
    now: int,
    settings: Settings,
    item_info: ItemLookup,
) -> VisitorState:
    """The state after a batch of events, applied in order; one copy for the whole batch."""
    try:
        work: VisitorState | None = None
        for raw in events:
            event = _prepare(raw, now, item_info)
            if event is None:
                continue
            if work is None:
                work = copy_state(state)
            _apply(work, event, now, settings)
        return state if work is None else work
    except Exception:  # a bad batch (not iterable, broken lookup) changes nothing
        return state


def touch(state: VisitorState, now: int, settings: Settings, page: bool = True) -> VisitorState:
    """Start a new session after a long enough gap, and count a page view when `page`."""
    s = copy_state(state)
    _session(s, now, settings)
    if page:
        s.session_pages += 1
    s.updated_at = max(s.updated_at, now)
    s.revision += 1
    return s


def page_step(
    state: VisitorState,
    view: Mapping[str, Any] | None,
    now: int,
    settings: Settings,
    item_info: ItemLookup,
    *,
    copy: bool = True,
) -> VisitorState:
    """`touch` and, when `view` is given, `fold` of the page's view event, in one copy.

    The decision calls this once per page; the returned state is a private copy the caller
    may go on changing in place (see `record_exposures(..., copy=False)`). With `copy` False
    the caller hands `state` over (one it just decoded) and it is changed in place instead.
    """
    s = copy_state(state) if copy else state
    _session(s, now, settings)
    s.session_pages += 1
    s.updated_at = max(s.updated_at, now)
    s.revision += 1
    if view is not None:
        event = _prepare(view, now, item_info)
        if event is not None:
            try:
                _apply(s, event, now, settings)
            except Exception:  # same contract as fold: a bad event changes nothing
                if not copy:  # no untouched original to go back to: keep what applied
                    return s
                return touch(state, now, settings)
    return s


def record_exposures(
    state: VisitorState, blocks: Iterable[str], now: int, settings: Settings, *, copy: bool = True
) -> VisitorState:
    """One more showing of each block at `now`; in place when `copy` is False."""
    s = copy_state(state) if copy else state
    changed = False
    for block_id in blocks:
        _record(s, block_id, now, settings)
        changed = True
    if changed:
        s.updated_at = max(s.updated_at, now)
        s.revision += 1
    return s


def record_exposure(
    state: VisitorState, block_id: str, now: int, settings: Settings
) -> VisitorState:
    """The state with one more showing of `block_id` at `now`, for frequency caps."""
    s = copy_state(state)
    _record(s, block_id, now, settings)
    s.updated_at = max(s.updated_at, now)
    s.revision += 1
    return s


def interest_at(state: VisitorState, key: str, now: int, half_life: float) -> float:
    """One interest decayed to `now` (0.0 when absent)."""
    counter = state.interests.get(key)
    return 0.0 if counter is None else counter.at(now, half_life)


def decayed_interests(state: VisitorState, now: int, half_life: float) -> dict[str, float]:
    """Every interest decayed to `now`: the `interests` condition attribute."""
    return {k: c.at(now, half_life) for k, c in state.interests.items()}


def decayed_counts(state: VisitorState, now: int, half_life: float) -> dict[str, float]:
    """Every event-type count decayed to `now`: the `counts` condition attribute."""
    return {k: c.at(now, half_life) for k, c in state.counts.items()}


def normalise_query(query: str) -> str:
    """Lower case, words separated by single spaces, bounded: the key of a search interest."""
    words = "".join(ch if ch.isalnum() else " " for ch in query.lower()).split()
    return " ".join(words)[:SEARCH_TERM_MAX_CHARS].strip()


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _timestamp(raw: Any, now: int) -> int | None:
    if raw is None:
        return now
    value = _number(raw)
    if value is None or value < 0:
        return None
    ts = int(value // 1000) if value >= MILLISECONDS_FROM else int(value)
    return min(ts, now)


def _prepare(raw: Any, now: int, item_info: ItemLookup) -> _Event | None:
    """A validated event, or None for anything that must be ignored."""
    try:
        if not isinstance(raw, Mapping):
            return None
        etype = raw.get("type")
        if not isinstance(etype, str) or etype not in EVENT_TYPES:
            return None
        ts = _timestamp(raw.get("ts"), now)
        if ts is None or ts < now - MAX_EVENT_AGE_SECONDS:
            return None
        item = raw.get("item")
        if item is not None and (not isinstance(item, str) or not 0 < len(item) <= ID_MAX_CHARS):
            return None
        value = None
        if raw.get("value") is not None:
            value = _number(raw["value"])
            if value is None:
                return None
        if (etype in NEEDS_ITEM and item is None) or (etype in NEEDS_VALUE and value is None):
            return None
        if value is not None and value < 0 and etype in NEEDS_VALUE:
            return None
        term = None
        if etype == "search":
            query = raw.get("query")
            term = normalise_query(query) if isinstance(query, str) else ""
            if not term:
                return None
        info = None
        if item is not None and etype not in ("exposure", "search"):
            found = item_info(item)
            info = found if isinstance(found, ItemInfo) else None
        return _Event(etype, ts, item, value, term, info)
    except Exception:  # a broken lookup or a hostile mapping: ignore the event
        return None


def _weight(event: _Event) -> float:
    if event.type == "dwell":
        return min(event.value or 0.0, DWELL_CAP_SECONDS) / 60.0
    if event.type == "scroll":
        depth = event.value or 0.0
        return SCROLL_WEIGHT * min(depth / 100.0 if depth > 1.0 else depth, 1.0)
    return INTEREST_WEIGHTS.get(event.type, 0.0)


def _bump(table: dict[str, Counter], key: str, amount: float, ts: int, half_life: float) -> None:
    """Add `amount` happening at `ts`; an event older than the counter is decayed to it."""
    counter = table.get(key)
    if counter is None:
        table[key] = Counter(amount, ts)
    elif ts >= counter.updated_at:
        counter.add(amount, ts, half_life)
    else:
        counter.value += Counter(amount, ts).at(counter.updated_at, half_life)


def _session(s: VisitorState, now: int, settings: Settings) -> None:
    if now - s.updated_at > settings.session_gap_minutes * 60:
        s.visit_count += 1
        s.session_started_at = now
        s.session_pages = 0


def _record(s: VisitorState, block_id: str, ts: int, settings: Settings) -> None:
    times = s.exposures.setdefault(block_id, [])
    bisect.insort_right(times, ts)
    del times[: max(0, len(times) - max(0, settings.exposures_per_block_max))]
    if not times:
        del s.exposures[block_id]
    while len(s.exposures) > EXPOSURE_BLOCKS_MAX:
        del s.exposures[min(s.exposures, key=lambda b: (s.exposures[b][-1], b))]


def _apply(s: VisitorState, e: _Event, now: int, settings: Settings) -> None:
    half_life = settings.half_life_hours
    _session(s, now, settings)
    _bump(s.counts, e.type, 1.0, e.ts, half_life)
    weight = _weight(e)
    keys: list[str] = []
    if e.info is not None and weight > 0:
        keys += [f"category:{e.info.category}"] if e.info.category else []
        keys += [f"brand:{e.info.brand}"] if e.info.brand else []
        keys += [f"tag:{tag}" for tag in dict.fromkeys(e.info.tags) if tag]
    if e.term:
        keys.append(f"search:{e.term}")
    for key in keys:
        _bump(s.interests, key, weight, e.ts, half_life)
    while len(s.interests) > max(0, settings.interests_max):
        del s.interests[min(s.interests, key=lambda k: (s.interests[k].at(now, half_life), k))]
    if e.type in RECENT and e.item is not None:
        recent = [e.item] + [i for i in s.recent_items if i != e.item]
        s.recent_items = recent[: max(0, settings.recent_items_max)]
    if e.type in LOGGED:
        category = e.info.category if e.info is not None else None
        index = bisect.bisect_right([x.ts for x in s.events], e.ts)
        s.events.insert(index, LoggedEvent(e.ts, e.type, e.item, category))
        del s.events[: max(0, len(s.events) - max(0, settings.event_log_max))]
    if e.type == "add_to_cart" and e.item is not None and e.item not in s.cart:
        s.cart.append(e.item)
        del s.cart[: max(0, len(s.cart) - max(0, settings.cart_max))]
        s.cart_changed_at = max(s.cart_changed_at, e.ts)
    elif e.type == "remove_from_cart" and e.item in s.cart:
        s.cart.remove(e.item)
        s.cart_changed_at = max(s.cart_changed_at, e.ts)
    elif e.type == "purchase":
        bought = [e.item] if e.item is not None else list(s.cart)
        s.purchases = (bought[::-1] + [p for p in s.purchases if p not in bought])[
            : max(0, settings.purchases_max)
        ]
        s.last_purchase_at = max(s.last_purchase_at, e.ts)
        if any(item in s.cart for item in bought):
            s.cart = [item for item in s.cart if item not in bought]
            s.cart_changed_at = max(s.cart_changed_at, e.ts)
    elif e.type == "exposure" and e.item is not None:
        _record(s, e.item, e.ts, settings)
    s.revision += 1
    s.updated_at = max(s.updated_at, now)
