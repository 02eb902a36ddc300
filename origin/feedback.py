"""The bandit feedback loop: each compiled bundle carries Beta posteriors built from the
stored outcomes, so Thompson sampling at the edge shifts traffic toward what converts.

Prior Beta(1, 1) (flat). Outcomes: visitors first exposed to the experiment within the last
`lookback` seconds (default 30 days, so a stale past fades out), each a success when they
purchased within the attribution window (default 7 days) after that first exposure:
alpha = 1 + conversions, beta = 1 + (exposed - conversions), per variation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from origin.reports import DAY, DEFAULT_WINDOW, Goals, experiment_results, refresh_bandits
from origin.storage import Store

LOOKBACK = 30 * DAY


def bandit_posteriors(
    store: Store, experiments: Sequence[dict[str, Any]], now: int | None = None,
    lookback: int = LOOKBACK, window: int = DEFAULT_WINDOW, goal: str = "purchase",
) -> list[dict[str, Any]]:
    """`experiments` with fresh `arms` on every bandit that has stored exposures."""
    if not any(e.get("kind") == "bandit" for e in experiments):
        return [dict(e) for e in experiments]
    at = int(time.time()) if now is None else now
    since = at - lookback
    exposures = store.report_events(["exposure"], since, at + 1)
    goals = Goals.of(store.report_events([goal], since, at + 1), goal)
    bandits = [e for e in experiments if e.get("kind") == "bandit"]
    return refresh_bandits(experiments, experiment_results(bandits, exposures, goals, window))
