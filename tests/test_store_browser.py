"""Browser helpers of the journeys that need no browser: time zones, slot parsing, waits."""

from __future__ import annotations

import calendar
import time

import pytest

from origin.store.browser import JourneyFailed, check, slot_html, tz_for_hour, wait_until
from origin.store.catalog import generate_items
from origin.store.pages import Site, default_recs, hero, render


@pytest.mark.parametrize("utc_hour", [0, 5, 11, 12, 13, 19, 23])
@pytest.mark.parametrize("target", [12, 20])
def test_tz_for_hour_gives_the_target_local_hour(utc_hour: int, target: int) -> None:
    now = calendar.timegm((2026, 11, 23, utc_hour, 30, 0, 0, 0, 0))
    name, minutes = tz_for_hour(target, now)
    assert time.gmtime(now + minutes * 60).tm_hour == target
    hours = minutes // 60
    # Etc/GMT zones have inverted signs: Etc/GMT-5 is UTC+5
    assert name == ("Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}")
    assert -12 <= hours <= 12


def test_slot_html_reads_each_slot_of_a_store_page() -> None:
    site = Site(generate_items(50))
    page = render(title="t", page_type="home", main="<p>main</p>",
                  hero_html=hero("default", "Hi", "there"),
                  recs=default_recs(site.bestsellers(), "Best"))
    assert slot_html(page, "hero") == hero("default", "Hi", "there")
    assert slot_html(page, "cart_offer") == ""
    assert slot_html(page, "recs").startswith('<div class="recs recs-default"')
    assert 'data-offer="none"' in slot_html(page, "promo")
    with pytest.raises(JourneyFailed):
        slot_html("<html></html>", "hero")


def test_check_and_wait_until() -> None:
    check(True, "fine")
    with pytest.raises(JourneyFailed, match="broken"):
        check(0, "broken")
    values = iter([0, 0, 7])
    assert wait_until(lambda: next(values), timeout=2) == 7
    with pytest.raises(JourneyFailed, match="never"):
        wait_until(lambda: False, timeout=0.2, what="never")
