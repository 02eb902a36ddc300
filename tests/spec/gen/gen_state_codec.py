# ruff: noqa: E402, E501  (a data-heavy generator script: long literal lines)
import json
import sys

sys.path.insert(0, "/work/main")
sys.path.insert(0, "/work/main/tests/spec")
from handlers import state_codec as H

T = 1_700_000_000
NOW = T + 7200


def st(**kw):
    base = {
        "visitor_id": "v-7Hq2xP9aLm",
        "created_at": T,
        "updated_at": T + 3600,
        "session_started_at": T + 3000,
    }
    base.update(kw)
    return base


TYPICAL = st(
    visit_count=3,
    session_pages=4,
    revision=17,
    recent_items=["boots", "tent", "sock"],
    interests={
        "category:hiking": [3.25, T + 3500],
        "brand:acme": [1.5, T + 3400],
        "tag:waterproof": [0.75, T + 3600],
    },
    counts={"view": [5.0, T + 3500], "add_to_cart": [1.0, T + 3550]},
    events=[
        {"ts": T + 100, "type": "view", "item": "sock", "category": "hiking"},
        {"ts": T + 3300, "type": "view", "item": "tent", "category": "camping"},
        {"ts": T + 3500, "type": "view", "item": "boots", "category": "hiking"},
        {"ts": T + 3550, "type": "add_to_cart", "item": "boots", "category": "hiking"},
    ],
    cart=["boots"],
    cart_changed_at=T + 3550,
    exposures={"hero-spring": [T + 3000, T + 3500], "recs-similar": [T + 3500]},
    assignments={"exp-hero": "b"},
    consent="granted",
)


def big(n_events=32):
    events = [
        {
            "ts": T + 60 * i,
            "type": ["view", "click", "dwell", "search"][i % 4],
            "item": f"item-{i:03d}",
            "category": f"cat-{i % 5}",
        }
        for i in range(n_events)
    ]
    return st(
        known_id="customer-000123",
        consent="p1.5.6.11",
        visit_count=9,
        session_pages=7,
        revision=250,
        recent_items=[f"item-{i:03d}" for i in range(12)],
        interests={f"category:cat-{i}": [1.0 + i / 8, T + 600 + i] for i in range(24)},
        counts={t: [2.0 + i, T + 3000] for i, t in enumerate(["view", "click", "dwell", "search"])},
        events=events,
        cart=[f"item-{i:03d}" for i in range(20)],
        cart_changed_at=T + 3500,
        purchases=[f"item-{i:03d}" for i in range(12)],
        last_purchase_at=T + 2000,
        exposures={f"block-{b:02d}": [T + 100 * b + k for k in range(8)] for b in range(16)},
        assignments={"exp-a": "control", "exp-b": "v2"},
    )


cases = []


def case(name, **inp):
    inp.setdefault("now", NOW)
    cases.append({"name": name, "input": inp})


# round trips
case(
    "roundtrip fresh visitor",
    op="roundtrip",
    state={"visitor_id": "v-new", "created_at": T, "updated_at": T, "session_started_at": T},
)
case("roundtrip typical state", op="roundtrip", state=TYPICAL)
case(
    "roundtrip signed-in visitor with consent and assignments",
    op="roundtrip",
    state=st(
        known_id="cust-42",
        consent="p1.5.6",
        assignments={"exp-1": "control", "exp-2": "treatment", "exp-3": "arm-4"},
    ),
)
case(
    "roundtrip counters are quantized to thousandths",
    op="roundtrip",
    state=st(
        interests={
            "category:a": [1 / 3, T + 10],
            "category:b": [2.718281828, T + 20],
            "category:c": [0.0004, T + 30],
            "category:d": [0.0006, T + 40],
        },
        counts={"view": [123.4567, T + 10]},
    ),
)
case(
    "roundtrip negative counter value",
    op="roundtrip",
    state=st(interests={"category:x": [-1.5, T + 5]}),
)
case(
    "roundtrip huge counter value is clamped",
    op="roundtrip",
    state=st(interests={"category:x": [5e12, T + 5]}),
)
case(
    "roundtrip times before created_at",
    op="roundtrip",
    state=st(
        events=[
            {"ts": T - 5000, "type": "view", "item": "a", "category": None},
            {"ts": T - 10, "type": "click", "item": "a", "category": None},
        ],
        cart_changed_at=T - 86400,
        last_purchase_at=T - 1,
    ),
)
case(
    "roundtrip zero times mean never",
    op="roundtrip",
    state=st(cart_changed_at=0, last_purchase_at=0, interests={"tag:x": [1.0, 0]}),
)
case(
    "roundtrip unicode strings",
    op="roundtrip",
    state=st(
        visitor_id="v-ü",
        recent_items=["chaussure-été", "靴", "🥾-boot"],
        interests={"category:randonnée": [2.0, T + 1]},
        assignments={"exp-π": "β"},
    ),
)
case(
    "roundtrip empty strings",
    op="roundtrip",
    state=st(
        recent_items=[""],
        consent="",
        known_id="",
        events=[{"ts": T + 1, "type": "view", "item": "", "category": ""}],
    ),
)
case(
    "roundtrip large timestamps",
    op="roundtrip",
    state=st(
        created_at=4_000_000_000,
        updated_at=4_000_000_500,
        session_started_at=4_000_000_400,
        last_purchase_at=4_000_000_100,
    ),
    now=4_000_001_000,
)
case(
    "roundtrip unsorted event log",
    op="roundtrip",
    state=st(
        events=[
            {"ts": T + 500, "type": "view", "item": "a", "category": "c"},
            {"ts": T + 100, "type": "click", "item": "b", "category": "c"},
            {"ts": T + 300, "type": "purchase", "item": "a", "category": None},
        ]
    ),
)
case(
    "roundtrip every event type code",
    op="roundtrip",
    state=st(
        events=[
            {"ts": T + i, "type": t, "item": None, "category": None}
            for i, t in enumerate(
                [
                    "view",
                    "click",
                    "hover",
                    "dwell",
                    "scroll",
                    "add_to_cart",
                    "remove_from_cart",
                    "purchase",
                    "search",
                    "exposure",
                ]
            )
        ],
        counts={
            t: [1.0, T + 1]
            for t in [
                "view",
                "click",
                "hover",
                "dwell",
                "scroll",
                "add_to_cart",
                "remove_from_cart",
                "purchase",
                "search",
                "exposure",
            ]
        },
    ),
)
case("roundtrip state at every default limit fits", op="roundtrip", state=big())
case("roundtrip compressed body", op="roundtrip", state=big(), compress=True)
case(
    "roundtrip big counts and revisions",
    op="roundtrip",
    state=st(visit_count=100000, session_pages=70000, revision=2**40),
)
case("roundtrip empty key", op="roundtrip", state=TYPICAL, key="")
case(
    "roundtrip purchases and cart",
    op="roundtrip",
    state=st(
        cart=["a", "b", "c"], cart_changed_at=T + 50, purchases=["z", "y"], last_purchase_at=T + 40
    ),
)
# settings bounds applied by encode
case(
    "encode keeps the first recent_items_max recent items",
    op="roundtrip",
    state=st(recent_items=[f"i{n}" for n in range(6)]),
    settings={"recent_items_max": 3},
)
case(
    "encode keeps the newest event_log_max events",
    op="roundtrip",
    state=st(
        events=[{"ts": T + n, "type": "view", "item": f"i{n}", "category": None} for n in range(5)]
    ),
    settings={"event_log_max": 2},
)
case(
    "encode keeps the strongest decayed interests",
    op="roundtrip",
    state=st(
        interests={
            "category:old-big": [4.0, T - 3 * 86400 * 3],
            "category:new-small": [1.0, T + 100],
            "category:mid": [2.0, T + 50],
        }
    ),
    settings={"interests_max": 2},
)
case(
    "encode keeps the newest cart items",
    op="roundtrip",
    state=st(cart=["a", "b", "c", "d"]),
    settings={"cart_max": 2},
)
case(
    "encode keeps the newest exposures per block",
    op="roundtrip",
    state=st(exposures={"hero": [T + 1, T + 2, T + 3, T + 4]}),
    settings={"exposures_per_block_max": 2},
)
case(
    "encode keeps the first purchases_max purchases",
    op="roundtrip",
    state=st(purchases=["p1", "p2", "p3"]),
    settings={"purchases_max": 1},
)
case(
    "encode drops counts of unknown event types",
    op="roundtrip",
    state=st(counts={"view": [1.0, T], "teleport": [3.0, T]}),
)
case(
    "encode drops logged events of unknown types",
    op="roundtrip",
    state=st(
        events=[
            {"ts": T + 1, "type": "teleport", "item": "a", "category": None},
            {"ts": T + 2, "type": "view", "item": "a", "category": None},
        ]
    ),
)
case(
    "encode zero limits drop whole lists",
    op="roundtrip",
    state=TYPICAL,
    settings={
        "recent_items_max": 0,
        "event_log_max": 0,
        "cart_max": 0,
        "exposures_per_block_max": 0,
        "interests_max": 0,
        "purchases_max": 0,
    },
)
# exact strings
case(
    "exact cookie of a fresh visitor",
    op="encode",
    state={"visitor_id": "v-new", "created_at": T, "updated_at": T, "session_started_at": T},
)
case("exact cookie of the typical state", op="encode", state=TYPICAL)
case(
    "exact cookie with unicode",
    op="encode",
    state=st(recent_items=["chaussure-été", "靴"], interests={"category:randonnée": [2.5, T + 1]}),
)
case(
    "exact cookie under another key",
    op="encode",
    state={"visitor_id": "v-new", "created_at": T, "updated_at": T, "session_started_at": T},
    key="another-key",
)
case(
    "exact cookie with quantized floats",
    op="encode",
    state=st(interests={"category:a": [1 / 3, T + 10]}, counts={"hover": [0.25, T + 10]}),
)
case("exact version 1 cookie of the typical state", op="encode", state=TYPICAL,
     payload_version=1)
# which version: 2 unless a time or counter does not fit its 32-bit columns
case(
    "roundtrip times before 1970 use version 1",
    op="roundtrip",
    state=st(created_at=-100, updated_at=-50, session_started_at=-60),
)
case(
    "roundtrip times past 2106 use version 1",
    op="roundtrip",
    state=st(created_at=2**32, updated_at=2**32 + 5, session_started_at=2**32 + 1),
    now=2**32 + 10,
)
case(
    "roundtrip a counter past the 32-bit column uses version 1",
    op="roundtrip",
    state=st(interests={"category:x": [2147483.648, T + 5]}),
)
case(
    "roundtrip at the edges of the version 2 columns",
    op="roundtrip",
    state=st(
        last_purchase_at=2**32 - 1,
        interests={"category:x": [2147483.647, T + 5], "category:y": [-2147483.648, 1]},
    ),
    now=2**32 - 1,
)
for count in (255, 256, 65535, 65536):
    case(
        f"roundtrip visit count {count} sets the small column's width",
        op="roundtrip",
        state=st(visit_count=count),
    )
# eviction
for limit in (1000, 600, 300, 150, 100, 80):
    case(
        f"eviction fits {limit} characters",
        op="roundtrip",
        state=big(),
        settings={"cookie_max_bytes": limit},
    )
case(
    "eviction drops the oldest exposure after the event log",
    op="roundtrip",
    state=st(
        events=[{"ts": T + 1, "type": "view", "item": "x" * 30, "category": None}],
        exposures={"a": [T + 10, T + 20], "b": [T + 5, T + 30]},
    ),
    settings={"cookie_max_bytes": 92},
)
case(
    "eviction drops the lowest decayed interest first",
    op="roundtrip",
    state=st(
        interests={
            "category:" + "o" * 20: [8.0, T - 30 * 86400],
            "category:" + "n" * 20: [1.0, T + 3000],
        }
    ),
    settings={"cookie_max_bytes": 128},
)
case(
    "eviction shortens an enormous visitor id",
    op="roundtrip",
    state=st(visitor_id="v" * 3000),
    settings={"cookie_max_bytes": 100},
)
case(
    "eviction gives an empty value when nothing fits",
    op="encode",
    state=TYPICAL,
    settings={"cookie_max_bytes": 10},
)
case(
    "eviction keeps the default limit with long ids",
    op="roundtrip",
    state=dict(
        big(),
        recent_items=["r" * 100 + str(i) for i in range(12)],
        cart=["c" * 100 + str(i) for i in range(20)],
    ),
    fields=None,
)
# rejections
ENC = dict(op="tamper", state=TYPICAL)
case("decode missing cookie", op="decode", value=None)
case("decode empty cookie", op="decode", value="")
case("decode garbage word", op="decode", value="hello")
case("decode garbage with a dot", op="decode", value="a.b")
case("decode only dots", op="decode", value="...")
case("decode bad base64 characters", op="decode", value="AQ!A.AAAAAAAAAAAAAAAAAAAAAA")
case("decode bad base64 length", op="decode", value="AQCAx.AAAAAAAAAAAAAAAAAAAAAA")
case("decode oversized value", op="decode", value="A" * 5000)
case("decode non-ascii", op="decode", value="AQ\u00e9A.AAAAAAAAAAAAAAAAAAAAAA")
case("tamper nothing decodes the original", **ENC, mutations=[])
case("tamper signature character", **ENC, mutations=[{"op": "set_char", "index": -3, "char": "Z"}])
case(
    "tamper signature other character",
    **ENC,
    mutations=[{"op": "set_char", "index": -1, "char": "A"}],
)
case("tamper payload character", **ENC, mutations=[{"op": "set_char", "index": 10, "char": "B"}])
case(
    "tamper payload byte without resigning",
    **ENC,
    mutations=[{"op": "payload_byte", "index": 5, "value": 7}],
)
case("truncated value", **ENC, mutations=[{"op": "truncate", "keep": 60}])
case("truncated by one character", **ENC, mutations=[{"op": "truncate", "keep": -1}])
case("signature removed", **ENC, mutations=[{"op": "replace", "old": ".", "new": ""}])
case("signature emptied", **ENC, mutations=[{"op": "truncate", "keep": -22}])
case("extra dot appended", **ENC, mutations=[{"op": "append", "text": "."}])
case("padding appended", **ENC, mutations=[{"op": "append", "text": "=="}])
case("leading space", **ENC, mutations=[{"op": "prepend", "text": " "}])
case("wrong key", **ENC, decode_key="other-key")
case(
    "unknown version byte 3 even when signed",
    **ENC,
    mutations=[{"op": "payload_byte", "index": 0, "value": 3, "resign": True}],
)
case(
    "a version 1 body under the version 2 byte even when signed",
    **ENC,
    payload_version=1,
    mutations=[{"op": "payload_byte", "index": 0, "value": 2, "resign": True}],
)
case(
    "wrong version byte 0 even when signed",
    **ENC,
    mutations=[{"op": "payload_byte", "index": 0, "value": 0, "resign": True}],
)
case(
    "unknown flag bit even when signed",
    **ENC,
    mutations=[{"op": "payload_byte", "index": 1, "value": 2, "resign": True}],
)
case(
    "zlib flag on a raw body even when signed",
    **ENC,
    mutations=[{"op": "payload_byte", "index": 1, "value": 1, "resign": True}],
)
case(
    "trailing bytes even when signed",
    **ENC,
    mutations=[{"op": "payload_append", "hex": "00", "resign": True}],
)
case(
    "truncated payload even when signed",
    **ENC,
    mutations=[{"op": "payload_cut", "keep": 40, "resign": True}],
)
case(
    "header only payload even when signed",
    **ENC,
    mutations=[{"op": "payload_cut", "keep": 2, "resign": True}],
)
case(
    "version byte only even when signed",
    **ENC,
    mutations=[{"op": "payload_cut", "keep": 1, "resign": True}],
)
case(
    "empty payload even when signed",
    **ENC,
    mutations=[{"op": "payload_cut", "keep": 0, "resign": True}],
)
case(
    "string reference out of range even when signed",
    op="tamper",
    state={"visitor_id": "v", "created_at": T, "updated_at": T, "session_started_at": T},
    payload_version=1,
    mutations=[{"op": "payload_byte", "index": 7, "value": 9, "resign": True}],
)
# version 2 (columns): for this state the payload is 2, flags, width, 4 header varints, then
# the small column: 1 string, its length 1, the visitor's reference 1, ...
FRESH_V = {"visitor_id": "v", "created_at": T, "updated_at": T, "session_started_at": T}
for name, index, value in (
    ("an unknown column width", 2, 3),
    ("a column count past the payload", 3, 0x7F),
    ("a string length past the text", 8, 5),
    ("a string reference out of range", 9, 9),
    ("a missing visitor reference", 9, 0),
):
    case(
        f"version 2 with {name} even when signed",
        op="tamper",
        state=FRESH_V,
        mutations=[{"op": "payload_byte", "index": index, "value": value, "resign": True}],
    )
case("version 2 of the probe state decodes", op="tamper", state=FRESH_V)
case(
    "version 2 truncated column even when signed",
    **ENC,
    mutations=[{"op": "payload_cut", "keep": 30, "resign": True}],
)
case("version 1 cookie still decodes", **ENC, payload_version=1)
case("version 1 compressed cookie still decodes", op="tamper", state=big(), compress=True,
     payload_version=1)
case(
    "version 1 trailing bytes even when signed",
    **ENC,
    payload_version=1,
    mutations=[{"op": "payload_append", "hex": "00", "resign": True}],
)
case(
    "future-dated created_at",
    op="tamper",
    state=st(created_at=NOW + 3600, updated_at=NOW + 3600, session_started_at=NOW + 3600),
)
case("future-dated updated_at", op="tamper", state=st(updated_at=NOW + 900))
case(
    "slightly future-dated within clock skew is accepted",
    op="tamper",
    state=st(updated_at=NOW + 200),
)
case("cookie from an older clock decodes later", **ENC, decode_now=NOW + 86400 * 400)
case(
    "compressed cookie with a tampered byte",
    op="tamper",
    state=big(),
    compress=True,
    mutations=[{"op": "payload_byte", "index": 20, "value": 0, "resign": True}],
)
case("compressed cookie decodes", op="tamper", state=big(), compress=True)

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
for c in cases:
    c["input"].pop("fields", None)
    c["expect"] = json.loads(json.dumps(H.run(c["input"]), sort_keys=True))
json.dump(
    {"kind": "state_codec", "cases": cases}, open(sys.argv[1], "w"), indent=1, ensure_ascii=False
)
print(len(cases))
