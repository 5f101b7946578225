"""Benchmark data with known truth: person records (names, addresses, dates of birth) and
organisation sites (name, address, short phone, partial zip).

The noise is this module's own — its own nickname, typo and abbreviation tables, nothing taken
from the matcher's (``leadctl.services.dedupe.names``) — so the benchmark does not grade the
matcher on its own homework. Each generator returns ``(rows, truth)``: dict rows with an
``rec_id`` and the true entity per ``rec_id``.
"""

from __future__ import annotations

import random
import string
from typing import Any

FIRST = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "christopher",
    "nancy",
    "daniel",
    "lisa",
    "matthew",
    "betty",
    "anthony",
    "margaret",
    "mark",
    "sandra",
    "donald",
    "ashley",
    "steven",
    "kimberly",
    "paul",
    "emily",
    "andrew",
    "donna",
    "joshua",
    "michelle",
    "kenneth",
    "dorothy",
    "kevin",
    "carol",
    "brian",
    "amanda",
    "george",
    "melissa",
    "edward",
    "deborah",
    "ronald",
    "stephanie",
    "timothy",
    "rebecca",
    "jason",
    "sharon",
    "jeffrey",
    "laura",
    "ryan",
    "cynthia",
    "jacob",
    "kathleen",
    "gary",
    "amy",
    "nicholas",
    "shirley",
    "eric",
    "angela",
    "jonathan",
    "helen",
    "stephen",
    "anna",
    "larry",
    "brenda",
    "justin",
    "pamela",
    "scott",
    "nicole",
    "brandon",
    "emma",
    "benjamin",
    "samantha",
    "samuel",
    "katherine",
    "gregory",
    "christine",
    "frank",
    "debra",
    "alexander",
    "rachel",
    "raymond",
    "catherine",
    "patrick",
    "carolyn",
    "jack",
    "janet",
    "dennis",
    "ruth",
    "jerry",
    "maria",
    "tyler",
    "heather",
    "aaron",
    "diane",
    "jose",
    "virginia",
    "adam",
    "julie",
    "henry",
    "joyce",
]
LAST = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "gomez",
    "phillips",
    "evans",
    "turner",
    "diaz",
    "parker",
    "cruz",
    "edwards",
    "collins",
    "reyes",
    "stewart",
    "morris",
    "morales",
    "murphy",
    "cook",
    "rogers",
    "gutierrez",
    "ortiz",
    "morgan",
    "cooper",
    "peterson",
    "bailey",
    "reed",
    "kelly",
    "howard",
    "ramos",
    "kim",
    "cox",
    "ward",
    "richardson",
    "watson",
    "brooks",
    "chavez",
    "wood",
    "james",
    "bennett",
    "gray",
    "mendoza",
    "ruiz",
    "hughes",
    "price",
    "alvarez",
    "castillo",
    "sanders",
    "patel",
    "myers",
    "long",
    "ross",
    "foster",
    "jimenez",
    "powell",
    "jenkins",
    "perry",
    "russell",
    "sullivan",
    "bell",
    "coleman",
    "butler",
    "henderson",
    "barnes",
    "gonzales",
    "fisher",
    "vasquez",
    "simmons",
    "romero",
    "jordan",
    "patterson",
    "alexander",
    "hamilton",
    "graham",
    "reynolds",
    "griffin",
    "wallace",
    "moreno",
    "west",
    "cole",
    "hayes",
    "bryant",
    "herrera",
    "gibson",
    "ellis",
    "tran",
    "medina",
    "aguilar",
    "stevens",
    "murray",
    "ford",
    "castro",
    "marshall",
    "owens",
]
# The generator's own short forms (not the matcher's table).
SHORT = {
    "william": "bill", "robert": "rob", "richard": "rick", "james": "jim", "michael": "mike",
    "elizabeth": "liz", "jennifer": "jen", "thomas": "tom", "christopher": "chris", "daniel": "dan",
    "matthew": "matt", "anthony": "tony", "joseph": "joe", "katherine": "kate", "samuel": "sam",
    "benjamin": "ben", "alexander": "alex", "jonathan": "jon", "patricia": "pat", "margaret": "peggy",
    "kenneth": "ken", "timothy": "tim", "rebecca": "becky", "nicholas": "nick", "gregory": "greg",
}  # fmt: skip
STREETS = [
    "main",
    "oak",
    "pine",
    "maple",
    "cedar",
    "elm",
    "washington",
    "lake",
    "hill",
    "park",
    "view",
    "sunset",
    "ridge",
    "river",
    "church",
    "mill",
    "spring",
    "highland",
    "forest",
    "meadow",
    "prospect",
    "franklin",
    "jefferson",
    "lincoln",
    "madison",
    "jackson",
    "willow",
    "birch",
] + ["1st", "2nd", "3rd", "5th", "12th", "21st", "42nd", "51st", "100th"]
TYPES = [
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Road", "Rd"),
    ("Drive", "Dr"),
    ("Lane", "Ln"),
    ("Boulevard", "Blvd"),
]
DIRS = [("North", "N"), ("South", "S"), ("East", "E"), ("West", "W")]
CITIES = [
    "springfield",
    "riverside",
    "fairview",
    "franklin",
    "greenville",
    "bristol",
    "clinton",
    "madison",
    "georgetown",
    "salem",
    "arlington",
    "ashland",
    "burlington",
    "manchester",
    "milton",
    "newport",
    "oxford",
    "dayton",
    "auburn",
    "dover",
    "hudson",
]
STATES = ["CA", "NY", "TX", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "NJ", "VA", "WA", "AZ", "MA"]


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s))
    op = rng.random()
    if op < 0.3:
        return s[:i] + s[i + 1 :]
    if op < 0.6 and i < len(s) - 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op < 0.85:
        return s[:i] + rng.choice(string.ascii_lowercase) + s[i + 1 :]
    return s[:i] + s[i] + s[i:]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def persons(n: int, seed: int = 1, dup_rate: float = 0.5) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Person records: about ``dup_rate`` of the entities appear 2–4 times with noise."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    e = 0
    while len(rows) < n:
        e += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        y, m, d = rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28)
        num = str(rng.randint(1, 9999))
        street = rng.choice(STREETS)
        typ = rng.choice(TYPES)
        dr = rng.choice(DIRS) if rng.random() < 0.3 else None
        unit = f"Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else ""
        city, state = rng.choice(CITIES), rng.choice(STATES)
        postcode = f"{rng.randint(1000, 99999):05d}"
        copies = 1 if rng.random() > dup_rate else rng.choice((2, 2, 3, 4))
        for c in range(copies):
            if len(rows) >= n:
                break
            noisy = c > 0
            f, ln = first, last
            if noisy:
                r = rng.random()
                if r < 0.15:
                    f = _typo(rng, f)
                elif r < 0.25:
                    ln = _typo(rng, ln)
                elif r < 0.32 and f in SHORT:
                    f = SHORT[f]
                elif r < 0.36:
                    f, ln = ln, f
                elif r < 0.40:
                    f = f[0]
            dob = f"{y:04d}-{m:02d}-{d:02d}"
            if noisy and rng.random() < 0.2:
                r = rng.random()
                if r < 0.3 and d <= 12:
                    dob = f"{y:04d}-{d:02d}-{m:02d}"
                elif r < 0.6:
                    dob = f"{y:04d}-{m:02d}-{(d % 28) + 1:02d}"
                elif r < 0.8:
                    dob = f"{y + rng.choice((-1, 1)):04d}-{m:02d}-{d:02d}"
                else:
                    dob = ""
            t = typ[1] if (noisy and rng.random() < 0.5) else typ[0]
            dd = "" if dr is None else (dr[1] if noisy and rng.random() < 0.5 else dr[0])
            addr = " ".join(x for x in (dd, _cap(street), t) if x)
            if noisy and rng.random() < 0.1:
                addr = _typo(rng, addr)
            sn = num
            if noisy and rng.random() < 0.05:
                sn = ""
            pc = postcode
            if noisy and rng.random() < 0.1:
                pc = rng.choice((postcode[:3], _typo(rng, postcode), ""))
            ct = city if not (noisy and rng.random() < 0.1) else _typo(rng, city)
            rec = f"r{len(rows)}"
            rows.append(
                {
                    "rec_id": rec,
                    "first_name": _cap(f),
                    "last_name": _cap(ln),
                    "date_of_birth": dob,
                    "street_number": sn,
                    "address_1": addr,
                    "address_2": unit if not (noisy and rng.random() < 0.3) else "",
                    "city": _cap(ct),
                    "postcode": pc,
                    "state": state if not (noisy and rng.random() < 0.05) else "",
                }
            )
            truth[rec] = f"e{e}"
    rng.shuffle(rows)
    return rows, truth


ORG_WORDS = [
    "acme",
    "global",
    "pacific",
    "summit",
    "pioneer",
    "united",
    "metro",
    "valley",
    "coastal",
    "northern",
    "prime",
    "first",
    "central",
    "liberty",
    "eagle",
    "harbor",
    "golden",
    "royal",
    "star",
    "crescent",
    "evergreen",
]
ORG_KIND = ("dental", "auto repair", "bakery", "pharmacy", "clinic", "hardware", "florist", "diner", "salon")


def sites(n: int, seed: int = 2, dup_rate: float = 0.4) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Organisation sites: name, address, a 7-digit phone, a zip often half-empty or partial."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    e = 0
    while len(rows) < n:
        e += 1
        name = f"{_cap(rng.choice(ORG_WORDS))} {_cap(rng.choice(ORG_KIND))}"
        if rng.random() < 0.5:
            name += f" of {_cap(rng.choice(CITIES))}"
        num = str(rng.randint(1, 999))
        street = rng.choice(STREETS)
        typ = rng.choice(TYPES)
        city = rng.choice(CITIES)
        zip5 = f"{rng.randint(10000, 99999)}"
        phone = f"{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        copies = 1 if rng.random() > dup_rate else rng.choice((2, 2, 3))
        for c in range(copies):
            if len(rows) >= n:
                break
            noisy = c > 0
            nm = name
            if noisy:
                r = rng.random()
                if r < 0.2:
                    nm = _typo(rng, nm)
                elif r < 0.35:
                    nm = nm.replace(" of ", " - ") if " of " in nm else nm + " Inc"
                elif r < 0.45:
                    nm = nm.upper()
            t = typ[1] if (noisy and rng.random() < 0.5) else typ[0]
            addr = f"{num} {_cap(street)} {t}"
            if noisy and rng.random() < 0.15:
                addr = _typo(rng, addr)
            z = zip5 if rng.random() < 0.5 else rng.choice(("", zip5[:3]))
            ph = phone if not (noisy and rng.random() < 0.15) else rng.choice(("", _typo(rng, phone)))
            rec = f"s{len(rows)}"
            rows.append(
                {
                    "rec_id": rec,
                    "company": nm,
                    "address_1": addr,
                    "city": _cap(city) if not (noisy and rng.random() < 0.1) else "",
                    "postcode": z,
                    "phone": ph,
                }
            )
            truth[rec] = f"o{e}"
    rng.shuffle(rows)
    return rows, truth
