"""The visitor state cookie: a compact signed binary form that never fails to read or write.

Value: ``base64url(payload) + "." + base64url(HMAC-SHA256(key, payload)[:16])``, unpadded.

Payload, version 1 (uvarint = LEB128; svarint = zigzag LEB128)::

    u8 version (1) | u8 flags (bit 0: body is a zlib stream; other bits must be 0) | body
    body := svarint created_at (absolute Unix seconds)
            uvarint n, n x (uvarint len, UTF-8 bytes)   string table, in first-use order
            T updated_at | S visitor_id | O known_id | O consent | uvarint visit_count
            T session_started_at | uvarint session_pages | uvarint revision
            list recent_items S | list interests (S key, Q value, T updated_at)
            list counts (u8 type code, Q value, T updated_at)
            list events (u8 type code, D ts, O item, O category)
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

Sessions are not this module's business: ``decode`` returns exactly what was encoded and
``core.fold.touch`` starts new sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
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

    Lists are first cut to the settings' bounds, then data is evicted one piece at a time,
    least valuable first (see `_evict_one`), until the value fits. If even the visitor id
    alone cannot fit, it is shortened; if nothing fits at all the result is "" (which
    decodes to a fresh visitor).
    """
    limit = settings.cookie_max_bytes
    work = _bounded(state, settings, now)
    while True:
        value = pack(_payload(work, compress), key)
        if len(value) <= limit:
            return value
        if not _evict_one(work, now, settings.half_life_hours):
            break
    while work.visitor_id:
        work.visitor_id = work.visitor_id[: len(work.visitor_id) // 2]
        value = pack(_payload(work, compress), key)
        if len(value) <= limit:
            return value
    value = pack(_payload(work, compress), key)
    return value if len(value) <= limit else ""


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
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:SIG_BYTES]
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
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:SIG_BYTES]
    return payload if hmac.compare_digest(mac, expected) else None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes | None:
    if len(text) % 4 == 1 or _B64URL.fullmatch(text) is None:
        return None
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _clamp(n: int) -> int:
    return n if n > 0 else 0


class _Writer:
    """Appends varints; strings go to a table emitted ahead of the fields that use them."""

    def __init__(self, created_at: int) -> None:
        self.created_at = created_at
        self.out = bytearray()
        self.strings: dict[str, int] = {}

    def uint(self, n: int) -> None:
        n = _clamp(n)
        out = self.out
        while n > 0x7F:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)

    def sint(self, n: int) -> None:
        self.uint(n << 1 if n >= 0 else ((-n) << 1) - 1)

    def time(self, t: int) -> None:
        if t == 0:
            self.uint(0)
        else:
            d = t - self.created_at
            self.uint((d << 1 if d >= 0 else ((-d) << 1) - 1) + 1)

    def times(self, ts: list[int]) -> None:
        self.uint(len(ts))
        prev = self.created_at
        for t in ts:
            self.sint(t - prev)
            prev = t

    def index(self, s: str) -> int:
        index = self.strings.get(s)
        if index is None:
            index = self.strings[s] = len(self.strings)
        return index

    def ref(self, s: str) -> None:
        self.uint(self.index(s))

    def opt(self, s: str | None) -> None:
        self.uint(0 if s is None else self.index(s) + 1)

    def value(self, v: float) -> None:
        if math.isnan(v):
            v = 0.0
        v = min(max(v, -VALUE_LIMIT), VALUE_LIMIT)
        self.sint(round(v * SCALE))

    def counter(self, c: Counter) -> None:
        self.value(c.value)
        self.time(c.updated_at)


def _payload(s: VisitorState, compress: bool) -> bytes:
    w = _Writer(s.created_at)
    w.time(s.updated_at)
    w.ref(s.visitor_id)
    w.opt(s.known_id)
    w.opt(s.consent)
    w.uint(s.visit_count)
    w.time(s.session_started_at)
    w.uint(s.session_pages)
    w.uint(s.revision)
    w.uint(len(s.recent_items))
    for item in s.recent_items:
        w.ref(item)
    w.uint(len(s.interests))
    for name, c in s.interests.items():
        w.ref(name)
        w.counter(c)
    counts = [(k, c) for k, c in s.counts.items() if k in _CODES]
    w.uint(len(counts))
    for name, c in counts:
        w.uint(_CODES[name])
        w.counter(c)
    events = [e for e in s.events if e.type in _CODES]
    w.uint(len(events))
    prev = s.created_at
    for e in events:
        w.uint(_CODES[e.type])
        w.sint(e.ts - prev)
        prev = e.ts
        w.opt(e.item)
        w.opt(e.category)
    w.uint(len(s.cart))
    for item in s.cart:
        w.ref(item)
    w.time(s.cart_changed_at)
    w.uint(len(s.purchases))
    for item in s.purchases:
        w.ref(item)
    w.time(s.last_purchase_at)
    w.uint(len(s.exposures))
    for block, ts in s.exposures.items():
        w.ref(block)
        w.times(ts)
    w.uint(len(s.assignments))
    for experiment, variation in s.assignments.items():
        w.ref(experiment)
        w.ref(variation)
    fields = bytes(w.out)
    head = _Writer(0)
    head.sint(s.created_at)
    head.uint(len(w.strings))
    for text in w.strings:  # dicts keep insertion order: index order
        raw = text.encode("utf-8", "surrogatepass")
        head.uint(len(raw))
        head.out += raw
    body = bytes(head.out) + fields
    flags = 0
    if compress:
        packed = zlib.compress(body, 9)
        if len(packed) < len(body):
            body, flags = packed, FLAG_ZLIB
    return bytes((VERSION, flags)) + body


class _Reader:
    """Reads what `_Writer` wrote; any malformation raises (and `decode` turns that into None)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.created_at = 0
        self.strings: list[str] = []

    def uint(self) -> int:
        result = shift = 0
        data = self.data
        while True:
            byte = data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ValueError("varint too long")

    def sint(self) -> int:
        n = self.uint()
        return n >> 1 if not n & 1 else -((n + 1) >> 1)

    def time(self) -> int:
        n = self.uint()
        if n == 0:
            return 0
        n -= 1
        return self.created_at + (n >> 1 if not n & 1 else -((n + 1) >> 1))

    def times(self) -> list[int]:
        out: list[int] = []
        prev = self.created_at
        for _ in range(self.uint()):
            prev += self.sint()
            out.append(prev)
        return out

    def ref(self) -> str:
        return self.strings[self.uint()]

    def opt(self) -> str | None:
        n = self.uint()
        return None if n == 0 else self.strings[n - 1]

    def counter(self) -> Counter:
        return Counter(self.sint() / SCALE, self.time())

    def etype(self) -> str:
        return EVENT_TYPES[self.uint()]


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
    state = _parse(_Reader(body))
    limit = now + FUTURE_SKEW_SECONDS
    if max(state.created_at, state.updated_at, state.session_started_at) > limit:
        return None
    return state


def _parse(r: _Reader) -> VisitorState:
    r.created_at = r.sint()
    for _ in range(r.uint()):
        size = r.uint()
        raw = r.data[r.pos : r.pos + size]
        if len(raw) != size:
            raise ValueError("truncated string")
        r.pos += size
        r.strings.append(raw.decode("utf-8", "surrogatepass"))
    s = VisitorState(visitor_id="", created_at=r.created_at)
    s.updated_at = r.time()
    s.visitor_id = r.ref()
    s.known_id = r.opt()
    s.consent = r.opt()
    s.visit_count = r.uint()
    s.session_started_at = r.time()
    s.session_pages = r.uint()
    s.revision = r.uint()
    s.recent_items = [r.ref() for _ in range(r.uint())]
    for _ in range(r.uint()):
        name = r.ref()
        s.interests[name] = r.counter()
    for _ in range(r.uint()):
        etype = r.etype()
        s.counts[etype] = r.counter()
    prev = r.created_at
    for _ in range(r.uint()):
        etype = r.etype()
        prev += r.sint()
        s.events.append(LoggedEvent(prev, etype, r.opt(), r.opt()))
    s.cart = [r.ref() for _ in range(r.uint())]
    s.cart_changed_at = r.time()
    s.purchases = [r.ref() for _ in range(r.uint())]
    s.last_purchase_at = r.time()
    for _ in range(r.uint()):
        block = r.ref()
        s.exposures[block] = r.times()
    for _ in range(r.uint()):
        experiment = r.ref()
        s.assignments[experiment] = r.ref()
    if r.pos != len(r.data):
        raise ValueError("trailing bytes")
    return s


def _bounded(state: VisitorState, settings: Settings, now: int) -> VisitorState:
    """A copy cut to the settings' list bounds (newest kept), the first step of fitting."""
    s = copy_state(state)
    s.recent_items = s.recent_items[: _clamp(settings.recent_items_max)]
    s.purchases = s.purchases[: _clamp(settings.purchases_max)]
    s.cart = _tail(s.cart, settings.cart_max)
    s.events = _tail([e for e in s.events if e.type in _CODES], settings.event_log_max)
    per_block = settings.exposures_per_block_max
    s.exposures = {b: kept for b, ts in s.exposures.items() if (kept := _tail(ts, per_block))}
    s.counts = {k: c for k, c in s.counts.items() if k in _CODES}
    while len(s.interests) > _clamp(settings.interests_max):
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
