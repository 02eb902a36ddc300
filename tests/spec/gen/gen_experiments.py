# ruff: noqa: E402, E501  (a data-heavy generator script: long literal lines)
"""Generates tests/spec/experiments.json. A/B, layer and holdout expectations come from
GrowthBook SDK primitives (gbhash v2, getBucketRanges, chooseVariation) applied to the rules
in core/experiments.py's docstring; bandit arm choices are pinned from core.bandit (they
check CPython and Pyodide agree) except where posteriors make the answer certain."""

import json
import sys

from growthbook.core import chooseVariation, gbhash, getBucketRanges

sys.path.insert(0, "tests/spec")
from handlers import experiments as eh

from core import bandit

NOW = 1_763_900_000  # a fixed Unix time
cases = []


def add(name, inp, expect):
    cases.append({"name": name, "input": inp, "expect": expect})


def gb_ab(exp, v, holdout=None, assignments=None):
    if holdout and gbhash(holdout["seed"], v, 2) < holdout["percent"] / 100:
        return None
    ids = [x["id"] for x in exp["variations"]]
    sticky = (assignments or {}).get(exp["id"], "").partition("@")[0]
    if sticky in ids:
        return sticky
    start, end = exp.get("range", [0, 1])
    layer = exp.get("layer") or exp["id"]
    if not start <= gbhash("__" + layer, v, 2) < end:
        return None
    weights = [x["weight"] for x in exp["variations"]]
    total = sum(weights)
    weights = [w / total for w in weights] if total else [1 / len(ids)] * len(ids)
    idx = chooseVariation(
        gbhash(exp.get("seed") or exp["id"], v, 2), getBucketRanges(len(ids), 1, weights)
    )
    return ids[idx]


def V(*pairs):
    return [{"id": i, "weight": w, "blocks": {"hero": f"{i}_block"}} for i, w in pairs]


hero = {
    "id": "hero",
    "seed": "hero-2026",
    "kind": "ab",
    "variations": V(("control", 0.5), ("treat", 0.5)),
}
three = {
    "id": "cta",
    "seed": "cta-seed",
    "kind": "ab",
    "variations": V(("a", 0.2), ("b", 0.3), ("c", 0.5)),
}
layer = [
    {
        "id": "price-1",
        "seed": "p1",
        "layer": "pricing",
        "range": [0.0, 0.3],
        "kind": "ab",
        "variations": V(("x", 0.5), ("y", 0.5)),
    },
    {
        "id": "price-2",
        "seed": "p2",
        "layer": "pricing",
        "range": [0.3, 0.6],
        "kind": "ab",
        "variations": V(("x", 0.5), ("y", 0.5)),
    },
    {
        "id": "price-3",
        "seed": "p3",
        "layer": "pricing",
        "range": [0.6, 0.9],
        "kind": "ab",
        "variations": V(("x", 0.5), ("y", 0.5)),
    },
]
partial = {
    "id": "banner",
    "seed": "banner",
    "range": [0.0, 0.25],
    "kind": "ab",
    "variations": V(("off", 0.5), ("on", 0.5)),
}
zero = {"id": "zero", "seed": "zero", "kind": "ab", "variations": V(("a", 0), ("b", 0), ("c", 0))}
unnormal = {"id": "unnormal", "seed": "un", "kind": "ab", "variations": V(("a", 1), ("b", 3))}


def visitors(prefix, n):
    return [f"{prefix}-{i}" for i in range(n)]


def ab_case(name, exps, vs, holdout=None, assignments=None):
    inp = {"op": "assign", "experiments": exps, "visitors": vs, "now": NOW}
    if holdout:
        inp["holdout"] = holdout
    if assignments:
        inp["assignments"] = assignments
    add(name, inp, {v: {e["id"]: gb_ab(e, v, holdout, assignments) for e in exps} for v in vs})


for k in range(4):
    ab_case(f"ab 50/50 visitors batch {k}", [hero], visitors(f"b{k}", 8))
for k in range(3):
    ab_case(f"weights 20/30/50 batch {k}", [three], visitors(f"w{k}", 10))
ab_case("weights not summing to one are normalised", [unnormal], visitors("n", 12))
# 0.7 + 0.2 + 0.1 is 0.9999999999999999 added left to right (JS reduce, GrowthBook) but 1.0
# with Python 3.12+'s compensated sum(); these visitors hash exactly onto the boundaries
split = {"id": "split", "seed": "split-seed", "kind": "ab",
         "variations": V(("a", 0.7), ("b", 0.2), ("c", 0.1))}
ab_case("weights 70/20/10 at exact bucket boundaries", [split],
        ["v15791", "v20305", "v964", "v3737", "v1", "v2"])
ab_case("all-zero weights split equally", [zero], visitors("z", 12))
for k in range(3):
    ab_case(f"layer pricing exclusive batch {k}", layer, visitors(f"l{k}", 12))
ab_case("range without layer is traffic share", [partial], visitors("p", 16))
ab_case(
    "holdout 10 percent",
    [hero, three],
    visitors("h", 16),
    holdout={"percent": 10, "seed": "hold-2026"},
)
ab_case("holdout 0 percent", [hero], visitors("h0", 6), holdout={"percent": 0, "seed": "hold"})
ab_case(
    "sticky variation kept",
    [hero, partial],
    visitors("s", 8),
    assignments={"hero": "treat", "banner": "on"},
)
ab_case(
    "sticky variation removed is redrawn",
    [hero],
    visitors("s", 8),
    assignments={"hero": "old-variant"},
)
ab_case(
    "sticky with bandit suffix on ab", [hero], visitors("s", 4), assignments={"hero": "control@123"}
)
ab_case("unicode visitor ids", [hero, three], ["ü-1", "😀", "日本-7", "visitor with space"])
hv = visitors("hx", 40)
add(
    "holdout membership 20 percent",
    {"op": "holdout", "holdout": {"percent": 20, "seed": "hold-2026"}, "visitors": hv},
    {v: gbhash("hold-2026", v, 2) < 0.2 for v in hv},
)
add("holdout absent", {"op": "holdout", "visitors": hv[:5]}, {v: False for v in hv[:5]})

# bandits
bandit_exp = {
    "id": "recs-bandit",
    "seed": "rb",
    "kind": "bandit",
    "time_bucket_hours": 24,
    "variations": V(("popular", 1), ("similar", 1), ("trending", 1)),
    "arms": [{"alpha": 12, "beta": 88}, {"alpha": 20, "beta": 80}, {"alpha": 15, "beta": 85}],
}
sure = {
    "id": "sure",
    "seed": "sure",
    "kind": "bandit",
    "variations": V(("bad", 1), ("good", 1)),
    "arms": [{"alpha": 1, "beta": 5000}, {"alpha": 5000, "beta": 1}],
}
bv = visitors("bv", 10)
tb = bandit.time_bucket(NOW, 24)
for label, now in [
    ("bucket start", NOW),
    ("same bucket 1h later", NOW + 3600),
    ("next day", NOW + 86400),
    ("two days", NOW + 2 * 86400),
]:
    inp = {"op": "assign", "experiments": [bandit_exp], "visitors": bv, "now": now}
    add(f"bandit arm pinned {label}", inp, eh.run(inp))
same = eh.run({"op": "assign", "experiments": [bandit_exp], "visitors": bv, "now": NOW})
assert same == eh.run(
    {"op": "assign", "experiments": [bandit_exp], "visitors": bv, "now": NOW + 3600}
)
add(
    "bandit certain winner",
    {"op": "assign", "experiments": [sure], "visitors": bv, "now": NOW},
    {v: {"sure": "good"} for v in bv},
)
add(
    "bandit sticky within bucket beats posteriors",
    {
        "op": "assign",
        "experiments": [sure],
        "visitors": bv,
        "now": NOW,
        "assignments": {"sure": f"bad@{tb}"},
    },
    {v: {"sure": "bad"} for v in bv},
)
add(
    "bandit sticky from old bucket is redrawn",
    {
        "op": "assign",
        "experiments": [sure],
        "visitors": bv,
        "now": NOW,
        "assignments": {"sure": f"bad@{tb - 1}"},
    },
    {v: {"sure": "good"} for v in bv},
)
add(
    "bandit bare sticky value is redrawn",
    {
        "op": "assign",
        "experiments": [sure],
        "visitors": bv,
        "now": NOW,
        "assignments": {"sure": "bad"},
    },
    {v: {"sure": "good"} for v in bv},
)
noarms = {
    "id": "flat",
    "seed": "flat",
    "kind": "bandit",
    "time_bucket_hours": 6,
    "variations": V(("a", 1), ("b", 1)),
}
inp = {"op": "assign", "experiments": [noarms], "visitors": visitors("f", 8), "now": NOW}
add("bandit without arms uses Beta(1,1)", inp, eh.run(inp))
layered_bandit = dict(bandit_exp, id="lb", layer="pricing", range=[0.9, 1.0])
lv = visitors("lbv", 20)
inp = {"op": "assign", "experiments": layer + [layered_bandit], "visitors": lv, "now": NOW}
res = eh.run(inp)
for v in lv:  # bandit only for layer positions in [0.9, 1)
    assert (res[v]["lb"] is not None) == (0.9 <= gbhash("__pricing", v, 2) < 1.0)
    assert sum(x is not None for x in res[v].values()) <= 1
add("bandit in a layer slice", inp, res)
add(
    "sticky value ab",
    {
        "op": "sticky_value",
        "experiments": [hero],
        "experiment": "hero",
        "variation": "treat",
        "now": NOW,
    },
    "treat",
)
add(
    "sticky value bandit",
    {
        "op": "sticky_value",
        "experiments": [bandit_exp],
        "experiment": "recs-bandit",
        "variation": "similar",
        "now": NOW,
    },
    f"similar@{NOW // 86400}",
)
add(
    "sticky value bandit 6h buckets",
    {
        "op": "sticky_value",
        "experiments": [noarms],
        "experiment": "flat",
        "variation": "a",
        "now": NOW,
    },
    f"a@{NOW // 21600}",
)
ids = [f"v{i}" for i in range(1000)]


def gb_shares(exp):
    out = {x["id"]: 0 for x in exp["variations"]}
    for v in ids:
        out[gb_ab(dict(exp, range=[0, 1], layer=None), v)] += 1
    return {k: round(c / len(ids), 6) for k, c in out.items()}


add(
    "shares ab 20/30/50 over 1000",
    {"op": "shares", "experiments": [three], "experiment": "cta", "n": 1000, "now": NOW},
    gb_shares(three),
)
inp = {
    "op": "shares",
    "experiments": [bandit_exp],
    "experiment": "recs-bandit",
    "n": 1000,
    "now": NOW,
}
add("shares bandit over 1000 pinned", inp, eh.run(inp))
add(
    "shares certain bandit",
    {"op": "shares", "experiments": [sure], "experiment": "sure", "n": 200, "now": NOW},
    {"bad": 0.0, "good": 1.0},
)
for name, exp in [
    ("reject unknown kind", dict(hero, kind="mab")),
    ("reject no variations", dict(hero, variations=[])),
    ("reject duplicate variation ids", dict(hero, variations=V(("a", 1), ("a", 1)))),
    ("reject negative weight", dict(hero, variations=V(("a", -1), ("b", 2)))),
    ("reject zero alpha", dict(bandit_exp, arms=[{"alpha": 0, "beta": 1}])),
    ("reject inverted range", dict(hero, range=[0.6, 0.4])),
    ("reject range above one", dict(hero, range=[0.5, 1.5])),
    ("reject missing id", {k: v for k, v in hero.items() if k != "id"}),
]:
    add(
        name,
        {"op": "assign", "experiments": [exp], "visitors": ["x"], "now": NOW},
        {"error": "ExperimentError"},
    )
add(
    "reject overlapping slices in one layer",
    {
        "op": "assign",
        "experiments": [layer[0], dict(layer[1], range=[0.25, 0.6])],
        "visitors": ["x"],
        "now": NOW,
    },
    {"error": "ExperimentError"},
)
add(
    "touching slices and other layers are fine",
    {
        "op": "assign",
        "experiments": [layer[0], dict(layer[1], layer="other", range=[0.0, 1.0])],
        "visitors": ["x"],
        "now": NOW,
    },
    {
        "x": {
            layer[0]["id"]: gb_ab(layer[0], "x"),
            layer[1]["id"]: gb_ab(dict(layer[1], layer="other", range=[0.0, 1.0]), "x"),
        }
    },
)
add(
    "reject duplicate experiment ids",
    {"op": "assign", "experiments": [hero, hero], "visitors": ["x"], "now": NOW},
    {"error": "ExperimentError"},
)
# targeting (core.conditions): the condition decides membership; sticky values need it too
de = dict(hero, id="de-only", seed="de", when={"country": "DE"})
evening = dict(
    three, id="evening", when={"device": {"$in": ["mobile", "tablet"]}, "local_hour": {"$gte": 18}}
)
tv = visitors("t", 8)


def target_case(name, attrs, match, assignments=None):
    inp = {
        "op": "assign",
        "experiments": [de, evening],
        "visitors": tv,
        "now": NOW,
        "attributes": attrs,
    }
    if assignments:
        inp["assignments"] = assignments
    add(
        name,
        inp,
        {
            v: {
                e["id"]: (gb_ab(e, v, None, assignments) if match[e["id"]] else None)
                for e in (de, evening)
            }
            for v in tv
        },
    )


target_case(
    "targeting DE mobile evening",
    {"country": "DE", "device": "mobile", "local_hour": 20},
    {"de-only": True, "evening": True},
)
target_case(
    "targeting FR desktop evening",
    {"country": "FR", "device": "desktop", "local_hour": 20},
    {"de-only": False, "evening": False},
)
target_case(
    "targeting DE tablet morning",
    {"country": "DE", "device": "tablet", "local_hour": 8},
    {"de-only": True, "evening": False},
)
target_case("targeting missing attributes", {}, {"de-only": False, "evening": False})
target_case(
    "targeting sticky needs a match",
    {"country": "FR", "device": "mobile", "local_hour": 23},
    {"de-only": False, "evening": True},
    assignments={"de-only": "treat", "evening": "a"},
)
add(
    "reject invalid condition",
    {
        "op": "assign",
        "experiments": [dict(hero, when={"$bogus": 1})],
        "visitors": ["x"],
        "now": NOW,
    },
    {"error": "ExperimentError"},
)
add(
    "reject $in without list",
    {
        "op": "assign",
        "experiments": [dict(hero, when={"country": {"$in": "DE"}})],
        "visitors": ["x"],
        "now": NOW,
    },
    {"error": "ExperimentError"},
)
assert len({c["name"] for c in cases}) == len(cases)
with open("tests/spec/experiments.json", "w", encoding="utf-8") as f:
    json.dump(
        {"kind": "experiments", "cases": cases}, f, indent=1, ensure_ascii=False, sort_keys=True
    )
    f.write("\n")
print("experiments", len(cases))
