"""The live visitor profile carried in the signed first-party cookie.

Plain mutable dataclasses: `core.fold` updates them from behaviour events, `core.cookie`
encodes them compactly, `core.decide` reads them. Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EVENT_TYPES: tuple[str, ...] = (
    "view",
    "click",
    "hover",
    "dwell",
    "scroll",
    "add_to_cart",
    "remove_from_cart",
    "purchase",
    "search",
    "exposure",
)
"""Behaviour event types; the index of a type is its one-byte code in the cookie."""


@dataclass
class Counter:
    """An exponentially decayed counter: `value` was exact at time `updated_at`."""

    value: float = 0.0
    updated_at: int = 0

    def at(self, now: int, half_life_hours: float) -> float:
        """The counter's value decayed from its last update to `now`."""
        if half_life_hours <= 0 or now <= self.updated_at:
            return self.value
        return self.value * math.pow(0.5, (now - self.updated_at) / (half_life_hours * 3600.0))

    def add(self, amount: float, now: int, half_life_hours: float) -> None:
        """Decay to `now`, then add `amount`."""
        self.value = self.at(now, half_life_hours) + amount
        self.updated_at = max(now, self.updated_at)


@dataclass
class LoggedEvent:
    """One behaviour event kept for windowed conditions ($count, $recency)."""

    ts: int
    type: str
    item: str | None = None
    category: str | None = None


@dataclass
class VisitorState:
    """Everything the edge remembers about one browser between requests."""

    visitor_id: str
    created_at: int = 0
    updated_at: int = 0
    known_id: str | None = None
    """Signed-in visitor id (enables the origin's long-term profile)."""
    visit_count: int = 1
    session_started_at: int = 0
    session_pages: int = 0
    recent_items: list[str] = field(default_factory=list)
    """Most recent first, bounded by `settings.recent_items_max`."""
    interests: dict[str, Counter] = field(default_factory=dict)
    """Decayed interest per key such as "category:hiking", "brand:acme", "tag:waterproof"."""
    counts: dict[str, Counter] = field(default_factory=dict)
    """Decayed count per event type."""
    events: list[LoggedEvent] = field(default_factory=list)
    """Oldest first, bounded by `settings.event_log_max`."""
    cart: list[str] = field(default_factory=list)
    cart_changed_at: int = 0
    purchases: list[str] = field(default_factory=list)
    """Most recent first, bounded."""
    last_purchase_at: int = 0
    exposures: dict[str, list[int]] = field(default_factory=dict)
    """Content block id -> exposure times (oldest first, bounded) for frequency caps."""
    assignments: dict[str, str] = field(default_factory=dict)
    """Experiment id -> variation id (sticky)."""
    consent: str | None = None
    """The explicit consent choice last seen ("granted", "denied" or "p1.5.6...")."""
    revision: int = 0
    """Incremented on every change; lets caches keyed on state notice updates."""


def fresh(visitor_id: str, now: int) -> VisitorState:
    """A brand-new visitor: used for first visits and for any unreadable cookie."""
    return VisitorState(
        visitor_id=visitor_id, created_at=now, updated_at=now, session_started_at=now
    )
