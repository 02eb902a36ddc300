"""What a visitor allows: one `ConsentDecision` per request from cookie, TC string and GPC.

Sources, strongest first:

1. The first-party consent cookie (the site's own banner). Grammar::

       cookie  := "granted" | "denied" | legacy | v1
       legacy  := "p" ID ("." ID)*              e.g. "p1.5.6.11" (purposes only)
       v1      := "v1" (";" field)*              e.g. "v1;p=1,5,6,11;s=health"
       field   := "p=" ("*" | [ID ("," ID)*])    consented TCF purposes; "*" = 1..11
                | "s=" [NAME ("," NAME)*]        sensitive categories explicitly opted in
                | other "k=v"                    ignored, so later versions stay readable

   "granted" consents purposes 1..11 but opts in to no sensitive category: those always
   need an explicit ``s=`` entry. A cookie that does not parse is ignored (next source).
2. A TCF v2.2 TC string from the site's CMP: its consented purposes count only if the
   policy names no vendor, or the string also consents to that vendor. Legitimate interest
   does not count: TCF 2.2 forbids it for purposes 3-6. A malformed string counts as none.
3. Nothing: no profile consent.

`Sec-GPC: 1` opts out of sharing/selling: it always forces ``share=False``. It also turns
profile personalization off unless the explicit cookie granted it -- a first-party choice
made on this site is more specific than a browser-wide signal, while a CMP string or
silence is not (source becomes "gpc" then).

``profile`` needs every policy profile purpose (1, 5, 6 by default): it allows segments,
folding behaviour into the state, and forwarding events. ``store`` is the same today but
kept apart so a policy can later allow storage without profiling. Contextual decisions
(purpose 11: page, device, coarse geo, time) use no stored data and are always allowed,
even after an explicit "denied". Sensitive opt-ins only count with profile consent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from core import tcf

ALL_PURPOSES: frozenset[int] = frozenset(range(1, 12))
"""TCF v2.2 purposes 1..11."""


class PolicyLike(Protocol):
    """Any object carrying the consent section's fields (e.g. `core.bundle`'s policy)."""

    @property
    def vendor_id(self) -> int | None: ...
    @property
    def profile_purposes(self) -> frozenset[int]: ...
    @property
    def sensitive(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class ConsentPolicy:
    """The bundle's `consent` section."""

    vendor_id: int | None = None
    profile_purposes: frozenset[int] = frozenset({1, 5, 6})
    context_purposes: frozenset[int] = frozenset({11})
    sensitive: frozenset[str] = frozenset()


def policy_from_dict(data: Mapping[str, Any] | None) -> ConsentPolicy:
    """Read the bundle's consent section; missing keys take the contract's defaults."""
    data = data or {}
    vendor = data.get("vendor_id")
    return ConsentPolicy(
        vendor_id=int(vendor) if vendor is not None else None,
        profile_purposes=frozenset(int(p) for p in data.get("profile_purposes", (1, 5, 6))),
        context_purposes=frozenset(int(p) for p in data.get("context_purposes", (11,))),
        sensitive=frozenset(str(s) for s in data.get("sensitive", ())),
    )


@dataclass(frozen=True)
class ConsentDecision:
    """What this request may do with the visitor's data.

    `purposes` are the purposes the winning source records (empty for a TC string that
    lacks the policy's vendor); GPC does not erase them, it only gates profile and share.
    """

    profile: bool
    store: bool
    share: bool
    purposes: frozenset[int]
    sensitive_optins: frozenset[str]
    source: str
    """"cookie", "tcf", "gpc" or "none"."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view (sets as sorted lists)."""
        return {
            "profile": self.profile,
            "store": self.store,
            "share": self.share,
            "purposes": sorted(self.purposes),
            "sensitive_optins": sorted(self.sensitive_optins),
            "source": self.source,
        }


@dataclass(frozen=True)
class CookieChoice:
    """A parsed consent cookie."""

    purposes: frozenset[int]
    sensitive: frozenset[str]


def _ids(text: str) -> frozenset[int] | None:
    if text == "*":
        return ALL_PURPOSES
    out: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isascii() or not part.isdigit() or not 1 <= int(part) <= 24:
            return None
        out.add(int(part))
    return frozenset(out)


@lru_cache(maxsize=256)
def parse_cookie(value: str | None) -> CookieChoice | None:
    """The choice a consent cookie records, or None when absent or unreadable (cached:
    few distinct values exist and `CookieChoice` is immutable)."""
    if not value:
        return None
    text = value.strip()
    if text == "granted":
        return CookieChoice(ALL_PURPOSES, frozenset())
    if text == "denied":
        return CookieChoice(frozenset(), frozenset())
    if text.startswith("p") and len(text) > 1 and not text.startswith("p="):
        ids = _ids(text[1:].replace(".", ","))
        return CookieChoice(ids, frozenset()) if ids is not None else None
    parts = text.split(";")
    if parts[0] != "v1":
        return None
    purposes: frozenset[int] = frozenset()
    sensitive: frozenset[str] = frozenset()
    for part in parts[1:]:
        key, sep, raw = part.partition("=")
        if not sep:
            continue
        if key.strip() == "p":
            ids = _ids(raw.strip())
            if ids is None:
                return None
            purposes = ids
        elif key.strip() == "s":
            sensitive = frozenset(n.strip() for n in raw.split(",") if n.strip())
    return CookieChoice(purposes, sensitive)


def format_cookie(purposes: Iterable[int], sensitive: Iterable[str] = ()) -> str:
    """The v1 cookie value for a choice (what a consent banner sets for the edge to read)."""
    p = ",".join(str(i) for i in sorted(set(purposes)))
    s = ",".join(sorted(set(sensitive)))
    return f"v1;p={p};s={s}" if s else f"v1;p={p}"


def _tcf_purposes(tc_string: str, policy: PolicyLike) -> frozenset[int] | None:
    """Consented purposes from a TC string, or None when it is malformed."""
    try:
        decoded = tcf.decode(tc_string)
    except tcf.TCStringError:
        return None
    if policy.vendor_id is not None and not decoded.vendor_consent(policy.vendor_id):
        return frozenset()
    return decoded.purpose_consents


def resolve(
    consent_input: object,
    policy: PolicyLike | Mapping[str, Any] | None,
    *,
    sensitive_optins: Iterable[str] = (),
) -> ConsentDecision:
    """Combine the request's {tcf, gpc, cookie} under the policy (see the module doc).

    `sensitive_optins` adds opt-ins recorded elsewhere (e.g. a signed-in profile).
    """
    # exact-class tests first: the ABC check is a Python-level call, on every request
    if policy is None or (policy.__class__ is not ConsentPolicy and isinstance(policy, Mapping)):
        policy = policy_from_dict(policy)
    if consent_input.__class__ is not dict and not isinstance(consent_input, Mapping):
        consent_input = {}  # anything but a map is no consent information at all
    gpc = consent_input.get("gpc") in (True, "1", "true")  # in doubt, honour the opt-out
    cookie = consent_input.get("cookie")
    tc_string = consent_input.get("tcf")
    choice = parse_cookie(cookie) if isinstance(cookie, str) else None
    purposes: frozenset[int] = frozenset()
    optins = frozenset(str(s) for s in sensitive_optins)
    source = "none"
    if choice is not None:
        purposes, optins, source = choice.purposes, optins | choice.sensitive, "cookie"
    elif isinstance(tc_string, str) and tc_string:
        found = _tcf_purposes(tc_string, policy)
        if found is not None:
            purposes, source = found, "tcf"
    profile = policy.profile_purposes <= purposes
    if gpc and source != "cookie":
        profile, source = False, "gpc"
    return ConsentDecision(
        profile=profile,
        store=profile,
        share=profile and not gpc,
        purposes=purposes,
        sensitive_optins=optins if profile else frozenset(),
        source=source,
    )


def is_sensitive(name: str, policy: PolicyLike) -> bool:
    """Whether a name or "kind:name" key (e.g. "category:health") is a sensitive one."""
    return name in policy.sensitive or name.rpartition(":")[2] in policy.sensitive


def allowed_attribute(name: str, decision: ConsentDecision, policy: PolicyLike) -> bool:
    """Whether an attribute, category or interest key may be used for this visitor."""
    if name in policy.sensitive:
        return name in decision.sensitive_optins
    tail = name.rpartition(":")[2]
    if tail in policy.sensitive:
        return tail in decision.sensitive_optins
    return True


def strip_sensitive(value: Any, decision: ConsentDecision, policy: PolicyLike) -> Any:
    """A copy of an attribute map without what the visitor has not opted in to.

    Drops map keys and string values that are sensitive, list strings that are, and maps
    inside lists (e.g. logged events) holding any sensitive string value.
    """

    def ok(text: str) -> bool:
        return allowed_attribute(text, decision, policy)

    def clean(item: Any) -> tuple[bool, Any]:
        if isinstance(item, str):
            return ok(item), item
        if isinstance(item, Mapping):
            out: dict[Any, Any] = {}
            for key, sub in item.items():
                if isinstance(key, str) and not ok(key):
                    continue
                keep, cleaned = clean(sub)
                if keep:
                    out[key] = cleaned
            return True, out
        if isinstance(item, list | tuple):
            kept: list[Any] = []
            for sub in item:
                if isinstance(sub, Mapping) and any(
                    isinstance(v, str) and not ok(v) for v in sub.values()
                ):
                    continue
                keep, cleaned = clean(sub)
                if keep:
                    kept.append(cleaned)
            return True, kept
        return True, item

    if not policy.sensitive or policy.sensitive <= decision.sensitive_optins:
        return value
    return clean(value)[1]
