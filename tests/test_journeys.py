"""The eight demo journeys in Debian's Chromium, through the real edge (Node + Pyodide) and
the real origin (Starlette, SQLite, signed bundles), started once for this module on free
loopback ports. A failing journey leaves screenshots under test-results/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from origin.demo import ARTIFACT, DemoStack
from origin.store.browser import CHROMIUM, Session, chromium
from origin.store.journeys import JOURNEYS

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which("node") is None
    or not (ARTIFACT / "manifest.json").exists(),
    reason="needs /usr/bin/chromium, node and the edge artifact (make artifact)",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    # a fixed l2 and fewer synthetic visitors keep training to a few seconds here; the
    # demo itself tunes l2 on 800 visitors
    demo = DemoStack(tmp_path_factory.mktemp("demo"), workers=1, visitors=400, l2=200.0,
                     progress=False)
    try:
        demo.start()
        yield demo
    finally:
        demo.stop()


@pytest.fixture(scope="module")
def session(stack: DemoStack) -> Iterator[Session]:
    with chromium() as browser:
        yield Session(browser, stack)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("journey", [j for _, j in JOURNEYS], ids=[n for n, _ in JOURNEYS])
def test_journey(session: Session, journey: object) -> None:
    assert callable(journey)
    with session.journey(journey.__name__):
        detail = journey(session)
    assert isinstance(detail, str) and detail


def test_a_failing_journey_leaves_a_screenshot(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from origin.store import browser

    monkeypatch.setattr(browser, "RESULTS", tmp_path)
    with pytest.raises(browser.JourneyFailed, match="deliberate"), session.journey("deliberate"):
        page = session.page()
        page.goto("/")
        browser.check(False, "deliberate failure")
    shot = tmp_path / "journey-deliberate-0-0.png"
    assert shot.exists() and shot.read_bytes()[:4] == b"\x89PNG"
    assert session.contexts == []
