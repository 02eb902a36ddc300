"""From generated shop to signed bundle: load history, train, compile, sign, store, push.

Each step uses the origin's own modules (events validation, storage, training, compile,
signing, push) so the demo exercises the real path, not a shortcut beside it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from core.settings import ItemInfo
from origin.bundles import store_bundle
from origin.compile import build_catalog, build_recs
from origin.config import Limits
from origin.datasets import Interaction
from origin.events import parse_batch
from origin.signing import Signer
from origin.storage import Store
from origin.store.content import assemble_payload

BATCH = 500
POSITIVE = frozenset({"view", "click", "add_to_cart", "purchase"})


def load_history(store: Store, events: Sequence[Mapping[str, Any]], now: int) -> int:
    """Validate events exactly as `POST /v1/events` does and store them (ids dedupe, so a
    re-run adds nothing). Returns the number newly stored."""
    added = 0
    for start in range(0, len(events), BATCH):
        body = {"events": [dict(e) for e in events[start:start + BATCH]],
                "consent": {"profile": True}}
        rows = parse_batch(body, float(now), Limits())
        added += store.insert_events(rows, now)[0]
    return added


def histories(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Stored events grouped by visitor (erased visitors are already gone)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in store.iter_events():
        out[str(event["visitor"])].append(event)
    return dict(out)


def _info(items: Sequence[Mapping[str, Any]]) -> Callable[[str], ItemInfo | None]:
    by_id = {str(it["id"]): it for it in items}

    def info(item: str) -> ItemInfo | None:
        it = by_id.get(item)
        if it is None:
            return None
        return ItemInfo(category=it.get("category"), brand=it.get("brand"),
                        tags=tuple(it.get("tags") or ()))

    return info


def train_payload(
    store: Store, items: Sequence[Mapping[str, Any]], l2: float | None = None,
    clusters: int = 4, progress: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train on every stored event and compile the payload map; returns (payload, info)."""
    from origin.feedback import bandit_posteriors
    from origin.models.content import item_text
    from origin.train import _segment_lists, fit_recs, fit_segments

    started = time.perf_counter()
    hist = histories(store)
    known = {str(it["id"]) for it in items}
    rows = [Interaction(v, str(e["item"]), int(e["ts"])) for v, evs in hist.items() for e in evs
            if e["type"] in POSITIVE and e.get("item") in known]
    item_ids = [str(it["id"]) for it in items]
    result = fit_recs(rows, item_ids=item_ids, texts=[item_text(it) for it in items], l2=l2,
                      progress=progress)
    segments, membership = fit_segments(hist, _info(items), n_clusters=clusters)
    result.recs.by_segment = _segment_lists(membership, rows, result.recs.item_ids)
    catalog = build_catalog(items)
    recs = build_recs(catalog["ids"], result.recs, by_category_top=50,
                      categories=[str(it["category"]) for it in items])
    payload = assemble_payload({"catalog": catalog, "recs": recs, "segments": segments})
    # bandits learn from the stored outcomes, as in `tailor build-bundle`
    payload["experiments"] = bandit_posteriors(store, payload.get("experiments", []))
    info = {"visitors": len(hist), "interactions": len(rows), "l2": result.info.get("l2"),
            "segments": [s["id"] for s in payload["segments"]],
            "seconds": round(time.perf_counter() - started, 2)}
    return payload, info


def publish(store: Store, signer: Signer, payload: dict[str, Any]) -> int:
    """Number, sign and store the payload; returns its version."""
    return store_bundle(store, signer, payload)
