"""The pure-Python msgpack wheel for Pyodide, built from the PyPI sdist.

A C-extension msgpack (`_cmsgpack`) crashes a Pyodide memory snapshot on restore, so the edge
ships msgpack's own fallback implementation. The sdist and the built wheel are cached under
dist/cache/, so only the first build needs PyPI; the wheel is re-zipped with fixed timestamps,
so two clean builds give the same bytes.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from build.wheel import normalize


def installed_version() -> str:
    """The msgpack version installed beside the origin, so both sides speak the same one."""
    return importlib.metadata.version("msgpack")


def _pip(args: list[str], env: dict[str, str] | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    subprocess.run(cmd, check=True, env=env)


def fetch_sdist(version: str, cache: Path) -> Path:
    """The msgpack sdist, downloaded by pip on first use and cached afterwards."""
    found = sorted(cache.glob(f"msgpack-{version}.tar.gz"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    _pip(
        [
            "download",
            f"msgpack=={version}",
            "--no-binary",
            ":all:",
            "--no-deps",
            "-d",
            str(cache),
        ]
    )
    found = sorted(cache.glob(f"msgpack-{version}.tar.gz"))
    if not found:
        raise RuntimeError(f"pip download left no msgpack-{version}.tar.gz in {cache}")
    return found[0]


def native_members(wheel: Path) -> list[str]:
    """Compiled members of a wheel (.so, .pyd, .dylib); [] for a pure-Python one."""
    with zipfile.ZipFile(wheel) as archive:
        return [n for n in archive.namelist() if n.endswith((".so", ".pyd", ".dylib"))]


def is_pure(wheel: Path) -> bool:
    """True when the wheel is tagged py3-none-any and carries no compiled code."""
    return wheel.name.endswith("-py3-none-any.whl") and not native_members(wheel)


def build_pure_wheel(version: str, cache: Path) -> Path:
    """A cached msgpack-<version>-py3-none-any.whl built with MSGPACK_PUREPYTHON=1."""
    wheel = cache / f"msgpack-{version}-py3-none-any.whl"
    if wheel.exists() and is_pure(wheel):
        return normalize(wheel)  # idempotent; also fixes a cache from an older build
    sdist = fetch_sdist(version, cache)
    env = dict(os.environ, MSGPACK_PUREPYTHON="1")
    _pip(["wheel", "--no-deps", "--no-cache-dir", "-w", str(cache), str(sdist)], env=env)
    if not wheel.exists():
        raise RuntimeError(f"pip wheel did not produce {wheel.name}")
    if not is_pure(wheel):
        wheel.unlink()
        raise RuntimeError(f"{wheel.name} is not pure Python: {native_members(wheel)}")
    return normalize(wheel)
