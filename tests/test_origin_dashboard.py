"""The dashboard page: self-contained, data embedded so no value can break out of it."""

from __future__ import annotations

import json

from origin.dashboard import embed, render


def test_embed_cannot_close_the_script_element() -> None:
    data = {"id": "</script><script>alert(1)</script>", "x": "<!-- & -->"}
    text = embed(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_render_embeds_data_and_needs_no_external_asset() -> None:
    html = render({"edges": [], "latest_bundle": 3, "experiments": {"experiments": [
        {"id": "exp-<b>"}]}, "roi": {}, "blocks": {}})
    assert html.startswith("<!doctype html>") and html.count("__DATA__") == 0
    assert "exp-\\u003cb\\u003e" in html and "exp-<b>" not in html
    assert "src=" not in html and "href=" not in html and "@import" not in html
