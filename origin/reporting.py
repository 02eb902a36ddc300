"""The reports over a `Store`: read the rows `origin.reports` needs and the definitions they
are measured against (the live bundle's experiments and holdout, else the authored
documents). Used by the admin routes, the bundle feedback loop and the demo summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from origin.reports import DAY, DEFAULT_WINDOW, Goals, block_results, experiment_results, roi_result
from origin.signing import BundleVerifyError, verify_bundle
from origin.storage import Store

GOALS = ("purchase", "add_to_cart")


@dataclass(frozen=True)
class Period:
    """Which events count: `since <= ts < until` (None: unbounded), the attribution window
    in seconds and the goal event type."""

    since: int | None = None
    until: int | None = None
    window: int = DEFAULT_WINDOW
    goal: str = "purchase"

    def describe(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "window_days": self.window / DAY,
                "goal": self.goal}

    def goals(self, store: Store) -> Goals:
        # goals may land up to one window after `until` and still count
        until = None if self.until is None else self.until + self.window
        return Goals.of(store.report_events([self.goal], self.since, until), self.goal)


@dataclass(frozen=True)
class Definitions:
    """What the results are measured against, and where it came from."""

    experiments: list[dict[str, Any]]
    holdout: dict[str, Any] | None
    bundle_version: int | None


def definitions(store: Store, public_key: Any | None = None) -> Definitions:
    """The latest stored bundle's experiments and holdout (what edges run), plus authored
    experiments not compiled yet; the holdout config document when no bundle has one."""
    experiments: list[dict[str, Any]] = []
    holdout: dict[str, Any] | None = None
    version = store.latest_bundle_version()
    if version is not None and public_key is not None:
        data = store.get_bundle(version)
        try:
            _header, payload = verify_bundle(data or b"", public_key)
        except BundleVerifyError:
            payload = {}
        experiments = [dict(e) for e in payload.get("experiments") or [] if isinstance(e, dict)]
        raw = payload.get("holdout")
        holdout = dict(raw) if isinstance(raw, dict) else None
    else:
        version = None
    seen = {str(e.get("id")) for e in experiments}
    experiments += [
        {k: v for k, v in d.items() if k != "version"}
        for d in store.list_docs("experiments") if str(d["id"]) not in seen
    ]
    if holdout is None:
        doc = store.get_doc("config", "holdout")
        if doc is not None and isinstance(doc.get("value"), dict):
            holdout = dict(doc["value"])
    return Definitions(experiments, holdout, version)


def experiments_report(
    store: Store, defs: Definitions, period: Period = Period()
) -> dict[str, Any]:
    exposures = store.report_events(["exposure"], period.since, period.until)
    results = experiment_results(defs.experiments, exposures, period.goals(store), period.window)
    return {**period.describe(), "bundle_version": defs.bundle_version, "experiments": results}


def blocks_report(store: Store, period: Period = Period(), limit: int = 50) -> dict[str, Any]:
    exposures = store.report_events(["exposure"], period.since, period.until)
    until = None if period.until is None else period.until + 1800
    clicks = store.report_events(["click"], period.since, until)
    results = block_results(exposures, clicks, period.goals(store), period.window)
    return {**period.describe(), "click_window_minutes": 30,
            **{kind: rows[:limit] for kind, rows in results.items()}}


def roi_report(store: Store, defs: Definitions, period: Period = Period()) -> dict[str, Any]:
    first_seen = store.report_first_seen(period.since, period.until)
    exposures = store.report_events(["exposure"], period.since, period.until)
    result = roi_result(defs.holdout, first_seen, exposures, period.goals(store), period.window)
    return {**period.describe(), "bundle_version": defs.bundle_version, **result}


def roi_line(roi: dict[str, Any]) -> str:
    """One human line for CLI summaries."""
    groups, lift = roi["groups"], roi["personalization_lift"]
    if roi["holdout"] is None:
        p = groups["personalized"]
        return (f"ROI: no holdout configured; {p['converted']}/{p['visitors']} visitors "
                f"converted ({_pct(p['rate'])})")
    h, p = groups["holdout"], groups["personalized"]
    return (f"ROI: personalized {_pct(p['rate'])} ({p['converted']}/{p['visitors']}) vs "
            f"holdout {_pct(h['rate'])} ({h['converted']}/{h['visitors']}); lift "
            f"{_pct(lift['lift'])}, p={_num(lift['p_value'])}")


def experiment_lines(report: dict[str, Any]) -> list[str]:
    """One line per experiment variation for CLI summaries."""
    lines = []
    for exp in report["experiments"]:
        for v in exp["variations"]:
            ci = v["ci"]
            interval = "" if ci is None else f" [{_pct(ci[0])}, {_pct(ci[1])}]"
            extra = "control" if v["control"] else (
                f"lift {_pct(v['lift'])}, p={_num(v['p_value'])}")
            lines.append(f"{exp['id']}/{v['id']}: {v['converted']}/{v['visitors']} "
                         f"{_pct(v['rate'])}{interval} {extra}")
    return lines


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3g}"


def summary_lines(store: Store, public_key: Any | None = None) -> list[str]:
    """The ROI line, then one line per experiment variation (e.g. for `tailor demo --check`)."""
    defs = definitions(store, public_key)
    return [roi_line(roi_report(store, defs)),
            *experiment_lines(experiments_report(store, defs))]
