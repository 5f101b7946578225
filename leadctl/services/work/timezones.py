"""A client's IANA time zone and where it came from: explicit > postal > state > phone > default.

Offsets are never stored (they break across DST): ``client.timezone`` is an IANA name,
``client.timezone_source`` a ``vocab.TimezoneSource`` and ``client.timezone_candidates``
every zone the person may be in when the evidence does not pin one down (a state split
between two zones, an area code of such a state). The calling module takes the most
restrictive window over all candidates, never "any time".

Why this order (the failures of area-code-only dialers): an area code says where a number
was issued, not where the person lives now, and its zone table is wrong for split states
(phonenumbers puts Gary, Indiana — Central time — in America/New_York and the Florida
panhandle in Eastern). So the state or postal field wins when present, Arizona is always
America/Phoenix (no DST), and a phone in a split state keeps all that state's zones.

``derive(record)`` is pure (no database) and cheap: intake calls it for every new client
(``services/intake/processing.py``) and ``refresh`` re-derives existing clients in batches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from leadctl.vocab import TimezoneSource

# The client columns this module writes (intake inserts them with the client).
CLIENT_COLUMNS = ("timezone_source", "timezone_candidates")

_E, _C, _M, _P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
_IN = "America/Indiana/Indianapolis"

# US states, DC and territories, Canadian provinces -> their zones, the main one first.
REGION_ZONES: dict[str, tuple[str, ...]] = {
    "US-AL": (_C,), "US-AK": ("America/Anchorage", "America/Adak"), "US-AZ": ("America/Phoenix",),
    "US-AR": (_C,), "US-CA": (_P,), "US-CO": (_M,), "US-CT": (_E,), "US-DE": (_E,), "US-DC": (_E,),
    "US-FL": (_E, _C), "US-GA": (_E,), "US-HI": ("Pacific/Honolulu",), "US-ID": ("America/Boise", _P),
    "US-IL": (_C,), "US-IN": (_IN, _C), "US-IA": (_C,), "US-KS": (_C, _M),
    "US-KY": (_E, _C), "US-LA": (_C,), "US-ME": (_E,), "US-MD": (_E,), "US-MA": (_E,),
    "US-MI": ("America/Detroit", "America/Menominee"), "US-MN": (_C,), "US-MS": (_C,), "US-MO": (_C,),
    "US-MT": (_M,), "US-NE": (_C, _M), "US-NV": (_P,), "US-NH": (_E,), "US-NJ": (_E,), "US-NM": (_M,),
    "US-NY": (_E,), "US-NC": (_E,), "US-ND": (_C, _M), "US-OH": (_E,), "US-OK": (_C,),
    "US-OR": (_P, "America/Boise"), "US-PA": (_E,), "US-RI": (_E,), "US-SC": (_E,), "US-SD": (_C, _M),
    "US-TN": (_C, _E), "US-TX": (_C, _M), "US-UT": (_M,), "US-VT": (_E,), "US-VA": (_E,), "US-WA": (_P,),
    "US-WV": (_E,), "US-WI": (_C,), "US-WY": (_M,), "US-PR": ("America/Puerto_Rico",),
    "US-GU": ("Pacific/Guam",), "US-VI": ("America/St_Thomas",),
    "CA-NL": ("America/St_Johns",), "CA-NS": ("America/Halifax",), "CA-PE": ("America/Halifax",),
    "CA-NB": ("America/Moncton",), "CA-QC": ("America/Toronto",), "CA-ON": ("America/Toronto", "America/Winnipeg"),
    "CA-MB": ("America/Winnipeg",), "CA-SK": ("America/Regina",), "CA-AB": ("America/Edmonton",),
    "CA-BC": ("America/Vancouver", "America/Edmonton"), "CA-YT": ("America/Whitehorse",),
    "CA-NT": ("America/Yellowknife",), "CA-NU": ("America/Iqaluit", "America/Winnipeg", "America/Cambridge_Bay"),
}  # fmt: skip

_US_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "washington d.c.": "DC", "washington dc": "DC", "florida": "FL", "georgia": "GA", "hawaii": "HI",
    "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY",
    "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE",
    "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "washington state": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY", "puerto rico": "PR", "guam": "GU",
}  # fmt: skip
_CA_NAMES = {
    "newfoundland and labrador": "NL", "newfoundland": "NL", "nova scotia": "NS",
    "prince edward island": "PE", "new brunswick": "NB", "quebec": "QC", "québec": "QC",
    "ontario": "ON", "manitoba": "MB", "saskatchewan": "SK", "alberta": "AB",
    "british columbia": "BC", "yukon": "YT", "northwest territories": "NT", "nunavut": "NU",
}  # fmt: skip
_COUNTRIES = {"us": "US", "usa": "US", "united states": "US", "united states of america": "US",
              "ca": "CA", "can": "CA", "canada": "CA"}  # fmt: skip

# US ZIP prefixes (first three digits, inclusive ranges) -> state.
_ZIP3 = (
    (5, 5, "NY"), (6, 9, "PR"), (10, 27, "MA"), (28, 29, "RI"), (30, 38, "NH"), (39, 49, "ME"),
    (50, 54, "VT"), (55, 55, "MA"), (56, 59, "VT"), (60, 69, "CT"), (70, 89, "NJ"), (100, 149, "NY"),
    (150, 196, "PA"), (197, 199, "DE"), (200, 205, "DC"), (206, 219, "MD"), (220, 246, "VA"),
    (247, 268, "WV"), (270, 289, "NC"), (290, 299, "SC"), (300, 319, "GA"), (320, 349, "FL"),
    (350, 369, "AL"), (370, 385, "TN"), (386, 397, "MS"), (398, 399, "GA"), (400, 427, "KY"),
    (430, 459, "OH"), (460, 479, "IN"), (480, 499, "MI"), (500, 528, "IA"), (530, 549, "WI"),
    (550, 567, "MN"), (569, 569, "DC"), (570, 577, "SD"), (580, 588, "ND"), (590, 599, "MT"),
    (600, 629, "IL"), (630, 658, "MO"), (660, 679, "KS"), (680, 693, "NE"), (700, 714, "LA"),
    (716, 729, "AR"), (730, 732, "OK"), (733, 733, "TX"), (734, 749, "OK"), (750, 799, "TX"), (800, 816, "CO"), (820, 831, "WY"),
    (832, 838, "ID"), (840, 847, "UT"), (850, 865, "AZ"), (870, 884, "NM"), (885, 885, "TX"),
    (889, 898, "NV"), (900, 961, "CA"), (967, 968, "HI"), (969, 969, "GU"), (970, 979, "OR"),
    (980, 994, "WA"), (995, 999, "AK"),
)  # fmt: skip
# ZIP prefixes of split states that settle the zone (the rest of the state: its main zone).
_ZIP3_ZONE: dict[int, tuple[str, ...]] = {
    **{z: (_C,) for z in (463, 464, 476, 477)},  # NW Indiana (Gary), SW Indiana (Evansville): Central
    **{z: (_IN,) for z in (460, 461, 462, 465, 466, 467, 468, 469, 470, 471, 472, 473, 474, 475, 478, 479)},
    **{z: (_C,) for z in (324, 325)},  # Florida panhandle (Panama City, Pensacola)
    **{z: (_M,) for z in (798, 799, 885)},  # El Paso
    **{z: (_C,) for z in (370, 371, 372, 380, 381, 382, 383, 384, 385)},  # Middle and West Tennessee
    **{z: (_E,) for z in (373, 374, 375, 376, 377, 378, 379)},  # East Tennessee
    **{z: (_C,) for z in (420, 421, 422, 423, 424)},  # West Kentucky
    **{z: (_M,) for z in (575, 576, 577)},  # West South Dakota
    **{z: ("America/Boise",) for z in (832, 833, 834, 836, 837)},  # South Idaho
    **{z: (_P,) for z in (835, 838)},  # North Idaho
}
# Canadian postal codes: first letter -> province.
_CA_POSTAL = {"A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON",
              "L": "ON", "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC",
              "X": "NT", "Y": "YT"}  # fmt: skip

_EXPLICIT_KEYS = ("timezone", "time_zone", "tz", "time zone")
POSTAL_KEYS = (
    "zip",
    "zip_code",
    "zipcode",
    "postal_code",
    "postalcode",
    "postcode",
    "postal code",
    "zip code",
)


@dataclass(frozen=True, slots=True)
class Zone:
    """A derived zone: the stored name, its source and all candidates (the name first)."""

    timezone: str | None
    source: TimezoneSource
    candidates: tuple[str, ...]

    def columns(self) -> dict[str, Any]:
        """``client`` column values (candidates only when there is more than one)."""
        return {
            "timezone": self.timezone,
            "timezone_source": self.source.value,
            "timezone_candidates": list(self.candidates) if len(self.candidates) > 1 else None,
        }


@cache
def valid_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or "/" not in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def country_code(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return _COUNTRIES.get(text, text.upper() if len(text) == 2 else None) if text else None


def region_of(state: Any, country: Any = None) -> str | None:
    """``US-FL`` / ``CA-ON`` from a state or province field (code or name), or None."""
    text = str(state or "").strip()
    if not text:
        return None
    cc = country_code(country)
    low = text.lower()
    code = text.upper() if len(text) == 2 else None
    if cc in (None, "US"):
        if code and f"US-{code}" in REGION_ZONES:
            return f"US-{code}"
        if low in _US_NAMES:
            return f"US-{_US_NAMES[low]}"
    if cc in (None, "CA"):
        if code and f"CA-{code}" in REGION_ZONES:
            return f"CA-{code}"
        if low in _CA_NAMES:
            return f"CA-{_CA_NAMES[low]}"
    return None


def custom_value(custom: Any, keys: tuple[str, ...]) -> str | None:
    if not isinstance(custom, Mapping):
        return None
    for k, v in custom.items():
        if str(k).strip().lower().replace("-", "_") in keys and v not in (None, ""):
            return str(v).strip()
    return None


def postal_zones(code: str, country: Any = None) -> tuple[str | None, tuple[str, ...]]:
    """(region, zones) from a US ZIP or a Canadian postal code; (None, ()) if not one."""
    text = code.strip().upper()
    cc = country_code(country)
    digits = text.split("-")[0].replace(" ", "")
    if cc in (None, "US") and len(digits) in (5, 9) and digits.isdigit():
        z3 = int(digits[:3])
        for lo, hi, st in _ZIP3:
            if lo <= z3 <= hi:
                return f"US-{st}", _ZIP3_ZONE.get(z3, REGION_ZONES[f"US-{st}"])
        return None, ()
    compact = text.replace(" ", "")
    if cc in (None, "CA") and len(compact) == 6 and compact[0].isalpha() and compact[1].isdigit():
        prov = _CA_POSTAL.get(compact[0])
        if prov:
            return f"CA-{prov}", REGION_ZONES[f"CA-{prov}"]
    return None, ()


_NANP: dict[str, tuple[str | None, tuple[str, ...]]] = {}  # "+1NPA" -> phone_zones of its numbers


def phone_zones(e164: str) -> tuple[str | None, tuple[str, ...]]:
    """(region from the area code, zones) of a phone in E.164. A number of a split state gets
    every zone of that state (phonenumbers' table is wrong there); a number only known at
    country level (toll-free) gets none.

    North American numbers are answered per area code: an area code lies in one state or
    province, whose zones a split one gets whole, so every valid number of it has the same
    answer (the geocoder look-up costs ~0.5 ms a number; a batch of 5,000 clients repeats a few
    hundred area codes)."""
    if len(e164) == 12 and e164.startswith("+1"):
        known = _NANP.get(e164[:5])
        if known is not None:
            return known
        found = _phone_zones(e164)
        if found[1]:  # an invalid number says nothing about its area code
            _NANP[e164[:5]] = found
        return found
    return _phone_zones(e164)


@cache
def _phone_zones(e164: str) -> tuple[str | None, tuple[str, ...]]:
    """``phone_zones`` of one number, uncached by area code.

    Validity, region and zones come from ``phones.analyse`` (exactly phonenumbers' answers —
    its tests compare it with the library on many thousands of numbers — at a tenth of the
    cost of ``parse`` + ``is_valid_number`` + ``time_zones_for_number``); only a North
    American number pays the geocoder, for its state."""
    from leadctl.services.intake.phones import UNKNOWN_TIMEZONE, analyse

    # A number written with + is read the same whatever the default region.
    info = analyse(e164, "US") if e164.startswith("+") else None
    if info is None or not info.valid:
        return None, ()
    zones = tuple(z for z in info.timezones if z != UNKNOWN_TIMEZONE)
    if len(zones) > 3:  # a country-level list (toll-free, non-geographic): no evidence
        zones = ()
    region = None
    cc = info.region
    if cc in ("US", "CA"):
        region = region_of(_nanp_description(info.e164), cc)
        if region is not None:  # a split state: all its zones (the table is wrong there)
            own = REGION_ZONES[region]
            first = zones[0] if zones and zones[0] in own else own[0]
            zones = tuple(dict.fromkeys((first, *own, *zones)))
    return region, zones


def _nanp_description(e164: str) -> str:
    """``geocoder.description_for_number(parse(e164), "en")`` of a valid +1 number in E.164.

    Importing ``phonenumbers.geocoder`` loads every country's area names (~1.5 s on a quiet
    machine, paid by every ``process`` run); a +1 number only ever reads the +1 entries
    (``_nanp_geodata``). The steps are the geocoder's for a number of the +1 region itself
    (no mobile token): a type that is not geographical, or no area entry, gives the
    country's name, which never names a state — so "" stands for it here."""
    data = _nanp_geodata()
    if data is None:  # pragma: no cover - a phonenumbers without the usual data files
        import phonenumbers
        from phonenumbers import geocoder

        return str(geocoder.description_for_number(phonenumbers.parse(e164), "en"))
    from phonenumbers.phonenumberutil import is_number_type_geographical

    from leadctl.services.intake.phones import classify

    _region, ntype = classify(1, e164[2:])
    if not is_number_type_geographical(ntype, 1):
        return ""
    digits = e164[1:]
    longest, entries = data
    for n in range(longest, 0, -1):
        names = entries.get(digits[:n])
        if names is not None:
            name = names.get("en")
            if name is not None:
                return str(name)
    return ""


@cache
def _nanp_geodata() -> tuple[int, dict[str, dict[str, str]]] | None:
    """(longest prefix, +1 entries) of phonenumbers' geocoding table, read from its data files
    in the order its ``geodata/__init__`` merges them, without running that ``__init__``
    (which loads all ~35 files). The files are sorted by prefix, so reading stops at the
    first file past the +1 entries. None when the files are not laid out as expected."""
    import importlib.util
    import re
    from pathlib import Path

    import phonenumbers

    base = Path(phonenumbers.__file__).parent / "geodata"
    try:
        init = (base / "__init__.py").read_text(encoding="utf-8")
    except OSError:  # pragma: no cover
        return None
    names = re.findall(r"^from \.(data\d+) import data$", init, re.M)
    longest = re.search(r"^GEOCODE_LONGEST_PREFIX = (\d+)$", init, re.M)
    if not names or longest is None:  # pragma: no cover
        return None
    entries: dict[str, dict[str, str]] = {}
    for name in names:
        spec = importlib.util.spec_from_file_location(f"phonenumbers.geodata.{name}", base / f"{name}.py")
        if spec is None or spec.loader is None:  # pragma: no cover
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        ones = {k: v for k, v in module.data.items() if k[:1] == "1"}
        entries.update(ones)
        if entries and len(ones) < len(module.data):
            break
    return int(longest.group(1)), entries


def derive(record: Mapping[str, Any]) -> Zone:
    """The zone of a client (or lead) record: state/postal fields before phone area codes."""
    custom = record.get("custom")
    explicit = custom_value(custom, _EXPLICIT_KEYS)
    if explicit and valid_zone(explicit):
        return Zone(explicit, TimezoneSource.EXPLICIT, (explicit,))
    country = record.get("country")
    postal = custom_value(custom, POSTAL_KEYS)
    if postal:
        _region, zones = postal_zones(postal, country)
        if zones:
            return Zone(zones[0], TimezoneSource.POSTAL, zones)
    region = region_of(record.get("state"), country)
    if region is not None:
        zones = REGION_ZONES[region]
        return Zone(zones[0], TimezoneSource.STATE, zones)
    for f in ("business_phone", "mobile_phone"):
        phone = record.get(f)
        if isinstance(phone, str) and phone.startswith("+"):
            _r, zones = phone_zones(phone)
            if zones:
                return Zone(zones[0], TimezoneSource.PHONE, zones)
    return Zone(None, TimezoneSource.DEFAULT, ())


def region_for_rules(record: Mapping[str, Any]) -> str | None:
    """The state/province whose calling rules apply: the state field, else the postal code,
    else the phone's area code (a person who moved keeps the number, so this comes last)."""
    region = region_of(record.get("state"), record.get("country"))
    if region is not None:
        return region
    postal = custom_value(record.get("custom"), POSTAL_KEYS)
    if postal:
        region, _z = postal_zones(postal, record.get("country"))
        if region is not None:
            return region
    for f in ("business_phone", "mobile_phone"):
        phone = record.get(f)
        if isinstance(phone, str) and phone.startswith("+1"):
            region, _z = phone_zones(phone)
            if region is not None:
                return region
    return None


def refresh(engine: Any, *, dry_run: bool = False, batch: int = 5000) -> dict[str, int]:
    """Re-derive every unmerged client's zone (batches, one transaction); counts by source."""
    from sqlalchemy import select

    from leadctl.storage import bulk, schema
    from leadctl.storage.engine import write
    from leadctl.timeutil import now as utc_now

    C = schema.client
    cols = (C.c.id, C.c.state, C.c.country, C.c.business_phone, C.c.mobile_phone, C.c.custom)
    counts: dict[str, int] = {s.value: 0 for s in TimezoneSource}
    changed = 0
    with write(engine) as conn:
        last = 0
        while True:
            q = select(*cols, C.c.timezone, C.c.timezone_source, C.c.timezone_candidates)
            rows = conn.execute(q.where(C.c.id > last).order_by(C.c.id).limit(batch)).mappings().all()
            if not rows:
                break
            last = rows[-1]["id"]
            updates = []
            for r in rows:
                z = derive(dict(r)).columns()
                counts[z["timezone_source"]] += 1
                if (r["timezone"], r["timezone_source"], r["timezone_candidates"]) != tuple(
                    z[k] for k in ("timezone", "timezone_source", "timezone_candidates")
                ):
                    updates.append((r["id"], z["timezone"], z["timezone_source"], z["timezone_candidates"]))
            changed += len(updates)
            if updates and not dry_run:  # updated_at: the client changed (stored queue scores go stale)
                stamp = utc_now()
                bulk.update_by_id(
                    conn, C, ["timezone", *CLIENT_COLUMNS, "updated_at"], [(*u, stamp) for u in updates]
                )
    return {"changed": changed, **counts}
