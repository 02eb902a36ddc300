# ruff: noqa: E402, E501  (a data-heavy generator script: long literal lines)
import json
import sys

sys.path.insert(0, "/work/main")
sys.path.insert(0, "/work/main/tests/spec")
from handlers import fold as H

T = 1_700_000_000
NOW = T + 600
CAT = {
    "boots": {"category": "hiking", "brand": "acme", "tags": ["waterproof", "leather"]},
    "tent": {"category": "camping", "brand": "trek", "tags": ["waterproof"]},
    "sock": {"category": "hiking", "brand": "acme", "tags": []},
    "mug": {"category": "kitchen", "tags": ["gift", "gift", ""]},
}


def st(**kw):
    base = {"visitor_id": "v1", "created_at": T, "updated_at": T + 500, "session_started_at": T}
    base.update(kw)
    return base


cases = []


def case(name, **inp):
    inp.setdefault("now", NOW)
    inp.setdefault("catalog", CAT)
    cases.append({"name": name, "input": inp})


def ev(type_, **kw):
    e = {"id": f"e-{type_}", "type": type_, "ts": NOW - 10}
    e.update(kw)
    return e


ALLF = None
F_INT = ["interests", "counts", "revision", "updated_at"]

# each type on a fresh visitor (full state)
case(
    "view of an item on a fresh visitor",
    op="fold",
    created=T,
    event=ev("view", item="boots", path="/products/boots"),
)
case("click counts like a view", op="fold", created=T, event=ev("click", item="tent"))
case(
    "hover adds a quarter and is neither logged nor recent",
    op="fold",
    created=T,
    event=ev("hover", item="boots"),
)
case(
    "dwell of 90 seconds weighs 1.5",
    op="fold",
    created=T,
    event=ev("dwell", item="sock", value=90),
    fields=F_INT + ["events"],
)
case(
    "dwell is capped at 120 seconds",
    op="fold",
    created=T,
    event=ev("dwell", item="sock", value=600),
    fields=F_INT,
)
case(
    "dwell without a value is ignored",
    op="fold",
    created=T,
    event=ev("dwell", item="sock"),
    fields=F_INT,
)
case(
    "negative dwell is ignored",
    op="fold",
    created=T,
    event=ev("dwell", item="sock", value=-5),
    fields=F_INT,
)
case(
    "scroll depth as a fraction",
    op="fold",
    created=T,
    event=ev("scroll", item="tent", value=0.5),
    fields=F_INT + ["events", "recent_items"],
)
case(
    "scroll depth as a percent",
    op="fold",
    created=T,
    event=ev("scroll", item="tent", value=80),
    fields=F_INT,
)
case(
    "scroll depth beyond 100 percent is capped",
    op="fold",
    created=T,
    event=ev("scroll", item="tent", value=150),
    fields=F_INT,
)
case("add to cart on a fresh visitor", op="fold", created=T, event=ev("add_to_cart", item="boots"))
case(
    "add to cart twice keeps one cart entry",
    op="fold_many",
    created=T,
    events=[
        ev("add_to_cart", item="boots", ts=NOW - 20),
        ev("add_to_cart", item="boots", ts=NOW - 10),
    ],
    fields=["cart", "cart_changed_at", "counts", "revision", "recent_items"],
)
case("add to cart without an item is ignored", op="fold", created=T, event=ev("add_to_cart"))
case(
    "remove from cart",
    op="fold",
    state=st(cart=["boots", "tent"], cart_changed_at=T + 100),
    event=ev("remove_from_cart", item="boots"),
    fields=["cart", "cart_changed_at", "counts", "interests", "events", "recent_items"],
)
case(
    "remove an item not in the cart leaves the cart",
    op="fold",
    state=st(cart=["tent"], cart_changed_at=T + 100),
    event=ev("remove_from_cart", item="boots"),
    fields=["cart", "cart_changed_at", "counts", "revision"],
)
case(
    "purchase of a cart item",
    op="fold",
    state=st(cart=["boots", "tent"], cart_changed_at=T + 100),
    event=ev("purchase", item="boots", value=129.0),
)
case(
    "purchase without an item buys the whole cart",
    op="fold",
    state=st(cart=["boots", "tent"], cart_changed_at=T + 100, purchases=["mug"]),
    event=ev("purchase"),
    fields=[
        "cart",
        "cart_changed_at",
        "purchases",
        "last_purchase_at",
        "counts",
        "interests",
        "events",
    ],
)
case(
    "purchase of an item not in the cart",
    op="fold",
    state=st(cart=["tent"], cart_changed_at=T + 100),
    event=ev("purchase", item="sock"),
    fields=["cart", "cart_changed_at", "purchases", "last_purchase_at"],
)
case(
    "repeat purchase moves to the front without duplicates",
    op="fold",
    state=st(purchases=["tent", "boots", "sock"], last_purchase_at=T),
    event=ev("purchase", item="boots"),
    fields=["purchases", "last_purchase_at"],
)
case(
    "purchases are bounded",
    op="fold",
    state=st(purchases=["a", "b"]),
    event=ev("purchase", item="boots"),
    settings={"purchases_max": 2},
    fields=["purchases"],
)
case(
    "search adds a normalised search interest",
    op="fold",
    created=T,
    event=ev("search", query="  Waterproof   BOOTS!! "),
)
case(
    "search with an empty query is ignored", op="fold", created=T, event=ev("search", query=" ?! ")
)
case("search without a query is ignored", op="fold", created=T, event=ev("search"))
case(
    "search term is cut to 40 characters",
    op="fold",
    created=T,
    event=ev("search", query="trail running shoes for wide feet with extra cushioning"),
    fields=["interests"],
)
case(
    "exposure event records the block in item",
    op="fold",
    created=T,
    event=ev("exposure", item="hero-spring"),
)
case("exposure without a block is ignored", op="fold", created=T, event=ev("exposure", value=1))
# validation
case("unknown type is ignored", op="fold", created=T, event=ev("teleport", item="boots"))
case(
    "type that is not a string is ignored",
    op="fold",
    created=T,
    event={"type": 3, "item": "boots", "ts": NOW},
)
case("event that is not a map is ignored", op="fold", created=T, event=["view", "boots"])
case("item that is not a string is ignored", op="fold", created=T, event=ev("view", item=42))
case("empty item is ignored", op="fold", created=T, event=ev("view", item=""))
case(
    "item id over 128 characters is ignored", op="fold", created=T, event=ev("view", item="x" * 129)
)
case(
    "value that is a string is ignored",
    op="fold",
    created=T,
    event=ev("view", item="boots", value="3"),
)
case(
    "value that is a boolean is ignored",
    op="fold",
    created=T,
    event=ev("view", item="boots", value=True),
)
case(
    "query that is not a string makes a search ignored",
    op="fold",
    created=T,
    event=ev("search", query=["boots"]),
)
case(
    "timestamp in milliseconds",
    op="fold",
    created=T,
    event=ev("view", item="boots", ts=(NOW - 30) * 1000 + 999),
    fields=["events", "counts"],
)
case(
    "future timestamp is clamped to now",
    op="fold",
    created=T,
    event=ev("view", item="boots", ts=NOW + 86400),
    fields=["events", "counts", "updated_at"],
)
case(
    "missing timestamp means now",
    op="fold",
    created=T,
    event={"type": "click", "item": "boots"},
    fields=["events", "counts"],
)
case(
    "timestamp older than 30 days is ignored",
    op="fold",
    created=T,
    event=ev("view", item="boots", ts=NOW - 30 * 86400 - 1),
)
case(
    "timestamp 29 days old is kept",
    op="fold",
    created=T,
    event=ev("view", item="boots", ts=NOW - 29 * 86400),
    fields=["events", "counts", "interests"],
)
case(
    "string timestamp is ignored",
    op="fold",
    created=T,
    event=ev("view", item="boots", ts="yesterday"),
)
case("negative timestamp is ignored", op="fold", created=T, event=ev("view", item="boots", ts=-5))
case("boolean timestamp is ignored", op="fold", created=T, event=ev("view", item="boots", ts=True))
case(
    "unknown item still counts and is logged",
    op="fold",
    created=T,
    event=ev("view", item="mystery"),
    fields=["counts", "interests", "recent_items", "events"],
)
case(
    "view without an item counts and is logged",
    op="fold",
    created=T,
    event=ev("view", path="/"),
    fields=["counts", "interests", "recent_items", "events"],
)
case(
    "duplicate and empty tags count once",
    op="fold",
    created=T,
    event=ev("view", item="mug"),
    fields=["interests"],
)
# decay and ordering
case(
    "interest decays one half life then adds",
    op="fold",
    state=st(interests={"category:hiking": [4.0, NOW - 72 * 3600]}),
    event=ev("view", item="sock", ts=NOW),
    fields=["interests"],
)
case(
    "a late event is decayed to the counter's time",
    op="fold",
    state=st(interests={"category:hiking": [1.0, NOW]}, counts={"view": [1.0, NOW]}),
    event=ev("view", item="sock", ts=NOW - 72 * 3600),
    fields=["interests", "counts"],
)
case(
    "half life setting changes the decay",
    op="fold",
    state=st(interests={"category:hiking": [4.0, NOW - 3600]}),
    event=ev("view", item="sock", ts=NOW),
    settings={"half_life_hours": 1.0},
    fields=["interests"],
)
case(
    "recent items move to the front and are bounded",
    op="fold",
    state=st(recent_items=["tent", "boots", "sock"]),
    event=ev("view", item="boots"),
    settings={"recent_items_max": 2},
    fields=["recent_items"],
)
case(
    "event log drops the oldest",
    op="fold",
    state=st(
        events=[{"ts": T + i, "type": "view", "item": f"i{i}", "category": None} for i in range(3)]
    ),
    event=ev("click", item="tent"),
    settings={"event_log_max": 3},
    fields=["events"],
)
case(
    "a late event is inserted in time order",
    op="fold",
    state=st(
        events=[
            {"ts": NOW - 300, "type": "view", "item": "a", "category": None},
            {"ts": NOW - 100, "type": "view", "item": "b", "category": None},
        ]
    ),
    event=ev("click", item="tent", ts=NOW - 200),
    fields=["events"],
)
case(
    "interests are bounded by the lowest decayed value",
    op="fold",
    state=st(
        interests={"category:old": [5.0, NOW - 30 * 86400 + 100], "category:kitchen": [0.5, NOW]}
    ),
    event=ev("view", item="tent"),
    settings={"interests_max": 3},
    fields=["interests"],
)
case(
    "cart is bounded oldest first",
    op="fold",
    state=st(cart=["a", "b"]),
    event=ev("add_to_cart", item="boots"),
    settings={"cart_max": 2},
    fields=["cart"],
)
case(
    "updated_at never goes back",
    op="fold",
    state=st(updated_at=NOW + 50),
    event=ev("view", item="boots"),
    fields=["updated_at", "revision"],
)
# sessions
case(
    "event after a 31 minute gap starts a session",
    op="fold",
    state=st(updated_at=NOW - 31 * 60, session_pages=5, visit_count=2),
    event=ev("view", item="boots"),
    fields=["visit_count", "session_started_at", "session_pages", "updated_at"],
)
case(
    "event after a 29 minute gap continues the session",
    op="fold",
    state=st(updated_at=NOW - 29 * 60, session_pages=5, visit_count=2),
    event=ev("view", item="boots"),
    fields=["visit_count", "session_started_at", "session_pages", "updated_at"],
)
case("touch counts a page on a fresh visitor", op="touch", created=NOW)
case(
    "touch after a gap starts a session and counts the page",
    op="touch",
    state=st(updated_at=NOW - 3600, session_pages=5, visit_count=2),
    fields=["visit_count", "session_started_at", "session_pages", "updated_at", "revision"],
)
case(
    "touch without a page",
    op="touch",
    state=st(updated_at=NOW - 100, session_pages=5),
    page=False,
    fields=["visit_count", "session_started_at", "session_pages", "updated_at", "revision"],
)
case(
    "session gap setting",
    op="touch",
    state=st(updated_at=NOW - 400, session_pages=5),
    settings={"session_gap_minutes": 5},
    fields=["visit_count", "session_started_at", "session_pages"],
)
# exposures
case(
    "record exposures keeps the newest per block",
    op="record_exposure",
    state=st(exposures={"hero": [NOW - 300, NOW - 200]}),
    blocks=["hero", "recs"],
    settings={"exposures_per_block_max": 2},
    fields=["exposures", "revision", "updated_at"],
)
case(
    "record exposures forgets the least recently shown block",
    op="record_exposure",
    state=st(exposures={f"b{i:02d}": [NOW - 1000 + i] for i in range(16)}),
    blocks=["new"],
    fields=["exposures"],
)
case(
    "record exposure with zero per-block limit keeps nothing",
    op="record_exposure",
    created=T,
    blocks=["hero"],
    settings={"exposures_per_block_max": 0},
    fields=["exposures", "revision"],
)
# batches
case(
    "fold many: browse, cart and buy",
    op="fold_many",
    created=T,
    events=[
        ev("view", item="tent", ts=NOW - 500),
        ev("view", item="boots", ts=NOW - 400),
        ev("dwell", item="boots", value=60, ts=NOW - 350),
        ev("add_to_cart", item="boots", ts=NOW - 300),
        ev("add_to_cart", item="sock", ts=NOW - 250),
        ev("purchase", ts=NOW - 100),
    ],
)
case(
    "fold many skips bad events",
    op="fold_many",
    created=T,
    events=[
        ev("view", item="boots"),
        {"type": "nope"},
        "junk",
        None,
        ev("click", item=5),
        ev("click", item="tent"),
    ],
    fields=["counts", "revision", "recent_items"],
)
case(
    "fold many with only bad events is ignored",
    op="fold_many",
    created=T,
    events=[{"type": "nope"}, 7],
)
case("fold many with no events is ignored", op="fold_many", created=T, events=[])
# helpers
case(
    "decayed interests and counts at now",
    op="interests",
    state=st(
        interests={"category:hiking": [4.0, NOW - 72 * 3600], "brand:acme": [1.0, NOW]},
        counts={"view": [8.0, NOW - 144 * 3600]},
    ),
    keys=["category:hiking", "brand:acme", "category:absent"],
)
case(
    "decay with a zero half life keeps values",
    op="interests",
    state=st(interests={"category:hiking": [4.0, NOW - 72 * 3600]}),
    settings={"half_life_hours": 0},
    keys=["category:hiking"],
)
case(
    "counters are not decayed backwards",
    op="interests",
    state=st(interests={"category:hiking": [4.0, NOW + 100]}),
    keys=["category:hiking"],
)

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
for c in cases:
    if c["input"].get("fields") is None:
        c["input"].pop("fields", None)
    c["expect"] = json.loads(json.dumps(H.run(c["input"]), sort_keys=True))
json.dump({"kind": "fold", "cases": cases}, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
print(len(cases))
