"""The tailor_core wheel: the `core` package plus the edge glue that runs inside Pyodide."""

from __future__ import annotations

import re
from pathlib import Path

from build.wheel import write_wheel

DIST_NAME = "tailor-core"
SUMMARY = "Tailor's decision core (standard library only) and its Pyodide edge glue."
REQUIRES = ("msgpack>=1.0",)


def core_version(root: Path) -> str:
    """`core.__version__`, read from the source without importing it."""
    text = (root / "core" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if not match:
        raise ValueError("core/__init__.py has no __version__")
    return match.group(1)


def source_files(root: Path) -> list[Path]:
    """What goes into the wheel: core/**/*.py, core/py.typed, edge/__init__.py, edge/glue*.py."""
    core = root / "core"
    files = [p for p in core.rglob("*.py") if "__pycache__" not in p.parts]
    if (core / "py.typed").exists():
        files.append(core / "py.typed")
    edge = root / "edge"
    if (edge / "glue.py").exists() or list(edge.glob("glue*.py")):
        if (edge / "__init__.py").exists():
            files.append(edge / "__init__.py")
        files += sorted(edge.glob("glue*.py"))
    return sorted(set(files))


def wheel_name(root: Path) -> str:
    """The wheel's file name for the current core version."""
    return f"tailor_core-{core_version(root)}-py3-none-any.whl"


def top_level(files: list[str]) -> list[str]:
    """Top-level import names of the wheel's files."""
    return sorted({name.split("/", 1)[0] for name in files})


def build_core_wheel(root: Path, out_dir: Path) -> Path:
    """Write the wheel into out_dir; identical sources give identical bytes."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in source_files(root)}
    return write_wheel(
        out_dir / wheel_name(root),
        files,
        dist_name=DIST_NAME,
        version=core_version(root),
        summary=SUMMARY,
        requires=REQUIRES,
        top_level=top_level(list(files)),
    )
