"""The built-in header spellings: which column names map onto which lead field.

One table, data only. Headers are compared by ``mapping.header_key`` (case-insensitive,
ignoring spaces, dashes, underscores and dots), so "Mobile Phone Number", "mobile_phone_number"
and "MOBILE-PHONE-NUMBER" are one spelling. ``GENERIC`` holds the spellings of hand-made
files; each ``EXPORTS`` entry the default column names of one system's export, so that its
file maps without a mapping file. A spelling already claimed keeps its first target.

Columns with no lead field (HubSpot "Street Address", "Postal Code", Salesforce "Street",
"Zip/Postal Code", Apollo "Seniority", ZoomInfo "Person Zip Code", "Lead Owner", …) are kept
as custom fields under their own names, like every unmapped column.
"""

from __future__ import annotations

FULL_NAME = "full_name"

GENERIC: dict[str, tuple[str, ...]] = {
    "external_id": ("external id", "lead id", "id", "record id", "source id", "contact id", "lead number"),
    "first_name": ("first name", "first", "fname", "given name", "forename", "firstname"),
    "last_name": ("last name", "last", "lname", "surname", "family name", "lastname"),
    FULL_NAME: ("full name", "name", "contact name", "contact", "lead name", "person"),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "work email",
        "business email",
        "email 1",
        "primary email",
    ),
    "title": ("title", "job title", "position", "job", "role", "designation", "job role"),
    "business_phone": (
        "phone",
        "phone number",
        "business phone",
        "work phone",
        "office phone",
        "telephone",
        "tel",
        "direct phone",
        "direct dial",
        "company phone",
        "phone 1",
        "main phone",
        "landline",
    ),
    "mobile_phone": (
        "mobile",
        "mobile phone",
        "mobile number",
        "cell",
        "cell phone",
        "cellphone",
        "cell number",
        "cellular",
        "mobile #",
        "cell #",
    ),
    "linkedin_url": ("linkedin", "linkedin url", "linkedin profile", "linkedin profile url", "li url"),
    "company": (
        "company",
        "company name",
        "organization",
        "organisation",
        "account",
        "account name",
        "employer",
    ),
    "website": ("website", "web site", "web", "url", "company website", "domain", "homepage", "website url"),
    "headcount": (
        "headcount",
        "employees",
        "number of employees",
        "employee count",
        "company size",
        "no of employees",
        "# employees",
        "#employees",
        "num employees",
        "staff",
    ),
    "revenue": ("revenue", "annual revenue", "company revenue", "revenue range"),
    "industry": ("industry", "sector", "vertical"),
    "city": ("city", "town", "locality"),
    "state": ("state", "province", "state/province", "state or province", "region", "county"),
    "country": ("country", "country code", "country name", "nation"),
    "source": ("source", "lead source", "utm source", "channel", "origin"),
    "affiliate_id": ("affiliate id", "affiliate", "partner id", "aff id", "affid", "affiliate code"),
    "registered_at": (
        "registered at",
        "created date",
        "created",
        "created at",
        "date created",
        "creation date",
        "registration date",
        "registered",
        "signup date",
        "signed up",
        "sign up date",
        "submitted at",
        "submitted",
        "date",
        "timestamp",
        "lead date",
        "created on",
    ),
}

# Default headers of the exports admins actually have, beyond the generic spellings.
EXPORTS: dict[str, dict[str, tuple[str, ...]]] = {
    "HubSpot contacts": {
        "external_id": ("Record ID", "Contact ID"),
        "business_phone": ("Phone Number",),
        "mobile_phone": ("Mobile Phone Number",),
        "title": ("Job Title",),
        "company": ("Company Name",),
        "state": ("State/Region",),
        "country": ("Country/Region",),
        "registered_at": ("Create Date",),
        "source": ("Lead Source",),
        "revenue": ("Annual Revenue",),
        "headcount": ("Number of Employees",),
        "website": ("Website URL",),
        "linkedin_url": ("LinkedIn URL", "LinkedIn Bio"),
    },
    "Salesforce lead report": {
        "external_id": ("Lead ID",),
        "mobile_phone": ("Mobile",),
        "company": ("Company / Account",),
        "state": ("State/Province", "State/Province (text only)"),
        "country": ("Country (text only)",),
        "registered_at": ("Created Date", "Create Date"),
        "headcount": ("No. of Employees",),
    },
    "Apollo people": {
        "external_id": ("Apollo Contact Id",),
        "business_phone": ("Work Direct Phone", "Corporate Phone"),
        "mobile_phone": ("Mobile Phone",),
        "linkedin_url": ("Person Linkedin Url",),
        "headcount": ("# Employees",),
    },
    "ZoomInfo contacts": {
        "external_id": ("ZoomInfo Contact ID",),
        "business_phone": ("Direct Phone Number", "Company HQ Phone"),
        "mobile_phone": ("Mobile phone",),
        "email": ("Email Address",),
        "linkedin_url": ("LinkedIn Contact Profile URL",),
        "city": ("Person City",),
        "state": ("Person State",),
        "industry": ("Primary Industry",),
        "revenue": ("Revenue Range (in USD)",),
        "website": ("Website",),
    },
}


def spellings() -> list[tuple[str, str]]:
    """(spelling, target) pairs in precedence order: each target's own name, generic, exports."""
    out: list[tuple[str, str]] = [(t, t) for t in GENERIC]
    out += [(s, t) for t, ss in GENERIC.items() for s in ss]
    out += [(s, t) for table in EXPORTS.values() for t, ss in table.items() for s in ss]
    return out
