"""Ed25519 signing of bundles in the file format of docs/contracts.md "Bundle".

A bundle file is msgpack {"header_raw": bin, "payload": bin, "signature": bin(64)}; the
signature covers b"tailor-bundle-v1\\n" + header_raw + payload. Storing the header's raw
bytes means signer and verifier never disagree on how a map is encoded.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DOMAIN = b"tailor-bundle-v1\n"
SCHEMA = 1
PRIVATE_FILE = "bundle_ed25519.pem"
PUBLIC_PEM_FILE = "bundle_ed25519.pub.pem"
PUBLIC_RAW_FILE = "bundle_ed25519.pub.b64"


class BundleVerifyError(ValueError):
    """A bundle that must not be loaded: bad framing, signature, schema or version."""


def key_id_for(public: Ed25519PublicKey) -> str:
    """A short stable id of a public key (carried in the header as `key_id`)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


class Signer:
    """The origin's bundle signing key."""

    def __init__(self, private: Ed25519PrivateKey, key_dir: Path | None = None) -> None:
        self.private = private
        self.public = private.public_key()
        self.key_id = key_id_for(self.public)
        self.key_dir = key_dir

    @classmethod
    def load_or_create(cls, key_dir: str | os.PathLike[str]) -> Signer:
        """Load the key pair from `key_dir`, creating it (private file mode 0600) on first use."""
        directory = Path(key_dir)
        directory.mkdir(parents=True, exist_ok=True)
        private_path = directory / PRIVATE_FILE
        if private_path.exists():
            loaded = serialization.load_pem_private_key(private_path.read_bytes(), None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ValueError(f"{private_path} is not an Ed25519 private key")
            private = loaded
        else:
            private = Ed25519PrivateKey.generate()
            pem = private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        os.chmod(private_path, 0o600)
        signer = cls(private, directory)
        (directory / PUBLIC_PEM_FILE).write_text(signer.public_pem(), encoding="ascii")
        (directory / PUBLIC_RAW_FILE).write_text(signer.public_raw_b64() + "\n", encoding="ascii")
        return signer

    @property
    def public_pem_path(self) -> Path | None:
        return None if self.key_dir is None else self.key_dir / PUBLIC_PEM_FILE

    @property
    def public_raw_path(self) -> Path | None:
        return None if self.key_dir is None else self.key_dir / PUBLIC_RAW_FILE

    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def public_raw_b64(self) -> str:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    def sign_bundle(self, version: int, created_at: int, payload: bytes) -> bytes:
        """The signed bundle file for an already msgpack-encoded payload."""
        header = {
            "schema": SCHEMA, "version": version, "created_at": created_at,
            "key_id": self.key_id,
        }
        header_raw = msgpack.packb(header, use_bin_type=True)
        signature = self.private.sign(DOMAIN + header_raw + payload)
        return bytes(
            msgpack.packb(
                {"header_raw": header_raw, "payload": payload, "signature": signature},
                use_bin_type=True,
            )
        )


def load_public_key(key: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    """Accept a key object, PEM (str or bytes), raw 32 bytes, or raw base64."""
    if isinstance(key, Ed25519PublicKey):
        return key
    data = key.encode("ascii") if isinstance(key, str) else key
    if data.lstrip().startswith(b"-----BEGIN"):
        loaded = serialization.load_pem_public_key(data)
        if not isinstance(loaded, Ed25519PublicKey):
            raise BundleVerifyError("public key is not Ed25519")
        return loaded
    if len(data) != 32:
        try:
            data = base64.b64decode(data.strip(), validate=True)
        except ValueError as exc:
            raise BundleVerifyError("public key is neither PEM, raw 32 bytes nor base64") from exc
    if len(data) != 32:
        raise BundleVerifyError("raw Ed25519 public key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(data)


def split_bundle(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(header_raw, payload, signature) of a bundle file, checking only the framing."""
    try:
        doc = msgpack.unpackb(data, raw=False)
    except Exception as exc:  # noqa: BLE001 - msgpack raises several types
        raise BundleVerifyError(f"bundle is not msgpack: {exc}") from exc
    if not isinstance(doc, dict):
        raise BundleVerifyError("bundle must be a msgpack map")
    parts = []
    for name in ("header_raw", "payload", "signature"):
        value = doc.get(name)
        if not isinstance(value, bytes):
            raise BundleVerifyError(f"bundle field {name!r} missing or not bin")
        parts.append(value)
    if len(parts[2]) != 64:
        raise BundleVerifyError("bundle field 'signature' must be 64 bytes")
    return parts[0], parts[1], parts[2]


def read_header(header_raw: bytes) -> dict[str, Any]:
    """Decode and check the header map (schema 1, integer version)."""
    try:
        header = msgpack.unpackb(header_raw, raw=False)
    except Exception as exc:  # noqa: BLE001
        raise BundleVerifyError(f"header is not msgpack: {exc}") from exc
    if not isinstance(header, dict):
        raise BundleVerifyError("header must be a map")
    if header.get("schema") != SCHEMA:
        raise BundleVerifyError(f"header schema must be {SCHEMA}, got {header.get('schema')!r}")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleVerifyError("header version must be a positive integer")
    return header


def verify_bundle(
    data: bytes, public_key: Ed25519PublicKey | bytes | str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a bundle file's signature and header; returns (header, payload map)."""
    key = load_public_key(public_key)
    header_raw, payload, signature = split_bundle(data)
    try:
        key.verify(signature, DOMAIN + header_raw + payload)
    except InvalidSignature as exc:
        raise BundleVerifyError("bundle signature does not verify") from exc
    header = read_header(header_raw)
    try:
        payload_map = msgpack.unpackb(payload, raw=False, strict_map_key=False)
    except Exception as exc:  # noqa: BLE001
        raise BundleVerifyError(f"payload is not msgpack: {exc}") from exc
    if not isinstance(payload_map, dict):
        raise BundleVerifyError("payload must be a map")
    if payload_map.get("version", header["version"]) != header["version"]:
        raise BundleVerifyError("payload version differs from header version")
    return header, payload_map
