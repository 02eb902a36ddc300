"""A deterministic pure-Python wheel writer: zipfile only, so the build needs no network.

Entries are sorted and stamped with a fixed time, so unchanged sources rebuild to identical
bytes and the artifact's hash says whether anything changed.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
GENERATOR = "tailor-build (0.1.0)"


def record_hash(data: bytes) -> str:
    """The RECORD form of a sha256: `sha256=` + urlsafe base64 without padding."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100644 & 0xFFFF) << 16
    info.create_system = 3  # unix, whatever the host
    return info


def metadata_text(name: str, version: str, summary: str, requires: Iterable[str]) -> str:
    """A minimal core-metadata 2.1 file."""
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary}",
        "Requires-Python: >=3.11",
    ]
    lines += [f"Requires-Dist: {req}" for req in requires]
    return "\n".join(lines) + "\n"


def wheel_text() -> str:
    """The WHEEL file of a pure-Python, py3-only wheel."""
    return f"Wheel-Version: 1.0\nGenerator: {GENERATOR}\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def write_wheel(
    target: Path,
    files: dict[str, bytes],
    *,
    dist_name: str,
    version: str,
    summary: str,
    requires: Iterable[str] = (),
    top_level: Iterable[str] = (),
) -> Path:
    """Write `files` ({archive path: bytes}) as a wheel at `target`; returns the path."""
    dist_info = f"{dist_name.replace('-', '_')}-{version}.dist-info"
    meta = {
        f"{dist_info}/METADATA": metadata_text(dist_name, version, summary, requires).encode(),
        f"{dist_info}/WHEEL": wheel_text().encode(),
        f"{dist_info}/top_level.txt": "".join(f"{name}\n" for name in sorted(top_level)).encode(),
    }
    entries = sorted(files.items()) + list(meta.items())
    record_lines = [f"{name},{record_hash(data)},{len(data)}" for name, data in entries]
    record_name = f"{dist_info}/RECORD"
    record_lines.append(f"{record_name},,")
    record = ("\n".join(record_lines) + "\n").encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, data in [*entries, (record_name, record)]:
            archive.writestr(_info(name), data, compresslevel=9)
    tmp.replace(target)
    return target


def verify_record(path: Path) -> list[str]:
    """Problems with a wheel's RECORD (missing, extra or mismatching entries); [] if sound."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        records = [n for n in names if n.endswith(".dist-info/RECORD")]
        if len(records) != 1:
            return [f"expected one RECORD, found {records}"]
        listed: dict[str, tuple[str, str]] = {}
        for line in archive.read(records[0]).decode().splitlines():
            if not line:
                continue
            name, digest, size = line.rsplit(",", 2)
            listed[name] = (digest, size)
        for name in names:
            if name.endswith("/"):
                continue
            if name not in listed:
                problems.append(f"{name} not in RECORD")
                continue
            if name == records[0]:
                continue
            data = archive.read(name)
            digest, size = listed[name]
            if digest != record_hash(data) or size != str(len(data)):
                problems.append(f"{name} hash or size mismatch")
        problems += [f"{name} in RECORD but not in wheel" for name in listed if name not in names]
    return problems


def normalize(path: Path) -> Path:
    """Rewrite a wheel in place with fixed timestamps and modes (member order kept), so a
    wheel built by pip at different times has the same bytes."""
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, data in members:
            if not name.endswith("/"):
                archive.writestr(_info(name), data, compresslevel=9)
    tmp.replace(path)
    return path
