"""The demo store served by the origin: a generated shop whose pages the edge personalizes.

`mount(app, items)` adds the store's routes (pages, images, the privacy page) to an origin
app made by `origin.app.create_app`. The origin holds no state-cookie key: the privacy
page's actions are the edge's (`/_tailor/state`, `/_tailor/privacy/*`). The store routes come
after the origin's own, so `/v1/...`, `/admin/...`, `/health` and `/metrics` keep theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from origin.store import pages, privacy


def routes() -> list[BaseRoute]:
    """Every store route (pages, assets, privacy)."""
    return [*privacy.routes(), *pages.routes()]


def mount(app: Starlette, items: Sequence[Mapping[str, Any]]) -> pages.Site:
    """Serve the store from `app`."""
    site = pages.Site(items)
    app.state.store_site = site
    app.router.routes.extend(routes())
    return site
