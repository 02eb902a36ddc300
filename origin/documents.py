"""Validation of the admin's versioned documents: items, blocks, slots, segments, rules,
experiments and config. Every problem is collected (not just the first) so one answer tells
the author everything to fix; conditions are checked by `core.conditions.validate`."""

from __future__ import annotations

import math
import re
from typing import Any

KINDS = ("items", "blocks", "slots", "segments", "rules", "experiments", "config")
DOC_ID_RE = re.compile(r"[A-Za-z0-9_.:\-]{1,128}\Z")
CONFIG_IDS = ("settings", "pages", "consent", "holdout")
SOURCE_RE = re.compile(r"(auto|popular|segment:.+|category:.+)\Z")
FIELDS: dict[str, frozenset[str]] = {
    "items": frozenset({"id", "title", "category", "brand", "price", "price_cents", "tags",
                        "in_stock", "url", "image", "description", "attributes"}),
    "blocks": frozenset({"id", "template", "kind", "recs", "description"}),
    "slots": frozenset({"id", "fallback_block", "description"}),
    "segments": frozenset({"id", "kind", "when", "description"}),
    "rules": frozenset({"id", "slot", "priority", "pages", "when", "block", "rotate",
                        "experiment", "cap", "description"}),
    "experiments": frozenset({"id", "layer", "seed", "range", "when", "kind", "variations",
                              "arms", "time_bucket_hours", "description"}),
    "config": frozenset({"id", "value"}),
}
RECS_DEFAULTS: dict[str, Any] = {
    "source": "auto", "count": 4, "item_template": "", "max_per_category": None,
    "mmr_lambda": None, "exclude_categories": [], "exclude_bought": True, "in_stock_only": True,
}


class DocumentError(ValueError):
    """A document that must not be stored; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ConditionsUnavailable(RuntimeError):
    """`core.conditions` is not importable, so conditions cannot be checked."""


def condition_problems(condition: Any, where: str) -> list[str]:
    """Problems of one condition, each prefixed with where it sits in the document."""
    try:
        from core.conditions import validate
    except ImportError as exc:
        raise ConditionsUnavailable("core.conditions is not available") from exc
    if not isinstance(condition, dict):
        return [f"{where}: a condition must be a JSON object"]
    try:
        return [f"{where}: {problem}" for problem in validate(condition)]
    except RecursionError:
        return [f"{where}: condition nested too deeply"]


def _is_num(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_list(value: Any, max_len: int = 200, max_items: int = 1000) -> bool:
    return (
        isinstance(value, list) and len(value) <= max_items
        and all(isinstance(v, str) and 0 < len(v) <= max_len for v in value)
    )


def _opt_str(doc: dict[str, Any], key: str, problems: list[str], max_len: int = 2048) -> None:
    value = doc.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > max_len):
        problems.append(f"{key}: must be a string of at most {max_len} characters or null")


def _item(doc: dict[str, Any], p: list[str]) -> None:
    for key in ("title", "category"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            p.append(f"{key}: required non-empty string")
    for key in ("brand", "url", "image", "description"):
        _opt_str(doc, key, p, 10000 if key == "description" else 2048)
    if "price_cents" in doc:
        if not _is_int(doc["price_cents"]) or not 0 <= doc["price_cents"] < 2**32:
            p.append("price_cents: must be a non-negative integer")
    elif "price" in doc:
        if not _is_num(doc["price"]) or not 0 <= doc["price"] < 2**32 / 100:
            p.append("price: must be a non-negative number")
        else:
            doc["price_cents"] = round(float(doc.pop("price")) * 100)
    doc.setdefault("price_cents", 0)
    doc.setdefault("tags", [])
    if not _str_list(doc["tags"], 64, 50):
        p.append("tags: must be a list of at most 50 strings of 1-64 characters")
    doc.setdefault("in_stock", True)
    if not isinstance(doc["in_stock"], bool):
        p.append("in_stock: must be true or false")
    attributes = doc.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        p.append("attributes: must be an object")


def _block(doc: dict[str, Any], p: list[str]) -> None:
    template = doc.get("template")
    if not isinstance(template, str) or len(template) > 65536:
        p.append("template: required string of at most 65536 characters")
    kind = doc.setdefault("kind", "static")
    if kind not in ("static", "recs"):
        p.append('kind: must be "static" or "recs"')
    if kind != "recs":
        if doc.get("recs") is not None:
            p.append('recs: only for kind "recs"')
        return
    recs = doc.get("recs")
    if not isinstance(recs, dict):
        p.append('recs: required object for kind "recs"')
        return
    unknown = set(recs) - set(RECS_DEFAULTS)
    if unknown:
        p.append(f"recs: unknown fields {sorted(unknown)}")
    full = {**RECS_DEFAULTS, **recs}
    doc["recs"] = full
    if not isinstance(full["source"], str) or not SOURCE_RE.match(full["source"]):
        p.append('recs.source: "auto", "popular", "segment:<id>" or "category:<name>"')
    if not _is_int(full["count"]) or not 1 <= full["count"] <= 50:
        p.append("recs.count: integer 1-50")
    if not isinstance(full["item_template"], str):
        p.append("recs.item_template: must be a string")
    mpc = full["max_per_category"]
    if mpc is not None and (not _is_int(mpc) or mpc < 1):
        p.append("recs.max_per_category: positive integer or null")
    mmr = full["mmr_lambda"]
    if mmr is not None and (not _is_num(mmr) or not 0.0 <= mmr <= 1.0):
        p.append("recs.mmr_lambda: number in [0, 1] or null")
    if not _str_list(full["exclude_categories"]):
        p.append("recs.exclude_categories: list of strings")
    for key in ("exclude_bought", "in_stock_only"):
        if not isinstance(full[key], bool):
            p.append(f"recs.{key}: must be true or false")


def _slot(doc: dict[str, Any], p: list[str]) -> None:
    doc.setdefault("fallback_block", None)
    _opt_str(doc, "fallback_block", p, 128)


def _segment(doc: dict[str, Any], p: list[str]) -> None:
    if doc.setdefault("kind", "rule") != "rule":
        p.append('kind: only "rule" segments are authored; trained segments come from training')
    if "when" not in doc:
        p.append("when: required condition")
    else:
        p.extend(condition_problems(doc["when"], "when"))


def _rule(doc: dict[str, Any], p: list[str]) -> None:
    if not isinstance(doc.get("slot"), str) or not doc["slot"]:
        p.append("slot: required string")
    doc.setdefault("priority", 0)
    if not _is_int(doc["priority"]):
        p.append("priority: must be an integer")
    doc.setdefault("pages", [])
    if not _str_list(doc["pages"]):
        p.append("pages: list of page types or path globs")
    doc.setdefault("when", None)
    if doc["when"] is not None:
        p.extend(condition_problems(doc["when"], "when"))
    for key in ("block", "experiment"):
        doc.setdefault(key, None)
        _opt_str(doc, key, p, 128)
    doc.setdefault("rotate", None)
    if doc["rotate"] is not None and (not _str_list(doc["rotate"], 128) or not doc["rotate"]):
        p.append("rotate: non-empty list of block ids or null")
    if doc["block"] is None and doc["rotate"] is None and doc["experiment"] is None:
        p.append("block: one of block, rotate or experiment is required")
    cap = doc.setdefault("cap", None)
    if cap is not None and not (
        isinstance(cap, dict) and set(cap) == {"max", "per_hours"} and _is_int(cap["max"])
        and cap["max"] >= 1 and _is_num(cap["per_hours"]) and cap["per_hours"] > 0
    ):
        p.append("cap: {max: positive integer, per_hours: positive number} or null")


def _experiment(doc: dict[str, Any], p: list[str]) -> None:
    doc.setdefault("layer", None)
    _opt_str(doc, "layer", p, 128)
    doc.setdefault("seed", doc.get("id"))
    if not isinstance(doc["seed"], str):
        p.append("seed: must be a string")
    span = doc.setdefault("range", [0.0, 1.0])
    if not (
        isinstance(span, list) and len(span) == 2 and all(_is_num(v) for v in span)
        and 0.0 <= span[0] < span[1] <= 1.0
    ):
        p.append("range: [start, end] with 0 <= start < end <= 1")
    doc.setdefault("when", None)
    if doc["when"] is not None:
        p.extend(condition_problems(doc["when"], "when"))
    if doc.setdefault("kind", "ab") not in ("ab", "bandit"):
        p.append('kind: must be "ab" or "bandit"')
    variations = doc.get("variations")
    if not isinstance(variations, list) or not variations:
        p.append("variations: required non-empty list")
        variations = []
    for i, var in enumerate(variations):
        if not (
            isinstance(var, dict) and isinstance(var.get("id"), str) and _is_num(var.get("weight"))
            and var["weight"] > 0 and isinstance(var.get("blocks"), dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in var["blocks"].items())
        ):
            p.append(f"variations[{i}]: {{id: str, weight: positive number, blocks: {{slot: id}}}}")
    arms = doc.setdefault("arms", None)
    if arms is not None and not (
        isinstance(arms, list) and len(arms) == len(variations)
        and all(isinstance(a, dict) and _is_num(a.get("alpha")) and a["alpha"] > 0
                and _is_num(a.get("beta")) and a["beta"] > 0 for a in arms)
    ):
        p.append("arms: one {alpha > 0, beta > 0} per variation, or null")
    tbh = doc.setdefault("time_bucket_hours", 24)
    if not _is_num(tbh) or tbh <= 0:
        p.append("time_bucket_hours: positive number")


def _config(doc: dict[str, Any], p: list[str]) -> None:
    if doc.get("id") not in CONFIG_IDS:
        p.append(f"id: config documents are {', '.join(CONFIG_IDS)}")
    if "value" not in doc:
        p.append("value: required")


CHECKS = {
    "items": _item, "blocks": _block, "slots": _slot, "segments": _segment, "rules": _rule,
    "experiments": _experiment, "config": _config,
}


def validate(kind: str, doc: Any) -> dict[str, Any]:
    """A normalized copy of `doc` (defaults filled), or DocumentError listing every problem."""
    if not isinstance(doc, dict):
        raise DocumentError(["document must be a JSON object"])
    out: dict[str, Any] = {str(key): value for key, value in doc.items()}
    out.pop("version", None)
    problems: list[str] = []
    doc_id = out.get("id")
    if not isinstance(doc_id, str) or not DOC_ID_RE.match(doc_id):
        problems.append("id: required, 1-128 characters of A-Z a-z 0-9 _ - . :")
    unknown = set(out) - FIELDS[kind]
    if unknown:
        problems.append(f"unknown fields: {', '.join(sorted(unknown))}")
    CHECKS[kind](out, problems)
    if problems:
        raise DocumentError(problems)
    return out
