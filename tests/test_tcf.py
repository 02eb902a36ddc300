"""core.tcf: real-world TC strings against independently documented values, round trips,
and rejection of anything malformed with the one typed error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import tcf

# GDPR::IAB::TCFv2 (Perl) test suite: every field below is asserted there.
CLCV = (
    "CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA"
    ".argAC0gAAAAAAAAAAAA"
)
CLCV_VENDORS = {2, 3, 6, 7, 8, 10, 12, 13, 14, 15, 16, 21, 25, 27, 30, 31, 34, 35, 37, 38, 39,
                42, 43, 49, 52, 54, 55, 56, 57, 59, 60, 63, 64, 65, 66, 67, 68, 69, 73, 74, 76,
                78, 83, 86, 87, 89, 90, 92, 96, 99, 100, 106, 109, 110, 114, 115}  # fmt: skip
COYF = "COyfVVoOyfVVoADACHENAwCAAAAAAAAAAAAAE5QBgALgAqgD8AQACSwEygJyAnSAMABgAFkAgQCDASeAmYBOgAA"
# @iabtcf/cli README: created Mon Dec 09 2019 18:01:46 GMT-0800, cmp 2 v1, screen 2, EN, ES, vlv 7.
CORV = "COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAA"


def test_real_bitfield_string() -> None:
    t = tcf.decode(CLCV)
    assert (t.version, t.created, t.last_updated) == (2, 1228644257, 1326215413)
    assert (t.cmp_id, t.cmp_version, t.consent_screen) == (21, 7, 2)
    assert (t.consent_language, t.vendor_list_version, t.tcf_policy_version) == ("EN", 23, 2)
    assert t.is_service_specific and not t.use_non_standard_texts
    assert not t.purpose_one_treatment and t.publisher_cc == "KM"
    assert t.special_feature_optins == {2}
    assert t.purpose_consents == {1, 3, 9, 10}
    assert t.purpose_legitimate_interests == {3, 4, 5, 8, 9, 10}
    assert (t.max_vendor_consent_id, t.max_vendor_li_id) == (115, 113)
    assert {v for v in range(1, 121) if t.vendor_consent(v)} == CLCV_VENDORS
    assert t.vendor_consents == CLCV_VENDORS
    li = {1, 9, 26, 27, 30, 36, 37, 43, 86, 97, 110, 113}
    assert {v for v in range(1, 121) if t.vendor_legitimate_interest(v)} == li


def test_real_range_string() -> None:
    t = tcf.decode(COYF)
    assert (t.created, t.last_updated, t.cmp_id, t.cmp_version) == (1587946020, 1587946020, 3, 2)
    assert (t.consent_screen, t.vendor_list_version, t.publisher_cc) == (7, 48, "AA")
    assert not t.is_service_specific and not t.purpose_consents and not t.special_feature_optins
    assert (t.max_vendor_consent_id, t.max_vendor_li_id) == (626, 628)
    assert t.vendor_consents == {23, 42, 126, 127, 128, 587, 613, 626}
    assert t.vendor_legitimate_interests == {24, 44, 129, 130, 131, 591, 614, 628}


def test_real_cli_example() -> None:
    t = tcf.decode(CORV)
    assert t.created == 1575943306  # 2019-12-09 18:01:46 -08:00
    assert (t.cmp_id, t.cmp_version, t.consent_screen, t.consent_language) == (2, 1, 2, "EN")
    assert (t.vendor_list_version, t.tcf_policy_version, t.publisher_cc) == (7, 2, "ES")
    assert not t.vendor_consents


@pytest.mark.parametrize(
    "bad",
    [
        "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASAAAAAAAAAA",  # TCF v1
        "DOEFEAyOEFEAyAHABDENAI4AAAB9vABAASAAAAAAAAAA",  # version 3
        "Clc",
        COYF[:-3] + "!AA",
        "",
        "   ",
        ".abc",
    ],
)
def test_rejects_malformed(bad: str) -> None:
    with pytest.raises(tcf.TCStringError):
        tcf.decode(bad)


def test_every_truncation_is_rejected() -> None:
    for cut in range(len(COYF) - 3):
        with pytest.raises(tcf.TCStringError):
            tcf.decode(COYF[:cut])


@given(st.text(max_size=80))
def test_arbitrary_text_only_raises_the_typed_error(text: str) -> None:
    try:
        tcf.decode(text)
    except tcf.TCStringError:
        pass


def test_non_string_is_rejected() -> None:
    with pytest.raises(tcf.TCStringError):
        tcf.decode(123)


@given(
    purposes=st.sets(st.integers(1, 24)),
    li=st.sets(st.integers(1, 24)),
    special=st.sets(st.integers(1, 12)),
    vendors=st.sets(st.integers(1, 3000), max_size=60),
    vendors_li=st.sets(st.integers(1, 70000 - 4535), max_size=10),
    created=st.integers(0, 6_000_000_000),
    range_encoding=st.sampled_from([None, True, False]),
)
def test_encode_decode_round_trip(
    purposes: set[int],
    li: set[int],
    special: set[int],
    vendors: set[int],
    vendors_li: set[int],
    created: int,
    range_encoding: bool | None,
) -> None:
    encoded = tcf.encode(
        created=created,
        purpose_consents=purposes,
        purpose_legitimate_interests=li,
        special_feature_optins=special,
        vendor_consents=vendors,
        vendor_legitimate_interests=vendors_li,
        range_encoding=range_encoding,
        consent_language="FR",
        publisher_cc="DE",
    )
    t = tcf.decode(encoded)
    assert (t.created, t.consent_language, t.publisher_cc) == (created, "FR", "DE")
    assert t.purpose_consents == purposes and t.purpose_legitimate_interests == li
    assert t.special_feature_optins == special
    assert t.vendor_consents == vendors and t.vendor_legitimate_interests == vendors_li
    assert t.max_vendor_consent_id == max(vendors, default=0)


def test_encoder_picks_the_shorter_vendor_encoding() -> None:
    many = range(1, 5001)
    auto = tcf.encode(created=1, vendor_consents=many)
    bitfield = tcf.encode(created=1, vendor_consents=many, range_encoding=False)
    assert len(auto) < 60 < len(bitfield)
    assert tcf.decode(auto).vendor_consent_ranges == ((1, 5000),)


def test_wide_ranges_stay_compact() -> None:
    t = tcf.decode(tcf.encode(created=1, vendor_consents=range(1, 65536)))
    assert t.vendor_consent_ranges == ((1, 65535),)
    assert t.vendor_consent(65535) and not t.vendor_consent(0)


def test_decode_is_cached() -> None:
    assert tcf.decode(CLCV) is tcf.decode(CLCV)


def test_encoder_validates_fields() -> None:
    with pytest.raises(ValueError):
        tcf.encode(created=1, purpose_consents=[25])
    with pytest.raises(ValueError):
        tcf.encode(created=1, consent_language="E1")
    with pytest.raises(ValueError):
        tcf.encode(created=1, vendor_consents=[70000])
