"""Signs that an application may duplicate another, or needs a closer look, for staff."""

import difflib
from dataclasses import dataclass

from sqlalchemy import or_, select

from charter_app.extensions import db
from charter_app.organisations.eligibility import LocationFlag
from charter_app.organisations.models import ApplicationStatus as S
from charter_app.organisations.models import Organisation


@dataclass
class StaffFlag:
    text: str
    related: list[Organisation]


def similar_names(organisation: Organisation, threshold: float = 0.85) -> list[Organisation]:
    """Other applications or signatories whose names are nearly the same."""
    if not organisation.name_key:
        return []
    first_word = organisation.name_key.split(" ")[0]
    # Narrow in the database first (same first word, or same key), then compare properly.
    candidates = db.session.scalars(
        select(Organisation).where(
            Organisation.id != organisation.id,
            Organisation.status != S.DRAFT,
            or_(
                Organisation.name_key == organisation.name_key,
                Organisation.name_key.like(f"{first_word}%"),
            ),
        )
    )
    return [
        other
        for other in candidates
        if difflib.SequenceMatcher(None, organisation.name_key, other.name_key).ratio()
        >= threshold
    ]


def flags_for_staff(organisation: Organisation) -> list[StaffFlag]:
    flags = []
    if organisation.location_flag == LocationFlag.OUTSIDE_AREA:
        flags.append(StaffFlag(
            f"The postcode {organisation.postcode} is outside County Durham. Check the "
            "organisation delivers in the county.", []))
    elif organisation.location_flag == LocationFlag.PARTLY_IN_AREA:
        flags.append(StaffFlag(
            f"The postcode district of {organisation.postcode} is only partly in County Durham. "
            "Check the address.", []))
    numbered = []
    if organisation.company_number:
        numbered.append(Organisation.company_number == organisation.company_number)
    if organisation.charity_number:
        numbered.append(Organisation.charity_number == organisation.charity_number)
    if numbered:
        same_number = list(db.session.scalars(
            select(Organisation).where(Organisation.id != organisation.id, or_(*numbered))
        ))
        if same_number:
            flags.append(StaffFlag("Another application has the same company or charity number.",
                                   same_number))
    similar = similar_names(organisation)
    if similar:
        flags.append(StaffFlag("Another application has a very similar name.", similar))
    return flags
