# ruff: noqa: E402, E501  (a data-heavy generator script: long literal lines)
"""Generates tests/spec/hashing.json and tcf.json.

hashing: bucket/fnv expectations come from the GrowthBook SDK (independent implementation);
PRNG streams are pinned from core.hashing (cross-runtime consistency).
tcf: real-world strings; decoded values were checked against the GDPR::IAB::TCFv2 test suite
and the @iabtcf/cli README (see tests/test_tcf.py, which asserts them independently).
"""

import json

from growthbook.core import fnv1a32 as gb_fnv
from growthbook.core import gbhash


def dump(path, kind, cases):
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), path
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"kind": kind, "cases": cases}, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")


cases = []
pairs = [
    ("", ""),
    ("a", "1"),
    ("", "x"),
    ("hero", "visitor-1"),
    ("hero", "visitor-2"),
    ("hero", "visitor-3"),
    ("checkout-test", "123"),
    ("checkout-test", "456"),
    ("__pricing", "v-42"),
    ("__pricing", "v-43"),
    ("holdout-2026", "abc"),
    ("holdout-2026", "abd"),
    ("seed", "visitor-ü"),
    ("seed", "😀"),
    ("日本", "ユーザー"),
    ("exp", " leading space"),
    ("exp", "UPPER"),
    ("exp", "upper"),
    ("long-seed-" * 10, "unit"),
    ("x", "a" * 200),
    ("newsletter", "0"),
    ("newsletter", "00"),
    ("newsletter", "-1"),
    ("a", "b/c?d=e&f"),
    ("tab\tseed", "line\nunit"),
    ("emoji🚀", "🚀"),
    ("é", "e\u0301"),
    ("sticky", "e4c0a9f2-1b7d-4a55-9d1e-0f8b6c3e2a71"),
    ("sticky", "E4C0A9F2-1B7D"),
    ("0", "0"),
    ("1", "1"),
    ("10", "0"),
    ("1", "00"),
]
for i in range(12):
    pairs.append(("uniform", f"u{i * 997}"))
for i, (seed, unit) in enumerate(pairs):
    cases.append(
        {
            "name": f"bucket {i:02d} {seed[:12]!r}/{unit[:12]!r}",
            "input": {"op": "bucket", "seed": seed, "unit": unit},
            "expect": round(gbhash(seed, unit, 2), 6),
        }
    )
for i, text in enumerate(["", "a", "foobar", "hello world", "ü", "😀", "日本語", "1234567890"]):
    cases.append(
        {
            "name": f"fnv1a32 {i} {text!r}",
            "input": {"op": "fnv1a32", "text": text},
            "expect": gb_fnv(text),
        }
    )
prng_cases = [
    ("u64 key a", {"op": "u64", "key": "a", "n": 4}),
    ("u64 key empty", {"op": "u64", "key": "", "n": 3}),
    ("random key visitor", {"op": "random", "key": "visitor-1|exp|20000", "n": 6}),
    ("random unicode key", {"op": "random", "key": "ü😀", "n": 4}),
    ("gamma shape 0.5", {"op": "gamma", "key": "g", "shape": 0.5, "n": 4}),
    ("gamma shape 1", {"op": "gamma", "key": "g", "shape": 1.0, "n": 4}),
    ("gamma shape 7.5", {"op": "gamma", "key": "g", "shape": 7.5, "n": 4}),
    ("beta 1 1", {"op": "beta", "key": "b", "alpha": 1, "beta": 1, "n": 4}),
    ("beta 2 5", {"op": "beta", "key": "b", "alpha": 2, "beta": 5, "n": 4}),
    ("beta 120 880", {"op": "beta", "key": "b", "alpha": 120, "beta": 880, "n": 4}),
    ("beta 0.3 0.7", {"op": "beta", "key": "b", "alpha": 0.3, "beta": 0.7, "n": 4}),
]
import sys

sys.path.insert(0, "tests/spec")
from handlers import hashing as hh
from handlers import tcf as th

for name, inp in prng_cases:
    cases.append({"name": f"prng {name}", "input": inp, "expect": hh.run(inp)})
dump("tests/spec/hashing.json", "hashing", cases)
print("hashing", len(cases))

cases = []
real = {
    "real CLcV bitfield (GDPR-IAB-TCFv2)": "CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA.argAC0gAAAAAAAAAAAA",
    "real COyfVV range (GDPR-IAB-TCFv2)": "COyfVVoOyfVVoADACHENAwCAAAAAAAAAAAAAE5QBgALgAqgD8AQACSwEygJyAnSAMABgAFkAgQCDASeAmYBOgAA",
    "real COyiIL range, publisher segment (GDPR-IAB-TCFv2 doc)": "COyiILmOyiILmADACHENAPCAAAAAAAAAAAAAE5QBgALgAqgD8AQACSwEygJyAAAAAA.argAC0gAAAAAAAAAAAA",
    "real COrVd1 empty vendors (@iabtcf/cli)": "COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAA",
    "real COwAdD with publisher restrictions": "COwAdDhOwAdDhN4ABAENAPCgAAQAAv___wAAAFP_AAp_4AI6ACACAA",
    "real COxPe2 with publisher restrictions": "COxPe2TOxPe2TALABAENAPCgAAAAAAAAAAAAAFAAAAoAAA4IACACAIABgACAFA4ADACAAIygAGADwAQBIAIAIB0AEAEBSACACAA",
    "real COzSDo range vendor 284": "COzSDo9OzSDo9B9AAAENAiCAALAAAAAAAAAACOQAQCOAAAAA",
}
for name, s in real.items():
    cases.append(
        {
            "name": f"decode {name}",
            "input": {"op": "decode", "tc": s},
            "expect": th.run({"op": "decode", "tc": s}),
        }
    )
cases.append(
    {
        "name": "vendors CLcV",
        "input": {
            "op": "vendors",
            "tc": real["real CLcV bitfield (GDPR-IAB-TCFv2)"],
            "ids": [1, 2, 3, 4, 9, 26, 115, 116, 284],
        },
        "expect": {"consent": [2, 3, 115], "legitimate_interest": [1, 9, 26]},
    }
)
cases.append(
    {
        "name": "vendors COyfVV",
        "input": {
            "op": "vendors",
            "tc": real["real COyfVV range (GDPR-IAB-TCFv2)"],
            "ids": [23, 24, 42, 44, 125, 126, 127, 128, 129, 131, 132, 626, 628, 629],
        },
        "expect": {
            "consent": [23, 42, 126, 127, 128, 626],
            "legitimate_interest": [24, 44, 129, 131, 628],
        },
    }
)
bad = {
    "reject TCF v1 string": "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASAAAAAAAAAA",
    "reject version 3": "DOEFEAyOEFEAyAHABDENAI4AAAB9vABAASAAAAAAAAAA",
    "reject too short": "Clc",
    "reject invalid base64 char": "COyfVVoOyfVVoADACHENAwCAAAAAAAAAAAAAE5QBgALgAqgD8AQACSwEygJyAnSAMABgAFkAgQCDASeAmYBOgA!A",
    "reject standard base64 plus": "COyfVVoOyfVVoADACHENAwCAAAAAAAAAAAAAE5QBgALgAqgD8AQACSwEygJyAnSAMABgAFkAgQCDASeAmYBOgA+A",
    "reject padding": "COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAA==",
    "reject empty": "",
    "reject only dot": ".argAC0gAAAAAAAAAAAA",
    "reject truncated in vendor section": real["real COyfVV range (GDPR-IAB-TCFv2)"][:45],
    "reject truncated before vendor li": "COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAA",
    "reject plain words": "hello world",
    "reject json": '{"purposes":[1]}',
}
for name, s in bad.items():
    cases.append(
        {"name": name, "input": {"op": "decode", "tc": s}, "expect": {"error": "TCStringError"}}
    )


# hand-built malformed: range end < start, language letter > Z
def raw_bits(bits):
    bits += "0" * (-len(bits) % 6)
    alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(alpha[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


def header(lang=(4, 13)):
    b = format(2, "06b") + format(16000000000, "036b") * 2 + format(5, "012b") + format(1, "012b")
    b += format(1, "06b") + format(lang[0], "06b") + format(lang[1], "06b") + format(100, "012b")
    b += format(4, "06b") + "10" + "0" * 12 + "1" + "0" * 23 + "0" * 24 + "0" + "000000" * 2
    return b


rng_bad = (
    header()
    + format(20, "016b")
    + "1"
    + format(1, "012b")
    + "1"
    + format(15, "016b")
    + format(10, "016b")
    + format(0, "016b")
    + "0"
    + "0" * 12
)
over_max = (
    header()
    + format(20, "016b")
    + "1"
    + format(1, "012b")
    + "0"
    + format(21, "016b")
    + format(0, "016b")
    + "0"
    + "0" * 12
)
zero_id = (
    header()
    + format(20, "016b")
    + "1"
    + format(1, "012b")
    + "0"
    + format(0, "016b")
    + format(0, "016b")
    + "0"
    + "0" * 12
)
bad_lang = header(lang=(30, 1)) + format(0, "016b") + "0" + format(0, "016b") + "0"
ok_manual = (
    header()
    + format(20, "016b")
    + "1"
    + format(1, "012b")
    + "1"
    + format(10, "016b")
    + format(15, "016b")
    + format(0, "016b")
    + "0"
    + "0" * 12
)
for name, bits in [
    ("reject range end before start", rng_bad),
    ("reject range beyond max vendor id", over_max),
    ("reject vendor id zero", zero_id),
    ("reject language letter beyond Z", bad_lang),
]:
    cases.append(
        {
            "name": name,
            "input": {"op": "decode", "tc": raw_bits(bits)},
            "expect": {"error": "TCStringError"},
        }
    )
cases.append(
    {
        "name": "decode hand-built range 10-15",
        "input": {"op": "vendors", "tc": raw_bits(ok_manual), "ids": [9, 10, 12, 15, 16]},
        "expect": {"consent": [10, 12, 15], "legitimate_interest": []},
    }
)
encodes = {
    "encode minimal": {"created": 1700000000},
    "encode all purposes vendor 1234": {
        "created": 1700000000,
        "last_updated": 1700003600,
        "cmp_id": 300,
        "cmp_version": 12,
        "consent_screen": 3,
        "consent_language": "DE",
        "vendor_list_version": 250,
        "purpose_consents": list(range(1, 12)),
        "purpose_legitimate_interests": [2, 7, 8, 9, 10, 11],
        "special_feature_optins": [1, 2],
        "publisher_cc": "DE",
        "vendor_consents": [1234],
        "vendor_legitimate_interests": [1234],
    },
    "encode bitfield forced": {
        "created": 1700000000,
        "purpose_consents": [1, 5, 6],
        "vendor_consents": [3, 5, 8],
        "range_encoding": False,
    },
    "encode range forced": {
        "created": 1700000000,
        "purpose_consents": [1, 5, 6],
        "vendor_consents": [3, 5, 8],
        "range_encoding": True,
    },
    "encode big range auto": {
        "created": 1700000000,
        "purpose_consents": [1],
        "vendor_consents": list(range(1, 3001)),
    },
    "encode service flags": {
        "created": 1700000000,
        "is_service_specific": False,
        "use_non_standard_texts": True,
        "purpose_one_treatment": True,
        "tcf_policy_version": 5,
    },
    "encode deciseconds round": {"created": 1, "last_updated": 68719476},
    "encode lowercase language": {
        "created": 1700000000,
        "consent_language": "fr",
        "publisher_cc": "fr",
    },
}
for name, fields in encodes.items():
    inp = {"op": "encode", "fields": fields}
    cases.append({"name": name, "input": inp, "expect": th.run(inp)})
dump("tests/spec/tcf.json", "tcf", cases)
print("tcf", len(cases))
