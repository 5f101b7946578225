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

import csv
import gc
import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from leadctl.rules.schema import LEAD_FIELDS
from leadctl.services.dedupe.names import NICKNAMES

# The lead fields a generated row carries (all but affiliate_id, which comes from the bucket).
FIELDS: tuple[str, ...] = tuple(f for f in LEAD_FIELDS if f != "affiliate_id")

# Human header spellings used by ``write_file(..., messy_headers=True)``.
MESSY_HEADERS: dict[str, str] = {
    "external_id": "Lead ID",
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "E-mail",
    "title": "Job Title",
    "business_phone": "Business Phone",
    "mobile_phone": "Mobile",
    "linkedin_url": "LinkedIn URL",
    "company": "Company Name",
    "website": "Website",
    "headcount": "Employees",
    "revenue": "Annual Revenue",
    "industry": "Industry",
    "city": "City",
    "state": "State/Province",
    "country": "Country",
    "source": "Lead Source",
    "registered_at": "Created Date",
}

CUSTOM_COLUMNS: tuple[str, ...] = (
    "Last Visited Pricing Page",
    "Notes",
    "UTM Campaign",
    "Preferred Contact Time",
)


@dataclass(frozen=True)
class FakeLead:
    record: dict[str, str]
    entity_id: str
    kind: str  # "original" | "duplicate" | "invalid"


# --------------------------------------------------------------------------------------------
# Embedded data
# --------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST_NAMES = _words(
    """
Robert William Elizabeth Katherine Margaret Richard James John Michael Thomas Christopher Daniel
Matthew Anthony Joseph Charles Edward Jonathan Benjamin Nicholas Alexander Samuel Patrick Andrew
Timothy Stephen Steven Gregory Jeffrey Kenneth Ronald Donald Douglas Raymond Lawrence Frederick
Theodore Zachary Nathaniel Jacob Joshua Gerald Peter Philip Henry Vincent Walter Francis Leonard
Harold Russell Stanley Gabriel Oliver Maxwell Mitchell Victor Bradley Cameron Dominic Eugene
Jennifer Jessica Patricia Deborah Rebecca Victoria Christina Catherine Samantha Stephanie Pamela
Jacqueline Kimberly Alexandra Abigail Amanda Angela Barbara Caroline Cynthia Dorothy Eleanor
Emily Frances Gabrielle Isabella Josephine Judith Kathleen Madeline Melissa Michelle Natalie Nicole
Olivia Penelope Sandra Sophia Susan Theresa Valerie Virginia Evelyn Charlotte Julia Lillian
Mary Linda Sarah Karen Lisa Nancy Betty Helen Sandra Donna Carol Ruth Sharon Laura Amy Anna Emma
Grace Chloe Hannah Megan Lauren Rachel Heather Diane Joyce Kelly Christine Janet Maria Diana
Brian Kevin Jason Eric Scott Mark Paul Gary Larry Justin Brandon Ryan Aaron Adam Tyler Kyle Noah
Ethan Logan Dylan Connor Owen Caleb Isaac Evan Ian Sean Shane Derek Travis Trevor Wade Garrett
Priya Anjali Rohan Arjun Vikram Sanjay Deepa Kavya Rahul Neha Aditya Meera Wei Jing Li Mei Chen
Hiroshi Yuki Kenji Haruto Sakura Min-jun Seo-yeon Ji-woo Mohammed Ahmed Fatima Aisha Omar Yusuf
Layla Hassan Carlos Sofia Mateo Valentina Diego Camila Alejandro Lucia Javier Isabel Miguel Elena
Pablo Rosa Luis Ana Jorge Marta Olga Dmitri Ivan Natasha Sergei Anastasia Katya Lars Ingrid
Sven Astrid Nils Freya Erik Sigrid Kwame Amara Chidi Ngozi Tunde Zainab Kofi Abena Thabo Lerato
Giulia Marco Francesca Luca Chiara Matteo Pierre Camille Julien Amelie Louis Chantal Hans Greta
Klaus Anke Jurgen Lena Sean Siobhan Niamh Ciaran Aoife Declan Fionn Tomasz Agnieszka Piotr Zofia
Nguyen Thi Minh Anh Duc Linh Rafael Beatriz Tiago Ines Joao Leonor Yasmin Tariq Nadia Karim
Bernard Arthur Albert Archibald Harriet Matilda Beatrice Winifred Rosalind Clifford Curtis
Emmanuel Sebastian Tobias Wesley Howard Herbert Reginald Roger Rodney Martin Louise Yvonne
"""
)

_LAST_NAMES = _words(
    """
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson
Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams
Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart
Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson
Wood Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long Ross Foster Powell Jenkins
Perry Russell Sullivan Fisher Henderson Coleman Simmons Patterson Jordan Reynolds Hamilton Graham
Wallace Cole West Hayes Gibson Ellis Stevens Murray Ford Marshall Owens McDonald Harrison Kennedy
Wells Alvarez Woods Mendoza Castillo Olson Webb Washington Tucker Freeman Burns Henry Vasquez
Snyder Simpson Crawford Jimenez Porter Mason Shaw Gordon Wagner Hunter Romero Hicks Dixon Hunt
Palmer Robertson Black Holmes Stone Meyer Boyd Mills Warren Fox Rose Rice Moreno Schmidt Patel
Ferguson Nichols Herrera Medina Ryan Fernandez Weaver Daniels Stephens Gardner Payne Kelley Dunn
Pierce Arnold Tran Spencer Peters Hawkins Grant Hansen Castro Hoffman Hart Elliott Cunningham
Knight Bradley Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres
Flores Rivera Gomez Diaz Nguyen Kim Park Lee Chen Wang Li Zhang Liu Yang Huang Zhao Wu Zhou Xu
Sun Ma Zhu Hu Guo Lin Tanaka Suzuki Watanabe Yamamoto Nakamura Kobayashi Sato Ito Shah Mehta
Sharma Singh Kumar Gupta Reddy Iyer Rao Desai Joshi Kapoor Malhotra Chowdhury Rahman Hussain Khan
Ahmed Ali Haddad Nasser Karimi Farouk Okafor Adeyemi Mensah Owusu Nkosi Mbeki Diallo Traore
O'Brien O'Connor O'Neill O'Sullivan MacDonald MacLeod McKenzie Fitzgerald Gallagher Doyle Byrne
Kowalski Nowak Wisniewski Novak Horvat Petrov Ivanov Smirnov Volkov Popov Sokolov Kuznetsov
Muller Schneider Fischer Weber Becker Schulz Koch Richter Klein Wolf Neumann Schwarz Zimmermann
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
Dubois Lefebvre Moreau Laurent Girard Bonnet Dupont Lambert Fontaine Rousseau Blanc Garnier
Silva Santos Oliveira Souza Costa Pereira Almeida Carvalho Ribeiro Ferreira Andersson Johansson
Larsson Nilsson Eriksson Lindqvist Hansen Jensen Nielsen Virtanen Korhonen Van-der-Berg De-Vries
Bakker Visser Smit Janssen Jansen Fletcher Whitaker Ashworth Pemberton Thornton Blackwood
Hargreaves Sutherland Llewellyn Davies Pritchard Vaughan Griffiths Morgan-Jones Smith-Taylor
"""
)

# Company names: <word> [<word>] <sector> <legal suffix>; base names are unique per run.
_CO_WORDS = _words(
    """
Acme Summit Apex Pinnacle Northwind Bluewater Harbor Redwood Ironclad Silverline Brightpath Clearview
Evergreen Granite Keystone Lighthouse Meridian Northstar Oakridge Pioneer Quantum Riverbend Sterling
Trident Vanguard Westbrook Horizon Cascade Beacon Crestline Everest Falcon Frontier Golden Highland
Juniper Kestrel Lakeshore Maple Nimbus Orchard Paragon Prairie Radiant Sequoia Skyline Stonebridge
Sunrise Tidewater Trailhead Unity Vertex Willow Zenith Atlas Aurora Bayside Blackstone Bluebird
Boulder Canyon Cedar Centennial Coastal Copper Cornerstone Crescent Crystal Delta Eagle Echo Elm
Ember Fairway Fieldstone Firefly Foxglove Gateway Glacier Greenleaf Hawthorne Heritage Hudson
Indigo Islandia Jade Kingsley Landmark Liberty Lumen Magnolia Mariner Millbrook Monarch Mosaic
Nautilus Oakmont Onyx Orion Osprey Pacific Patriot Peregrine Pinecrest Polaris Prism Quarry
Rainier Raven Ridgeway Rockwell Sapphire Shoreline Signal Silverton Spruce Starling Stonegate
Superior Sycamore Tandem Terra Thunderbird Timberline Titan Topaz Torchlight Trinity True Upland
Valor Velocity Verde Vista Wavecrest Whitehall Wildflower Windward Wolfpack Yellowstone
"""
)

_CO_SECTORS = _words(
    """
Logistics Analytics Health Systems Software Foods Capital Labs Partners Manufacturing Energy
Solutions Networks Robotics Pharma Media Consulting Logistics Freight Dynamics Technologies Data
Security Insurance Realty Materials Biotech Learning Retail Devices Cloud Payments Marketing
Engineering Construction Holdings Ventures Advisors Supply Medical Aerospace Apparel Brands Labs
Interactive Studios Outfitters Transport Instruments Works Foundry Digital Diagnostics Wireless
"""
)

_LEGAL = {
    "US": ("Inc", "Inc.", "LLC", "Corp", "Corp.", "Co.", "Corporation", "Group"),
    "CA": ("Inc", "Inc.", "Ltd", "Ltd.", "Corp", "Limited"),
    "GB": ("Ltd", "Ltd.", "Limited", "PLC", "LLP", "GmbH"),
}

_TITLES: dict[str, tuple[str, ...]] = {
    "VP Sales": ("Vice President of Sales", "VP, Sales", "VP of Sales", "Vice President, Sales"),
    "VP Marketing": ("Vice President of Marketing", "VP, Marketing", "VP of Marketing"),
    "Head of Marketing": ("Marketing Lead", "Head of Marketing & Growth", "Marketing Head"),
    "Head of Sales": ("Sales Lead", "Head, Sales"),
    "CFO": ("Chief Financial Officer", "C.F.O."),
    "CEO": ("Chief Executive Officer", "Founder & CEO", "Co-founder and CEO"),
    "COO": ("Chief Operating Officer",),
    "CTO": ("Chief Technology Officer", "Co-founder & CTO"),
    "CIO": ("Chief Information Officer",),
    "CMO": ("Chief Marketing Officer",),
    "CRO": ("Chief Revenue Officer",),
    "Director of Operations": ("Operations Director", "Dir. Operations", "Director, Operations"),
    "Director of IT": ("IT Director", "Director, Information Technology"),
    "Director of Procurement": ("Procurement Director", "Head of Procurement"),
    "Sales Manager": ("Manager, Sales", "Regional Sales Manager"),
    "Marketing Manager": ("Manager, Marketing", "Sr. Marketing Manager", "Senior Marketing Manager"),
    "Account Executive": ("AE", "Senior Account Executive", "Sr. Account Executive"),
    "Business Development Manager": ("BDM", "Business Development Mgr", "Manager, Business Development"),
    "Office Manager": ("Office Mgr", "Office Administrator"),
    "HR Manager": ("Human Resources Manager", "People Manager", "Manager, HR"),
    "Head of People": ("VP People", "Chief People Officer"),
    "Product Manager": ("Senior Product Manager", "PM", "Product Owner"),
    "Engineering Manager": ("Software Engineering Manager", "Eng Manager"),
    "Controller": ("Financial Controller", "Corporate Controller"),
    "Purchasing Manager": ("Buyer", "Purchasing Mgr", "Procurement Manager"),
    "Operations Manager": ("Ops Manager", "Manager, Operations"),
    "Owner": ("Owner/Operator", "Business Owner", "Founder"),
    "General Manager": ("GM", "Gen. Manager"),
    "Data Analyst": ("Senior Data Analyst", "Analyst, Data"),
    "IT Manager": ("Manager, IT", "Information Technology Manager"),
}
_TITLE_KEYS = tuple(_TITLES)

_INDUSTRIES = (
    "Software",
    "Logistics & Supply Chain",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Construction",
    "Education",
    "Insurance",
    "Real Estate",
    "Telecommunications",
    "Media & Entertainment",
    "Hospitality",
    "Professional Services",
    "Energy & Utilities",
    "Biotechnology",
    "Automotive",
    "Food & Beverage",
    "Transportation",
    "Marketing & Advertising",
)

_SOURCES = (
    ("Website", "WEB"),
    ("LinkedIn Ads", "LIA"),
    ("Google Ads", "GAD"),
    ("Webinar", "WBN"),
    ("Trade Show", "TSH"),
    ("Referral", "REF"),
    ("Content Download", "CDL"),
    ("Partner", "PTR"),
    ("Purchased List", "LST"),
    ("Facebook Ads", "FBA"),
)

# (city, state/province, country, area codes). US/CA: real NPAs serving the city. GB: real
# geographic codes without the trunk 0, with the length of the local number.
_US_CA_CITIES: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("New York", "NY", "US", (212, 646, 917, 718, 347, 332)),
    ("Los Angeles", "CA", "US", (213, 310, 323, 424)),
    ("Chicago", "IL", "US", (312, 773, 872)),
    ("Houston", "TX", "US", (713, 281, 832)),
    ("Phoenix", "AZ", "US", (602, 480, 623)),
    ("Philadelphia", "PA", "US", (215, 267)),
    ("San Antonio", "TX", "US", (210, 726)),
    ("San Diego", "CA", "US", (619, 858)),
    ("Dallas", "TX", "US", (214, 469, 972)),
    ("Austin", "TX", "US", (512, 737)),
    ("San Jose", "CA", "US", (408, 669)),
    ("San Francisco", "CA", "US", (415, 628)),
    ("Seattle", "WA", "US", (206,)),
    ("Denver", "CO", "US", (303, 720)),
    ("Boston", "MA", "US", (617, 857)),
    ("Atlanta", "GA", "US", (404, 470, 678)),
    ("Miami", "FL", "US", (305, 786)),
    ("Minneapolis", "MN", "US", (612,)),
    ("Portland", "OR", "US", (503, 971)),
    ("Nashville", "TN", "US", (615, 629)),
    ("Charlotte", "NC", "US", (704, 980)),
    ("Raleigh", "NC", "US", (919, 984)),
    ("Columbus", "OH", "US", (614, 380)),
    ("Indianapolis", "IN", "US", (317,)),
    ("Detroit", "MI", "US", (313,)),
    ("Salt Lake City", "UT", "US", (801, 385)),
    ("Kansas City", "MO", "US", (816,)),
    ("St. Louis", "MO", "US", (314,)),
    ("Pittsburgh", "PA", "US", (412,)),
    ("Baltimore", "MD", "US", (410, 443)),
    ("Washington", "DC", "US", (202,)),
    ("Tampa", "FL", "US", (813,)),
    ("Orlando", "FL", "US", (407, 689)),
    ("Las Vegas", "NV", "US", (702, 725)),
    ("Sacramento", "CA", "US", (916,)),
    ("Cleveland", "OH", "US", (216,)),
    ("Milwaukee", "WI", "US", (414,)),
    ("New Orleans", "LA", "US", (504,)),
    ("Omaha", "NE", "US", (402,)),
    ("Richmond", "VA", "US", (804,)),
    ("Boise", "ID", "US", (208,)),
    ("Albuquerque", "NM", "US", (505,)),
    ("Louisville", "KY", "US", (502,)),
    ("Cincinnati", "OH", "US", (513,)),
    ("Irvine", "CA", "US", (949,)),
    ("Palo Alto", "CA", "US", (650,)),
    ("Stamford", "CT", "US", (203,)),
    ("Jersey City", "NJ", "US", (201,)),
    ("Newark", "NJ", "US", (973,)),
    ("Toronto", "ON", "CA", (416, 647, 437)),
    ("Mississauga", "ON", "CA", (905, 289)),
    ("Ottawa", "ON", "CA", (613, 343)),
    ("Montreal", "QC", "CA", (514, 438)),
    ("Quebec City", "QC", "CA", (418, 581)),
    ("Vancouver", "BC", "CA", (604, 778)),
    ("Calgary", "AB", "CA", (403, 587, 825)),
    ("Edmonton", "AB", "CA", (780, 587)),
    ("Winnipeg", "MB", "CA", (204, 431)),
    ("Halifax", "NS", "CA", (902, 782)),
    ("Waterloo", "ON", "CA", (519, 226)),
    ("Saskatoon", "SK", "CA", (306, 639)),
    ("Victoria", "BC", "CA", (250,)),
)

_GB_CITIES: tuple[tuple[str, str, str, tuple[tuple[str, int], ...]], ...] = (
    ("London", "Greater London", "GB", (("20", 8),)),
    ("Manchester", "Greater Manchester", "GB", (("161", 7),)),
    ("Birmingham", "West Midlands", "GB", (("121", 7),)),
    ("Leeds", "West Yorkshire", "GB", (("113", 7),)),
    ("Glasgow", "Scotland", "GB", (("141", 7),)),
    ("Edinburgh", "Scotland", "GB", (("131", 7),)),
    ("Liverpool", "Merseyside", "GB", (("151", 7),)),
    ("Bristol", "Bristol", "GB", (("117", 7),)),
    ("Sheffield", "South Yorkshire", "GB", (("114", 7),)),
    ("Newcastle upon Tyne", "Tyne and Wear", "GB", (("191", 7),)),
    ("Nottingham", "Nottinghamshire", "GB", (("115", 7),)),
    ("Cardiff", "Wales", "GB", (("29", 8),)),
    ("Belfast", "Northern Ireland", "GB", (("28", 8),)),
    ("Cambridge", "Cambridgeshire", "GB", (("1223", 6),)),
    ("Oxford", "Oxfordshire", "GB", (("1865", 6),)),
    ("Reading", "Berkshire", "GB", (("118", 7),)),
    ("Brighton", "East Sussex", "GB", (("1273", 6),)),
    ("Southampton", "Hampshire", "GB", (("23", 8),)),
)

_COUNTRY_NAMES = {
    "US": ("United States", "United States", "US", "USA"),
    "CA": ("Canada", "Canada", "CA"),
    "GB": ("United Kingdom", "United Kingdom", "UK", "GB"),
}
_TLDS = {
    "US": (".com", ".com", ".com", ".io", ".co", ".net"),
    "CA": (".ca", ".com", ".com"),
    "GB": (".co.uk", ".co.uk", ".com", ".io"),
}
_REGION_WEIGHT = {"US": 7.0, "CA": 1.5, "GB": 1.5}
_PERSONAL_DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
)
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"
_BAD_EMAILS = ("not-an-email", "{f}.{l}@", "{f} {l}@{d}", "{f}.{l}@{host}", "{f}.{l}at{d}", "n/a", "-")
_BAD_PHONES = ("123", "555-12", "0000000000", "n/a", "12345", "+1 (000) 000-0000", "call me")


# --------------------------------------------------------------------------------------------
# Phone pools: prefixes whose numbers phonenumbers accepts, found once per process
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pool:
    """Valid national-number prefixes; a full number is prefix + 4 random digits."""

    region: str
    prefixes: tuple[str, ...]
    area_len: int  # digits of the area code within the national number (for formatting)


def _valid(region_code: str, national: str) -> bool:
    import phonenumbers

    cc = "1" if region_code in ("US", "CA") else "44"
    try:
        num = phonenumbers.parse("+" + cc + national)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(num) and phonenumbers.region_code_for_number(num) == region_code


def _find_prefixes(r: random.Random, region: str, candidates: list[str], want: int) -> tuple[str, ...]:
    """Prefixes (of candidates, in random order) whose sampled full numbers are all valid."""
    r.shuffle(candidates)
    found: list[str] = []
    for prefix in candidates:
        suffixes = ("0000", "9999", *(f"{r.randrange(10000):04d}" for _ in range(4)))
        if all(_valid(region, prefix + s) for s in suffixes):
            found.append(prefix)
            if len(found) >= want:
                break
    return tuple(sorted(found))


@cache
def _phone_pools() -> tuple[dict[str, _Pool], dict[str, _Pool]]:
    """(city -> landline/mobile pool, region -> mobile pool); seeded, so the same every run."""
    r = random.Random(20240917)
    city_pools: dict[str, _Pool] = {}
    npa_prefixes: dict[int, tuple[str, ...]] = {}
    for city, _state, region, npas in _US_CA_CITIES:
        prefixes: list[str] = []
        for npa in npas:
            if npa not in npa_prefixes:
                cands = [
                    f"{npa}{nxx}"
                    for nxx in range(200, 1000)
                    if nxx % 100 != 11 and nxx != 555 and nxx not in (950, 958, 959, 976)
                ]
                npa_prefixes[npa] = _find_prefixes(r, region, cands, 24)
            prefixes.extend(npa_prefixes[npa])
        city_pools[city] = _Pool(region, tuple(prefixes), 3)
    for city, _state, region, codes in _GB_CITIES:
        prefixes = []
        for area, local_len in codes:
            width = local_len - 4
            cands = [area + str(i).zfill(width) for i in range(10**width)]
            if len(cands) > 3000:
                cands = r.sample(cands, 3000)
            prefixes.extend(_find_prefixes(r, region, cands, 40))
        city_pools[city] = _Pool(region, tuple(prefixes), len(codes[0][0]))
    mobile_pools = {
        "GB": _Pool(
            "GB", _find_prefixes(r, "GB", [f"7{i:05d}" for i in r.sample(range(100000), 4000)], 120), 4
        )
    }
    return city_pools, mobile_pools


def _fmt_phone(r: random.Random, region: str, national: str, area_len: int) -> str:
    """A national significant number written the way a person might type it."""
    if region in ("US", "CA"):
        a, b, c = national[:3], national[3:6], national[6:]
        k = r.randrange(9)
        if k == 0:
            return f"({a}) {b}-{c}"
        if k == 1:
            return f"{a}.{b}.{c}"
        if k == 2:
            return f"+1 {a} {b} {c}"
        if k == 3:
            return f"{a}{b}{c}"
        if k == 4:
            return f"{a}-{b}-{c}"
        if k == 5:
            return f"+1{a}{b}{c}"
        if k == 6:
            return f"1-{a}-{b}-{c}"
        if k == 7:
            return f"+1 ({a}) {b}-{c}"
        return f"({a}) {b}-{c}"
    area, rest = national[:area_len], national[area_len:]
    grouped = (
        f"{rest[:4]} {rest[4:]}" if len(rest) == 8 else (f"{rest[:3]} {rest[3:]}" if len(rest) == 7 else rest)
    )
    k = r.randrange(6)
    if k == 0:
        return f"0{area} {grouped}"
    if k == 1:
        return f"+44 {area} {grouped}"
    if k == 2:
        return f"+44 (0){area} {grouped}"
    if k == 3:
        return f"+44{national}"
    if k == 4:
        return f"0{national}"
    return f"0{area} {grouped}"


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------

_ASCII: dict[str, str] = {}


def _slug(name: str) -> str:
    """Lower-case ASCII letters and digits only (for e-mail local parts and URLs)."""
    s = _ASCII.get(name)
    if s is None:
        folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        s = "".join(ch for ch in folded.lower() if ch.isalnum())
        _ASCII[name] = s
    return s


@dataclass
class _Company:
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
class _Person:
    entity_id: str
    first: str
    last: str
    title: str
    company: _Company
    city: int
    business: str  # national significant number or ""
    mobile: str
    email: str
    linkedin: str
    registered: datetime
    seen: int = 1


def _email_local(first: str, last: str, pattern: int) -> str:
    f, ln = _slug(first), _slug(last)
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


class _FastRandom(random.Random):
    """random.Random with cheaper choice/randrange (no rejection sampling); still seeded."""

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


class _Generator:
    def __init__(
        self,
        n: int,
        seed: int,
        dup_rate: float,
        invalid_rate: float,
        regions: tuple[str, ...],
        hard_rate: float = 0.0,
    ):
        for region in regions:
            if region not in _REGION_WEIGHT:
                raise ValueError(f"unsupported region {region!r}: choose from {', '.join(_REGION_WEIGHT)}")
        if not regions:
            raise ValueError("regions must not be empty")
        self.n = n
        self.r = _FastRandom(seed)
        self.dup_rate = dup_rate
        self.invalid_rate = invalid_rate
        self.hard_rate = hard_rate
        self.city_pools, self.mobile_pools = _phone_pools()
        self.cities = [c for c in (*_US_CA_CITIES, *_GB_CITIES) if c[2] in regions]
        weights = [_REGION_WEIGHT[c[2]] / sum(1 for d in self.cities if d[2] == c[2]) for c in self.cities]
        self.city_cum = _cumulative(weights)
        self.cities_by_region: dict[str, list[int]] = {}
        for i, c in enumerate(self.cities):
            self.cities_by_region.setdefault(c[2], []).append(i)
        self.base = datetime(2025, 1, 1, 9, 0) + timedelta(days=seed % 365)  # naive UTC
        self.window = 90 * 86400
        self.used_phones: set[str] = set()
        self.email_owner: dict[str, str] = {}
        self.used_company_names: set[str] = set()
        self.companies: list[_Company] = []
        self.n_companies = max(20, n // 4)
        self.people: list[_Person] = []

    # -- building blocks ------------------------------------------------------------------

    def _city(self) -> int:
        return _pick_cum(self.r, self.city_cum)

    def _company(self) -> _Company:
        """A company: new until the pool is full, then an existing one (so colleagues share it)."""
        r = self.r
        if len(self.companies) < self.n_companies and (not self.companies or r.random() < 0.5):
            city = self._city()
            region = self.cities[city][2]
            for _ in range(50):
                k = r.random()
                if k < 0.45:
                    name = f"{r.choice(_CO_WORDS)} {r.choice(_CO_SECTORS)}"
                elif k < 0.75:
                    name = f"{r.choice(_CO_WORDS)} {r.choice(_CO_WORDS)} {r.choice(_CO_SECTORS)}"
                elif k < 0.9:
                    name = f"{r.choice(_LAST_NAMES)} {r.choice(_CO_SECTORS)}"
                else:
                    name = f"{r.choice(_LAST_NAMES)} & {r.choice(_LAST_NAMES)}"
                words = name.split()
                if name not in self.used_company_names and len(set(words)) == len(words):
                    break
            else:
                name = f"{name} {len(self.companies)}"
            self.used_company_names.add(name)
            words = [_slug(w) for w in name.split() if w != "&"]
            tld = r.choice(_TLDS[region])
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
            company = _Company(
                name=name,
                suffix=r.choice(_LEGAL[region]),
                domain=domain,
                industry=r.choice(_INDUSTRIES),
                headcount=str(headcount),
                revenue=rev_text,
                city=city,
                region=region,
                pattern=r.choice((0, 0, 0, 0, 1, 1, 2, 3, 5)),
            )
            self.companies.append(company)
            return company
        return self.companies[r.randrange(len(self.companies))]

    def _new_number(self, pool: _Pool) -> str:
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
        while self.email_owner.get(_mailbox(email), entity_id) != entity_id:
            k += 1
            email = f"{local}{k}@{domain}"
        self.email_owner[_mailbox(email)] = entity_id
        return email

    def _personal_email(self, first: str, last: str, entity_id: str) -> str:
        r = self.r
        f, ln = _slug(first), _slug(last)
        k = r.randrange(5)
        local = (
            f"{f}.{ln}",
            f"{f}{ln}",
            f"{f[:1]}{ln}",
            f"{f}.{ln}{r.randrange(1, 99)}",
            f"{f}{ln}{r.randrange(60, 99)}",
        )[k]
        return self._claim_email(local, r.choice(_PERSONAL_DOMAINS), entity_id)

    def _person(self, index: int) -> _Person:
        r = self.r
        entity_id = f"E{index:07d}"
        first = r.choice(_FIRST_NAMES)
        last = r.choice(_LAST_NAMES)
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
            email = self._claim_email(_email_local(first, last, company.pattern), company.domain, entity_id)
        else:
            email = self._personal_email(first, last, entity_id)
        linkedin = ""
        if r.random() < 0.7:
            linkedin = f"https://www.linkedin.com/in/{_slug(first)}-{_slug(last)}-{r.randrange(16**6):06x}"
        registered = self.base - timedelta(seconds=r.randrange(self.window))
        return _Person(
            entity_id,
            first,
            last,
            r.choice(_TITLE_KEYS),
            company,
            city,
            business,
            mobile,
            email,
            linkedin,
            registered,
        )

    def _phone_text(self, person: _Person, national: str) -> str:
        region = self.cities[person.city][2]
        if region == "GB" and national.startswith("7"):
            return _fmt_phone(self.r, region, national, 4)
        area_len = self.city_pools[self.cities[person.city][0]].area_len
        return _fmt_phone(self.r, region, national, area_len)

    def _website(self, company: _Company) -> str:
        k = self.r.randrange(4)
        return (
            f"https://www.{company.domain}",
            f"www.{company.domain}",
            company.domain,
            f"http://{company.domain}/",
        )[k]

    def _base_record(self, p: _Person) -> dict[str, str]:
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
        source, _code = _SOURCES[r.randrange(len(_SOURCES))]
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
            "country": r.choice(_COUNTRY_NAMES[region]),
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
            return word[:i] + r.choice(_KEYBOARD) + word[i + 1 :]
        return word[:i] + word[i] + word[i:]  # doubled letter

    def _duplicate(self, p: _Person, first_row: dict[str, str]) -> dict[str, str]:
        r = self.r
        rec = self._base_record(p)
        c = p.company
        while rec["source"] == first_row["source"]:
            rec["source"] = _SOURCES[r.randrange(len(_SOURCES))][0]
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
                rec["email"] = self._claim_email(
                    _email_local(p.first, p.last, pattern), c.domain, p.entity_id
                )
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
        shared = bool(_digits_set(shown_before) & _digits_set({rec["business_phone"], rec["mobile_phone"]}))
        strong = email_kept or shared
        # names and company
        ops = r.sample(_DUP_OPS, r.choice((1, 1, 2, 2, 3))) if strong else [r.choice(_MILD_OPS)]
        self._noise(ops, p, rec, first_row, email_kept)
        return rec

    def _noise(
        self, ops: Sequence[str], p: _Person, rec: dict[str, str], first_row: dict[str, str], email_kept: bool
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
                nicks = NICKNAMES.get(first.lower())
                first = r.choice(nicks).capitalize() if nicks else self._typo(first)
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
                    company = f"{c.name} {r.choice(_LEGAL[c.region])}"
                else:
                    company = f"{c.name}, {c.suffix}"
            elif op == "title":
                rec["title"] = r.choice(_TITLES[p.title])
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

    def _hard_duplicate(self, p: _Person, first_row: dict[str, str], keys: set[str]) -> dict[str, str]:
        """The same person on another form months later: no e-mail or phone shared with any earlier
        row of theirs (``keys``: their mailboxes and phone digits so far), 1–3 noise ops on name,
        company suffix/case, title and missing fields; same company and city."""
        r = self.r
        rec = self._base_record(p)
        c = p.company
        while rec["source"] == first_row["source"]:
            rec["source"] = _SOURCES[r.randrange(len(_SOURCES))][0]
        # e-mail: a personal address, or a work address in another pattern, never one used before
        email = ""
        for attempt in range(8):
            if r.random() < 0.6:
                email = self._personal_email(p.first, p.last, p.entity_id)
            else:
                pattern = (c.pattern + r.randrange(1, 6)) % 6
                local = _email_local(p.first, p.last, pattern)
                if attempt >= 4:
                    local = f"{local}{r.randrange(2, 99)}"
                email = self._claim_email(local, c.domain, p.entity_id)
            if _mailbox(email.lower()) not in keys:
                break
        else:  # pragma: no cover - practically unreachable
            email = self._claim_email(f"{_slug(p.first)}.{_slug(p.last)}.{len(keys)}", c.domain, p.entity_id)
        rec["email"] = email
        # phones: a new direct line (never used by anyone), and now and then a new mobile too
        region = self.cities[p.city][2]
        pool = self.city_pools[self.cities[p.city][0]]
        rec["business_phone"] = self._phone_text(p, self._new_number(pool))
        rec["mobile_phone"] = ""
        if r.random() < 0.25:
            rec["mobile_phone"] = self._phone_text(p, self._new_number(self.mobile_pools.get(region, pool)))
        self._noise(r.sample(_HARD_OPS, r.choice((1, 1, 2, 2, 3))), p, rec, first_row, False)
        return rec

    # -- invalid rows -----------------------------------------------------------------------

    def _invalid(self, rec: dict[str, str], p: _Person) -> None:
        r = self.r
        for _ in range(1 if r.random() < 0.8 else 2):
            k = r.randrange(7)
            if k == 0:
                rec["email"] = ""
            elif k == 1:
                f, ln = _slug(p.first), _slug(p.last)
                bad = r.choice(_BAD_EMAILS)
                rec["email"] = bad.format(f=f, l=ln, d=p.company.domain, host=p.company.domain.split(".")[0])
            elif k == 2:
                key = "business_phone" if rec["business_phone"] else "mobile_phone"
                rec[key] = r.choice(_BAD_PHONES)
            elif k == 3:
                rec["business_phone"] = rec["mobile_phone"] = ""
            elif k == 4:
                rec["company"] = ""
            elif k == 5:
                rec["title"] = ""
            else:
                rec[r.choice(("first_name", "last_name"))] = ""

    # -- main loop --------------------------------------------------------------------------

    def run(self) -> list[FakeLead]:
        r = self.r
        rows: list[tuple[datetime, int, dict[str, str], str, str]] = []
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
                    seen_keys[idx] |= _row_keys(rec)
                span = (self.base - p.registered).total_seconds()
                when = p.registered + timedelta(seconds=max(60, int(span * r.random())))
                p.seen += 1
                kind = "duplicate"
            else:
                p = self._person(i)
                rec = self._base_record(p)
                when = p.registered
                if k < self.dup_rate + self.invalid_rate:
                    self._invalid(rec, p)
                    kind = "invalid"
                else:
                    self.people.append(p)
                    first_rows.append(rec)
                    if hard_rate:
                        keys = _row_keys(rec)
                        # the person's own numbers count even when this row did not show them
                        keys |= _digits_set({x for x in (p.business, p.mobile) if x})
                        seen_keys.append(keys)
                    kind = "original"
            rows.append((when, i, rec, p.entity_id, kind))
        rows.sort(key=lambda t: (t[0], t[1]))
        width = max(6, len(str(self.n)))
        codes = dict(_SOURCES)
        out: list[FakeLead] = []
        for seq, (when, _i, rec, entity_id, kind) in enumerate(rows, start=1):
            rec["external_id"] = f"{codes[rec['source']]}-{seq:0{width}d}"
            rec["registered_at"] = when.isoformat(timespec="seconds") + "Z"
            out.append(FakeLead(rec, entity_id, kind))
        return out


_DUP_OPS = (
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
_MILD_OPS = ("typo", "nickname", "initial", "case", "company", "title", "missing")
# Hard duplicates: no shared e-mail or phone, so these ops decide whether they are found.
_HARD_OPS = ("typo", "nickname", "initial", "swap", "company", "title", "missing")


def _row_keys(rec: dict[str, str]) -> set[str]:
    """The exact keys of a row: its mailbox (lower-case, Gmail-folded) and phone digits."""
    keys = _digits_set({rec["business_phone"], rec["mobile_phone"]})
    if rec["email"]:
        keys.add(_mailbox(rec["email"].lower()))
    return keys


def _mailbox(email: str) -> str:
    local, _, domain = email.partition("@")
    if domain == "gmail.com":
        return local.split("+", 1)[0].replace(".", "") + "@" + domain
    return email


def _digits_set(values: set[str]) -> set[str]:
    out = set()
    for v in values:
        d = "".join(ch for ch in v if ch.isdigit())
        if d:
            out.add(d[-9:])
    return out


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def _pick_cum(r: random.Random, cum: list[float]) -> int:
    from bisect import bisect_right

    return min(bisect_right(cum, r.random()), len(cum) - 1)


def generate(
    n: int,
    seed: int = 0,
    *,
    dup_rate: float = 0.10,
    invalid_rate: float = 0.0,
    regions: tuple[str, ...] = ("US", "CA", "GB"),
    hard_rate: float = 0.0,
) -> list[FakeLead]:
    """``n`` fake leads in registration order; the same arguments always give the same rows.

    ``hard_rate`` is the share of duplicates that are *hard*: they share no e-mail and no phone
    with any earlier row of their person (a personal or other work address, a new direct line)
    and carry 1–3 noise ops (typo, nickname, initial, swapped names, company suffix/case, title
    variant, missing fields); company and city stay. With 0 (the default) the rows are exactly
    those of earlier versions.
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    if not 0 <= dup_rate < 1 or not 0 <= invalid_rate < 1 or dup_rate + invalid_rate >= 1:
        raise ValueError("dup_rate and invalid_rate must be in [0, 1) and add up to less than 1")
    if not 0 <= hard_rate <= 1:
        raise ValueError("hard_rate must be in [0, 1]")
    generator = _Generator(n, seed, dup_rate, invalid_rate, tuple(regions), hard_rate)
    # Millions of small dicts and strings: the cyclic GC would rescan them over and over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return generator.run()
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _custom_values(r: random.Random, column: str, lead: FakeLead) -> str:
    if column == "Last Visited Pricing Page":
        if r.random() < 0.4:
            return ""
        return lead.record["registered_at"][:10] if r.random() < 0.5 else f"{r.randrange(1, 60)} days ago"
    if column == "Notes":
        return r.choice(
            (
                "",
                "",
                "",
                "Asked for a demo",
                "Call after 3pm",
                "Met at booth 12",
                "Wants pricing, ext. 204",
                "Budget approved Q3",
                'Said "not now"',
            )
        )
    if column == "UTM Campaign":
        return r.choice(("", "spring_promo", "brand_search", "retargeting-q2", "webinar_followup"))
    return r.choice(("", "Morning", "Afternoon", "Evening", "Any time"))


def write_file(
    path: Path,
    leads: Sequence[FakeLead],
    fmt: str = "csv",
    *,
    messy_headers: bool = False,
    custom_columns: bool = True,
    seed: int = 0,
) -> None:
    """Write leads as csv, tsv or jsonl (one JSON object per line), UTF-8."""
    if fmt not in ("csv", "tsv", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}: expected csv, tsv or jsonl")
    r = random.Random(seed)
    extra: list[str] = []
    if custom_columns:
        extra = r.sample(CUSTOM_COLUMNS, r.choice((1, 2)))
        if "Last Visited Pricing Page" not in extra and r.random() < 0.5:
            extra[0] = "Last Visited Pricing Page"
    names = [MESSY_HEADERS[f] if messy_headers else f for f in FIELDS]
    header = names + extra
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        if fmt == "jsonl":
            dumps = json.dumps
            for lead in leads:
                rec = lead.record
                obj = {name: rec.get(f, "") for name, f in zip(names, FIELDS, strict=True)}
                for col in extra:
                    obj[col] = _custom_values(r, col, lead)
                fh.write(dumps(obj, ensure_ascii=False))
                fh.write("\n")
            return
        writer = csv.writer(fh, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        writer.writerow(header)
        rows = []
        for lead in leads:
            rec = lead.record
            row = [rec.get(f, "") for f in FIELDS]
            for col in extra:
                row.append(_custom_values(r, col, lead))
            rows.append(row)
            if len(rows) >= 10000:
                writer.writerows(rows)
                rows.clear()
        writer.writerows(rows)


def write_truth(path: Path, leads: Sequence[FakeLead]) -> None:
    """The labelled truth for ``dedupe evaluate``: CSV ``external_id,entity_id``."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["external_id", "entity_id"])
        writer.writerows([lead.record["external_id"], lead.entity_id] for lead in leads)
