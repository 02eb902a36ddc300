"""The state cookie's columnar payload (version 2): the same state as version 1, read fast.

Version 1 (`core.cookie_format`) spends most of its time in Python loops over varint bytes.
Version 2 lays the same fields out as three fixed-width number columns plus one text blob,
so encoding and decoding are a few `array` conversions, slices and comprehensions. (Not
`map` over bound C methods such as `dict.__getitem__`: in Pyodide each such call costs two
to three times a comprehension's subscript; see docs/benchmarks.md.)::

    u8 version (2) | u8 flags (bit 0: body is a zlib stream; other bits must be 0) | body
    body := u8 width of the small column (1, 2 or 4)
            uvarint n_small | uvarint n_times | uvarint n_values | uvarint n_text
            small:  n_small unsigned little-endian ints of that width
            times:  n_times u32 little-endian (absolute Unix seconds; 0 = never)
            values: n_values i32 little-endian (fixed point: round(value * 1000))
            text:   n_text bytes, the string table concatenated (UTF-8, surrogates passed)

    small := n_strings, n_strings x length (in code points)
             R visitor_id, R known_id, R consent, visit_count, session_pages, revision
             n, n x R recent_items | n, n x R interest keys | n, n x type code (counts)
             n, n x type code, n x R item, n x R category (events)
             n, n x R cart | n, n x R purchases
             n, n x R block, n x exposure count | n, n x R experiment, n x R variation
    times := created_at, updated_at, session_started_at, interest times, count times,
             event times, cart_changed_at, last_purchase_at, exposure times (block order)
    values := interest values, count values

``R`` is 0 for None, else 1 + an index into the string table (first-use order). The decoded
state equals version 1's in every field, so the two are interchangeable; a state that does
not fit these widths (a time before 1970 or past 2106, a counter beyond +-2,147,483, NaN)
has no version 2 form and `payload` returns None: the caller writes version 1 instead.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from itertools import accumulate, chain, count, pairwise
from typing import cast

from core.cookie_format import CODES, FLAG_ZLIB, SCALE, settle_fields, uvarint, varints
from core.state import EVENT_TYPES, Counter, LoggedEvent, VisitorState

VERSION = 2
_WIDTHS = {1: "B", 2: "H", 4: "I"}
_SWAP = sys.byteorder != "little"


def _column(code: str, numbers: list[int]) -> bytes:
    """Little-endian bytes of `numbers` (OverflowError when one does not fit `code`)."""
    column = array(code, numbers)
    if _SWAP:
        column.byteswap()
    return column.tobytes()


def payload(s: VisitorState, compress: bool) -> bytes | None:
    """The version 2 payload of `s`, or None when a time or counter does not fit it."""
    encoded = encode(s, compress)
    return None if encoded is None else encoded[0]


def settle(s: VisitorState, values: list[int]) -> VisitorState:
    """`s` changed in place into exactly what `parse` rebuilds from `encode(s)`, whose
    fixed-point counter `values` it reuses (`cookie_format.as_decoded` rounds them again)."""
    counts = (c for k, c in s.counts.items() if k in CODES)
    for counter, q in zip(chain(s.interests.values(), counts), values, strict=True):
        counter.value = q / SCALE
    return settle_fields(s)


def encode(s: VisitorState, compress: bool) -> tuple[bytes, list[int]] | None:
    """The version 2 payload and its fixed-point counter values (for `settle`), or None."""
    counts = [(CODES[k], c) for k, c in s.counts.items() if k in CODES]
    events = [e for e in s.events if e.type in CODES]
    items = [e.item for e in events]
    categories = [e.category for e in events]
    table = dict.fromkeys(
        chain(
            (s.visitor_id, s.known_id, s.consent),
            s.recent_items,
            s.interests,
            items,
            categories,
            s.cart,
            s.purchases,
            s.exposures,
            chain.from_iterable(s.assignments.items()),
        )
    )
    table.pop(None, None)
    strings = cast("dict[str, None]", table)  # None was the only non-string
    ref: dict[str | None, int] = dict(zip(strings, count(1)))
    ref[None] = 0
    interests = s.interests.values()
    small = [len(strings), *[len(name) for name in strings]]
    small += (
        ref[s.visitor_id],
        ref[s.known_id],
        ref[s.consent],
        max(0, s.visit_count),
        max(0, s.session_pages),
        max(0, s.revision),
        len(s.recent_items),
    )
    small += [ref[x] for x in s.recent_items]
    small.append(len(s.interests))
    small += [ref[x] for x in s.interests]
    small.append(len(counts))
    small += [code for code, _ in counts]
    small.append(len(events))
    small += [CODES[e.type] for e in events]
    small += [ref[x] for x in items]
    small += [ref[x] for x in categories]
    small.append(len(s.cart))
    small += [ref[x] for x in s.cart]
    small.append(len(s.purchases))
    small += [ref[x] for x in s.purchases]
    small.append(len(s.exposures))
    small += [ref[x] for x in s.exposures]
    small += [len(stamps) for stamps in s.exposures.values()]
    small.append(len(s.assignments))
    small += [ref[x] for x in s.assignments]
    small += [ref[x] for x in s.assignments.values()]
    times = [s.created_at, s.updated_at, s.session_started_at]
    times += [c.updated_at for c in interests]
    times += [c.updated_at for _, c in counts]
    times += [e.ts for e in events]
    times += (s.cart_changed_at, s.last_purchase_at)
    times += chain.from_iterable(s.exposures.values())
    try:
        values = [round(c.value * SCALE) for c in interests]
        values += [round(c.value * SCALE) for _, c in counts]
        top = max(small)
        width = 1 if top < 0x100 else 2 if top < 0x10000 else 4
        columns = _column(_WIDTHS[width], small) + _column("I", times) + _column("i", values)
    except (OverflowError, ValueError, TypeError):  # out of range, NaN: version 1's case
        return None
    text = "".join(strings).encode("utf-8", "surrogatepass")
    head = varints([len(small), len(times), len(values), len(text)], bytearray())
    body = bytes((width,)) + head + columns + text
    flags = 0
    if compress:
        packed = zlib.compress(body, 9)
        if len(packed) < len(body):
            body, flags = packed, FLAG_ZLIB
    return bytes((VERSION, flags)) + body, values


def _read(code: str, data: bytes) -> list[int]:
    column = array(code)
    column.frombytes(data)
    if _SWAP:
        column.byteswap()
    return column.tolist()


def _refs(strings: list[str | None], refs: list[int]) -> list[str]:
    """The strings of required references (0, meaning None, is malformed here)."""
    found = [strings[r] for r in refs]
    if None in found:
        raise ValueError("missing string")
    return found  # type: ignore[return-value]


def _counters(names: list[str], values: list[float], times: list[int]) -> dict[str, Counter]:
    """A counter table from its three columns (a comprehension: see the module docstring)."""
    return {name: Counter(value, at) for name, value, at in zip(names, values, times, strict=True)}


def parse(body: bytes) -> VisitorState:
    """The inverse of `payload` (body after the version and flag bytes); raises if malformed."""
    code = _WIDTHS[body[0]]
    n_small, pos = uvarint(body, 1)
    n_times, pos = uvarint(body, pos)
    n_values, pos = uvarint(body, pos)
    n_text, pos = uvarint(body, pos)
    ends = list(accumulate((pos, n_small * body[0], 4 * n_times, 4 * n_values, n_text)))
    if ends[-1] != len(body):
        raise ValueError("column sizes do not match the payload")
    small = _read(code, body[ends[0] : ends[1]])
    times = _read("I", body[ends[1] : ends[2]])
    values = [q / SCALE for q in _read("i", body[ends[2] : ends[3]])]
    text = body[ends[3] :].decode("utf-8", "surrogatepass")
    n = small[0]
    stops = list(accumulate(small[1 : 1 + n], initial=0))
    if len(stops) != n + 1 or stops[-1] != len(text):
        raise ValueError("string lengths do not match the text")
    strings: list[str | None] = [None, *[text[a:b] for a, b in pairwise(stops)]]
    p = 1 + n
    visitor_id = _refs(strings, small[p : p + 1])[0]
    known_id, consent = strings[small[p + 1]], strings[small[p + 2]]
    visit_count, session_pages, revision = small[p + 3 : p + 6]
    created_at, updated_at, session_started_at = times[0:3]
    p, t, v = p + 6, 3, 0

    n = small[p]
    recent_items = _refs(strings, small[p + 1 : p + 1 + n])
    p += 1 + n
    n = small[p]
    keys = _refs(strings, small[p + 1 : p + 1 + n])
    interests = _counters(keys, values[v : v + n], times[t : t + n])
    p, t, v = p + 1 + n, t + n, v + n
    n = small[p]
    kinds = [EVENT_TYPES[code] for code in small[p + 1 : p + 1 + n]]
    counts = _counters(kinds, values[v : v + n], times[t : t + n])
    p, t, v = p + 1 + n, t + n, v + n
    n = small[p]
    kinds = [EVENT_TYPES[code] for code in small[p + 1 : p + 1 + n]]
    items = [strings[r] for r in small[p + 1 + n : p + 1 + 2 * n]]
    categories = [strings[r] for r in small[p + 1 + 2 * n : p + 1 + 3 * n]]
    events = [
        LoggedEvent(ts, kind, item, category)
        for ts, kind, item, category in zip(times[t : t + n], kinds, items, categories, strict=True)
    ]
    p, t = p + 1 + 3 * n, t + n
    n = small[p]
    cart = _refs(strings, small[p + 1 : p + 1 + n])
    p += 1 + n
    n = small[p]
    purchases = _refs(strings, small[p + 1 : p + 1 + n])
    p += 1 + n
    cart_changed_at, last_purchase_at = times[t : t + 2]
    t += 2
    n = small[p]
    blocks = _refs(strings, small[p + 1 : p + 1 + n])
    exposures: dict[str, list[int]] = {}
    for block, size in zip(blocks, small[p + 1 + n : p + 1 + 2 * n], strict=True):
        exposures[block] = times[t : t + size]
        t += size
    p += 1 + 2 * n
    n = small[p]
    experiments = _refs(strings, small[p + 1 : p + 1 + n])
    variations = _refs(strings, small[p + 1 + n : p + 1 + 2 * n])
    assignments = dict(zip(experiments, variations, strict=True))
    p += 1 + 2 * n
    if p != len(small) or t != len(times) or v != len(values):
        raise ValueError("column lengths do not match the fields")
    return VisitorState(  # one call: no default lists made only to be replaced
        visitor_id=visitor_id,
        created_at=created_at,
        updated_at=updated_at,
        known_id=known_id,
        visit_count=visit_count,
        session_started_at=session_started_at,
        session_pages=session_pages,
        recent_items=recent_items,
        interests=interests,
        counts=counts,
        events=events,
        cart=cart,
        cart_changed_at=cart_changed_at,
        purchases=purchases,
        last_purchase_at=last_purchase_at,
        exposures=exposures,
        assignments=assignments,
        consent=consent,
        revision=revision,
    )
