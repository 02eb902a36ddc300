"""The visitor state cookie: a compact signed binary form that never fails to read or write.

Value: ``base64url(payload) + "." + base64url(HMAC-SHA256(key, payload)[:16])``, unpadded.

Payload, version 1 (uvarint = LEB128; svarint = zigzag LEB128)::

    u8 version (1) | u8 flags (bit 0: body is a zlib stream; other bits must be 0) | body
    body := svarint created_at (absolute Unix seconds)
            uvarint n, n x (uvarint len, UTF-8 bytes)   string table, in first-use order
            T updated_at | S visitor_id | O known_id | O consent | uvarint visit_count
            T session_started_at | uvarint session_pages | uvarint revision
            list recent_items S | list interests (S key, Q value, T updated_at)
            list counts (uvarint type code, Q value, T updated_at)
            list events (uvarint type code, D ts, O item, O category)
            list cart S | T cart_changed_at | list purchases S | T last_purchase_at
            list exposures (S block, list D times) | list assignments (S experiment, S variation)

``S`` is a uvarint index into the string table and ``O`` the same plus one (0 = None), so an
item id that sits in recent_items, the event log and the cart is stored once. Times are
exact seconds: ``T`` is 0 for "never" (0) and otherwise ``svarint(t - created_at) + 1``;
``D`` (sorted time lists) is the first time relative to created_at, then deltas, as svarints.
Counter values ``Q`` are fixed point: ``svarint(round(value * 1000))``, so a decoded counter
is within 0.0005 of the encoded one (clamped to +-1e9; NaN becomes 0). Type codes are
indexes into ``state.EVENT_TYPES``. Encoding does not compress unless asked (zlib output
may differ between zlib builds, and cookies should be byte-identical in CPython and
Pyodide); decoding accepts both forms.

``list X`` is a uvarint count followed by that many X. When a state is over
`settings.cookie_max_bytes`, `encode` evicts in the order given by `_evict_one` (oldest logged
events first). Decoding checks the signature before it parses anything.

Sessions are not this module's business: ``decode`` returns exactly what was encoded and
``core.fold.touch`` starts new sessions.
"""

from __future__ import annotations

import base64
import hmac
import re
import zlib
from typing import TypeVar

from core.settings import Settings
from core.state import EVENT_TYPES, Counter, LoggedEvent, VisitorState, copy_state, fresh

VERSION = 1
FLAG_ZLIB = 1
SIG_BYTES = 16
FUTURE_SKEW_SECONDS = 300
"""Edges' clocks may disagree a little; a cookie dated further ahead than this is rejected."""
HARD_MAX_CHARS = 4096
"""Values longer than max(this, settings.cookie_max_bytes) are rejected unread (lowering the
bundle's limit must not reset every visitor whose cookie was written under the old one)."""
MAX_INFLATED = 65536
SCALE = 1000
VALUE_LIMIT = 1e9
_CODES = {name: code for code, name in enumerate(EVENT_TYPES)}
_T = TypeVar("_T")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


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
    value = pack(_payload(base, compress), key)
    if len(value) <= limit:
        return value
    half_life = settings.half_life_hours
    low, high, at_low = 0, 1, base  # `at_low`: the state after `low` evictions (too big)
    while True:
        work, exhausted = _evicted(at_low, high - low, now, half_life)
        value = pack(_payload(work, compress), key)
        if len(value) <= limit:
            break
        if exhausted:
            return _shortened(work, key, limit, compress)
        low, high, at_low = high, high * 2, work
    while high - low > 1:
        middle = (low + high) // 2
        candidate, _ = _evicted(at_low, middle - low, now, half_life)
        packed = pack(_payload(candidate, compress), key)
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
        value = pack(_payload(work, compress), key)
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
    value = pack(_payload(base, False), key)
    if len(value) <= settings.cookie_max_bytes:
        return value, _as_decoded(base)
    return encode(state, key, settings, now), None


def _as_decoded(s: VisitorState) -> VisitorState:
    """`s`, changed in place into exactly what `_parse` rebuilds from `_payload(s)`."""
    for table in (s.interests, s.counts):
        for counter in table.values():
            v = counter.value
            if -VALUE_LIMIT <= v <= VALUE_LIMIT:
                counter.value = round(v * SCALE) / SCALE
            else:
                counter.value = _unzz(_quantize(v)) / SCALE
    if any(k not in _CODES for k in s.counts):
        s.counts = {k: c for k, c in s.counts.items() if k in _CODES}
    if any(e.type not in _CODES for e in s.events):
        s.events = [e for e in s.events if e.type in _CODES]
    s.visit_count = max(0, s.visit_count)
    s.session_pages = max(0, s.session_pages)
    s.revision = max(0, s.revision)
    return s


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
    if len(text) % 4 == 1 or _B64URL.fullmatch(text) is None:
        return None
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _zz(n: int) -> int:
    """Zigzag: signed to unsigned, small magnitudes stay small."""
    return n << 1 if n >= 0 else ((-n) << 1) - 1


def _unzz(n: int) -> int:
    return n >> 1 if not n & 1 else -((n + 1) >> 1)


def _varints(nums: list[int], out: bytearray) -> bytearray:
    append = out.append
    for n in nums:
        while n > 0x7F:
            append((n & 0x7F) | 0x80)
            n >>= 7
        append(n)
    return out


def _quantize(v: float) -> int:
    if v != v:  # NaN
        return 0
    return _zz(round(min(max(v, -VALUE_LIMIT), VALUE_LIMIT) * SCALE))


def _payload(s: VisitorState, compress: bool) -> bytes:
    """Serialise the fields as one list of unsigned ints (see the module doc for the order)."""
    created = s.created_at
    strings: dict[str, int] = {}
    ref = strings.setdefault  # ref(text, len(strings)): the text's index, added if new
    nums: list[int] = []
    put = nums.append

    def opt(text: str | None) -> int:
        return 0 if text is None else ref(text, len(strings)) + 1

    def when(t: int) -> int:
        if t == 0:
            return 0
        d = t - created
        return (d << 1 if d >= 0 else ((-d) << 1) - 1) + 1

    put(when(s.updated_at))
    put(ref(s.visitor_id, 0))
    put(opt(s.known_id))
    put(opt(s.consent))
    put(max(0, s.visit_count))
    put(when(s.session_started_at))
    put(max(0, s.session_pages))
    put(max(0, s.revision))
    put(len(s.recent_items))
    nums += [ref(item, len(strings)) for item in s.recent_items]
    put(len(s.interests))
    for name, c in s.interests.items():
        nums += (ref(name, len(strings)), _quantize(c.value), when(c.updated_at))
    counts = [(_CODES[k], c) for k, c in s.counts.items() if k in _CODES]
    put(len(counts))
    for code, c in counts:
        nums += (code, _quantize(c.value), when(c.updated_at))
    events = [e for e in s.events if e.type in _CODES]
    put(len(events))
    prev = created
    codes = _CODES
    for e in events:
        d = e.ts - prev
        prev = e.ts
        item, category = e.item, e.category
        nums += (
            codes[e.type],
            d << 1 if d >= 0 else ((-d) << 1) - 1,
            0 if item is None else ref(item, len(strings)) + 1,
            0 if category is None else ref(category, len(strings)) + 1,
        )
    for items, at in ((s.cart, s.cart_changed_at), (s.purchases, s.last_purchase_at)):
        put(len(items))
        nums += [ref(item, len(strings)) for item in items]
        put(when(at))
    put(len(s.exposures))
    for block, times in s.exposures.items():
        put(ref(block, len(strings)))
        put(len(times))
        prev = created
        for t in times:
            put(_zz(t - prev))
            prev = t
    put(len(s.assignments))
    for experiment, variation in s.assignments.items():
        nums += (ref(experiment, len(strings)), ref(variation, len(strings)))
    head = _varints([_zz(created), len(strings)], bytearray())
    for text in strings:  # insertion order is index order
        raw = text.encode("utf-8", "surrogatepass")
        if len(raw) < 0x80:
            head.append(len(raw))
        else:
            _varints([len(raw)], head)
        head += raw
    body = bytes(_varints(nums, head))
    flags = 0
    if compress:
        packed = zlib.compress(body, 9)
        if len(packed) < len(body):
            body, flags = packed, FLAG_ZLIB
    return bytes((VERSION, flags)) + body


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _decode(value: str | None, key: bytes, now: int, settings: Settings) -> VisitorState | None:
    if not isinstance(value, str) or not value:
        return None
    if len(value) > max(settings.cookie_max_bytes, HARD_MAX_CHARS):
        return None
    payload = unpack(value, key)
    if payload is None or len(payload) < 2 or payload[0] != VERSION or payload[1] & ~FLAG_ZLIB:
        return None
    body = payload[2:]
    if payload[1] & FLAG_ZLIB:
        inflater = zlib.decompressobj()
        body = inflater.decompress(body, MAX_INFLATED)
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
            return None
    state = _parse(body)
    limit = now + FUTURE_SKEW_SECONDS
    if max(state.created_at, state.updated_at, state.session_started_at) > limit:
        return None
    return state


def _parse(body: bytes) -> VisitorState:
    """The inverse of `_payload`; any malformation raises (`decode` turns that into None)."""
    raw_created, pos = _uvarint(body, 0)
    created = _unzz(raw_created)
    count, pos = _uvarint(body, pos)
    strings: list[str] = []
    for _ in range(count):
        size = body[pos]
        if size < 0x80:
            pos += 1
        else:
            size, pos = _uvarint(body, pos)
        if pos + size > len(body):
            raise ValueError("truncated string")
        strings.append(body[pos : pos + size].decode("utf-8", "surrogatepass"))
        pos += size
    nums: list[int] = []
    put = nums.append
    n = shift = 0
    for byte in body[pos:]:
        if byte & 0x80:
            n |= (byte & 0x7F) << shift
            shift += 7
        else:
            put(n | (byte << shift))
            n = shift = 0
    if shift:
        raise ValueError("truncated varint")
    rest = iter(nums)
    nxt = rest.__next__
    optional: list[str | None] = [None, *strings]  # optional[n]: None for 0, else string n-1

    def when() -> int:
        t = nxt() - 1
        return 0 if t < 0 else created + (t >> 1 if not t & 1 else -((t + 1) >> 1))

    def counter() -> Counter:
        q = nxt()
        return Counter((q >> 1 if not q & 1 else -((q + 1) >> 1)) / SCALE, when())

    s = VisitorState(visitor_id="", created_at=created)
    s.updated_at = when()
    s.visitor_id = strings[nxt()]
    s.known_id = optional[nxt()]
    s.consent = optional[nxt()]
    s.visit_count = nxt()
    s.session_started_at = when()
    s.session_pages = nxt()
    s.revision = nxt()
    s.recent_items = [strings[nxt()] for _ in range(nxt())]
    s.interests = {strings[nxt()]: counter() for _ in range(nxt())}
    s.counts = {EVENT_TYPES[nxt()]: counter() for _ in range(nxt())}
    prev = created
    events = s.events
    for _ in range(nxt()):
        etype = EVENT_TYPES[nxt()]
        d = nxt()
        prev += d >> 1 if not d & 1 else -((d + 1) >> 1)
        events.append(LoggedEvent(prev, etype, optional[nxt()], optional[nxt()]))
    s.cart = [strings[nxt()] for _ in range(nxt())]
    s.cart_changed_at = when()
    s.purchases = [strings[nxt()] for _ in range(nxt())]
    s.last_purchase_at = when()
    for _ in range(nxt()):
        block = strings[nxt()]
        times = s.exposures[block] = []
        prev = created
        for _ in range(nxt()):
            prev += _unzz(nxt())
            times.append(prev)
    for _ in range(nxt()):
        experiment = strings[nxt()]
        s.assignments[experiment] = strings[nxt()]
    if next(rest, None) is not None:
        raise ValueError("trailing data")
    return s


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
    s.events = _tail([e for e in s.events if e.type in _CODES], settings.event_log_max)
    per_block = settings.exposures_per_block_max
    s.exposures = {b: kept for b, ts in s.exposures.items() if (kept := _tail(ts, per_block))}
    s.counts = {k: c for k, c in s.counts.items() if k in _CODES}
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
