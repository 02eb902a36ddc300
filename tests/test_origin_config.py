"""Config.load: data directory creation, secret files, environment overrides."""

from __future__ import annotations

import stat
from pathlib import Path

from origin.config import Config, read_or_create_secret


def test_load_creates_dir_and_prefers_environment(tmp_path: Path) -> None:
    data = tmp_path / "nested" / "data"
    config = Config.load(data, env={"TAILOR_ADMIN_TOKEN": "from-env"}, port=9001)
    assert data.is_dir() and config.admin_token == "from-env" and config.port == 9001
    assert config.db_path.parent == data.resolve()
    assert not (data / "admin_token").exists() and (data / "edge_token").exists()


def test_secret_is_stable_and_private(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    token = read_or_create_secret(path)
    assert read_or_create_secret(path) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("\n")
    assert read_or_create_secret(path) not in ("", token)


def test_generated_secrets_can_follow_a_command_line_option(tmp_path: Path) -> None:
    """Every generated token is hex, so `tailor edge --origin-token TOKEN` always parses."""
    from edge.cli import parser

    for n in range(200):
        token = read_or_create_secret(tmp_path / f"secret-{n}")
        assert len(token) == 64 and int(token, 16) >= 0
        args = parser().parse_args(["--origin", "http://o", "--origin-token", token])
        assert args.origin_token == token
