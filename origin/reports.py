"""Experiment results, block performance and the personalization ROI, as pure functions over
event rows (`origin.storage.reports.ReportEvent`); nothing here reads the store or a clock.

Attribution, and why:
- A visitor belongs to the variation of their *first* exposure to an experiment (a bandit's
  sticky arm can change between time buckets; counting a visitor once keeps the arms'
  samples independent, which the z-test and the Beta update both assume).
- A visitor converted when a goal event (default `purchase`) of theirs falls within
  `window` seconds from that first exposure (ts in [first, first + window]); revenue is the
  sum of those goal events' values.
- Intervals are Wilson 95% score intervals; lift is relative to the first (control)
  variation with a pooled two-proportion z-test (two-sided p-value).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.experiments import Holdout, in_holdout
from origin.storage.reports import ReportEvent

Z95 = 1.959963984540054
"""The standard normal quantile at 0.975."""

DAY = 86400
DEFAULT_WINDOW = 7 * DAY
CLICK_WINDOW = 30 * 60


# -- statistics -----------------------------------------------------------------------------


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a binomial proportion; None when n == 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled z-test of p1 == p2; None when undefined (an empty
    group, or no variance because every visitor converted or none did)."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    z = (x2 / n2 - x1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2))


# -- conversions ----------------------------------------------------------------------------


@dataclass
class Goals:
    """Goal events per visitor, sorted by time, for window lookups."""

    times: dict[str, list[int]]
    values: dict[str, list[float | None]]

    @classmethod
    def of(cls, events: Iterable[ReportEvent], goal: str = "purchase") -> Goals:
        pairs: dict[str, list[tuple[int, float | None]]] = defaultdict(list)
        for e in events:
            if e.type == goal:
                pairs[e.visitor].append((e.ts, e.value))
        times, values = {}, {}
        for visitor, rows in pairs.items():
            rows.sort(key=lambda r: r[0])
            times[visitor] = [t for t, _ in rows]
            values[visitor] = [v for _, v in rows]
        return cls(times, values)

    def within(self, visitor: str, start: int, window: int) -> tuple[bool, float | None]:
        """(converted, revenue or None when no counted event carried a value)."""
        ts = self.times.get(visitor)
        if not ts:
            return False, None
        lo, hi = bisect_left(ts, start), bisect_right(ts, start + window)
        if lo >= hi:
            return False, None
        vals = [v for v in self.values[visitor][lo:hi] if v is not None]
        return True, (sum(vals) if vals else None)


@dataclass
class Tally:
    """Visitors, conversions and revenue of one group."""

    visitors: int = 0
    converted: int = 0
    revenue: float | None = None

    def add(self, converted: bool, revenue: float | None) -> None:
        self.visitors += 1
        self.converted += int(converted)
        if revenue is not None:
            self.revenue = (self.revenue or 0.0) + revenue

    def summary(self) -> dict[str, Any]:
        rate = self.converted / self.visitors if self.visitors else None
        ci = wilson(self.converted, self.visitors)
        rpv = None
        if self.revenue is not None and self.visitors:
            rpv = self.revenue / self.visitors
        return {"visitors": self.visitors, "converted": self.converted, "rate": rate,
                "ci": None if ci is None else list(ci), "revenue": self.revenue,
                "revenue_per_visitor": rpv}


def compare(control: Tally, treated: Tally) -> dict[str, Any]:
    """Relative lift, absolute difference and p-value of `treated` against `control`."""
    if not control.visitors or not treated.visitors:
        return {"lift": None, "diff": None, "p_value": None}
    pc, pt = control.converted / control.visitors, treated.converted / treated.visitors
    return {
        "lift": (pt - pc) / pc if pc > 0 else None,
        "diff": pt - pc,
        "p_value": two_proportion_p(control.converted, control.visitors,
                                    treated.converted, treated.visitors),
    }


# -- experiments ----------------------------------------------------------------------------


def first_exposures(exposures: Iterable[ReportEvent]) -> dict[str, dict[str, tuple[int, str]]]:
    """experiment id -> visitor -> (ts, variation) of the visitor's first exposure to it."""
    out: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for e in exposures:
        exp, var = e.props.get("experiment"), e.props.get("variation")
        if e.type != "exposure" or not isinstance(exp, str) or not isinstance(var, str):
            continue
        seen = out[exp].get(e.visitor)
        if seen is None or e.ts < seen[0]:
            out[exp][e.visitor] = (e.ts, var)
    return dict(out)


def experiment_results(
    definitions: Sequence[Mapping[str, Any]], exposures: Iterable[ReportEvent],
    goals: Goals, window: int = DEFAULT_WINDOW,
) -> list[dict[str, Any]]:
    """Per experiment (defined ones first, in order, then any only seen in exposures) and per
    variation (defined order; the first is the control): visitors, conversions, rate, Wilson
    interval, revenue, lift and p-value against the control."""
    firsts = first_exposures(exposures)
    defined = {str(d["id"]): d for d in definitions}
    ids = list(defined) + sorted(set(firsts) - set(defined))
    out = []
    for exp_id in ids:
        d = defined.get(exp_id, {})
        order = [str(v["id"]) for v in d.get("variations") or []]
        assigned = firsts.get(exp_id, {})
        order += sorted({var for _, var in assigned.values()} - set(order))
        tallies = {v: Tally() for v in order}
        for visitor, (ts, var) in sorted(assigned.items()):
            tallies[var].add(*goals.within(visitor, ts, window))
        arms = d.get("arms") or []
        variations = []
        for i, var in enumerate(order):
            row = {"id": var, "control": i == 0, **tallies[var].summary()}
            row.update(compare(tallies[order[0]], tallies[var]) if i > 0 else
                       {"lift": None, "diff": None, "p_value": None})
            row["arm"] = dict(arms[i]) if i < len(arms) else None
            variations.append(row)
        out.append({"id": exp_id, "kind": d.get("kind", "ab"), "layer": d.get("layer"),
                    "defined": exp_id in defined,
                    "visitors": sum(t.visitors for t in tallies.values()),
                    "variations": variations})
    return out


def bandit_arms(result: Mapping[str, Any]) -> list[dict[str, float]]:
    """Beta posteriors from a flat Beta(1, 1) prior: alpha = 1 + conversions,
    beta = 1 + (exposed - conversions), one per variation in the result's order."""
    return [{"alpha": 1.0 + v["converted"], "beta": 1.0 + v["visitors"] - v["converted"]}
            for v in result["variations"]]


def refresh_bandits(
    experiments: Sequence[Mapping[str, Any]], results: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Copies of `experiments` where each bandit with observed exposures gets fresh `arms`
    (ordered as its variations); a bandit nobody was exposed to keeps its authored arms."""
    by_id = {str(r["id"]): r for r in results}
    out = []
    for exp in experiments:
        copy = dict(exp)
        result = by_id.get(str(exp.get("id")))
        if exp.get("kind") == "bandit" and result is not None and result["visitors"] > 0:
            order = [str(v["id"]) for v in exp.get("variations") or []]
            arms = {v["id"]: arm for v, arm in zip(result["variations"], bandit_arms(result),
                                                     strict=True)}
            copy["arms"] = [arms.get(v, {"alpha": 1.0, "beta": 1.0}) for v in order]
        out.append(copy)
    return out


# -- blocks and rules -----------------------------------------------------------------------


def block_results(
    exposures: Iterable[ReportEvent], clicks: Iterable[ReportEvent], goals: Goals,
    window: int = DEFAULT_WINDOW, click_window: int = CLICK_WINDOW,
) -> dict[str, list[dict[str, Any]]]:
    """Per content block and per rule: exposures, exposed visitors, clicked exposures and
    click-through, converted visitors (from each visitor's first exposure to the block or
    rule). An exposure counts as clicked when the same visitor clicks on the same page path
    within `click_window` seconds after it, before the block is shown there again."""
    merged = sorted([*exposures, *clicks], key=lambda e: (e.visitor, e.ts, e.type != "exposure"))
    stats: dict[str, dict[str, dict[str, Any]]] = {"blocks": {}, "rules": {}}
    for e in merged:
        if e.type != "exposure":
            continue
        for kind, key in (("blocks", e.item), ("rules", e.props.get("rule"))):
            if isinstance(key, str):
                s = stats[kind].setdefault(key, {"exposures": 0, "clicked": 0, "first": {}})
                s["exposures"] += 1
                s["first"].setdefault(e.visitor, e.ts)
    _count_clicks(merged, stats, click_window)
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, table in stats.items():
        rows = []
        for key, s in table.items():
            tally = Tally()
            for visitor, ts in s["first"].items():
                tally.add(*goals.within(visitor, ts, window))
            summary = tally.summary()
            rows.append({
                "id": key, "exposures": s["exposures"], "visitors": tally.visitors,
                "clicks": s["clicked"], "ctr": s["clicked"] / s["exposures"],
                "ctr_ci": list(wilson(s["clicked"], s["exposures"]) or (0.0, 0.0)),
                "converted": tally.converted, "conversion_rate": summary["rate"],
                "revenue": tally.revenue,
            })
        rows.sort(key=lambda r: (-r["exposures"], r["id"]))
        out[kind] = rows
    return out


def _count_clicks(
    merged: Sequence[ReportEvent], stats: dict[str, dict[str, dict[str, Any]]], window: int
) -> None:
    """Mark each exposure clicked at most once: (kind, key, path) -> open exposure time."""
    visitor = None
    open_: dict[tuple[str, str, str | None], int] = {}
    for e in merged:
        if e.visitor != visitor:
            visitor, open_ = e.visitor, {}
        if e.type == "exposure":
            for kind, key in (("blocks", e.item), ("rules", e.props.get("rule"))):
                if isinstance(key, str):
                    open_[(kind, key, e.path)] = e.ts
            continue
        for slot, shown in list(open_.items()):
            if slot[2] == e.path and e.ts - shown <= window:
                stats[slot[0]][slot[1]]["clicked"] += 1
                del open_[slot]


# -- ROI ------------------------------------------------------------------------------------


def roi_result(
    holdout: Mapping[str, Any] | None, first_seen: Mapping[str, int],
    exposures: Iterable[ReportEvent], goals: Goals, window: int = DEFAULT_WINDOW,
) -> dict[str, Any]:
    """Personalization lift against the global holdout.

    Groups are decided the way the edge decides them, by hashing the visitor id with the
    holdout seed (`core.experiments.in_holdout`), since the edge logs nothing for holdout
    visitors: "holdout" and "personalized" are every visitor with a stored event in that
    slice or outside it (an intention-to-treat comparison, anchored at the first event);
    "exposed" is the personalized visitors who were shown a block, anchored at their first
    exposure (biased upward: being shown a block needs a visit to a page with a slot).
    """
    spec = None
    if holdout and float(holdout.get("percent") or 0) > 0:
        spec = Holdout(percent=float(holdout["percent"]), seed=str(holdout.get("seed", "holdout")))
    first_exposure: dict[str, int] = {}
    for e in exposures:
        if e.type == "exposure" and (e.visitor not in first_exposure
                                     or e.ts < first_exposure[e.visitor]):
            first_exposure[e.visitor] = e.ts
    held, personalized, exposed = Tally(), Tally(), Tally()
    for visitor, ts in sorted(first_seen.items()):
        if spec is not None and in_holdout(spec, visitor):
            held.add(*goals.within(visitor, ts, window))
            continue
        personalized.add(*goals.within(visitor, ts, window))
        if visitor in first_exposure:
            exposed.add(*goals.within(visitor, first_exposure[visitor], window))
    lift = compare(held, personalized)
    incremental = None
    if held.visitors and personalized.visitors and held.revenue is not None \
            and personalized.revenue is not None:
        gain = personalized.revenue / personalized.visitors - held.revenue / held.visitors
        incremental = gain * personalized.visitors
    return {
        "holdout": None if spec is None else {"percent": spec.percent, "seed": spec.seed},
        "groups": {"holdout": held.summary(), "personalized": personalized.summary(),
                   "exposed": exposed.summary()},
        "personalization_lift": {**lift, "incremental_revenue": incremental},
        "exposed_lift": compare(held, exposed),
    }
