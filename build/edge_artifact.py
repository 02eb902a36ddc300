"""Builds the edge artifact in dist/edge: the core wheel, a pure-Python msgpack wheel, a
Pyodide memory snapshot and a lock file for browsers. `python -m build.edge_artifact`.

Outputs (dist/edge/):
  tailor_core-<v>-py3-none-any.whl   core/ + edge/__init__.py + edge/glue*.py (deterministic)
  msgpack-<v>-py3-none-any.whl       msgpack without its C extension (snapshots need that)
  snapshot.bin                       Pyodide memory with both unpacked, every module imported
  pyodide-lock.json                  lists just those two wheels (relative file names)
  manifest.json                      hashes, versions, snapshot size; read by the loader

Node: `loadTailor({artifactDir: "dist/edge"})` from edge/pyodide_loader.mjs.
Browser Web Worker: serve dist/edge and the npm pyodide files (.mjs as text/javascript, .wasm
as application/wasm), then
  const lockFileURL = new URL("/edge/pyodide-lock.json", location).href;  // must be absolute
  const py = await loadPyodide({indexURL: "/pyodide/", lockFileURL});
  await py.loadPackage("tailor-core");          // pulls msgpack through `depends`
`packageBaseUrl` defaults to the lock file's directory; a relative lockFileURL fails in a
worker ("Invalid base URL"). Checked by hand in headless Chromium. The snapshot is Node only.

Nothing is rebuilt when the sources hash (wheel inputs, build scripts, msgpack and pyodide
versions) matches the manifest and every listed file is present.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from build import core_wheel, lockfile, msgpack_wheel

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dist" / "edge"
CACHE = ROOT / "dist" / "cache"
PYODIDE_DIR = ROOT / "edge" / "node_modules" / "pyodide"
SNAPSHOT_NAME = "snapshot.bin"
LOCK_NAME = "pyodide-lock.json"
MANIFEST_NAME = "manifest.json"
SNAPSHOT_SCRIPTS = ("edge/make_snapshot.mjs", "edge/pyodide_loader.mjs")
SNAPSHOT_TIMEOUT_S = 600


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pyodide_version() -> str:
    """The npm pyodide version the snapshot is made with (it only restores on that build)."""
    meta = json.loads((PYODIDE_DIR / "package.json").read_text(encoding="utf-8"))
    return str(meta["version"])


def sources_hash(root: Path, msgpack_version: str, pyodide: str) -> str:
    """One hash over everything the artifact is made from."""
    digest = hashlib.sha256()
    inputs = core_wheel.source_files(root)
    inputs += sorted((root / "build").glob("*.py"))
    inputs += [root / name for name in SNAPSHOT_SCRIPTS]
    for path in inputs:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(f"msgpack=={msgpack_version}\0pyodide=={pyodide}".encode())
    return digest.hexdigest()


def is_current(out: Path, wanted: str) -> bool:
    """True when out/manifest.json was built from `wanted` and its files are all there."""
    manifest_path = out / MANIFEST_NAME
    if not manifest_path.exists():
        return False
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("sources_sha256") != wanted:
        return False
    files = [(w["file"], w["size"]) for w in manifest["wheels"]]
    if manifest.get("snapshot"):
        files.append((manifest["snapshot"]["file"], manifest["snapshot"]["size"]))
    for name, size in files:
        if not (out / name).exists() or (out / name).stat().st_size != size:
            return False
    return (out / LOCK_NAME).exists()


def make_snapshot(out: Path, wheels: list[Path]) -> dict[str, Any]:
    """Run edge/make_snapshot.mjs; returns its JSON report (size, imported modules)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH; it is needed to make the Pyodide snapshot")
    cmd = [node, str(ROOT / "edge" / "make_snapshot.mjs"), "--artifact", str(out)]
    cmd += ["--out", str(out / SNAPSHOT_NAME)]
    for wheel in wheels:
        cmd += ["--wheel", str(wheel)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=SNAPSHOT_TIMEOUT_S, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"make_snapshot.mjs failed:\n{proc.stderr}{proc.stdout}")
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def wheel_record(path: Path) -> dict[str, Any]:
    """A manifest entry for one wheel."""
    dist, version = path.name.split("-")[:2]
    return {
        "file": path.name,
        "name": lockfile.canonical_name(dist),
        "version": version,
        "sha256": sha256_file(path),
        "size": path.stat().st_size,
    }


@contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Serialise concurrent builds in one checkout (several tests or people at once)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / ".edge_build.lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(out: Path = OUT, *, force: bool = False, snapshot: bool = True) -> dict[str, Any]:
    """Build (or keep) the artifact in `out`; returns its manifest.

    Everything is made in a staging directory and moved into `out` with the manifest last,
    so an edge or test loading `out` meanwhile sees the old artifact or the new one.
    """
    version = msgpack_wheel.installed_version()
    pyodide = pyodide_version()
    wanted = sources_hash(ROOT, version, pyodide)
    with build_lock(out):
        if not force and is_current(out, wanted):
            manifest: dict[str, Any] = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
            if snapshot or not manifest.get("snapshot"):
                return manifest
        for leftover in out.glob(".staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        stage = out / f".staging-{os.getpid()}"
        stage.mkdir(parents=True)
        try:
            manifest = _build_into(stage, wanted, version, pyodide, snapshot)
            _publish(stage, out, manifest)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        return manifest


def _build_into(
    stage: Path, wanted: str, version: str, pyodide: str, snapshot: bool
) -> dict[str, Any]:
    """Make every file of the artifact in `stage`; returns the manifest (not yet written)."""
    cached = msgpack_wheel.build_pure_wheel(version, CACHE / "msgpack")
    mp_wheel = stage / cached.name
    shutil.copyfile(cached, mp_wheel)
    core = core_wheel.build_core_wheel(ROOT, stage)
    lock = lockfile.write_lock(
        PYODIDE_DIR / "pyodide-lock.json",
        stage / LOCK_NAME,
        [(mp_wheel, []), (core, ["msgpack"])],
    )
    manifest: dict[str, Any] = {
        "format": 1,
        "pyodide_version": pyodide,
        "python_version": json.loads(lock.read_text("utf-8"))["info"].get("python"),
        "msgpack_version": version,
        "sources_sha256": wanted,
        "wheels": [wheel_record(mp_wheel), wheel_record(core)],
        "lock_file": LOCK_NAME,
        "snapshot": None,
    }
    if snapshot:
        report = make_snapshot(stage, [mp_wheel, core])
        snap = stage / SNAPSHOT_NAME
        manifest["snapshot"] = {
            "file": SNAPSHOT_NAME,
            "size": snap.stat().st_size,
            "sha256": sha256_file(snap),
            "modules": report["modules"],
            "import_errors": report["errors"],
        }
        for name, error in report["errors"].items():
            print(f"warning: {name} did not import in Pyodide: {error}", file=sys.stderr)
    return manifest


def _publish(stage: Path, out: Path, manifest: dict[str, Any]) -> None:
    """Move the staged files into `out`, the manifest last; drop files it no longer lists."""
    names = [w["file"] for w in manifest["wheels"]] + [LOCK_NAME]
    if manifest["snapshot"]:
        names.append(SNAPSHOT_NAME)
    for name in names:
        os.replace(stage / name, out / name)
    tmp = stage / MANIFEST_NAME
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out / MANIFEST_NAME)
    keep = set(names) | {MANIFEST_NAME}
    for stale in [*out.glob("*.whl"), out / SNAPSHOT_NAME]:
        if stale.name not in keep:
            stale.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """CLI entry: build the artifact, print a one-line summary."""
    parser = argparse.ArgumentParser(
        prog="python -m build.edge_artifact",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=OUT, help="output directory (dist/edge)")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--no-snapshot", action="store_true", help="skip the memory snapshot")
    args = parser.parse_args(argv)
    manifest = build(args.out.resolve(), force=args.force, snapshot=not args.no_snapshot)
    snap = manifest.get("snapshot") or {}
    wheels = ", ".join(w["file"] for w in manifest["wheels"])
    print(f"edge artifact in {args.out}: {wheels}; snapshot {snap.get('size', 0)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
