"""Raw little-endian numeric arrays from bundle `bin` fields, without boxing every value.

The origin ships numbers as bytes; `array.array` over them keeps memory flat and makes
loading a 10k-item catalog a copy, not a parse.
"""

from __future__ import annotations

import sys
from array import array

_TYPECODES = {"u1": "B", "u2": "H", "u4": "I", "f4": "f", "i4": "i"}


class ArrayError(ValueError):
    """A numeric field has the wrong type or length."""


def _typecode(dtype: str) -> str:
    code = _TYPECODES.get(dtype)
    if code is None:
        raise ArrayError(f"unknown dtype {dtype!r}")
    if dtype == "u4" and array("I").itemsize != 4:
        return "L"
    return code


def from_bytes(raw: object, dtype: str, length: int | None = None) -> array:  # type: ignore[type-arg]
    """Decode little-endian bytes into an array of `dtype`, checking the length if given."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ArrayError(f"expected bytes, got {type(raw).__name__}")
    values = array(_typecode(dtype))
    if len(raw) % values.itemsize:
        raise ArrayError(f"{len(raw)} bytes is not a whole number of {dtype} values")
    values.frombytes(bytes(raw))
    if sys.byteorder != "little":
        values.byteswap()
    if length is not None and len(values) != length:
        raise ArrayError(f"expected {length} values, got {len(values)}")
    return values


def to_bytes(values: list[int] | list[float], dtype: str) -> bytes:
    """Encode values little-endian (used by tests and reference bundles)."""
    packed = array(_typecode(dtype), values)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def pad_value(dtype: str) -> int:
    """The all-ones value that marks an empty neighbour slot."""
    return {"u1": 0xFF, "u2": 0xFFFF, "u4": 0xFFFFFFFF}[dtype]
