"""The decision: for each slot of a page, which content block this visitor sees.

`decide` is a pure function of (bundle, request, state, now). It resolves consent, folds the
page view into the state, builds the condition attributes, computes segments, walks the
indexed rules of each slot in priority order (eligibility, experiments, rotation, frequency
caps), renders the chosen block, and records exposures. Anything that goes wrong inside one
slot leaves that slot on its defaults; the page never fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core import consent as consent_mod
from core import experiments as experiments_mod
from core import fold as fold_mod
from core import segments as segments_mod
from core.bundle import Bundle
from core.consent import ConsentDecision
from core.page_request import PageRequest, build, known_profile
from core.recommend import RecsQuery, recommend
from core.render import render_items, render_static
from core.rules import Block, Rule
from core.state import VisitorState


@dataclass
class SlotDecision:
    """What one slot shows; `html` None means the page's own default content."""

    slot: str
    block: str | None = None
    html: str | None = None
    rule: str | None = None
    experiment: str | None = None
    variation: str | None = None
    items: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Decision:
    slots: dict[str, SlotDecision]
    state: VisitorState
    consent: ConsentDecision
    segments: list[str]
    exposures: list[dict[str, Any]]
    events: list[dict[str, Any]]
    holdout: bool = False
    page_type: str | None = None
    item: str | None = None

    @property
    def mode(self) -> str:
        return "profile" if self.consent.profile else "contextual"


def _exposures_within(state: VisitorState, block: str, since: int) -> int:
    return sum(1 for ts in state.exposures.get(block, ()) if ts >= since)


def _capped(req: PageRequest, rule: Rule, block: str) -> bool:
    if rule.cap is None:
        return False
    since = req.now - int(rule.cap.per_hours * 3600)
    return _exposures_within(req.state, block, since) >= rule.cap.max


def _rotation_pick(req: PageRequest, rule: Rule) -> str | None:
    """The least-shown block of a rotation that is not capped (ties: list order)."""
    best: str | None = None
    best_count = 0
    for block in rule.rotate:
        if _capped(req, rule, block):
            continue
        count = len(req.state.exposures.get(block, ()))
        if best is None or count < best_count:
            best, best_count = block, count
    return best


def _values(req: PageRequest) -> dict[str, object]:
    attrs = req.attributes
    values: dict[str, object] = {
        "segment": (attrs.get("segments") or [""])[0],
        "device": attrs.get("device"),
        "country": attrs.get("country"),
        "hour": attrs.get("local_hour"),
    }
    if req.item_index is not None:
        for key, value in req.bundle.catalog.values(req.item_index).items():
            values[f"item.{key}"] = value
    return values


def _render(req: PageRequest, block: Block, decision: SlotDecision) -> str | None:
    """The block's HTML, or None when a recommendation block has nothing to show."""
    if req.values is None:
        req.values = _values(req)
    values = req.values
    cache = req.bundle.fragments
    if block.recs is None:
        return render_static(cache, block, values)
    spec = block.recs
    catalog = req.bundle.catalog
    state = req.state
    seeds: list[int] = [req.item_index] if req.item_index is not None else []
    exclude: set[int] = set(seeds)
    if req.profile:
        hidden_items = req.bundle.hidden_items(req.sensitive_excluded)
        for item in state.recent_items:
            i = catalog.index.get(item)
            if i is not None and i not in exclude and item not in hidden_items:
                seeds.append(i)
        for item in state.cart:
            i = catalog.index.get(item)
            if i is not None:
                exclude.add(i)
        if spec.exclude_bought:
            exclude.update(catalog.index[p] for p in state.purchases if p in catalog.index)
    query = RecsQuery(
        count=spec.count,
        source=spec.source,
        seeds=seeds,
        candidates=req.candidates,
        segments=req.attributes.get("segments") or (),
        exclude=frozenset(exclude),
        exclude_categories=spec.exclude_categories | req.sensitive_excluded,
        in_stock_only=spec.in_stock_only,
        max_per_category=spec.max_per_category,
        mmr_lambda=spec.mmr_lambda,
    )
    picked = recommend(catalog, req.bundle.recs, query)
    if not picked:
        return None
    decision.items = [catalog.ids[i] for i in picked]
    list_values = dict(values)
    list_values["items"] = render_items(cache, block, spec, catalog, picked)
    list_values["count"] = len(picked)
    return block.template.render(list_values)


def _choose(req: PageRequest, slot: str) -> SlotDecision:
    """Walk the slot's rules in priority order; the first eligible one wins."""
    bundle = req.bundle
    members = req.segment_set
    for rule in bundle.rules.candidates(slot, req.page_type):
        if rule.needs_profile and not req.profile:
            continue
        if rule.requires_segments is not None and rule.requires_segments.isdisjoint(members):
            continue
        if not rule.matches_page(req.page_type, req.path):
            continue
        if rule.when is not None and not rule.when(req.attributes, req.index):
            continue
        decision = SlotDecision(slot=slot, rule=rule.id)
        block_id: str | None = rule.block
        if rule.experiment is not None:
            if not req.profile:
                continue  # assignment needs a stored visitor id
            experiment = bundle.experiments[rule.experiment]
            variation = experiments_mod.assign(
                experiment, req.state.visitor_id, req.attributes, req.state.assignments, req.now
            )
            if variation is None:
                continue
            req.state.assignments[experiment.id] = experiments_mod.sticky_value(
                experiment, variation, req.now
            )
            decision.experiment, decision.variation = experiment.id, variation
            chosen = next(v for v in experiment.variations if v.id == variation)
            block_id = chosen.blocks.get(slot, block_id)
            if block_id is None:
                return decision  # the variation keeps the page's default here
        elif rule.rotate:
            block_id = _rotation_pick(req, rule)
            if block_id is None:
                continue
        if block_id is None or _capped(req, rule, block_id):
            continue
        html = _render(req, bundle.blocks[block_id], decision)
        if html is None:
            continue
        decision.block, decision.html = block_id, html
        return decision
    fallback = bundle.slots.get(slot)
    decision = SlotDecision(slot=slot)
    if fallback is not None:
        html = _render(req, bundle.blocks[fallback], decision)
        if html is not None:
            decision.block, decision.html = fallback, html
    return decision


def _exposure(req: PageRequest, slot: SlotDecision) -> dict[str, Any]:
    return {
        "id": f"{req.state.visitor_id}:{req.now}:{req.state.revision}:{slot.slot}",
        "type": "exposure",
        "ts": req.now,
        "item": slot.block,
        "path": req.path[:512],
        "visitor": req.state.visitor_id,
        "slot": slot.slot,
        "rule": slot.rule,
        "experiment": slot.experiment,
        "variation": slot.variation,
    }


def decide(
    bundle: Bundle,
    request: Mapping[str, Any],
    state: VisitorState,
    now: int,
    consent: ConsentDecision | None = None,
    *,
    owned: bool = False,
) -> Decision:
    """Decide every slot of the page; `Decision.state` is the visitor's new state.

    `consent` may be passed when the caller already resolved it from `request["consent"]`.
    `state` is left as it was unless `owned`: then the caller hands it over (a state it has
    just decoded and shares with nobody) and it becomes the new state, saving a copy.
    """
    if consent is None:
        consent = consent_mod.resolve(request.get("consent"), bundle.consent)
    req, events = build(bundle, request, state, now, consent, owned=owned)
    holdout = consent.profile and experiments_mod.in_holdout(bundle.holdout, req.state.visitor_id)
    if consent.profile:
        req.attributes["segments"] = []
        membership = segments_mod.compute(
            bundle.segment_plan,
            req.attributes,
            req.state,
            now,
            bundle.settings.half_life_hours,
            req.sensitive_excluded,
            req.index,
            (req.attributes["interests"], req.attributes["counts"]),  # build decayed them
        )
        known = known_profile(request)
        if known is not None and isinstance(known.get("segments"), list):
            extra = [
                s for s in known["segments"] if isinstance(s, str) and s not in membership.segments
            ]
            membership.segments.extend(extra[:50])
    else:
        membership = segments_mod.compute(
            bundle.segment_plan,
            req.attributes,
            None,
            now,
            bundle.settings.half_life_hours,
            index=req.index,
        )
    req.segment_set = frozenset(membership.segments)
    slots: dict[str, SlotDecision] = {}
    exposures: list[dict[str, Any]] = []
    page_slots = request.get("page_slots")
    names = [s for s in page_slots if isinstance(s, str)] if isinstance(page_slots, list) else []
    for name in names:
        if holdout:
            slots[name] = SlotDecision(slot=name)
            continue
        try:
            slot = _choose(req, name)
        except Exception as exc:  # one broken slot serves its defaults; the rest go on
            slot = SlotDecision(slot=name, error=f"{type(exc).__name__}: {exc}")
        slots[name] = slot
        if slot.block is not None or slot.experiment is not None:
            exposures.append(_exposure(req, slot))
    state = req.state
    if consent.profile:  # req.state is already this request's private copy
        shown = [slot.block for slot in slots.values() if slot.block is not None]
        state = fold_mod.record_exposures(state, shown, now, bundle.settings, copy=False)
    return Decision(
        slots=slots,
        state=state,
        consent=consent,
        segments=membership.segments,
        exposures=exposures,
        events=events,
        holdout=holdout,
        page_type=req.page_type,
        item=bundle.catalog.ids[req.item_index] if req.item_index is not None else None,
    )


def handle_page(
    bundle: Bundle, request: Mapping[str, Any], cookie_key: bytes, now: int, fresh_id: str
) -> dict[str, Any]:
    """The edge's page entry point; see `core.visit.handle_page`."""
    from core import visit

    return visit.handle_page(bundle, request, cookie_key, now, fresh_id)


def handle_events(
    bundle: Bundle,
    request: Mapping[str, Any],
    events: list[Any],
    cookie_key: bytes,
    now: int,
    fresh_id: str,
) -> dict[str, Any]:
    """The edge's beacon entry point; see `core.visit.handle_events`."""
    from core import visit

    return visit.handle_events(bundle, request, events, cookie_key, now, fresh_id)
