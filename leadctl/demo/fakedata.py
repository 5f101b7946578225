"""Deterministic, realistic fake B2B leads with known duplicates, for tests, demos and benchmarks.

``generate(n, seed)`` returns ``n`` :class:`FakeLead` rows in registration order. Each row has the
canonical lead fields as strings ("" when missing), the id of the real person behind it
(``entity_id``: duplicates share it) and its ``kind``:

- ``original`` — the first row of a person;
- ``duplicate`` — a later row of a person already seen, with realistic noise: typos, swapped
  first/last name, nicknames, initials, re-formatted or other phone, e-mail case / Gmail dots and
  plus tags / a different address, company legal suffix dropped or added, title variants, missing
  fields, another source and a later registration time. With ``hard_rate`` > 0 that share of
  duplicates is *hard*: no e-mail and no phone in common with any earlier row of the person
  (the same person on another form months later), only name/company/title noise;
- ``invalid`` — a row with a realistic problem (no e-mail, "not-an-email", phone "123", no company …).

Phones of valid rows are valid numbers for their region (``phonenumbers.is_valid_number``) with
real area codes for their city, written in the varied ways people type them. Nothing depends on the
wall clock: the same ``n``, ``seed`` and options give the same rows.

``write_file`` writes CSV, TSV or JSON lines (optionally with human header spellings and a couple of
unmapped custom columns); ``write_truth`` writes ``external_id,entity_id`` for ``dedupe evaluate``.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from datetime import datetime, timedelta

from leadctl.demo.entities import (
    DUP_OPS,
    HARD_OPS,
    MILD_OPS,
    Company,
    FastRandom,
    Person,
    cumulative,
    digits_set,
    email_local,
    mailbox,
    pick_cum,
    row_keys,
    slug,
)
from leadctl.demo.files import (
    CUSTOM_COLUMNS,
    FIELDS,
    MESSY_HEADERS,
    FakeLead,
    RowKind,
    write_file,
    write_truth,
)
from leadctl.demo.phonepools import Pool, fmt_phone, phone_pools
from leadctl.demo.wordlists import (
    BAD_EMAILS,
    BAD_PHONES,
    CO_SECTORS,
    CO_WORDS,
    COUNTRY_NAMES,
    DIMINUTIVES,
    FIRST_NAMES,
    GB_CITIES,
    INDUSTRIES,
    KEYBOARD,
    LAST_NAMES,
    LEGAL,
    PERSONAL_DOMAINS,
    REGION_WEIGHT,
    SOURCES,
    TITLE_KEYS,
    TITLES,
    TLDS,
    US_CA_CITIES,
)

__all__ = [
    "CUSTOM_COLUMNS",
    "FIELDS",
    "MESSY_HEADERS",
    "FakeLead",
    "RowKind",
    "generate",
    "write_file",
    "write_truth",
]

# --------------------------------------------------------------------------------------------


class _Generator:
    def __init__(
        self,
        n: int,
        seed: int,
        dup_rate: float,
        invalid_rate: float,
        regions: tuple[str, ...],
        hard_rate: float = 0.0,
        trap_rate: float = 0.0,
    ):
        for region in regions:
            if region not in REGION_WEIGHT:
                raise ValueError(f"unsupported region {region!r}: choose from {', '.join(REGION_WEIGHT)}")
        if not regions:
            raise ValueError("regions must not be empty")
        self.n = n
        self.r = FastRandom(seed)
        self.dup_rate = dup_rate
        self.invalid_rate = invalid_rate
        self.hard_rate = hard_rate
        # traps draw from their own generator: with trap_rate 0 the rows are as they always were
        self.trap_rate = trap_rate
        self.trap_r = FastRandom(seed ^ 0x5EED7)
        self.city_pools, self.mobile_pools = phone_pools()
        self.cities = [c for c in (*US_CA_CITIES, *GB_CITIES) if c[2] in regions]
        weights = [REGION_WEIGHT[c[2]] / sum(1 for d in self.cities if d[2] == c[2]) for c in self.cities]
        self.city_cum = cumulative(weights)
        self.cities_by_region: dict[str, list[int]] = {}
        for i, c in enumerate(self.cities):
            self.cities_by_region.setdefault(c[2], []).append(i)
        self.base = datetime(2025, 1, 1, 9, 0) + timedelta(days=seed % 365)  # naive UTC
        self.window = 90 * 86400
        self.used_phones: set[str] = set()
        self.email_owner: dict[str, str] = {}
        self.used_company_names: set[str] = set()
        self.companies: list[Company] = []
        self.n_companies = max(20, n // 4)
        self.people: list[Person] = []

    # -- building blocks ------------------------------------------------------------------

    def _city(self) -> int:
        return pick_cum(self.r, self.city_cum)

    def _company(self) -> Company:
        """A company: new until the pool is full, then an existing one (so colleagues share it)."""
        r = self.r
        if len(self.companies) < self.n_companies and (not self.companies or r.random() < 0.5):
            city = self._city()
            region = self.cities[city][2]
            for _ in range(50):
                k = r.random()
                if k < 0.45:
                    name = f"{r.choice(CO_WORDS)} {r.choice(CO_SECTORS)}"
                elif k < 0.75:
                    name = f"{r.choice(CO_WORDS)} {r.choice(CO_WORDS)} {r.choice(CO_SECTORS)}"
                elif k < 0.9:
                    name = f"{r.choice(LAST_NAMES)} {r.choice(CO_SECTORS)}"
                else:
                    name = f"{r.choice(LAST_NAMES)} & {r.choice(LAST_NAMES)}"
                words = name.split()
                if name not in self.used_company_names and len(set(words)) == len(words):
                    break
            else:
                name = f"{name} {len(self.companies)}"
            self.used_company_names.add(name)
            words = [slug(w) for w in name.split() if w != "&"]
            tld = r.choice(TLDS[region])
            domain = ("-".join(words) if r.random() < 0.5 else "".join(words)) + tld
            headcount = r.choice(
                (3, 8, 12, 25, 40, 60, 85, 120, 180, 250, 400, 650, 900, 1500, 3200, 8000, 15000)
            )
            headcount = max(1, int(headcount * (0.7 + 0.6 * r.random())))
            revenue = headcount * r.randrange(80, 400) * 1000
            rev_text = (
                f"${revenue:,}"
                if r.random() < 0.5
                else (f"{revenue / 1e6:.1f}M" if revenue >= 1e6 else str(revenue))
            )
            company = Company(
                name=name,
                suffix=r.choice(LEGAL[region]),
                domain=domain,
                industry=r.choice(INDUSTRIES),
                headcount=str(headcount),
                revenue=rev_text,
                city=city,
                region=region,
                pattern=r.choice((0, 0, 0, 0, 1, 1, 2, 3, 5)),
            )
            self.companies.append(company)
            return company
        return self.companies[r.randrange(len(self.companies))]

    def _new_number(self, pool: Pool) -> str:
        r = self.r
        for _ in range(100):
            national = f"{pool.prefixes[r.randrange(len(pool.prefixes))]}{r.randrange(10000):04d}"
            if national not in self.used_phones:
                self.used_phones.add(national)
                return national
        raise RuntimeError("phone pool exhausted")  # pragma: no cover - pools hold millions of numbers

    def _claim_email(self, local: str, domain: str, entity_id: str) -> str:
        """An address nobody else has: Gmail ignores dots and +tags, so two people never share one."""
        email = f"{local}@{domain}"
        k = 1
        while self.email_owner.get(mailbox(email), entity_id) != entity_id:
            k += 1
            email = f"{local}{k}@{domain}"
        self.email_owner[mailbox(email)] = entity_id
        return email

    def _personal_email(self, first: str, last: str, entity_id: str) -> str:
        r = self.r
        f, ln = slug(first), slug(last)
        k = r.randrange(5)
        local = (
            f"{f}.{ln}",
            f"{f}{ln}",
            f"{f[:1]}{ln}",
            f"{f}.{ln}{r.randrange(1, 99)}",
            f"{f}{ln}{r.randrange(60, 99)}",
        )[k]
        return self._claim_email(local, r.choice(PERSONAL_DOMAINS), entity_id)

    def _person(self, index: int) -> Person:
        r = self.r
        entity_id = f"E{index:07d}"
        first = r.choice(FIRST_NAMES)
        last = r.choice(LAST_NAMES)
        company = self._company()
        city = company.city if r.random() < 0.8 else r.choice(self.cities_by_region[company.region])
        region = self.cities[city][2]
        pool = self.city_pools[self.cities[city][0]]
        k = r.random()
        business = self._new_number(pool) if k < 0.9 else ""
        mobile = ""
        if k >= 0.9 or r.random() < 0.75:
            mobile = self._new_number(self.mobile_pools.get(region, pool))
        if r.random() < 0.85:
            email = self._claim_email(email_local(first, last, company.pattern), company.domain, entity_id)
        else:
            email = self._personal_email(first, last, entity_id)
        linkedin = ""
        if r.random() < 0.7:
            linkedin = f"https://www.linkedin.com/in/{slug(first)}-{slug(last)}-{r.randrange(16**6):06x}"
        registered = self.base - timedelta(seconds=r.randrange(self.window))
        return Person(
            entity_id,
            first,
            last,
            r.choice(TITLE_KEYS),
            company,
            city,
            business,
            mobile,
            email,
            linkedin,
            registered,
        )

    def _phone_text(self, person: Person, national: str) -> str:
        region = self.cities[person.city][2]
        if region == "GB" and national.startswith("7"):
            return fmt_phone(self.r, region, national, 4)
        area_len = self.city_pools[self.cities[person.city][0]].area_len
        return fmt_phone(self.r, region, national, area_len)

    def _website(self, company: Company) -> str:
        k = self.r.randrange(4)
        return (
            f"https://www.{company.domain}",
            f"www.{company.domain}",
            company.domain,
            f"http://{company.domain}/",
        )[k]

    def _base_record(self, p: Person) -> dict[str, str]:
        r = self.r
        c = p.company
        city, state, region, _codes = self.cities[p.city]
        business = self._phone_text(p, p.business) if p.business else ""
        mobile = self._phone_text(p, p.mobile) if p.mobile else ""
        if business and mobile:
            k = r.random()
            if k < 0.12:
                mobile = ""
            elif k < 0.2:
                business = ""
        source, _code = SOURCES[r.randrange(len(SOURCES))]
        return {
            "external_id": "",
            "first_name": p.first,
            "last_name": p.last,
            "email": p.email,
            "title": p.title,
            "business_phone": business,
            "mobile_phone": mobile,
            "linkedin_url": p.linkedin,
            "company": f"{c.name} {c.suffix}",
            "website": self._website(c) if r.random() < 0.85 else "",
            "headcount": c.headcount if r.random() < 0.8 else "",
            "revenue": c.revenue if r.random() < 0.6 else "",
            "industry": c.industry if r.random() < 0.9 else "",
            "city": city,
            "state": state,
            "country": r.choice(COUNTRY_NAMES[region]),
            "source": source,
            "registered_at": "",
        }

    # -- duplicates -------------------------------------------------------------------------

    def _typo(self, word: str) -> str:
        r = self.r
        if len(word) < 4:
            return word
        i = r.randrange(1, len(word) - 1)
        k = r.randrange(4)
        if k == 0:  # transposition
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if k == 1:  # deletion
            return word[:i] + word[i + 1 :]
        if k == 2:  # substitution
            return word[:i] + r.choice(KEYBOARD) + word[i + 1 :]
        return word[:i] + word[i] + word[i:]  # doubled letter

    def _duplicate(self, p: Person, first_row: dict[str, str]) -> dict[str, str]:
        r = self.r
        rec = self._base_record(p)
        c = p.company
        while rec["source"] == first_row["source"]:
            rec["source"] = SOURCES[r.randrange(len(SOURCES))][0]
        # e-mail
        k = r.random()
        email_kept = True
        if k < 0.35:
            pass
        elif k < 0.45:
            rec["email"] = p.email.title() if r.random() < 0.5 else p.email.upper()
        elif k < 0.55:
            local, _, domain = p.email.partition("@")
            if domain == "gmail.com":
                if "." in local and r.random() < 0.5:
                    local = local.replace(".", "")
                else:
                    local = f"{local}+{r.choice(('leads', 'work', 'news', 'promo', 'b2b'))}"
                rec["email"] = f"{local}@{domain}"
            else:
                rec["email"] = p.email.capitalize()
        else:
            email_kept = False
            k = r.random()
            if k < 0.5:
                rec["email"] = self._personal_email(p.first, p.last, p.entity_id)
            elif k < 0.8:
                pattern = (c.pattern + r.randrange(1, 5)) % 6
                rec["email"] = self._claim_email(email_local(p.first, p.last, pattern), c.domain, p.entity_id)
            else:
                rec["email"] = ""
        # phones: _base_record re-drew both columns (new format, maybe one dropped); often the
        # duplicate brings only the phone the first row did not show, or a new direct line
        k = r.random()
        if k < 0.2 and p.business and p.mobile:
            if first_row["business_phone"] and first_row["mobile_phone"]:
                k = 0.3  # the first row showed both: fall through to a new number
            elif first_row["business_phone"]:
                rec["business_phone"], rec["mobile_phone"] = "", self._phone_text(p, p.mobile)
            else:
                rec["business_phone"], rec["mobile_phone"] = self._phone_text(p, p.business), ""
        if 0.2 <= k < 0.4:
            pool = self.city_pools[self.cities[p.city][0]]
            rec["business_phone"] = self._phone_text(p, self._new_number(pool))
            if r.random() < 0.6:
                rec["mobile_phone"] = ""
        if r.random() < 0.1:
            rec["business_phone"], rec["mobile_phone"] = rec["mobile_phone"], rec["business_phone"]
        shown_before = {x for x in (first_row["business_phone"], first_row["mobile_phone"]) if x}
        shared = bool(digits_set(shown_before) & digits_set({rec["business_phone"], rec["mobile_phone"]}))
        strong = email_kept or shared
        # names and company
        ops = r.sample(DUP_OPS, r.choice((1, 1, 2, 2, 3))) if strong else [r.choice(MILD_OPS)]
        self._noise(ops, p, rec, first_row, email_kept)
        return rec

    def _noise(
        self, ops: Sequence[str], p: Person, rec: dict[str, str], first_row: dict[str, str], email_kept: bool
    ) -> None:
        """Apply the noise ops to a duplicate's names, company, title and fields, in place."""
        r = self.r
        c = p.company
        first, last = p.first, p.last
        company = rec["company"]
        for op in ops:
            if op == "typo":
                if r.random() < 0.5:
                    first = self._typo(first)
                else:
                    last = self._typo(last)
            elif op == "swap":
                first, last = last, first
            elif op == "nickname":
                nicks = DIMINUTIVES.get(first.lower())
                first = r.choice(nicks) if nicks else self._typo(first)
            elif op == "initial":
                first = first[0] + ("." if r.random() < 0.7 else "")
            elif op == "case":
                first, last = (
                    (first.upper(), last.upper()) if r.random() < 0.5 else (first.lower(), last.lower())
                )
            elif op == "company":
                k = r.randrange(4)
                if k == 0:
                    company = c.name
                elif k == 1:
                    company = c.name.upper()
                elif k == 2:
                    company = f"{c.name} {r.choice(LEGAL[c.region])}"
                else:
                    company = f"{c.name}, {c.suffix}"
            elif op == "title":
                rec["title"] = r.choice(TITLES[p.title])
            elif op == "missing":
                for name in r.sample(
                    ("linkedin_url", "website", "title", "city", "state", "industry", "headcount"), 2
                ):
                    rec[name] = ""
            elif op == "phone_only_other" and p.business and p.mobile and email_kept:
                if first_row["business_phone"]:
                    rec["business_phone"], rec["mobile_phone"] = "", self._phone_text(p, p.mobile)
                else:
                    rec["business_phone"], rec["mobile_phone"] = self._phone_text(p, p.business), ""
        rec["first_name"], rec["last_name"], rec["company"] = first, last, company

    def _hard_duplicate(self, p: Person, first_row: dict[str, str], keys: set[str]) -> dict[str, str]:
        """The same person on another form months later: no e-mail or phone shared with any earlier
        row of theirs (``keys``: their mailboxes and phone digits so far), 1–3 noise ops on name,
        company suffix/case, title and missing fields; same company and city."""
        r = self.r
        rec = self._base_record(p)
        c = p.company
        while rec["source"] == first_row["source"]:
            rec["source"] = SOURCES[r.randrange(len(SOURCES))][0]
        # e-mail: a personal address, or a work address in another pattern, never one used before
        email = ""
        for attempt in range(8):
            if r.random() < 0.6:
                email = self._personal_email(p.first, p.last, p.entity_id)
            else:
                pattern = (c.pattern + r.randrange(1, 6)) % 6
                local = email_local(p.first, p.last, pattern)
                if attempt >= 4:
                    local = f"{local}{r.randrange(2, 99)}"
                email = self._claim_email(local, c.domain, p.entity_id)
            if mailbox(email.lower()) not in keys:
                break
        else:  # pragma: no cover - practically unreachable
            email = self._claim_email(f"{slug(p.first)}.{slug(p.last)}.{len(keys)}", c.domain, p.entity_id)
        rec["email"] = email
        # phones: a new direct line (never used by anyone), and now and then a new mobile too
        region = self.cities[p.city][2]
        pool = self.city_pools[self.cities[p.city][0]]
        rec["business_phone"] = self._phone_text(p, self._new_number(pool))
        rec["mobile_phone"] = ""
        if r.random() < 0.25:
            rec["mobile_phone"] = self._phone_text(p, self._new_number(self.mobile_pools.get(region, pool)))
        self._noise(r.sample(HARD_OPS, r.choice((1, 1, 2, 2, 3))), p, rec, first_row, False)
        return rec

    # -- invalid rows -----------------------------------------------------------------------

    def _invalid(self, rec: dict[str, str], p: Person) -> None:
        r = self.r
        for _ in range(1 if r.random() < 0.8 else 2):
            k = r.randrange(7)
            if k == 0:
                rec["email"] = ""
            elif k == 1:
                f, ln = slug(p.first), slug(p.last)
                bad = r.choice(BAD_EMAILS)
                rec["email"] = bad.format(f=f, l=ln, d=p.company.domain, host=p.company.domain.split(".")[0])
            elif k == 2:
                key = "business_phone" if rec["business_phone"] else "mobile_phone"
                rec[key] = r.choice(BAD_PHONES)
            elif k == 3:
                rec["business_phone"] = rec["mobile_phone"] = ""
            elif k == 4:
                rec["company"] = ""
            elif k == 5:
                rec["title"] = ""
            else:
                rec[r.choice(("first_name", "last_name"))] = ""

    # -- hard mode: different people that look alike -----------------------------------------

    def _trap(self, p: Person) -> None:
        """Make a new person resemble others without being them: a namesake of an earlier
        person, a bare first name at a free-mail provider (john@aol.com, shared by every John
        who uses it), or the company's role mailbox (info@, sales@) shared with colleagues."""
        t = self.trap_r
        k = t.random()
        if k < 0.4:
            q = self.people[t.randrange(len(self.people))]
            p.first, p.last = q.first, q.last
        elif k < 0.7:
            p.email = f"{slug(p.first)}@{t.choice(('aol.com', 'yahoo.com'))}"
        else:
            p.email = f"{t.choice(('info', 'sales', 'contact'))}@{p.company.domain}"

    # -- main loop --------------------------------------------------------------------------

    def run(self) -> list[FakeLead]:
        r = self.r
        rows: list[tuple[datetime, int, dict[str, str], str, RowKind]] = []
        first_rows: list[dict[str, str]] = []
        hard_rate = self.hard_rate
        # per person (when hard_rate > 0): the mailboxes and phones of all their rows so far
        seen_keys: list[set[str]] = []
        for i in range(self.n):
            k = r.random()
            if k < self.dup_rate and self.people:
                idx = r.randrange(len(self.people))
                p = self.people[idx]
                # no extra random draw when hard_rate == 0: the rows stay as they always were
                if hard_rate and r.random() < hard_rate:
                    rec = self._hard_duplicate(p, first_rows[idx], seen_keys[idx])
                else:
                    rec = self._duplicate(p, first_rows[idx])
                if hard_rate:
                    seen_keys[idx] |= row_keys(rec)
                span = (self.base - p.registered).total_seconds()
                when = p.registered + timedelta(seconds=max(60, int(span * r.random())))
                p.seen += 1
                kind = RowKind.DUPLICATE
            else:
                p = self._person(i)
                if self.trap_rate and self.people and self.trap_r.random() < self.trap_rate:
                    self._trap(p)
                rec = self._base_record(p)
                when = p.registered
                if k < self.dup_rate + self.invalid_rate:
                    self._invalid(rec, p)
                    kind = RowKind.INVALID
                else:
                    self.people.append(p)
                    first_rows.append(rec)
                    if hard_rate:
                        keys = row_keys(rec)
                        # the person's own numbers count even when this row did not show them
                        keys |= digits_set({x for x in (p.business, p.mobile) if x})
                        seen_keys.append(keys)
                    kind = RowKind.ORIGINAL
            rows.append((when, i, rec, p.entity_id, kind))
        rows.sort(key=lambda t: (t[0], t[1]))
        width = max(6, len(str(self.n)))
        codes = dict(SOURCES)
        out: list[FakeLead] = []
        for seq, (when, _i, rec, entity_id, kind) in enumerate(rows, start=1):
            rec["external_id"] = f"{codes[rec['source']]}-{seq:0{width}d}"
            rec["registered_at"] = when.isoformat(timespec="seconds") + "Z"
            out.append(FakeLead(rec, entity_id, kind))
        return out


def generate(
    n: int,
    seed: int = 0,
    *,
    dup_rate: float = 0.10,
    invalid_rate: float = 0.0,
    regions: tuple[str, ...] = ("US", "CA", "GB"),
    hard_rate: float = 0.0,
    trap_rate: float = 0.0,
) -> list[FakeLead]:
    """``n`` fake leads in registration order; the same arguments always give the same rows.

    ``hard_rate`` is the share of duplicates that are *hard*: they share no e-mail and no phone
    with any earlier row of their person (a personal or other work address, a new direct line)
    and carry 1–3 noise ops (typo, nickname, initial, swapped names, company suffix/case, title
    variant, missing fields); company and city stay. With 0 (the default) the rows are exactly
    those of earlier versions.

    ``trap_rate`` is the share of new people made to look like others (see ``_trap``):
    namesakes, shared free-mail first-name addresses and shared role mailboxes. 0: none.
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    if not 0 <= dup_rate < 1 or not 0 <= invalid_rate < 1 or dup_rate + invalid_rate >= 1:
        raise ValueError("dup_rate and invalid_rate must be in [0, 1) and add up to less than 1")
    if not 0 <= hard_rate <= 1:
        raise ValueError("hard_rate must be in [0, 1]")
    if not 0 <= trap_rate <= 1:
        raise ValueError("trap_rate must be in [0, 1]")
    generator = _Generator(n, seed, dup_rate, invalid_rate, tuple(regions), hard_rate, trap_rate)
    # Millions of small dicts and strings: the cyclic GC would rescan them over and over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return generator.run()
    finally:
        if enabled:
            gc.enable()
