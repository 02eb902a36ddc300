"""The visitor privacy page: what the site holds about this visitor, in words, and buttons
to reset personalization, opt out, and request export or erasure at the origin.

The page itself is cacheable like every page and carries no visitor data. Its script
(store.js) asks the edge, because only the edge can verify its signed state cookie:
`GET /_tailor/state` answers the decoded state and the segments the live bundle gives it,
and `POST /_tailor/privacy/{reset,optout,export,erase}` act on the visitor id inside that
verified cookie, reaching the origin's `/v1/subjects/{id}` with the edge's token. The origin
never holds the cookie key; what it adds here is the words: why each segment applies.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from origin.store.content import SEGMENT_WORDS
from origin.store.pages import page, render


def words_json() -> str:
    """The segment explanations as JSON safe to embed in a <script> element."""
    return json.dumps(SEGMENT_WORDS, sort_keys=True).replace("<", "\\u003c")


MAIN = (
    '<div class="privacy"><h1>Your privacy</h1>'
    '<p>Your consent choice: <b id="privacy-consent">…</b></p>'
    '<section><h2>What we hold about you</h2><div id="privacy-summary" data-state="loading">'
    "Loading…</div></section>"
    "<section><h2>Your choices</h2>"
    '<button type="button" data-privacy="reset" id="privacy-reset">Reset personalization'
    '</button><button type="button" data-privacy="optout" id="privacy-optout">Opt out'
    '</button><button type="button" data-privacy="export" id="privacy-export-button">'
    'Export my data</button><button type="button" data-privacy="erase" id="privacy-erase">'
    'Erase my data</button><p id="privacy-result" role="status" hidden></p>'
    '<pre id="privacy-export" hidden></pre></section>'
    '<script type="application/json" id="segment-words">{words}</script></div>'
)


async def privacy_page(request: Request) -> Response:
    main = MAIN.replace("{words}", words_json())
    return page(render(title="Your privacy", page_type="privacy", main=main), request=request)


def routes() -> list[Route]:
    return [Route("/privacy", privacy_page, methods=["GET", "HEAD"])]
