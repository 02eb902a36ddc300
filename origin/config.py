"""Origin configuration: the data directory, its secrets, and the input limits.

Secrets (admin and edge tokens) come from the environment when set, otherwise they are
generated once into the data directory with mode 0600, so a restart keeps them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ADMIN_TOKEN_ENV = "TAILOR_ADMIN_TOKEN"
EDGE_TOKEN_ENV = "TAILOR_EDGE_TOKEN"


@dataclass(frozen=True)
class Limits:
    """Bounds on untrusted input; exceeding one is a 4xx, never a 500."""

    max_events: int = 500
    max_body_bytes: int = 1024 * 1024
    max_admin_body_bytes: int = 64 * 1024 * 1024
    max_future_seconds: int = 300
    max_age_seconds: int = 30 * 24 * 3600
    max_props: int = 16


@dataclass(frozen=True)
class Config:
    """Everything `create_app` needs; build it with `Config.load`."""

    data_dir: Path
    admin_token: str
    edge_token: str
    host: str = "127.0.0.1"
    port: int = 8000
    limits: Limits = field(default_factory=Limits)
    push_timeout: float = 10.0
    log_level: str = "INFO"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "tailor.sqlite3"

    @property
    def key_dir(self) -> Path:
        return self.data_dir / "keys"

    @classmethod
    def load(
        cls,
        data_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        env: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        log_level: str = "INFO",
    ) -> Config:
        """Create the data directory if needed and resolve the tokens."""
        environ = os.environ if env is None else env
        path = Path(data_dir).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        admin = environ.get(ADMIN_TOKEN_ENV) or read_or_create_secret(path / "admin_token")
        edge = environ.get(EDGE_TOKEN_ENV) or read_or_create_secret(path / "edge_token")
        return cls(
            data_dir=path,
            admin_token=admin,
            edge_token=edge,
            host=host,
            port=port,
            limits=limits or Limits(),
            log_level=log_level,
        )


def read_or_create_secret(path: Path) -> str:
    """The token stored at `path`, generating a random one (mode 0600) on first use.

    Generated tokens are hex (256 bits): URL-safe base64 starts with "-" one time in 64,
    and a command line then reads `--origin-token -abc...` as a missing value."""
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return token
