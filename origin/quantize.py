"""Quantization of model outputs into the bundle's raw little-endian arrays.

Neighbour scores: uint8 with ONE global scale per table, `score ≈ q * scale / 255`, where
`scale` is the table's largest score. A global (not per-list) scale keeps scores comparable
across lists, which matters because the edge sums the scores of several seeds' lists.
Every real neighbour gets q ≥ 1, so a weak neighbour is never confused with an empty slot;
empty slots carry the all-ones index pad (0xFFFF for "u2", 0xFFFFFFFF for "u4") and q = 0.
Indices are "u2" when the catalog has fewer than 65,535 items (halving the largest section),
else "u4"; the table says which in `index_dtype`. Centroids are float32.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PAD = {"u2": 0xFFFF, "u4": 0xFFFFFFFF}
_NP = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "f4": "<f4"}


def index_dtype(n_items: int) -> str:
    """The narrowest index dtype whose pad value cannot collide with an item index."""
    return "u2" if n_items < PAD["u2"] else "u4"


def pack(values: Sequence[float] | np.ndarray, dtype: str) -> bytes:
    """Values as little-endian bytes of `dtype` (u1, u2, u4, f4)."""
    return np.asarray(values).astype(_NP[dtype]).tobytes()


def unpack(raw: bytes, dtype: str) -> np.ndarray:
    """Little-endian bytes back to a numpy array."""
    return np.frombuffer(raw, dtype=_NP[dtype])


def quantize_scores(idx: np.ndarray, vals: np.ndarray) -> tuple[bytes, float]:
    """(uint8 bytes, scale) for a neighbour table; slots with idx < 0 become 0."""
    valid = idx >= 0
    top = float(vals[valid].max()) if valid.any() else 0.0
    scale = top if top > 0 else 1.0
    q = np.rint(np.clip(vals, 0.0, None) / scale * 255.0)
    q = np.clip(q, 1, 255)
    q[~valid] = 0
    return q.astype("<u1").tobytes(), scale


def dequantize_scores(raw: bytes, scale: float) -> np.ndarray:
    """uint8 bytes back to scores (as the edge reads them)."""
    return np.frombuffer(raw, dtype="<u1").astype(np.float32) * (scale / 255.0)


def pack_neighbors(idx: np.ndarray, dtype: str) -> bytes:
    """Neighbour indices row-major, padded slots (idx < 0) as the dtype's all-ones value."""
    out = np.where(idx >= 0, idx, PAD[dtype]).astype(_NP[dtype])
    if (idx >= PAD[dtype]).any():
        raise ValueError(f"index too large for {dtype}")
    return out.tobytes()


def neighbour_table(idx: np.ndarray, vals: np.ndarray, dtype: str) -> dict[str, object]:
    """One `recs.collab` / `recs.content` map."""
    scores, scale = quantize_scores(idx, vals)
    return {
        "neighbors": pack_neighbors(idx, dtype),
        "scores": scores,
        "scale": scale,
        "index_dtype": dtype,
    }


def truncate(idx: np.ndarray, vals: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `k` neighbours (lists are best first), padded to exactly `k` columns."""
    n, have = idx.shape
    out_i = np.full((n, k), -1, dtype=np.int64)
    out_v = np.zeros((n, k), dtype=np.float32)
    m = min(k, have)
    out_i[:, :m] = idx[:, :m]
    out_v[:, :m] = vals[:, :m]
    return out_i, out_v
