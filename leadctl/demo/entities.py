"""Building blocks of the fake-data generator: companies and people, e-mail local parts, a fast
seeded random, the duplicate noise ops, and the exact keys (mailbox, phone digits) of a row."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime

ASCII: dict[str, str] = {}


def slug(name: str) -> str:
    """Lower-case ASCII letters and digits only (for e-mail local parts and URLs)."""
    s = ASCII.get(name)
    if s is None:
        folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        s = "".join(ch for ch in folded.lower() if ch.isalnum())
        ASCII[name] = s
    return s


@dataclass
class Company:
    name: str  # without legal suffix
    suffix: str
    domain: str
    industry: str
    headcount: str
    revenue: str
    city: int
    region: str
    pattern: int  # e-mail pattern used at this company


@dataclass
class Person:
    entity_id: str
    first: str
    last: str
    title: str
    company: Company
    city: int
    business: str  # national significant number or ""
    mobile: str
    email: str
    linkedin: str
    registered: datetime
    seen: int = 1


def email_local(first: str, last: str, pattern: int) -> str:
    f, ln = slug(first), slug(last)
    if pattern == 0:
        return f"{f}.{ln}"
    if pattern == 1:
        return f"{f[:1]}{ln}"
    if pattern == 2:
        return f"{f}{ln[:1]}"
    if pattern == 3:
        return f"{f}_{ln}"
    if pattern == 4:
        return f
    return f"{f}{ln}"


class FastRandom(random.Random):
    """random.Random with cheaper choice/randrange (no rejection sampling); still seeded."""

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


DUP_OPS = (
    "typo",
    "swap",
    "nickname",
    "initial",
    "case",
    "company",
    "title",
    "missing",
    "phone_only_other",
    "nickname",
)
MILD_OPS = ("typo", "nickname", "initial", "case", "company", "title", "missing")
# Hard duplicates: no shared e-mail or phone, so these ops decide whether they are found.
HARD_OPS = ("typo", "nickname", "initial", "swap", "company", "title", "missing")


def row_keys(rec: dict[str, str]) -> set[str]:
    """The exact keys of a row: its mailbox (lower-case, Gmail-folded) and phone digits."""
    keys = digits_set({rec["business_phone"], rec["mobile_phone"]})
    if rec["email"]:
        keys.add(mailbox(rec["email"].lower()))
    return keys


def mailbox(email: str) -> str:
    local, _, domain = email.partition("@")
    if domain == "gmail.com":
        return local.split("+", 1)[0].replace(".", "") + "@" + domain
    return email


def digits_set(values: set[str]) -> set[str]:
    out = set()
    for v in values:
        d = "".join(ch for ch in v if ch.isdigit())
        if d:
            out.add(d[-9:])
    return out


def cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def pick_cum(r: random.Random, cum: list[float]) -> int:
    from bisect import bisect_right

    return min(bisect_right(cum, r.random()), len(cum) - 1)
