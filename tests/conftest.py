"""Fixtures shared by the edge's end-to-end modules: one real origin and one bundle signer
per test module (a module that needs them set up differently defines its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.edge_support import OriginServer, Signer


@pytest.fixture(scope="module")
def origin() -> Iterator[OriginServer]:
    o = OriginServer()
    o.start()
    yield o
    o.stop()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()
