"""Validating lead records: the reasons a record is not a valid lead under the rules.

``validate`` returns short stable strings without the value ("email: missing"), so they
can be counted. The same ``Validator`` checks a row while loading, a lead while
processing and a lead read back from the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from leadctl.rules import Rules
from leadctl.rules.schema import LEAD_FIELDS
from leadctl.services.intake import phones
from leadctl.services.intake.normalise import PHONE_FIELDS, date_problem
from leadctl.timeutil import now as _now


def _length_limits() -> dict[str, int]:
    from leadctl.storage import schema

    out = {}
    for name in LEAD_FIELDS:
        col = schema.lead.c.get(name)
        length = getattr(col.type, "length", None) if col is not None else None
        if length:
            out[name] = int(length)
    return out


MAX_LENGTH = _length_limits()


# name@domain.tld: no spaces or specials, dot-separated non-empty parts, a letter TLD of 2+.
_ATOM = r"[^@\s\"(),:;<>\[\]\\.]+"
EMAIL_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*\.[^\W\d_]{{2,}}")
_TEXT_FIELDS = tuple(f for f in LEAD_FIELDS if f != "registered_at")
_NO_PHONES: dict[str, Any] = {}
_UNSET: Any = object()


class Validator:
    """The rules' ``validation`` and ``phones`` sections, compiled once."""

    def __init__(self, rules: Rules) -> None:
        v = rules.validation
        self.required: tuple[str, ...] = v.required_fields
        self.phone_required: str = v.phone_required
        self.check_email: bool = v.check_email_syntax
        self.check_phones: bool = v.check_phone_numbers
        self.reject_future: bool = v.reject_future_registration
        self.default_region: str = rules.phones.default_region
        self.allowed = rules.phones.allowed_regions
        # Text fields and their maximum length (0: none checked; phones are checked as numbers).
        self.limits = {f: MAX_LENGTH.get(f, 0) for f in _TEXT_FIELDS}
        if self.check_phones:
            self.limits.update(dict.fromkeys(PHONE_FIELDS, 0))
        self.text_fields = tuple(self.limits)
        self.shortest_limit = min((n for n in self.limits.values() if n), default=0)
        self.future_slack = timedelta(days=1)
        # Registration dates before this, or in the future: rejected, or only warned about.
        self.oldest = datetime.combine(rules.dates.oldest, time.min, UTC)
        self.date_action: str = rules.dates.out_of_range
        self.phone_checks = self.check_phones or bool(self.allowed)
        self._latest_seen: tuple[datetime | None, datetime] = (None, self.oldest)

    def phone_info(self, rec: Mapping[str, Any], f: str, value: str) -> phones.PhoneInfo | None:
        """The number in ``value`` (of field ``f``), read in the record's country, else the default region."""
        default = self.default_region
        return phones.analyse_in(value, phones.lead_region(rec.get("country"), default), default)

    def __call__(
        self, rec: Mapping[str, Any], now: datetime | None = None, text_max: int | None = None
    ) -> list[str]:
        """Why ``rec`` is not a valid lead ([] if it is).

        ``text_max``: the caller's guarantee that every text field of ``rec`` is a ``str`` of at
        most that many characters (a row read as text, see ``RowBuilder.checked``). When no
        limit is that short the length rule needs no pass over the fields of its own.
        """
        reasons: list[str] = []
        add = reasons.append
        get = rec.get
        if not all(map(get, self.required)):
            for f in self.required:
                v = get(f)
                if v is None or v == "":
                    add(f"{f}: missing")
        if text_max is not None and text_max <= self.shortest_limit:
            texts = None
        else:
            texts = list(filter(None, map(get, self.text_fields)))
        if texts:
            try:  # all text (join refuses anything else), none long enough to check one by one
                short = len(max(texts, key=len)) <= self.shortest_limit and "".join(texts) is not None
            except TypeError:
                short = False
            if not short:
                for f, limit in self.limits.items():
                    v = get(f)
                    if v is None or v == "":
                        continue
                    if type(v) is not str:
                        add(f"{f}: not a text value")
                    elif limit and len(v) > limit:
                        add(f"{f}: longer than {limit} characters")
        email = get("email")
        if self.check_email and type(email) is str and email and EMAIL_RE.fullmatch(email) is None:
            add("email: not a valid address")
        business: Any = get("business_phone")
        mobile: Any = get("mobile_phone")
        has_business = type(business) is str and business != ""
        has_mobile = type(mobile) is str and mobile != ""
        pr = self.phone_required
        if pr == "any":
            if not (has_business or has_mobile):
                add("phone: none given")
        elif pr != "none":
            if pr in ("business", "both") and not has_business:
                add("business_phone: missing")
            if pr in ("mobile", "both") and not has_mobile:
                add("mobile_phone: missing")
        if self.phone_checks and (has_business or has_mobile):
            # The analyses ``normalise`` made, unless the value is not the one analysed.
            known = get("_phones") or _NO_PHONES
            for f, v, given in (
                ("business_phone", business, has_business),
                ("mobile_phone", mobile, has_mobile),
            ):
                if not given:
                    continue
                info = known.get(f, _UNSET)
                if info is _UNSET or (info is not None and info.valid and info.e164 != v):
                    info = self.phone_info(rec, f, v)
                if info is None or not info.valid:
                    if self.check_phones:
                        add(f"{f}: not a valid number")
                elif self.allowed and info.region not in self.allowed:
                    add(f"{f}: region not allowed")
        reg = get("registered_at")
        if reg is not None:
            if not isinstance(reg, datetime):
                add(date_problem(reg))
            elif self.date_action == "reject":
                flag = self.date_flag(reg, now)
                if flag is not None:
                    add(flag)
        if len(reasons) > 1 and len(set(reasons)) != len(reasons):
            reasons = list(dict.fromkeys(reasons))
        return reasons

    def date_flag(self, reg: Any, now: datetime | None = None) -> str | None:
        """Why a registration date is suspicious (in the future, before ``dates.oldest``), or None."""
        if not isinstance(reg, datetime):
            return None
        if self.reject_future and reg > self._latest(now):
            return "registered_at: in the future"
        if reg < self.oldest:
            return f"registered_at: before {self.oldest.date().isoformat()}"
        return None

    def _latest(self, now: datetime | None) -> datetime:
        """The latest registration date not in the future at ``now`` (kept for the same ``now``:
        a load passes one ``now`` for every row)."""
        if now is None:
            return _now() + self.future_slack
        seen, latest = self._latest_seen
        if now is not seen:
            latest = now + self.future_slack
            self._latest_seen = (now, latest)  # one assignment: a consistent pair
        return latest


_validators: dict[int, tuple[Rules, Validator]] = {}


def validator(rules: Rules) -> Validator:
    """The compiled validator for these rules (kept while the rules object lives)."""
    hit = _validators.get(id(rules))
    if hit is None or hit[0] is not rules:
        if len(_validators) > 16:
            _validators.clear()
        hit = _validators[id(rules)] = (rules, Validator(rules))
    return hit[1]


def validate(record: Mapping[str, Any], rules: Rules) -> list[str]:
    """Why ``record`` is not a valid lead under ``rules``: reasons like "email: missing"; [] if valid.

    Works on a record from ``normalise`` and on a lead read back from the database.
    """
    return validator(rules)(record)
