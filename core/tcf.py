"""IAB TCF v2.2 TC string: decoder of the core segment, and a matching encoder.

Only the core segment (before the first ".") is read; disclosed-vendor and publisher
segments do not change what Tailor may do. Publisher restrictions at the end of the core
segment are not decoded. Anything malformed, truncated or not a version-2 string raises
`TCStringError`, the one error type callers need to catch (the consent resolver treats it
as "no consent"). Vendor sets are kept as sorted inclusive ranges so a string that
range-encodes "vendors 1..65535" costs a few tuples, not a 65k-element set, per request.

The encoder exists so tests and spec generation can build valid strings; it writes the
vendor sections in whichever of bitfield / range encoding is shorter, as CMPs do.
"""

from __future__ import annotations

import base64
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_LENGTH = 16384
"""Longer core segments are refused outright (the full vendor bitfield needs ~11k chars)."""

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIXBITS = {ch: format(i, "06b") for i, ch in enumerate(_ALPHABET)}

Ranges = tuple[tuple[int, int], ...]


class TCStringError(ValueError):
    """The TC string is not a well-formed TCF v2 core segment."""


def _ranges_of(ids: Iterable[int]) -> Ranges:
    """Sorted ids folded into inclusive (start, end) runs."""
    runs: list[tuple[int, int]] = []
    for vid in sorted(set(ids)):
        if runs and vid == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], vid)
        else:
            runs.append((vid, vid))
    return tuple(runs)


def _merge(runs: list[tuple[int, int]]) -> Ranges:
    """Inclusive runs sorted, with overlapping or touching runs joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(runs):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _in_ranges(ranges: Ranges, vid: int) -> bool:
    i = bisect_right(ranges, (vid, 1 << 30))
    return i > 0 and ranges[i - 1][0] <= vid <= ranges[i - 1][1]


@dataclass(frozen=True)
class TCString:
    """The decoded core segment. Times are Unix seconds (the string stores deciseconds)."""

    version: int
    created: int
    last_updated: int
    cmp_id: int
    cmp_version: int
    consent_screen: int
    consent_language: str
    vendor_list_version: int
    tcf_policy_version: int
    is_service_specific: bool
    use_non_standard_texts: bool
    special_feature_optins: frozenset[int]
    purpose_consents: frozenset[int]
    purpose_legitimate_interests: frozenset[int]
    purpose_one_treatment: bool
    publisher_cc: str
    max_vendor_consent_id: int = 0
    vendor_consent_ranges: Ranges = field(default=())
    max_vendor_li_id: int = 0
    vendor_li_ranges: Ranges = field(default=())

    def vendor_consent(self, vendor_id: int) -> bool:
        """Whether the visitor consented to this vendor."""
        return _in_ranges(self.vendor_consent_ranges, vendor_id)

    def vendor_legitimate_interest(self, vendor_id: int) -> bool:
        """Whether legitimate interest was established (not objected to) for this vendor."""
        return _in_ranges(self.vendor_li_ranges, vendor_id)

    @property
    def vendor_consents(self) -> frozenset[int]:
        """All consented vendor ids (expands the ranges: for tests and tools, not requests)."""
        return frozenset(v for a, b in self.vendor_consent_ranges for v in range(a, b + 1))

    @property
    def vendor_legitimate_interests(self) -> frozenset[int]:
        """All vendor ids with legitimate interest (expanded, like `vendor_consents`)."""
        return frozenset(v for a, b in self.vendor_li_ranges for v in range(a, b + 1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view: sets as sorted lists, vendor sets as [start, end] ranges."""
        return {
            "version": self.version,
            "created": self.created,
            "last_updated": self.last_updated,
            "cmp_id": self.cmp_id,
            "cmp_version": self.cmp_version,
            "consent_screen": self.consent_screen,
            "consent_language": self.consent_language,
            "vendor_list_version": self.vendor_list_version,
            "tcf_policy_version": self.tcf_policy_version,
            "is_service_specific": self.is_service_specific,
            "use_non_standard_texts": self.use_non_standard_texts,
            "special_feature_optins": sorted(self.special_feature_optins),
            "purpose_consents": sorted(self.purpose_consents),
            "purpose_legitimate_interests": sorted(self.purpose_legitimate_interests),
            "purpose_one_treatment": self.purpose_one_treatment,
            "publisher_cc": self.publisher_cc,
            "max_vendor_consent_id": self.max_vendor_consent_id,
            "vendor_consents": [list(r) for r in self.vendor_consent_ranges],
            "max_vendor_li_id": self.max_vendor_li_id,
            "vendor_legitimate_interests": [list(r) for r in self.vendor_li_ranges],
        }


class _Reader:
    """Big-endian bit reader over the 6-bit base64url characters."""

    __slots__ = ("bits", "pos")

    def __init__(self, segment: str) -> None:
        try:
            self.bits = "".join([_SIXBITS[ch] for ch in segment])
        except KeyError as exc:
            raise TCStringError(f"invalid base64url character {exc.args[0]!r}") from None
        self.pos = 0

    def read(self, width: int, name: str) -> int:
        end = self.pos + width
        if end > len(self.bits):
            raise TCStringError(f"truncated at {name} (bit {self.pos})")
        value = int(self.bits[self.pos : end], 2)
        self.pos = end
        return value

    def flag(self, name: str) -> bool:
        return self.read(1, name) == 1

    def bitset(self, width: int, name: str) -> frozenset[int]:
        end = self.pos + width
        if end > len(self.bits):
            raise TCStringError(f"truncated at {name} (bit {self.pos})")
        chunk = self.bits[self.pos : end]
        self.pos = end
        return frozenset(i + 1 for i, bit in enumerate(chunk) if bit == "1")

    def letters(self, name: str) -> str:
        first, second = self.read(6, name), self.read(6, name)
        if first > 25 or second > 25:
            raise TCStringError(f"{name} is not two letters A-Z")
        return chr(65 + first) + chr(65 + second)

    def vendors(self, name: str) -> tuple[int, Ranges]:
        max_id = self.read(16, f"{name}.max_vendor_id")
        if self.flag(f"{name}.is_range_encoding"):
            runs: list[tuple[int, int]] = []
            for _ in range(self.read(12, f"{name}.num_entries")):
                is_range = self.flag(f"{name}.is_a_range")
                start = self.read(16, f"{name}.start_vendor_id")
                end = self.read(16, f"{name}.end_vendor_id") if is_range else start
                if start < 1 or end < start or end > max_id:
                    raise TCStringError(f"{name} has a bad range {start}-{end} (max {max_id})")
                runs.append((start, end))
            return max_id, _merge(runs)
        return max_id, _ranges_of(self.bitset(max_id, f"{name}.bitfield"))


@lru_cache(maxsize=256)
def decode(tc_string: str) -> TCString:
    """Decode the core segment of a TC string; raises `TCStringError` when malformed.

    Cached: a visitor sends the same string on every request and `TCString` is immutable.
    """
    if not isinstance(tc_string, str):
        raise TCStringError("TC string must be a str")
    core = tc_string.strip().split(".", 1)[0]
    if not core:
        raise TCStringError("empty TC string")
    if len(core) > MAX_LENGTH:
        raise TCStringError("TC string too long")
    reader = _Reader(core)
    version = reader.read(6, "version")
    if version != 2:
        raise TCStringError(f"unsupported TC string version {version}")
    created = reader.read(36, "created") // 10
    last_updated = reader.read(36, "last_updated") // 10
    cmp_id = reader.read(12, "cmp_id")
    cmp_version = reader.read(12, "cmp_version")
    consent_screen = reader.read(6, "consent_screen")
    consent_language = reader.letters("consent_language")
    vendor_list_version = reader.read(12, "vendor_list_version")
    tcf_policy_version = reader.read(6, "tcf_policy_version")
    is_service_specific = reader.flag("is_service_specific")
    use_non_standard_texts = reader.flag("use_non_standard_texts")
    special = reader.bitset(12, "special_feature_optins")
    purposes = reader.bitset(24, "purpose_consents")
    purposes_li = reader.bitset(24, "purpose_legitimate_interests")
    purpose_one_treatment = reader.flag("purpose_one_treatment")
    publisher_cc = reader.letters("publisher_cc")
    max_consent, consent_ranges = reader.vendors("vendor_consents")
    max_li, li_ranges = reader.vendors("vendor_legitimate_interests")
    return TCString(
        version=version,
        created=created,
        last_updated=last_updated,
        cmp_id=cmp_id,
        cmp_version=cmp_version,
        consent_screen=consent_screen,
        consent_language=consent_language,
        vendor_list_version=vendor_list_version,
        tcf_policy_version=tcf_policy_version,
        is_service_specific=is_service_specific,
        use_non_standard_texts=use_non_standard_texts,
        special_feature_optins=special,
        purpose_consents=purposes,
        purpose_legitimate_interests=purposes_li,
        purpose_one_treatment=purpose_one_treatment,
        publisher_cc=publisher_cc,
        max_vendor_consent_id=max_consent,
        vendor_consent_ranges=consent_ranges,
        max_vendor_li_id=max_li,
        vendor_li_ranges=li_ranges,
    )


def _bits(value: int, width: int, name: str) -> str:
    if not 0 <= value < (1 << width):
        raise ValueError(f"{name}={value} does not fit in {width} bits")
    return format(value, f"0{width}b")


def _bitset(ids: Iterable[int], width: int, name: str) -> str:
    chosen = set(ids)
    if any(not 1 <= i <= width for i in chosen):
        raise ValueError(f"{name} ids must be in 1..{width}")
    return "".join("1" if i in chosen else "0" for i in range(1, width + 1))


def _letters(code: str, name: str) -> str:
    if len(code) != 2 or not all("A" <= ch <= "Z" for ch in code.upper()):
        raise ValueError(f"{name} must be two letters, got {code!r}")
    return "".join(_bits(ord(ch) - 65, 6, name) for ch in code.upper())


def _vendor_section(ids: Iterable[int], range_encoding: bool | None, name: str) -> str:
    runs = _ranges_of(ids)
    if runs and (runs[0][0] < 1 or runs[-1][1] > 0xFFFF):
        raise ValueError(f"{name} ids must be in 1..65535")
    max_id = runs[-1][1] if runs else 0
    bitfield = _bitset((v for a, b in runs for v in range(a, b + 1)), max_id, name)
    entries = "".join(
        "0" + _bits(a, 16, name) if a == b else "1" + _bits(a, 16, name) + _bits(b, 16, name)
        for a, b in runs
    )
    ranged = _bits(len(runs), 12, f"{name} entries") + entries
    use_ranges = len(ranged) < len(bitfield) if range_encoding is None else range_encoding
    return _bits(max_id, 16, name) + ("1" + ranged if use_ranges else "0" + bitfield)


def encode(
    *,
    created: int,
    last_updated: int | None = None,
    cmp_id: int = 1,
    cmp_version: int = 1,
    consent_screen: int = 1,
    consent_language: str = "EN",
    vendor_list_version: int = 1,
    tcf_policy_version: int = 4,
    is_service_specific: bool = True,
    use_non_standard_texts: bool = False,
    special_feature_optins: Iterable[int] = (),
    purpose_consents: Iterable[int] = (),
    purpose_legitimate_interests: Iterable[int] = (),
    purpose_one_treatment: bool = False,
    publisher_cc: str = "AA",
    vendor_consents: Iterable[int] = (),
    vendor_legitimate_interests: Iterable[int] = (),
    range_encoding: bool | None = None,
) -> str:
    """A version-2 core segment (no publisher restrictions) as unpadded base64url.

    Times are Unix seconds; `range_encoding=None` picks the shorter vendor encoding.
    """
    updated = created if last_updated is None else last_updated
    bits = "".join(
        [
            _bits(2, 6, "version"),
            _bits(created * 10, 36, "created"),
            _bits(updated * 10, 36, "last_updated"),
            _bits(cmp_id, 12, "cmp_id"),
            _bits(cmp_version, 12, "cmp_version"),
            _bits(consent_screen, 6, "consent_screen"),
            _letters(consent_language, "consent_language"),
            _bits(vendor_list_version, 12, "vendor_list_version"),
            _bits(tcf_policy_version, 6, "tcf_policy_version"),
            "1" if is_service_specific else "0",
            "1" if use_non_standard_texts else "0",
            _bitset(special_feature_optins, 12, "special_feature_optins"),
            _bitset(purpose_consents, 24, "purpose_consents"),
            _bitset(purpose_legitimate_interests, 24, "purpose_legitimate_interests"),
            "1" if purpose_one_treatment else "0",
            _letters(publisher_cc, "publisher_cc"),
            _vendor_section(vendor_consents, range_encoding, "vendor_consents"),
            _vendor_section(vendor_legitimate_interests, range_encoding, "vendor_li"),
            _bits(0, 12, "num_pub_restrictions"),
        ]
    )
    bits += "0" * (-len(bits) % 8)
    raw = int(bits, 2).to_bytes(len(bits) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
