"""Bundle-wide tunables that the state, fold and decision code share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Limits and decay rates shipped in the bundle's `settings` section."""

    half_life_hours: float = 72.0
    recent_items_max: int = 12
    event_log_max: int = 32
    cookie_max_bytes: int = 3000
    session_gap_minutes: int = 30
    purchases_max: int = 12
    cart_max: int = 20
    exposures_per_block_max: int = 8
    interests_max: int = 24


@dataclass(frozen=True)
class ItemInfo:
    """What folding an event needs to know about the item it names."""

    category: str | None = None
    brand: str | None = None
    tags: tuple[str, ...] = ()
