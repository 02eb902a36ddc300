"""The edge artifact: the core wheel's contents and RECORD, a pure msgpack, byte-identical
rebuilds, the browser lock file, and a real Node + Pyodide start from the snapshot."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from build import core_wheel, edge_artifact, msgpack_wheel, wheel

ROOT = Path(__file__).resolve().parent.parent
OUT = edge_artifact.OUT
LOADER = ROOT / "edge" / "pyodide_loader.mjs"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return edge_artifact.build()


def wheel_path(manifest: dict[str, Any], name: str) -> Path:
    return OUT / str(next(w["file"] for w in manifest["wheels"] if w["name"] == name))


def node(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("node")
    assert exe, "node is needed for the edge artifact"
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
    )


def test_core_wheel_holds_exactly_core_and_edge_glue(manifest: dict[str, Any]) -> None:
    path = wheel_path(manifest, "tailor-core")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    sources = {p.relative_to(ROOT).as_posix() for p in core_wheel.source_files(ROOT)}
    dist_info = f"tailor_core-{core_wheel.core_version(ROOT)}.dist-info"
    meta = {f"{dist_info}/{n}" for n in ("METADATA", "WHEEL", "RECORD", "top_level.txt")}
    assert names == sources | meta
    assert {"core/__init__.py", "core/py.typed"} <= names
    assert all(n.startswith(("core/", "edge/", dist_info)) for n in names)
    edge_files = {n for n in names if n.startswith("edge/")}
    glue = {p.relative_to(ROOT).as_posix() for p in (ROOT / "edge").glob("glue*.py")}
    assert edge_files == (glue | {"edge/__init__.py"} if glue else set())


def test_record_hashes_are_valid(manifest: dict[str, Any]) -> None:
    assert wheel.verify_record(wheel_path(manifest, "tailor-core")) == []
    assert wheel.verify_record(wheel_path(manifest, "msgpack")) == []


def test_record_check_catches_a_changed_member(manifest: dict[str, Any], tmp_path: Path) -> None:
    source = wheel_path(manifest, "tailor-core")
    tampered = tmp_path / source.name
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data + b"#" if info.filename == "core/__init__.py" else data)
    assert wheel.verify_record(tampered) == ["core/__init__.py hash or size mismatch"]


def test_msgpack_wheel_is_pure_python(manifest: dict[str, Any]) -> None:
    path = wheel_path(manifest, "msgpack")
    assert path.name == f"msgpack-{msgpack_wheel.installed_version()}-py3-none-any.whl"
    assert msgpack_wheel.native_members(path) == []
    with zipfile.ZipFile(path) as archive:
        assert "msgpack/fallback.py" in archive.namelist()
        # re-zipped with fixed timestamps, so clean builds agree byte for byte
        assert {info.date_time for info in archive.infolist()} == {wheel.FIXED_TIME}


def test_core_wheel_rebuilds_byte_identical(manifest: dict[str, Any], tmp_path: Path) -> None:
    first = core_wheel.build_core_wheel(ROOT, tmp_path / "a").read_bytes()
    second = core_wheel.build_core_wheel(ROOT, tmp_path / "b").read_bytes()
    assert first == second == wheel_path(manifest, "tailor-core").read_bytes()


def test_core_wheel_changes_when_a_source_changes(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "core", tmp_path / "core", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "edge").mkdir()
    before = core_wheel.build_core_wheel(tmp_path, tmp_path / "a").read_bytes()
    init = tmp_path / "core" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    after = core_wheel.build_core_wheel(tmp_path, tmp_path / "b").read_bytes()
    assert before != after


def test_unchanged_sources_skip_the_rebuild(manifest: dict[str, Any]) -> None:
    snapshot = OUT / manifest["snapshot"]["file"]
    stamp = snapshot.stat().st_mtime_ns
    assert edge_artifact.build() == manifest
    assert snapshot.stat().st_mtime_ns == stamp


def test_manifest_records_hashes_and_snapshot(manifest: dict[str, Any]) -> None:
    for entry in manifest["wheels"]:
        data = (OUT / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
    assert manifest["pyodide_version"] == edge_artifact.pyodide_version()
    snap = manifest["snapshot"]
    assert snap["size"] == (OUT / snap["file"]).stat().st_size > 1_000_000
    assert "core" in snap["modules"] and "msgpack.fallback" in snap["modules"]


def test_every_core_module_imports_in_pyodide(manifest: dict[str, Any]) -> None:
    assert manifest["snapshot"]["import_errors"] == {}


def test_browser_lock_file_lists_both_wheels(manifest: dict[str, Any]) -> None:
    lock = json.loads((OUT / edge_artifact.LOCK_NAME).read_text(encoding="utf-8"))
    npm = json.loads((edge_artifact.PYODIDE_DIR / "pyodide-lock.json").read_text("utf-8"))
    assert lock["info"] == npm["info"]
    assert sorted(lock["packages"]) == ["msgpack", "tailor-core"]
    core = lock["packages"]["tailor-core"]
    assert core["depends"] == ["msgpack"] and "core" in core["imports"]
    for entry in lock["packages"].values():
        data = (OUT / entry["file_name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


START = """
import { loadTailor } from %s;
const py = await loadTailor({ artifactDir: %s, useSnapshot: %s });
const version = py.runPython("import core, sys; core.__version__");
const platform = py.runPython("import sys; sys.platform");
const { snapshot, reason } = py.tailorStart;
console.log(JSON.stringify({ version, platform, snapshot, reason }));
process.exit(0);
"""


def start(artifact: Path, use_snapshot: bool) -> dict[str, Any]:
    """Start Pyodide through the loader in a fresh Node process; what it reports."""
    args = (json.dumps(LOADER.as_uri()), json.dumps(str(artifact)), json.dumps(use_snapshot))
    proc = node("--input-type=module", "-e", START % args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("use_snapshot", [True, False])
def test_loader_imports_core_in_pyodide(manifest: dict[str, Any], use_snapshot: bool) -> None:
    result = start(OUT, use_snapshot)
    assert result == {
        "version": core_wheel.core_version(ROOT),
        "platform": "emscripten",
        "snapshot": use_snapshot,
        "reason": "snapshot" if use_snapshot else "useSnapshot: false",
    }


def test_loader_boots_without_a_broken_snapshot(manifest: dict[str, Any], tmp_path: Path) -> None:
    artifact = tmp_path / "edge"
    shutil.copytree(OUT, artifact)
    snapshot = artifact / manifest["snapshot"]["file"]
    with open(snapshot, "r+b") as handle:  # same size, so only the restore can notice
        handle.write(b"\0\0\0\0")
    result = start(artifact, True)
    assert result["version"] == core_wheel.core_version(ROOT)
    assert result["snapshot"] is False
    assert result["reason"].startswith("snapshot failed")


FILES = """
import { loadTailor } from %s;
const py = await loadTailor({ artifactDir: %s });
const out = py.runPython(`
import hashlib, json, os, core
site = os.path.dirname(os.path.dirname(core.__file__))
found = {}
for top in ("core", "edge", "msgpack"):
    for base, _, files in os.walk(os.path.join(site, top)):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, site)] = hashlib.sha256(handle.read()).hexdigest()
json.dumps(found)
`);
console.log(JSON.stringify({ snapshot: py.tailorStart.snapshot, files: JSON.parse(out) }));
process.exit(0);
"""


def test_snapshot_start_restores_the_wheel_files(manifest: dict[str, Any]) -> None:
    """Files are not in a memory snapshot; the loader must put them back, byte for byte."""
    args = (json.dumps(LOADER.as_uri()), json.dumps(str(OUT)))
    proc = node("--input-type=module", "-e", FILES % args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["snapshot"] is True
    expected = {}
    for name in ("tailor-core", "msgpack"):
        with zipfile.ZipFile(wheel_path(manifest, name)) as archive:
            for member in archive.namelist():
                if member.startswith(("core/", "edge/", "msgpack/")):
                    expected[member] = hashlib.sha256(archive.read(member)).hexdigest()
    found = {k: v for k, v in result["files"].items() if "__pycache__" not in k}
    assert found == expected


def test_pyrun_calls_a_function_with_kwargs(manifest: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "probe_mod.py").write_text(
        "import sys\nimport core\n\n"
        "def run(n, label='x'):\n"
        "    print('noise on stdout')\n"
        "    return {'square': n * n, 'label': label, 'platform': sys.platform,\n"
        "            'core': core.__version__}\n",
        encoding="utf-8",
    )
    proc = node(
        str(ROOT / "edge" / "pyrun.mjs"),
        "--artifact", str(OUT),
        "--path", str(tmp_path),
        "--module", "probe_mod",
        "--call", "run",
        "--args", json.dumps({"n": 12, "label": "edge"}),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == {
        "square": 144,
        "label": "edge",
        "platform": "emscripten",
        "core": core_wheel.core_version(ROOT),
    }
