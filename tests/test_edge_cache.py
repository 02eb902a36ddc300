"""edge/lib/cache.mjs in real Node: Cache-Control policy and the byte-bounded LRU."""

from __future__ import annotations

import json
from typing import Any

from tests.edge_support import node_json


def policy(headers: dict[str, str]) -> dict[str, Any]:
    return dict(node_json("cache", f"return m.policy({json.dumps(headers)}, 0);"))


def test_shared_cache_freshness() -> None:
    assert policy({"cache-control": "public, max-age=60"})["ttl"] == 60
    assert policy({"cache-control": "max-age=60, s-maxage=300"})["ttl"] == 300
    p = policy({"cache-control": "max-age=10, stale-while-revalidate=30, stale-if-error=600"})
    assert (p["ttl"], p["swr"], p["sie"]) == (10, 30, 600)
    assert policy({"cache-control": "no-cache, max-age=60"})["ttl"] == 0
    must = policy({"cache-control": "max-age=5, must-revalidate, stale-if-error=60"})
    assert must["sie"] == 0


def test_not_stored() -> None:
    for headers in ({"cache-control": "no-store"}, {"cache-control": "private, max-age=60"},
                    {"cache-control": "max-age=60", "vary": "*"}):
        assert policy(headers) == {"store": False}


def test_lru_is_bounded_in_bytes() -> None:
    out = node_json("cache", """
        const c = new m.PageCache(1000);
        for (const k of ['a', 'b', 'c']) c.set(k, k, [], {size: 200});
        c.get('a');                       // a is now the most recent
        c.set('d', 'd', [], {size: 200});
        c.set('e', 'e', [], {size: 200}); // 1000 bytes: still fits
        c.set('f', 'f', [], {size: 200}); // evicts b, the least recently used
        const huge = c.set('g', 'g', [], {size: 600});  // > a quarter: not kept
        return {keys: [...c.map.keys()], bytes: c.bytes, huge, evictions: c.evictions};""")
    assert out == {"keys": ["c", "a", "d", "e", "f"], "bytes": 1000, "huge": False,
                   "evictions": 1}


def test_vary_headers_split_the_key() -> None:
    out = node_json("cache", """
        const c = new m.PageCache(1e6);
        c.set(c.key('/p', {}), '/p', m.varyNames({vary: 'Accept-Language, Accept-Encoding'}),
              {size: 1});
        return [c.key('/p', {'accept-language': 'de'}), c.key('/q', {'accept-language': 'de'})];""")
    assert out == ["/p\naccept-language=de", "/q"]
