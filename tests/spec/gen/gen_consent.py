# ruff: noqa: E402, E501  (a data-heavy generator script: long literal lines)
"""Generates tests/spec/consent.json. Expectations are written by hand from the rules in
core/consent.py's docstring (not computed by the code under test)."""

import json

from core import tcf

POLICY = {"vendor_id": 1234, "profile_purposes": [1, 5, 6], "sensitive": ["health", "finance"]}
NOVENDOR = {"vendor_id": None, "profile_purposes": [1, 5, 6], "sensitive": ["health", "finance"]}
ALL = list(range(1, 12))


def E(profile, share, purposes, optins, source):
    return {
        "profile": profile,
        "store": profile,
        "share": share,
        "purposes": purposes,
        "sensitive_optins": optins,
        "source": source,
    }


T = 1700000000
tc_all_vendor = tcf.encode(created=T, purpose_consents=ALL, vendor_consents=[1234])
tc_all_other = tcf.encode(created=T, purpose_consents=ALL, vendor_consents=[99, 1233, 1235])
tc_156_vendor = tcf.encode(created=T, purpose_consents=[1, 5, 6], vendor_consents=[7, 1234])
tc_15_vendor = tcf.encode(created=T, purpose_consents=[1, 5], vendor_consents=[1234])
tc_li_only = tcf.encode(
    created=T,
    purpose_consents=[1],
    purpose_legitimate_interests=[5, 6],
    vendor_consents=[1234],
    vendor_legitimate_interests=[1234],
)
tc_156_novendors = tcf.encode(created=T, purpose_consents=[1, 5, 6])
tc_range = tcf.encode(created=T, purpose_consents=ALL, vendor_consents=range(1, 2001))
tc_vendor_li_only = tcf.encode(created=T, purpose_consents=ALL, vendor_legitimate_interests=[1234])
CLCV = "CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA.argAC0gAAAAAAAAAAAA"
COZS = "COzSDo9OzSDo9B9AAAENAiCAALAAAAAAAAAACOQAQCOAAAAA"


def C(tcf_=None, gpc=False, cookie=None):
    return {"tcf": tcf_, "gpc": gpc, "cookie": cookie}


cases = []


def add(name, consent, expect, policy=POLICY, **extra):
    inp = {"op": extra.pop("op", "resolve"), "consent": consent, "policy": policy}
    inp.update(extra)
    cases.append({"name": name, "input": inp, "expect": expect})


add("nothing at all", C(), E(False, False, [], [], "none"))
add("null consent map", None, E(False, False, [], [], "none"))
add("cookie granted", C(cookie="granted"), E(True, True, ALL, [], "cookie"))
add("cookie granted with spaces", C(cookie=" granted "), E(True, True, ALL, [], "cookie"))
add("cookie denied", C(cookie="denied"), E(False, False, [], [], "cookie"))
add("cookie legacy p1.5.6.11", C(cookie="p1.5.6.11"), E(True, True, [1, 5, 6, 11], [], "cookie"))
add("cookie legacy p1.5 lacks 6", C(cookie="p1.5"), E(False, False, [1, 5], [], "cookie"))
add(
    "cookie v1 with health opt-in",
    C(cookie="v1;p=1,5,6;s=health"),
    E(True, True, [1, 5, 6], ["health"], "cookie"),
)
add(
    "cookie v1 opt-in without profile is void",
    C(cookie="v1;p=1,5;s=health"),
    E(False, False, [1, 5], [], "cookie"),
)
add("cookie v1 star", C(cookie="v1;p=*"), E(True, True, ALL, [], "cookie"))
add("cookie v1 bare", C(cookie="v1"), E(False, False, [], [], "cookie"))
add(
    "cookie v1 unknown field ignored",
    C(cookie="v1;p=1,5,6;x=9;s="),
    E(True, True, [1, 5, 6], [], "cookie"),
)
add(
    "cookie v1 two opt-ins",
    C(cookie="v1;s=finance,health;p=6,5,1"),
    E(True, True, [1, 5, 6], ["finance", "health"], "cookie"),
)
add("cookie garbage ignored", C(cookie="yes please"), E(False, False, [], [], "none"))
add("cookie bad purpose ignored", C(cookie="v1;p=1,a"), E(False, False, [], [], "none"))
add("cookie purpose out of range ignored", C(cookie="p1.99"), E(False, False, [], [], "none"))
add(
    "cookie garbage falls back to tcf",
    C(tcf_=tc_all_vendor, cookie="v2;p=1"),
    E(True, True, ALL, [], "tcf"),
)
add(
    "cookie granted beats gpc for profile",
    C(cookie="granted", gpc=True),
    E(True, False, ALL, [], "cookie"),
)
add("cookie p1.5.6 with gpc", C(cookie="p1.5.6", gpc=True), E(True, False, [1, 5, 6], [], "cookie"))
add("cookie denied with gpc", C(cookie="denied", gpc=True), E(False, False, [], [], "cookie"))
add("gpc alone", C(gpc=True), E(False, False, [], [], "gpc"))
add("gpc as string 1", C(gpc="1"), E(False, False, [], [], "gpc"))
add("gpc false is no signal", C(gpc=False, tcf_=tc_all_vendor), E(True, True, ALL, [], "tcf"))
add("tcf all purposes with our vendor", C(tcf_=tc_all_vendor), E(True, True, ALL, [], "tcf"))
add("tcf all purposes other vendors only", C(tcf_=tc_all_other), E(False, False, [], [], "tcf"))
add(
    "tcf other vendors, no vendor in policy",
    C(tcf_=tc_all_other),
    E(True, True, ALL, [], "tcf"),
    policy=NOVENDOR,
)
add("tcf purposes 1 5 6 with vendor", C(tcf_=tc_156_vendor), E(True, True, [1, 5, 6], [], "tcf"))
add("tcf purposes 1 5 only", C(tcf_=tc_15_vendor), E(False, False, [1, 5], [], "tcf"))
add("tcf legitimate interest does not count", C(tcf_=tc_li_only), E(False, False, [1], [], "tcf"))
add(
    "tcf vendor legitimate interest only", C(tcf_=tc_vendor_li_only), E(False, False, [], [], "tcf")
)
add(
    "tcf no vendors, policy without vendor",
    C(tcf_=tc_156_novendors),
    E(True, True, [1, 5, 6], [], "tcf"),
    policy=NOVENDOR,
)
add("tcf no vendors, policy with vendor", C(tcf_=tc_156_novendors), E(False, False, [], [], "tcf"))
add("tcf range-encoded vendors 1..2000", C(tcf_=tc_range), E(True, True, ALL, [], "tcf"))
add(
    "tcf with gpc turns profile off",
    C(tcf_=tc_all_vendor, gpc=True),
    E(False, False, ALL, [], "gpc"),
)
add("tcf malformed is no consent", C(tcf_="COrVd1pOrVd1pAC!"), E(False, False, [], [], "none"))
add("tcf malformed with gpc", C(tcf_="not a tc string", gpc=True), E(False, False, [], [], "gpc"))
add(
    "tcf v1 string is no consent",
    C(tcf_="BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASAAAAAAAAAA"),
    E(False, False, [], [], "none"),
)
add("tcf empty string is absent", C(tcf_=""), E(False, False, [], [], "none"))
add(
    "cookie granted beats denying tcf",
    C(cookie="granted", tcf_=tc_all_other),
    E(True, True, ALL, [], "cookie"),
)
add(
    "cookie denied beats granting tcf",
    C(cookie="denied", tcf_=tc_all_vendor),
    E(False, False, [], [], "cookie"),
)
add(
    "real CLcV purposes 1 3 9 10",
    C(tcf_=CLCV),
    E(False, False, [1, 3, 9, 10], [], "tcf"),
    policy=NOVENDOR,
)
add(
    "real COzSDo vendor 284 purposes 1 3",
    C(tcf_=COZS),
    E(True, True, [1, 3, 4], [], "tcf"),
    policy={"vendor_id": 284, "profile_purposes": [1, 3], "sensitive": []},
)
add(
    "real COzSDo vendor 285 not consented",
    C(tcf_=COZS),
    E(False, False, [], [], "tcf"),
    policy={"vendor_id": 285, "profile_purposes": [1, 3], "sensitive": []},
)
add(
    "policy needs purpose 1 only",
    C(cookie="p1"),
    E(True, True, [1], [], "cookie"),
    policy={"vendor_id": None, "profile_purposes": [1], "sensitive": []},
)
add(
    "default policy when missing",
    C(cookie="p1.5.6"),
    E(True, True, [1, 5, 6], [], "cookie"),
    policy=None,
)
add(
    "external opt-in with granted",
    C(cookie="granted"),
    E(True, True, ALL, ["finance"], "cookie"),
    sensitive_optins=["finance"],
)
add(
    "external opt-in merges with cookie",
    C(cookie="v1;p=1,5,6;s=health"),
    E(True, True, [1, 5, 6], ["finance", "health"], "cookie"),
    sensitive_optins=["finance"],
)
add(
    "external opt-in without consent is void",
    C(),
    E(False, False, [], [], "none"),
    sensitive_optins=["finance"],
)

# cookie parsing
for name, cookie, expect in [
    ("parse granted", "granted", {"purposes": ALL, "sensitive": []}),
    ("parse denied", "denied", {"purposes": [], "sensitive": []}),
    ("parse legacy", "p11.1.6.5", {"purposes": [1, 5, 6, 11], "sensitive": []}),
    (
        "parse v1 full",
        "v1;p=1,5,6,11;s=health",
        {"purposes": [1, 5, 6, 11], "sensitive": ["health"]},
    ),
    ("parse v1 empty lists", "v1;p=;s=", {"purposes": [], "sensitive": []}),
    (
        "parse v1 tolerant spaces",
        "v1; p = 1, 5 ; s = health , finance",
        {"purposes": [1, 5], "sensitive": ["finance", "health"]},
    ),
    ("parse rejects other version", "v2;p=1", None),
    ("parse rejects bare p", "p", None),
    ("parse rejects non ascii digit", "p1.\u0661", None),
    ("parse rejects GRANTED uppercase", "GRANTED", None),
]:
    cases.append({"name": name, "input": {"op": "cookie", "cookie": cookie}, "expect": expect})

names = [
    "health",
    "finance",
    "category:health",
    "category:finance",
    "tag:hiking",
    "hiking",
    "brand:acme",
]
add(
    "allowed with health opt-in",
    C(cookie="v1;p=1,5,6;s=health"),
    {
        "health": True,
        "finance": False,
        "category:health": True,
        "category:finance": False,
        "tag:hiking": True,
        "hiking": True,
        "brand:acme": True,
    },
    op="allowed",
    names=names,
)
add(
    "allowed after denied",
    C(cookie="denied"),
    {
        "health": False,
        "finance": False,
        "category:health": False,
        "category:finance": False,
        "tag:hiking": True,
        "hiking": True,
        "brand:acme": True,
    },
    op="allowed",
    names=names,
)
attrs = {
    "item_category": "health",
    "device": "mobile",
    "local_hour": 9,
    "interests": {"category:health": 2.0, "category:hiking": 1.5, "brand:acme": 0.5},
    "segments": ["hikers", "finance"],
    "events": [
        {"type": "view", "category": "health", "ts": 1},
        {"type": "view", "category": "hiking", "ts": 2},
    ],
    "finance": {"tier": "gold"},
}
add(
    "strip keeps finance opt-in",
    C(cookie="v1;p=1,5,6;s=finance"),
    {
        "device": "mobile",
        "local_hour": 9,
        "interests": {"category:hiking": 1.5, "brand:acme": 0.5},
        "segments": ["hikers", "finance"],
        "events": [{"type": "view", "category": "hiking", "ts": 2}],
        "finance": {"tier": "gold"},
    },
    op="strip",
    attributes=attrs,
)
add(
    "strip without opt-ins",
    C(cookie="granted"),
    {
        "device": "mobile",
        "local_hour": 9,
        "interests": {"category:hiking": 1.5, "brand:acme": 0.5},
        "segments": ["hikers"],
        "events": [{"type": "view", "category": "hiking", "ts": 2}],
    },
    op="strip",
    attributes=attrs,
)
add(
    "strip with every opt-in is identity",
    C(cookie="v1;p=*;s=health,finance"),
    attrs,
    op="strip",
    attributes=attrs,
)

assert len({c["name"] for c in cases}) == len(cases)
with open("tests/spec/consent.json", "w", encoding="utf-8") as f:
    json.dump({"kind": "consent", "cases": cases}, f, indent=1, ensure_ascii=False, sort_keys=True)
    f.write("\n")
print("consent", len(cases))
