"""The visitor state cookie: a compact signed binary form that never fails to read or write.

Value: ``base64url(payload) + "." + base64url(HMAC-SHA256(key, payload)[:16])``, unpadded.

The payload is version 2 (`core.cookie_columns`, fast to read) when the state fits its
fixed-width columns and the limit, else version 1 (`core.cookie_format`, varints); both
decode to the same state. When a state is over
`settings.cookie_max_bytes`, `encode` evicts in the order given by `_evict_one` (oldest logged
events first). Decoding checks the signature before it parses anything.

Sessions are not this module's business: ``decode`` returns exactly what was encoded and
``core.fold.touch`` starts new sessions.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import zlib
from typing import TypeVar

from core import cookie_columns as columns
from core import cookie_format as fmt
from core.cookie_format import FLAG_ZLIB, VERSION
from core.settings import Settings
from core.state import Counter, VisitorState, copy_state, fresh

__all__ = ["FLAG_ZLIB", "VERSION", "decode", "encode", "encode_with_state", "pack", "unpack"]

SIG_BYTES = 16
FUTURE_SKEW_SECONDS = 300
"""Edges' clocks may disagree a little; a cookie dated further ahead than this is rejected."""
HARD_MAX_CHARS = 4096
"""Values longer than max(this, settings.cookie_max_bytes) are rejected unread (lowering the
bundle's limit must not reset every visitor whose cookie was written under the old one)."""
MAX_INFLATED = 65536
_T = TypeVar("_T")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
PARSERS = {VERSION: fmt.parse, columns.VERSION: columns.parse}
"""Payload versions read: 1 (varints, `core.cookie_format`) and 2 (columns, written by
default, `core.cookie_columns`); both decode to the same state."""


def encode(
    state: VisitorState, key: bytes, settings: Settings, now: int, *, compress: bool = False
) -> str:
    """The cookie value for `state`, at most `settings.cookie_max_bytes` characters.

    Lists are first cut to the settings' bounds; if the value is still too long, the fewest
    pieces of data are evicted, least valuable first (the order of `_evict_one`), found by
    doubling then bisecting the count so a far-too-big state costs ~2 log2(n) encodings. If
    even the visitor id alone cannot fit, it is halved until it does (never to ""); if
    nothing fits at all the result is "" (which decodes to a fresh visitor).
    """
    limit = settings.cookie_max_bytes
    base = state if _within(state, settings) else _bounded(state, settings, now)
    value = _fitting(base, key, limit, compress)
    if len(value) <= limit:
        return value
    half_life = settings.half_life_hours
    low, high, at_low = 0, 1, base  # `at_low`: the state after `low` evictions (too big)
    while True:
        work, exhausted = _evicted(at_low, high - low, now, half_life)
        value = _fitting(work, key, limit, compress)
        if len(value) <= limit:
            break
        if exhausted:
            return _shortened(work, key, limit, compress)
        low, high, at_low = high, high * 2, work
    while high - low > 1:
        middle = (low + high) // 2
        candidate, _ = _evicted(at_low, middle - low, now, half_life)
        packed = _fitting(candidate, key, limit, compress)
        if len(packed) <= limit:
            high, value = middle, packed
        else:
            low, at_low = middle, candidate
    return value


def _evicted(
    base: VisitorState, count: int, now: int, half_life: float
) -> tuple[VisitorState, bool]:
    """A copy of `base` with `count` more pieces evicted; True when nothing was left."""
    work = copy_state(base)
    for _ in range(count):
        if not _evict_one(work, now, half_life):
            return work, True
    return work, False


def _shortened(work: VisitorState, key: bytes, limit: int, compress: bool) -> str:
    """Last resort for an enormous visitor id: halve it until the value fits, else ""."""
    while len(work.visitor_id) > 1:  # never down to "": an id-less cookie is no use
        work.visitor_id = work.visitor_id[: len(work.visitor_id) // 2]
        value = _fitting(work, key, limit, compress)
        if len(value) <= limit:
            return value
    return ""


def encode_with_state(
    state: VisitorState, key: bytes, settings: Settings, now: int
) -> tuple[str, VisitorState | None]:
    """`encode`, plus the state the value decodes to when that is cheap to know.

    When nothing had to be evicted, the decoded state is `state` within the bounds with its
    counters rounded to the cookie's fixed point, so a caller can keep it instead of
    decoding its own cookie on the visitor's next request. None when eviction ran. The
    caller hands `state` over: its counters may be rounded in place.
    """
    base = state if _within(state, settings) else _bounded(state, settings, now)
    value, values = _chosen(base, key, settings.cookie_max_bytes, False)
    if len(value) > settings.cookie_max_bytes:
        return encode(state, key, settings, now), None
    return value, fmt.as_decoded(base) if values is None else columns.settle(base, values)


def decode(
    value: str | None, key: bytes, now: int, fresh_id: str, settings: Settings
) -> VisitorState:
    """The state in a cookie value, or `fresh(fresh_id, now)` for anything unreadable.

    Never raises: a missing, empty, oversized, garbled, truncated, tampered, foreign-key,
    unknown-version or future-dated value all start a fresh visitor.
    """
    try:
        state = _decode(value, key, now, settings)
    except Exception:  # any parse failure means "unreadable", by design
        state = None
    return state if state is not None else fresh(fresh_id, now)


def _fitting(state: VisitorState, key: bytes, limit: int, compress: bool) -> str:
    """The cookie value, in version 2 (fast to read) unless only version 1 fits `limit`.

    So a value fits exactly when the shorter of the two versions does: eviction never drops
    what one of them could keep, and re-encoding a decoded state gives the same value.
    """
    return _chosen(state, key, limit, compress)[0]


def _chosen(
    state: VisitorState, key: bytes, limit: int, compress: bool
) -> tuple[str, list[int] | None]:
    """`_fitting`'s value, and version 2's fixed-point counters when it chose version 2."""
    encoded = columns.encode(state, compress)
    if encoded is not None:
        value = pack(encoded[0], key)
        if len(value) <= limit:
            return value, encoded[1]
    return pack(fmt.payload(state, compress), key), None


def pack(payload: bytes, key: bytes) -> str:
    """Sign a payload: base64url(payload) "." base64url(truncated HMAC-SHA256)."""
    mac = hmac.digest(key, payload, "sha256")[:SIG_BYTES]
    return _b64encode(payload) + "." + _b64encode(mac)


def unpack(value: str, key: bytes) -> bytes | None:
    """The payload of a correctly signed value, else None."""
    body, dot, sig = value.partition(".")
    if not dot or not body or "." in sig:
        return None
    payload = _b64decode(body)
    mac = _b64decode(sig)
    if payload is None or mac is None or len(mac) != SIG_BYTES:
        return None
    expected = hmac.digest(key, payload, "sha256")[:SIG_BYTES]
    return payload if hmac.compare_digest(mac, expected) else None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """Unpadded base64url only: any other character (standard alphabet, padding,
    whitespace, non-ASCII) is refused, by C's strict decoder rather than a regex pass."""
    if len(text) % 4 == 1 or "+" in text or "/" in text or "=" in text:
        return None
    try:
        data = (text + "=" * (-len(text) % 4)).encode("ascii").translate(_FROM_URLSAFE)
        return binascii.a2b_base64(data, strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        return None


def _decode(value: str | None, key: bytes, now: int, settings: Settings) -> VisitorState | None:
    if not isinstance(value, str) or not value:
        return None
    if len(value) > max(settings.cookie_max_bytes, HARD_MAX_CHARS):
        return None
    payload = unpack(value, key)
    if payload is None or len(payload) < 2 or payload[0] not in PARSERS or payload[1] & ~FLAG_ZLIB:
        return None
    body = payload[2:]
    if payload[1] & FLAG_ZLIB:
        inflater = zlib.decompressobj()
        body = inflater.decompress(body, MAX_INFLATED)
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
            return None
    state = PARSERS[payload[0]](body)
    limit = now + FUTURE_SKEW_SECONDS
    if max(state.created_at, state.updated_at, state.session_started_at) > limit:
        return None
    return state


def _within(s: VisitorState, settings: Settings) -> bool:
    """True when no list exceeds its settings bound (the common case: no copy needed)."""
    per_block = settings.exposures_per_block_max
    return (
        len(s.recent_items) <= settings.recent_items_max
        and len(s.purchases) <= settings.purchases_max
        and len(s.cart) <= settings.cart_max
        and len(s.events) <= settings.event_log_max
        and len(s.interests) <= settings.interests_max
        and all(0 < len(ts) <= per_block for ts in s.exposures.values())
    )


def _bounded(state: VisitorState, settings: Settings, now: int) -> VisitorState:
    """A copy cut to the settings' list bounds (newest kept), the first step of fitting."""
    s = copy_state(state)
    s.recent_items = s.recent_items[: max(0, settings.recent_items_max)]
    s.purchases = s.purchases[: max(0, settings.purchases_max)]
    s.cart = _tail(s.cart, settings.cart_max)
    s.events = _tail([e for e in s.events if e.type in fmt.CODES], settings.event_log_max)
    per_block = settings.exposures_per_block_max
    s.exposures = {b: kept for b, ts in s.exposures.items() if (kept := _tail(ts, per_block))}
    s.counts = {k: c for k, c in s.counts.items() if k in fmt.CODES}
    while len(s.interests) > max(0, settings.interests_max):
        del s.interests[_weakest(s.interests, now, settings.half_life_hours)]
    return s


def _tail(items: list[_T], keep: int) -> list[_T]:
    return items[max(0, len(items) - keep) :] if keep > 0 else []


def _weakest(table: dict[str, Counter], now: int, half_life: float) -> str:
    return min(table, key=lambda k: (table[k].at(now, half_life), k))


def _evict_one(s: VisitorState, now: int, half_life: float) -> bool:
    """Drop the least valuable piece of data; False once nothing evictable is left.

    Order: the oldest logged event; the oldest exposure time (over all blocks); the lowest
    decayed interest; the lowest decayed event count; the oldest recent item; the oldest
    purchase; the oldest cart item; the last assignment by experiment id; consent; known id.
    """
    if s.events:
        del s.events[0]
    elif s.exposures:
        block = min(s.exposures, key=lambda b: (s.exposures[b][:1] or [-(2**63)], b))
        if s.exposures[block]:
            del s.exposures[block][0]
        if not s.exposures[block]:
            del s.exposures[block]
    elif s.interests:
        del s.interests[_weakest(s.interests, now, half_life)]
    elif s.counts:
        del s.counts[_weakest(s.counts, now, half_life)]
    elif s.recent_items:
        s.recent_items.pop()
    elif s.purchases:
        s.purchases.pop()
    elif s.cart:
        del s.cart[0]
    elif s.assignments:
        del s.assignments[max(s.assignments)]
    elif s.consent is not None:
        s.consent = None
    elif s.known_id is not None:
        s.known_id = None
    else:
        return False
    return True
