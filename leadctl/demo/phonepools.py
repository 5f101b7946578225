"""Phone pools for the fake-data generator: national-number prefixes that ``phonenumbers``
accepts as valid for each city (found once per process), and the ways people type numbers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from leadctl.demo.wordlists import GB_CITIES, US_CA_CITIES


@dataclass(frozen=True)
class Pool:
    """Valid national-number prefixes; a full number is prefix + 4 random digits."""

    region: str
    prefixes: tuple[str, ...]
    area_len: int  # digits of the area code within the national number (for formatting)


def valid(region_code: str, national: str) -> bool:
    import phonenumbers

    cc = "1" if region_code in ("US", "CA") else "44"
    try:
        num = phonenumbers.parse("+" + cc + national)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(num) and phonenumbers.region_code_for_number(num) == region_code


def find_prefixes(r: random.Random, region: str, candidates: list[str], want: int) -> tuple[str, ...]:
    """Prefixes (of candidates, in random order) whose sampled full numbers are all valid."""
    r.shuffle(candidates)
    found: list[str] = []
    for prefix in candidates:
        suffixes = ("0000", "9999", *(f"{r.randrange(10000):04d}" for _ in range(4)))
        if all(valid(region, prefix + s) for s in suffixes):
            found.append(prefix)
            if len(found) >= want:
                break
    return tuple(sorted(found))


@cache
def phone_pools() -> tuple[dict[str, Pool], dict[str, Pool]]:
    """(city -> landline/mobile pool, region -> mobile pool); seeded, so the same every run."""
    r = random.Random(20240917)
    city_pools: dict[str, Pool] = {}
    npa_prefixes: dict[int, tuple[str, ...]] = {}
    for city, _state, region, npas in US_CA_CITIES:
        prefixes: list[str] = []
        for npa in npas:
            if npa not in npa_prefixes:
                cands = [
                    f"{npa}{nxx}"
                    for nxx in range(200, 1000)
                    if nxx % 100 != 11 and nxx != 555 and nxx not in (950, 958, 959, 976)
                ]
                npa_prefixes[npa] = find_prefixes(r, region, cands, 24)
            prefixes.extend(npa_prefixes[npa])
        city_pools[city] = Pool(region, tuple(prefixes), 3)
    for city, _state, region, codes in GB_CITIES:
        prefixes = []
        for area, local_len in codes:
            width = local_len - 4
            cands = [area + str(i).zfill(width) for i in range(10**width)]
            if len(cands) > 3000:
                cands = r.sample(cands, 3000)
            prefixes.extend(find_prefixes(r, region, cands, 40))
        city_pools[city] = Pool(region, tuple(prefixes), len(codes[0][0]))
    mobile_pools = {
        "GB": Pool("GB", find_prefixes(r, "GB", [f"7{i:05d}" for i in r.sample(range(100000), 4000)], 120), 4)
    }
    return city_pools, mobile_pools


def fmt_phone(r: random.Random, region: str, national: str, area_len: int) -> str:
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
