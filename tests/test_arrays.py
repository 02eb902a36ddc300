"""core.arrays: little-endian raw arrays from bundle `bin` fields."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.arrays import ArrayError, from_bytes, pad_value, to_bytes

BOUNDS = {"u1": (0, 0xFF), "u2": (0, 0xFFFF), "u4": (0, 0xFFFFFFFF), "i4": (-(2**31), 2**31 - 1)}
SIZES = {"u1": 1, "u2": 2, "u4": 4, "i4": 4, "f4": 4}


@pytest.mark.parametrize("dtype", sorted(BOUNDS))
@given(data=st.data())
def test_integer_round_trip(dtype: str, data: st.DataObject) -> None:
    low, high = BOUNDS[dtype]
    values = data.draw(st.lists(st.integers(low, high), max_size=40))
    raw = to_bytes(values, dtype)
    assert len(raw) == len(values) * SIZES[dtype]
    assert list(from_bytes(raw, dtype, len(values))) == values


@given(st.lists(st.floats(width=32, allow_nan=False), max_size=40))
def test_float32_round_trip(values: list[float]) -> None:
    assert list(from_bytes(to_bytes(values, "f4"), "f4")) == values


def test_float32_nan_survives() -> None:
    (value,) = from_bytes(to_bytes([math.nan], "f4"), "f4")
    assert math.isnan(value)


def test_byte_order_is_little_endian() -> None:
    assert to_bytes([1, 0x0203], "u2") == b"\x01\x00\x03\x02"
    assert to_bytes([0x01020304], "u4") == b"\x04\x03\x02\x01"
    assert list(from_bytes(b"\x04\x03\x02\x01", "u4")) == [0x01020304]
    assert list(from_bytes(b"\xff\xff\xff\xff", "i4")) == [-1]
    assert to_bytes([1.0], "f4") == b"\x00\x00\x80\x3f"


@pytest.mark.parametrize("raw", [bytearray(b"\x01\x00"), memoryview(b"\x01\x00")])
def test_bytes_like_inputs_are_accepted(raw: object) -> None:
    assert list(from_bytes(raw, "u2")) == [1]


def test_empty_input_is_an_empty_array() -> None:
    assert list(from_bytes(b"", "u4", 0)) == []


def test_length_mismatch_is_rejected() -> None:
    with pytest.raises(ArrayError, match="expected 3 values, got 2"):
        from_bytes(to_bytes([1, 2], "u4"), "u4", 3)


@pytest.mark.parametrize("dtype,size", [("u2", 3), ("u4", 6), ("f4", 5), ("i4", 1)])
def test_partial_values_are_rejected(dtype: str, size: int) -> None:
    with pytest.raises(ArrayError, match="whole number"):
        from_bytes(b"\x00" * size, dtype)


@pytest.mark.parametrize("raw", [None, [1, 2], "abcd", 7, {"a": 1}])
def test_non_bytes_are_rejected(raw: object) -> None:
    with pytest.raises(ArrayError, match="expected bytes"):
        from_bytes(raw, "u1")


@pytest.mark.parametrize("dtype", ["u8", "f8", "", "U4"])
def test_unknown_dtype_is_rejected(dtype: str) -> None:
    with pytest.raises(ArrayError, match="unknown dtype"):
        from_bytes(b"\x00" * 8, dtype)
    with pytest.raises(ArrayError):
        to_bytes([0], dtype)


def test_array_error_is_a_value_error() -> None:
    assert issubclass(ArrayError, ValueError)


def test_pad_values_are_all_ones() -> None:
    assert pad_value("u1") == 0xFF
    assert pad_value("u2") == 0xFFFF
    assert pad_value("u4") == 0xFFFFFFFF
    assert list(from_bytes(b"\xff\xff", "u2")) == [pad_value("u2")]
