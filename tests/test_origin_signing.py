"""Ed25519 bundle signing: key files, round trip, and tamper rejection."""

from __future__ import annotations

import stat
from pathlib import Path

import msgpack  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from origin.signing import (
    DOMAIN,
    PRIVATE_FILE,
    BundleVerifyError,
    Signer,
    load_public_key,
    verify_bundle,
)


def make(tmp_path: Path, version: int = 3) -> tuple[Signer, bytes]:
    signer = Signer.load_or_create(tmp_path)
    payload = msgpack.packb({"schema": 1, "version": version, "catalog": {"ids": ["a"]},
                             "blob": b"\x00\x01"}, use_bin_type=True)
    return signer, signer.sign_bundle(version, 1700000000, payload)


def test_key_pair_is_created_once_with_private_mode_0600(tmp_path: Path) -> None:
    first = Signer.load_or_create(tmp_path)
    mode = stat.S_IMODE((tmp_path / PRIVATE_FILE).stat().st_mode)
    assert mode == 0o600
    second = Signer.load_or_create(tmp_path)
    assert first.public_raw_b64() == second.public_raw_b64()
    assert first.key_id == second.key_id
    assert (tmp_path / "bundle_ed25519.pub.pem").read_text().startswith("-----BEGIN PUBLIC KEY")


def test_round_trip_with_every_key_form(tmp_path: Path) -> None:
    signer, data = make(tmp_path)
    for key in (signer.public, signer.public_pem(), signer.public_raw_b64(),
                load_public_key(signer.public_raw_b64())):
        header, payload = verify_bundle(data, key)
        assert header["version"] == 3 and header["schema"] == 1
        assert header["key_id"] == signer.key_id
        assert payload["blob"] == b"\x00\x01" and payload["catalog"]["ids"] == ["a"]


def test_file_format_matches_the_contract(tmp_path: Path) -> None:
    signer, data = make(tmp_path)
    doc = msgpack.unpackb(data, raw=False)
    assert set(doc) == {"header_raw", "payload", "signature"}
    assert len(doc["signature"]) == 64
    signer.public.verify(doc["signature"], DOMAIN + doc["header_raw"] + doc["payload"])


def test_tampered_payload_header_or_key_is_rejected(tmp_path: Path) -> None:
    signer, data = make(tmp_path)
    doc = msgpack.unpackb(data, raw=False)
    bad_payload = dict(doc, payload=doc["payload"][:-1] + b"\x02")
    bad_header = dict(doc, header_raw=msgpack.packb(
        {"schema": 1, "version": 99, "created_at": 0, "key_id": "x"}))
    for tampered in (bad_payload, bad_header):
        with pytest.raises(BundleVerifyError, match="signature"):
            verify_bundle(msgpack.packb(tampered, use_bin_type=True), signer.public)
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BundleVerifyError, match="signature"):
        verify_bundle(data, other)
    with pytest.raises(BundleVerifyError):
        verify_bundle(b"not msgpack at all \xff", signer.public)
    with pytest.raises(BundleVerifyError):
        verify_bundle(msgpack.packb({"header_raw": b"x"}), signer.public)


def test_wrong_schema_is_rejected_even_when_signed(tmp_path: Path) -> None:
    signer = Signer.load_or_create(tmp_path)
    header_raw = msgpack.packb({"schema": 2, "version": 1, "created_at": 0, "key_id": "k"})
    payload = msgpack.packb({})
    signature = signer.private.sign(DOMAIN + header_raw + payload)
    data = msgpack.packb({"header_raw": header_raw, "payload": payload, "signature": signature})
    with pytest.raises(BundleVerifyError, match="schema"):
        verify_bundle(data, signer.public)
