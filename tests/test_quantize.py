"""Quantization: uint8 scores with a global scale, little-endian indices with padding."""

from __future__ import annotations

import numpy as np
import pytest

from origin.quantize import (
    dequantize_scores,
    index_dtype,
    neighbour_table,
    pack,
    pack_neighbors,
    quantize_scores,
    truncate,
    unpack,
)


def test_index_dtype_switches_below_the_u2_pad() -> None:
    assert index_dtype(10) == "u2"
    assert index_dtype(65534) == "u2"
    assert index_dtype(65535) == "u4"


def test_neighbors_are_little_endian_with_all_ones_padding() -> None:
    idx = np.array([[1, 258, -1]])
    assert pack_neighbors(idx, "u2") == b"\x01\x00\x02\x01\xff\xff"
    assert pack_neighbors(idx, "u4") == b"\x01\x00\x00\x00\x02\x01\x00\x00\xff\xff\xff\xff"
    with pytest.raises(ValueError):
        pack_neighbors(np.array([[70000]]), "u2")


def test_scores_use_one_global_scale_and_real_neighbours_never_quantize_to_zero() -> None:
    idx = np.array([[1, 2, -1], [0, 2, 1]])
    vals = np.array([[2.0, 1.0, 0.0], [0.5, 0.001, 0.0001]], dtype=np.float32)
    raw, scale = quantize_scores(idx, vals)
    q = np.frombuffer(raw, np.uint8).reshape(2, 3)
    assert scale == pytest.approx(2.0)
    assert q.tolist() == [[255, 128, 0], [64, 1, 1]]
    back = dequantize_scores(raw, scale).reshape(2, 3)
    assert back[0, 0] == pytest.approx(2.0)
    assert abs(back[1, 0] - 0.5) <= scale / 255 / 2 + 1e-6


def test_table_matches_core_reader() -> None:
    from core.catalog import load_neighbours

    idx = np.array([[1, -1], [0, 1]])
    vals = np.array([[0.8, 0.0], [0.4, 0.2]], dtype=np.float32)
    table = load_neighbours(neighbour_table(idx, vals, "u2"), n=2, k=2, where="t")
    assert [i for i, _ in table.of(0, 2)] == [1]
    got = table.of(1, 2)
    assert [i for i, _ in got] == [0, 1]
    assert got[0][1] == pytest.approx(0.4, abs=0.8 / 255)


def test_pack_round_trip_and_truncate() -> None:
    assert unpack(pack([1.5, -2.0], "f4"), "f4").tolist() == [1.5, -2.0]
    i, v = truncate(np.array([[3, 2, 1]]), np.array([[3.0, 2.0, 1.0]]), 2)
    assert i.tolist() == [[3, 2]] and v.tolist() == [[3.0, 2.0]]
    i, v = truncate(np.array([[3]]), np.array([[3.0]]), 2)
    assert i.tolist() == [[3, -1]]
