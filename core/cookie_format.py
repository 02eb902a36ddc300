"""The binary payload inside the state cookie: a compact, exact encoding of a visitor state.

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

``list X`` is a uvarint count followed by that many X.

Signing, size limits and eviction are `core.cookie`'s business; this module only turns a
state into bytes and back.
"""

from __future__ import annotations

import zlib

from core.state import EVENT_TYPES, Counter, LoggedEvent, VisitorState

VERSION = 1
FLAG_ZLIB = 1
SCALE = 1000
VALUE_LIMIT = 1e9
CODES = {name: code for code, name in enumerate(EVENT_TYPES)}


def zz(n: int) -> int:
    """Zigzag: signed to unsigned, small magnitudes stay small."""
    return n << 1 if n >= 0 else ((-n) << 1) - 1


def unzz(n: int) -> int:
    return n >> 1 if not n & 1 else -((n + 1) >> 1)


def varints(nums: list[int], out: bytearray) -> bytearray:
    append = out.append
    for n in nums:
        while n > 0x7F:
            append((n & 0x7F) | 0x80)
            n >>= 7
        append(n)
    return out


def quantize(v: float) -> int:
    if v != v:  # NaN
        return 0
    return zz(round(min(max(v, -VALUE_LIMIT), VALUE_LIMIT) * SCALE))


def payload(s: VisitorState, compress: bool) -> bytes:
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
        nums += (ref(name, len(strings)), quantize(c.value), when(c.updated_at))
    counts = [(CODES[k], c) for k, c in s.counts.items() if k in CODES]
    put(len(counts))
    for code, c in counts:
        nums += (code, quantize(c.value), when(c.updated_at))
    events = [e for e in s.events if e.type in CODES]
    put(len(events))
    prev = created
    codes = CODES
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
            put(zz(t - prev))
            prev = t
    put(len(s.assignments))
    for experiment, variation in s.assignments.items():
        nums += (ref(experiment, len(strings)), ref(variation, len(strings)))
    head = varints([zz(created), len(strings)], bytearray())
    for text in strings:  # insertion order is index order
        raw = text.encode("utf-8", "surrogatepass")
        if len(raw) < 0x80:
            head.append(len(raw))
        else:
            varints([len(raw)], head)
        head += raw
    body = bytes(varints(nums, head))
    flags = 0
    if compress:
        packed = zlib.compress(body, 9)
        if len(packed) < len(body):
            body, flags = packed, FLAG_ZLIB
    return bytes((VERSION, flags)) + body


def uvarint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def parse(body: bytes) -> VisitorState:
    """The inverse of `payload`; any malformation raises (`decode` turns that into None)."""
    raw_created, pos = uvarint(body, 0)
    created = unzz(raw_created)
    count, pos = uvarint(body, pos)
    strings: list[str] = []
    for _ in range(count):
        size = body[pos]
        if size < 0x80:
            pos += 1
        else:
            size, pos = uvarint(body, pos)
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
            prev += unzz(nxt())
            times.append(prev)
    for _ in range(nxt()):
        experiment = strings[nxt()]
        s.assignments[experiment] = strings[nxt()]
    if next(rest, None) is not None:
        raise ValueError("trailing data")
    return s


def as_decoded(s: VisitorState) -> VisitorState:
    """`s`, changed in place into exactly what `parse` rebuilds from `payload(s)`."""
    for table in (s.interests, s.counts):
        for counter in table.values():
            v = counter.value
            if -VALUE_LIMIT <= v <= VALUE_LIMIT:
                counter.value = round(v * SCALE) / SCALE
            else:
                counter.value = unzz(quantize(v)) / SCALE
    return settle_fields(s)


def settle_fields(s: VisitorState) -> VisitorState:
    """`as_decoded` for everything but counter values (which both versions round alike)."""
    if any(k not in CODES for k in s.counts):
        s.counts = {k: c for k, c in s.counts.items() if k in CODES}
    if any(e.type not in CODES for e in s.events):
        s.events = [e for e in s.events if e.type in CODES]
    s.visit_count = max(0, s.visit_count)
    s.session_pages = max(0, s.session_pages)
    s.revision = max(0, s.revision)
    return s
