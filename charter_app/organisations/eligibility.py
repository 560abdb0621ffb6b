"""Format checks and derived facts for an organisation: postcode, numbers, sector, org-id."""

import re
from dataclasses import dataclass
from enum import StrEnum

from charter_app.organisations.data_postcodes import DISTRICTS


class Sector(StrEnum):
    PRIVATE = "private"
    THIRD = "third"


class LocationFlag(StrEnum):
    """Why staff should look at an address; None when the postcode is plainly in the county."""

    PARTLY_IN_AREA = "partly"
    OUTSIDE_AREA = "outside"


# (value, label, sector, number needed: "company", "charity" or None)
LEGAL_FORMS: list[tuple[str, str, Sector, str | None]] = [
    ("limited_company", "Private limited company", Sector.PRIVATE, "company"),
    ("plc", "Public limited company", Sector.PRIVATE, "company"),
    ("llp", "Limited liability partnership", Sector.PRIVATE, "company"),
    ("partnership", "Partnership", Sector.PRIVATE, None),
    ("sole_trader", "Sole trader", Sector.PRIVATE, None),
    ("registered_charity", "Registered charity", Sector.THIRD, "charity"),
    ("cio", "Charitable incorporated organisation (CIO)", Sector.THIRD, "charity"),
    ("cic", "Community interest company (CIC)", Sector.THIRD, "company"),
    ("cooperative", "Co-operative or community benefit society", Sector.THIRD, None),
    ("social_enterprise", "Other social enterprise", Sector.THIRD, None),
    ("community_group", "Community or voluntary group", Sector.THIRD, None),
]
LEGAL_FORM_BY_VALUE = {form[0]: form for form in LEGAL_FORMS}

SECTOR_LABELS = {
    Sector.PRIVATE: "Private sector",
    Sector.THIRD: "Voluntary, community and social enterprise (VCSE)",
}
SIZE_LABELS = {
    "micro": "Micro (fewer than 10 staff)",
    "small": "Small (10 to 49 staff)",
    "medium": "Medium (50 to 249 staff)",
    "large": "Large (250 staff or more)",
}

# Companies House numbers: 8 digits, or a 2-letter prefix (Scotland, NI, LLPs...) and 6 digits.
# ASCII and \Z: other scripts' digits and a trailing newline are not part of a number.
COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})\Z", re.ASCII)
# Charity Commission for England and Wales: 6 or 7 digits.
CHARITY_NUMBER = re.compile(r"^\d{6,7}\Z", re.ASCII)
# The shape of a UK postcode (outward code, space, inward code).
POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\Z", re.ASCII)


def normalise_company_number(raw: str) -> str:
    value = re.sub(r"\s+", "", raw).upper()
    if value.isascii() and value.isdigit() and 6 <= len(value) < 8:
        value = value.zfill(8)
    return value


def normalise_charity_number(raw: str) -> str:
    return re.sub(r"\s+", "", raw)


def normalise_postcode(raw: str) -> str | None:
    """'dh1 3he' -> 'DH1 3HE'; None when it is not shaped like a UK postcode."""
    compact = re.sub(r"\s+", "", raw).upper()
    match = POSTCODE.match(f"{compact[:-3]} {compact[-3:]}") if len(compact) >= 5 else None
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


@dataclass(frozen=True)
class Location:
    area: str | None
    flag: LocationFlag | None


def locate(postcode: str) -> Location:
    """Which part of County Durham a normalised postcode is in, and whether staff should check."""
    district = postcode.split(" ")[0]
    if district not in DISTRICTS:
        return Location(area=None, flag=LocationFlag.OUTSIDE_AREA)
    area, whole = DISTRICTS[district]
    return Location(area=area, flag=None if whole else LocationFlag.PARTLY_IN_AREA)


def is_legal_form(value) -> bool:
    return isinstance(value, str) and value in LEGAL_FORM_BY_VALUE


def sector_for(legal_form: str) -> Sector:
    return LEGAL_FORM_BY_VALUE[legal_form][2]


def number_needed(legal_form: str) -> str | None:
    """Which number this legal form must give; None for none, or for a value not on the list
    (the form reports that one as its own error)."""
    form = LEGAL_FORM_BY_VALUE.get(legal_form) if isinstance(legal_form, str) else None
    return form[3] if form else None


def org_id(sector: str | None, company_number: str | None,
           charity_number: str | None) -> str | None:
    """GB-CHC for charities, GB-COH for companies (org-id.guide), else None."""
    if charity_number and sector == Sector.THIRD:
        return f"GB-CHC-{charity_number}"
    if company_number:
        return f"GB-COH-{company_number}"
    if charity_number:
        return f"GB-CHC-{charity_number}"
    return None


def template_filters() -> dict:
    """Labels the pages show for stored values."""
    return {
        "sector_label": lambda value: SECTOR_LABELS.get(value, value or ""),
        "size_label": lambda value: SIZE_LABELS.get(value, value or ""),
        "legal_form_label": lambda value: (
            LEGAL_FORM_BY_VALUE[value][1] if value in LEGAL_FORM_BY_VALUE else ""
        ),
    }
