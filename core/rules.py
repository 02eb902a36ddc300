"""Content rules, blocks, slots and page types: the decision table of a bundle, indexed.

Rules are compiled and bucketed by slot and page type when the bundle loads, so a request
walks only the rules that could fire for its slots on its kind of page, already in priority
order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core import conditions
from core.attributes import PROFILE_PATHS
from core.templates import Template, TemplateError, compile_template

Predicate = conditions.Predicate


class RuleError(ValueError):
    """A rule, block, slot or page definition is malformed; the message names it."""


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Path glob: `*` matches within one path segment, `**` across segments."""
    parts = re.split(r"(\*\*|\*)", pattern)
    body = "".join(
        ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part) for part in parts
    )
    return re.compile(f"^{body}$")


@dataclass(frozen=True)
class PageType:
    type: str
    match: re.Pattern[str]


@dataclass(frozen=True)
class Cap:
    """At most `max` exposures of a block per `per_hours`."""

    max: int
    per_hours: float


@dataclass(frozen=True)
class RecsSpec:
    source: str
    count: int
    item_template: Template
    max_per_category: int | None
    mmr_lambda: float | None
    exclude_categories: frozenset[str]
    exclude_bought: bool
    in_stock_only: bool


@dataclass(frozen=True)
class Block:
    id: str
    template: Template
    recs: RecsSpec | None


@dataclass(frozen=True)
class Rule:
    id: str
    slot: str
    priority: int
    order: int
    page_types: frozenset[str]
    path_patterns: tuple[re.Pattern[str], ...]
    when: Predicate | None
    block: str | None
    rotate: tuple[str, ...]
    experiment: str | None
    cap: Cap | None
    needs_profile: bool
    requires_segments: frozenset[str] | None = None
    """The rule can only match a visitor in one of these segments (None: no such need)."""
    reads_now: bool = False
    """The condition reads the clock attribute `now` (so its answer can change by the second)."""

    def matches_page(self, page_type: str | None, path: str) -> bool:
        if not self.page_types and not self.path_patterns:
            return True
        if page_type is not None and page_type in self.page_types:
            return True
        return any(p.match(path) for p in self.path_patterns)


def required_segments(condition: object) -> frozenset[str] | None:
    """Segments of which a visitor must be in at least one for `condition` to hold.

    Read off the condition's shape ({"segments": "x"}, $in, $all, $elemMatch-free forms,
    and the conjuncts of $and) so the rule walk can skip a rule with one set intersection.
    None when the condition does not pin segments down.
    """
    if not isinstance(condition, Mapping):
        return None
    found: frozenset[str] | None = None
    for key, value in condition.items():
        need: frozenset[str] | None = None
        if key == "segments":
            if isinstance(value, str):
                need = frozenset({value})
            elif isinstance(value, Mapping) and len(value) == 1:
                ((op, operand),) = value.items()
                if op in ("$in", "$all", "$eq") and isinstance(operand, list) and operand:
                    strings = [v for v in operand if isinstance(v, str)]
                    if len(strings) == len(operand):
                        need = frozenset(strings[:1] if op == "$all" else strings)
                elif op == "$eq" and isinstance(operand, str):
                    need = frozenset({operand})
        elif key == "$and" and isinstance(value, list):
            for part in value:
                sub = required_segments(part)
                if sub is not None and (need is None or len(sub) < len(need)):
                    need = sub
        if need is not None and (found is None or len(need) < len(found)):
            found = need
    return found


def _str(raw: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value:
        raise RuleError(f"{where}.{key}: expected a non-empty string")
    return value


def _number(raw: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"{where}.{key}: expected a number")
    if not -1e15 < value < 1e15:  # also rejects NaN and infinities
        raise RuleError(f"{where}.{key}: expected a finite number")
    return float(value)


def _template(source: object, where: str) -> Template:
    try:
        return compile_template(source)  # type: ignore[arg-type]
    except TemplateError as exc:
        raise RuleError(f"{where}: {exc}") from None


def parse_pages(raw: object) -> tuple[PageType, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RuleError("pages: expected a list")
    pages = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise RuleError(f"pages[{i}]: expected a map")
        pages.append(
            PageType(
                _str(item, "type", f"pages[{i}]"), glob_to_regex(_str(item, "match", f"pages[{i}]"))
            )
        )
    return tuple(pages)


def _parse_recs(raw: object, where: str) -> RecsSpec:
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: expected a map")
    count = int(_number(raw, "count", where, 10))
    if not 1 <= count <= 50:
        raise RuleError(f"{where}.count: expected 1..50")
    max_per = raw.get("max_per_category")
    mmr = raw.get("mmr_lambda")
    if max_per is not None and (not isinstance(max_per, int) or max_per < 1):
        raise RuleError(f"{where}.max_per_category: expected a positive integer or null")
    if mmr is not None and (not isinstance(mmr, (int, float)) or not 0 <= mmr <= 1):
        raise RuleError(f"{where}.mmr_lambda: expected a number in [0, 1] or null")
    excluded = raw.get("exclude_categories", [])
    if not isinstance(excluded, list) or not all(isinstance(c, str) for c in excluded):
        raise RuleError(f"{where}.exclude_categories: expected a list of strings")
    return RecsSpec(
        source=_str(raw, "source", where, "auto"),
        count=count,
        item_template=_template(raw.get("item_template", ""), f"{where}.item_template"),
        max_per_category=max_per,
        mmr_lambda=None if mmr is None else float(mmr),
        exclude_categories=frozenset(excluded),
        exclude_bought=bool(raw.get("exclude_bought", True)),
        in_stock_only=bool(raw.get("in_stock_only", True)),
    )


def parse_blocks(raw: object) -> dict[str, Block]:
    if not isinstance(raw, Mapping):
        raise RuleError("blocks: expected a map of block id to block")
    blocks = {}
    for block_id, item in raw.items():
        where = f"blocks.{block_id}"
        if not isinstance(item, Mapping):
            raise RuleError(f"{where}: expected a map")
        kind = item.get("kind", "static")
        if kind not in ("static", "recs"):
            raise RuleError(f"{where}.kind: expected 'static' or 'recs'")
        recs = _parse_recs(item.get("recs"), f"{where}.recs") if kind == "recs" else None
        blocks[str(block_id)] = Block(
            id=str(block_id),
            template=_template(item.get("template"), f"{where}.template"),
            recs=recs,
        )
    return blocks


def parse_slots(raw: object, blocks: Mapping[str, Block]) -> dict[str, str | None]:
    """Slot name -> fallback block id (None: the page's own default content)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise RuleError("slots: expected a map")
    slots: dict[str, str | None] = {}
    for name, item in raw.items():
        fallback = item.get("fallback_block") if isinstance(item, Mapping) else None
        if fallback is not None and fallback not in blocks:
            raise RuleError(f"slots.{name}.fallback_block: unknown block {fallback!r}")
        slots[str(name)] = fallback
    return slots


def _parse_rule(
    raw: Mapping[str, Any], order: int, where: str, blocks: Mapping[str, Block]
) -> Rule:
    rid = _str(raw, "id", where)
    when_raw = raw.get("when")
    when: Predicate | None = None
    needs_profile = raw.get("needs") == "profile"
    reads_now = False
    if when_raw is not None:
        problems = conditions.validate(when_raw)
        if problems:
            raise RuleError(f"{where}.when (rule {rid}): {'; '.join(problems)}")
        when = conditions.compile(when_raw)
        paths = conditions.referenced_paths(when_raw)
        needs_profile = needs_profile or bool(paths & PROFILE_PATHS)
        reads_now = "now" in paths
    block = raw.get("block")
    rotate = raw.get("rotate") or []
    if not isinstance(rotate, list):
        raise RuleError(f"{where}.rotate: expected a list of block ids")
    for ref in ([block] if block is not None else []) + list(rotate):
        if ref not in blocks:
            raise RuleError(f"{where} (rule {rid}): unknown block {ref!r}")
    experiment = raw.get("experiment")
    if experiment is not None and not isinstance(experiment, str):
        raise RuleError(f"{where}.experiment: expected an experiment id")
    if block is None and not rotate and experiment is None:
        raise RuleError(f"{where} (rule {rid}): needs a block, a rotate list or an experiment")
    pages = raw.get("pages") or []
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        raise RuleError(f"{where}.pages: expected a list of page types or path globs")
    cap_raw = raw.get("cap")
    cap = None
    if cap_raw is not None:
        if not isinstance(cap_raw, Mapping):
            raise RuleError(f"{where}.cap: expected {{max, per_hours}}")
        cap = Cap(
            int(_number(cap_raw, "max", f"{where}.cap", 1)),
            _number(cap_raw, "per_hours", f"{where}.cap", 24),
        )
        needs_profile = True
    return Rule(
        id=rid,
        slot=_str(raw, "slot", where),
        priority=int(_number(raw, "priority", where, 0)),
        order=order,
        page_types=frozenset(p for p in pages if not p.startswith("/")),
        path_patterns=tuple(glob_to_regex(p) for p in pages if p.startswith("/")),
        when=when,
        block=block,
        rotate=tuple(rotate),
        experiment=experiment if isinstance(experiment, str) else None,
        cap=cap,
        needs_profile=needs_profile,
        requires_segments=required_segments(when_raw),
        reads_now=reads_now,
    )


def parse_rules(raw: object, blocks: Mapping[str, Block]) -> tuple[Rule, ...]:
    if not isinstance(raw, list):
        raise RuleError("rules: expected a list")
    rules = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise RuleError(f"rules[{i}]: expected a map")
        rule = _parse_rule(item, i, f"rules[{i}]", blocks)
        if rule.id in seen:
            raise RuleError(f"rules[{i}].id: duplicate rule id {rule.id!r}")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


@dataclass(frozen=True)
class RuleIndex:
    """Rules by (slot, page type) in priority order; path-glob rules checked per request."""

    by_slot_page: Mapping[tuple[str, str], tuple[Rule, ...]]
    by_slot_any: Mapping[str, tuple[Rule, ...]]
    contextual_reads_now: bool = False
    """Some rule usable without profile consent reads `now`."""

    def candidates(self, slot: str, page_type: str | None) -> Sequence[Rule]:
        merged = self.by_slot_page.get((slot, page_type or ""))
        return merged if merged is not None else self.by_slot_any.get(slot, ())


def index_rules(rules: Sequence[Rule]) -> RuleIndex:
    """Bucket rules so a request only walks those for its slot and page type."""
    by_slot_page: dict[tuple[str, str], list[Rule]] = {}
    by_slot_any: dict[str, list[Rule]] = {}
    for rule in sorted(rules, key=lambda r: (-r.priority, r.order)):
        if rule.page_types and not rule.path_patterns:
            for page_type in rule.page_types:
                by_slot_page.setdefault((rule.slot, page_type), []).append(rule)
        else:
            by_slot_any.setdefault(rule.slot, []).append(rule)

    def merged(key: tuple[str, str], specific: list[Rule]) -> tuple[Rule, ...]:
        both = specific + by_slot_any.get(key[0], [])
        return tuple(sorted(both, key=lambda r: (-r.priority, r.order)))

    return RuleIndex(
        by_slot_page={k: merged(k, v) for k, v in by_slot_page.items()},
        by_slot_any={k: tuple(v) for k, v in by_slot_any.items()},
        contextual_reads_now=any(r.reads_now and not r.needs_profile for r in rules),
    )
