"""The report arithmetic against scipy, and the attribution rules on hand-made event rows."""

from __future__ import annotations

import math
from typing import Any

import pytest
from scipy.stats import binomtest, chi2_contingency  # type: ignore[import-untyped]

from core.experiments import Holdout, in_holdout
from origin.reports import (
    DAY,
    Goals,
    block_results,
    experiment_results,
    refresh_bandits,
    roi_result,
    two_proportion_p,
    wilson,
)
from origin.storage.reports import ReportEvent


def exposure(
    visitor: str, ts: int, block: str = "b1", path: str = "/", **props: Any
) -> ReportEvent:
    return ReportEvent(visitor, "exposure", ts, block, None, path, dict(props))


def event(visitor: str, kind: str, ts: int, value: float | None = None, path: str = "/",
          item: str | None = "sku") -> ReportEvent:
    return ReportEvent(visitor, kind, ts, item, value, path, {})


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (17, 250), (1, 1)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson(k, n) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-12)


def test_wilson_of_nothing_is_none() -> None:
    assert wilson(0, 0) is None


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(6, 40, 15, 50), (30, 1000, 45, 1000),
                                                    (1, 3, 2, 3)])
def test_two_proportion_p_matches_chi_square(x1: int, n1: int, x2: int, n2: int) -> None:
    expected = chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)[1]
    assert two_proportion_p(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9)


def test_two_proportion_p_undefined_without_variance() -> None:
    assert two_proportion_p(0, 10, 0, 12) is None
    assert two_proportion_p(5, 5, 3, 3) is None
    assert two_proportion_p(1, 0, 1, 2) is None


def test_goal_window_is_inclusive_and_after_the_anchor() -> None:
    goals = Goals.of([event("v", "purchase", 100, 5.0), event("v", "purchase", 100 + 7 * DAY, 2.5),
                      event("v", "purchase", 101 + 7 * DAY, 100.0), event("w", "purchase", 99)])
    assert goals.within("v", 100, 7 * DAY) == (True, 7.5)
    assert goals.within("v", 101, 7 * DAY) == (True, 102.5)
    assert goals.within("w", 100, 7 * DAY) == (False, None)
    assert goals.within("nobody", 0, DAY) == (False, None)
    assert Goals.of([event("v", "purchase", 5)]).within("v", 0, 10) == (True, None)


def test_experiment_results_first_exposure_attribution_and_control() -> None:
    defs = [{"id": "e", "kind": "ab", "layer": "L", "variations": [{"id": "a"}, {"id": "b"}]}]
    rows = [
        exposure("v1", 100, experiment="e", variation="b"),
        exposure("v1", 50, experiment="e", variation="a"),   # first exposure wins: a
        exposure("v2", 100, experiment="e", variation="b"),
        exposure("v3", 100, experiment="e", variation="b"),
        exposure("v4", 100, experiment="other", variation="x"),
        exposure("v5", 100),                                   # no experiment
    ]
    goals = Goals.of([event("v1", "purchase", 60, 10.0), event("v2", "purchase", 90),
                      event("v3", "purchase", 200, 4.0)])
    out = experiment_results(defs, rows, goals, window=DAY)
    assert [e["id"] for e in out] == ["e", "other"]
    e = out[0]
    assert (e["kind"], e["layer"], e["defined"], e["visitors"]) == ("ab", "L", True, 3)
    a, b = e["variations"]
    assert (a["id"], a["control"], a["visitors"], a["converted"], a["revenue"]) == (
        "a", True, 1, 1, 10.0)
    assert (b["id"], b["visitors"], b["converted"], b["revenue"]) == ("b", 2, 1, 4.0)
    assert b["rate"] == 0.5 and b["diff"] == -0.5 and b["lift"] == -0.5
    assert a["lift"] is None and a["p_value"] is None
    assert out[1]["defined"] is False and out[1]["variations"][0]["converted"] == 0


def test_refresh_bandits_sets_beta_posteriors_in_variation_order() -> None:
    defs: list[dict[str, Any]] = [
        {"id": "band", "kind": "bandit", "variations": [{"id": "x"}, {"id": "y"}, {"id": "z"}],
         "arms": [{"alpha": 9, "beta": 9}] * 3},
        {"id": "quiet", "kind": "bandit", "variations": [{"id": "p"}], "arms": [
            {"alpha": 3, "beta": 4}]},
        {"id": "ab", "kind": "ab", "variations": [{"id": "c"}], "arms": None},
    ]
    rows = [exposure(f"x{i}", 10, experiment="band", variation="x") for i in range(5)]
    rows += [exposure(f"y{i}", 10, experiment="band", variation="y") for i in range(3)]
    rows += [exposure("c0", 10, experiment="ab", variation="c")]
    goals = Goals.of([event("x0", "purchase", 20), event("x1", "purchase", 20),
                      event("y2", "purchase", 30), event("c0", "purchase", 30)])
    out = refresh_bandits(defs, experiment_results(defs, rows, goals))
    assert out[0]["arms"] == [{"alpha": 3.0, "beta": 4.0}, {"alpha": 2.0, "beta": 3.0},
                              {"alpha": 1.0, "beta": 1.0}]
    assert out[1]["arms"] == [{"alpha": 3, "beta": 4}]  # nothing observed: authored arms stay
    assert out[2]["arms"] is None and defs[0]["arms"][0] == {"alpha": 9, "beta": 9}


def test_block_clicks_same_visitor_same_path_within_30_minutes() -> None:
    rows = [
        exposure("v", 1000, "hero", "/", rule="r1"),
        exposure("v", 1000, "recs", "/", rule="r2"),
        exposure("v", 5000, "hero", "/p", rule="r1"),
        exposure("w", 1000, "hero", "/", rule="r1"),
        exposure("u", 1000, "hero", "/"),
    ]
    clicks = [
        event("v", "click", 1000 + 1800, path="/"),   # both blocks shown on / count, once each
        event("v", "click", 1000 + 1801, path="/"),   # already counted
        event("v", "click", 5001, path="/other"),     # another page
        event("w", "click", 1000 + 1801, path="/"),   # too late
        event("u", "click", 999, path="/"),           # before the exposure
    ]
    goals = Goals.of([event("w", "purchase", 2000, 30.0)])
    out = block_results(rows, clicks, goals, window=DAY)
    hero = {b["id"]: b for b in out["blocks"]}["hero"]
    assert (hero["exposures"], hero["visitors"], hero["clicks"], hero["converted"]) == (4, 3, 1, 1)
    assert hero["ctr"] == 0.25 and hero["conversion_rate"] == pytest.approx(1 / 3)
    assert hero["revenue"] == 30.0
    assert [b["id"] for b in out["blocks"]] == ["hero", "recs"]
    rules = {r["id"]: r for r in out["rules"]}
    assert (rules["r1"]["exposures"], rules["r1"]["clicks"]) == (3, 1)
    assert (rules["r2"]["exposures"], rules["r2"]["clicks"]) == (1, 1)


def test_roi_groups_by_the_holdout_hash() -> None:
    holdout = {"percent": 30, "seed": "hs"}
    spec = Holdout(30.0, "hs")
    visitors = [f"v{i}" for i in range(200)]
    first_seen = {v: 1000 + i for i, v in enumerate(visitors)}
    held = [v for v in visitors if in_holdout(spec, v)]
    rest = [v for v in visitors if not in_holdout(spec, v)]
    assert 30 < len(held) < 90
    exposed = rest[::2]
    rows = [exposure(v, 5000) for v in exposed]
    buyers = held[::5] + rest[::3]
    goals = Goals.of([event(v, "purchase", 6000, 10.0) for v in buyers])
    out = roi_result(holdout, first_seen, rows, goals, window=DAY)
    h, p, x = (out["groups"][k] for k in ("holdout", "personalized", "exposed"))
    assert (h["visitors"], h["converted"]) == (len(held), len(held[::5]))
    assert (p["visitors"], p["converted"]) == (len(rest), len(rest[::3]))
    assert (x["visitors"], x["converted"]) == (len(exposed), len(set(exposed) & set(rest[::3])))
    lift = out["personalization_lift"]
    ph, pp = h["converted"] / h["visitors"], p["converted"] / p["visitors"]
    assert lift["lift"] == pytest.approx((pp - ph) / ph)
    expected_p = chi2_contingency([[h["converted"], h["visitors"] - h["converted"]],
                                   [p["converted"], p["visitors"] - p["converted"]]],
                                  correction=False)[1]
    assert lift["p_value"] == pytest.approx(expected_p, rel=1e-9)
    gain = 10.0 * p["converted"] / p["visitors"] - 10.0 * h["converted"] / h["visitors"]
    assert lift["incremental_revenue"] == pytest.approx(gain * p["visitors"])
    assert out["holdout"] == {"percent": 30.0, "seed": "hs"}


def test_roi_without_holdout_puts_everyone_in_personalized() -> None:
    out = roi_result({"percent": 0, "seed": "x"}, {"a": 1, "b": 2}, [], Goals.of([]))
    assert out["holdout"] is None
    assert out["groups"]["holdout"]["visitors"] == 0
    assert out["groups"]["personalized"]["visitors"] == 2
    assert out["personalization_lift"]["lift"] is None
    assert math.isfinite(out["groups"]["personalized"]["rate"])
