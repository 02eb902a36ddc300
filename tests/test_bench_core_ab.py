"""The A/B benchmark's exported core must be a separate copy: it never imports `core`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.core_ab import BASE_PACKAGE, export_core

ROOT = Path(__file__).resolve().parent.parent


def _modules_after_import(where: Path) -> list[str]:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        f"import {BASE_PACKAGE}.visit, {BASE_PACKAGE}.bundle;"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(where)], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_exported_commit_imports_only_itself(tmp_path: Path) -> None:
    export_core("HEAD", tmp_path)
    loaded = _modules_after_import(tmp_path)
    assert f"{BASE_PACKAGE}.decide" in loaded
    assert not [m for m in loaded if m == "core" or m.startswith("core.")]


def test_exported_working_tree_matches_the_source(tmp_path: Path) -> None:
    target = export_core(None, tmp_path)
    names = sorted(p.name for p in target.glob("*.py"))
    assert names == sorted(p.name for p in (ROOT / "core").glob("*.py"))
    assert not [m for m in _modules_after_import(tmp_path) if m.startswith("core.")]
