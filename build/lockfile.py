"""A Pyodide lock file that lists only the artifact's own wheels, for a browser Web Worker.

Pyodide checks the lock file's ABI against its own, so `info` is copied from the npm
package's pyodide-lock.json; `file_name`s are relative, resolved against `packageBaseUrl`.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any


def canonical_name(name: str) -> str:
    """PEP 503 normalised name, the form Pyodide keys its lock file by."""
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_entry(wheel: Path, depends: list[str]) -> dict[str, Any]:
    """One `packages` entry of a lock file for a pure-Python wheel."""
    dist, version = wheel.name.split("-")[:2]
    with zipfile.ZipFile(wheel) as archive:
        tops = [n for n in archive.namelist() if n.endswith(".dist-info/top_level.txt")]
        names = archive.namelist()
        if tops:
            imports = archive.read(tops[0]).decode().split()
        else:
            imports = sorted({n.split("/", 1)[0] for n in names if ".dist-info/" not in n})
    return {
        "name": canonical_name(dist),
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": sorted(imports),
        "depends": depends,
        "unvendored_tests": False,
        "tool": {},
    }


def write_lock(npm_lock: Path, out: Path, wheels: list[tuple[Path, list[str]]]) -> Path:
    """Write a lock file for `wheels` ([(path, depends)]) with npm pyodide's `info`."""
    info = json.loads(npm_lock.read_text(encoding="utf-8"))["info"]
    packages = {}
    for wheel, depends in wheels:
        entry = wheel_entry(wheel, depends)
        packages[entry["name"]] = entry
    doc = {"info": info, "packages": packages}
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out
