"""Signing the Charter: the application, its sections and its states.

Every change of state goes through `transition`, which checks it is allowed and records who,
when and why. Services flush; the caller commits.
"""

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

from flask import url_for
from slugify import slugify
from sqlalchemy import func, or_, select

from charter_app.accounts.models import MemberRole, Membership, User
from charter_app.extensions import db
from charter_app.locking import StateConflict, lock_for_update
from charter_app.notifications.outbox import queue_email
from charter_app.organisations import eligibility
from charter_app.organisations.models import (
    ApplicationStatus,
    LocationFlag,
    Organisation,
    StatusChange,
)
from charter_app.pledges.models import Pledge
from charter_app.timeutil import utcnow
from charter_app.urls import absolute_url

S = ApplicationStatus
ALLOWED_TRANSITIONS = {
    (S.DRAFT, S.SUBMITTED),
    (S.REJECTED, S.SUBMITTED),
    (S.SUBMITTED, S.APPROVED),
    (S.SUBMITTED, S.REJECTED),
    (S.APPROVED, S.LAPSED),
    (S.LAPSED, S.APPROVED),
    (S.APPROVED, S.WITHDRAWN),
    (S.APPROVED, S.SUSPENDED),
    (S.SUSPENDED, S.APPROVED),
}

# The Statement of Intent's six commitments (Durham County Council, 23 October 2023).
COMMITMENTS = [
    ("collaborate", "Collaborate proactively",
     "We will share ideas and learn from each other's experience and best practice in social "
     "value."),
    ("involve", "Involve and empower stakeholders",
     "We will hear the concerns and ideas of community members and other stakeholders across "
     "the public, private and third sectors."),
    ("transparent", "Be transparent and accountable",
     "We will share what we intend to do and why, plus how we are progressing, so you can hold "
     "us accountable."),
    ("embed", "Embed relevant processes",
     "We will develop suitable processes to ensure high quality delivery and to meet the "
     "project's objectives."),
    ("local_needs", "Respond to local needs",
     "We will ensure that our social value activities address local needs and priorities "
     "wherever possible."),
    ("track", "Track, report, learn and improve",
     "We will track and report what we are all doing using a consistent framework so that we "
     "can drive continuous improvement."),
]


class TransitionNotAllowed(StateConflict):
    """The application is not in a state this change can start from (perhaps it already made it)."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"{current} -> {wanted}")
        self.current = current
        self.wanted = wanted

    @property
    def already_done(self) -> bool:
        return self.current == self.wanted


class ApplicationIncomplete(Exception):
    def __init__(self, missing: list[str]):
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass
class OrganisationDetails:
    name: str
    legal_form: str
    size_band: str
    company_number: str | None
    charity_number: str | None
    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str
    website: str | None
    description: str


def transition(organisation: Organisation, to_status: S, actor: User | None,
               reason: str | None = None) -> StatusChange:
    """Move the application to `to_status`, with the row locked until the caller commits.

    The status is re-read under the lock, so of two requests making the same change at once the
    second finds it made and raises TransitionNotAllowed (already_done) instead of repeating it.
    """
    lock_for_update(Organisation, organisation.id)  # refreshes `organisation` in place
    from_status = S(organisation.status)
    if (from_status, to_status) not in ALLOWED_TRANSITIONS:
        raise TransitionNotAllowed(from_status, to_status)
    organisation.status = to_status
    change = StatusChange(
        organisation=organisation,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason,
    )
    db.session.add(change)
    db.session.flush()
    return change


def start_application(user: User, details: OrganisationDetails) -> Organisation:
    """A new draft, owned by the user who started it."""
    organisation = Organisation(status=S.DRAFT)
    db.session.add(organisation)
    db.session.add(Membership(user=user, organisation=organisation, role=MemberRole.OWNER))
    update_details(organisation, details)
    return organisation


def update_details(organisation: Organisation, details: OrganisationDetails) -> None:
    organisation.name = details.name.strip()
    organisation.legal_form = details.legal_form
    organisation.sector = eligibility.sector_for(details.legal_form)
    organisation.size_band = details.size_band
    organisation.company_number = details.company_number or None
    organisation.charity_number = details.charity_number or None
    organisation.address_line_1 = details.address_line_1
    organisation.address_line_2 = details.address_line_2 or None
    organisation.town = details.town
    organisation.postcode = details.postcode
    location = eligibility.locate(details.postcode)
    organisation.area = location.area
    organisation.location_flag = location.flag
    organisation.website = details.website or None
    organisation.description = details.description
    db.session.flush()


def agree_commitments(organisation: Organisation) -> None:
    organisation.commitments_agreed_at = organisation.commitments_agreed_at or utcnow()


def set_pledges(organisation: Organisation, targets: dict[int, Decimal]) -> None:
    """Replace the pledges with these targets, keyed by measure id."""
    current = {pledge.measure_id: pledge for pledge in organisation.pledges}
    for measure_id, pledge in current.items():
        if measure_id not in targets:
            organisation.pledges.remove(pledge)
    for measure_id, target in targets.items():
        if measure_id in current:
            current[measure_id].target = target
        else:
            organisation.pledges.append(Pledge(measure_id=measure_id, target=target))
    db.session.flush()


def set_signatory(organisation: Organisation, name: str, role: str) -> None:
    organisation.signatory_name = name.strip()
    organisation.signatory_role = role.strip()


def section_status(organisation: Organisation | None) -> dict[str, bool]:
    """Which sections of the application are complete."""
    if organisation is None:
        return dict.fromkeys(("details", "commitments", "pledges", "signatory"), False)
    return {
        "details": bool(organisation.name and organisation.postcode and organisation.legal_form),
        "commitments": organisation.commitments_agreed_at is not None,
        "pledges": bool(organisation.pledges),
        "signatory": bool(organisation.signatory_name and organisation.signatory_role),
    }


SECTION_NAMES = {
    "details": "Organisation details",
    "commitments": "The six commitments",
    "pledges": "Pledges",
    "signatory": "Who is signing",
}


def _owners(organisation: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == MemberRole.OWNER,
            )
        )
    )


def _email_owners(organisation: Organisation, template: str, change: StatusChange,
                  **context) -> None:
    for owner in _owners(organisation):
        queue_email(
            template,
            owner.email,
            f"{template}:{organisation.id}:{change.id}:{owner.id}",
            organisation_name=organisation.name,
            **context,
        )


def submit_application(organisation: Organisation, user: User) -> StatusChange:
    missing = [SECTION_NAMES[key] for key, done in section_status(organisation).items() if not done]
    if missing:
        raise ApplicationIncomplete(missing)
    change = transition(organisation, S.SUBMITTED, user)
    organisation.submitted_at = utcnow()
    organisation.rejection_reason = None
    _email_owners(
        organisation,
        "application_submitted",
        change,
        application_url=absolute_url(
            url_for("organisations.application_for", organisation_id=organisation.id)
        ),
    )
    return change


def _unique_slug(name: str) -> str:
    base = slugify(name, max_length=160, word_boundary=True) or "signatory"
    taken = set(
        db.session.scalars(
            select(Organisation.slug).where(
                or_(Organisation.slug == base, Organisation.slug.like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def approve_application(organisation: Organisation, staff: User) -> StatusChange:
    change = transition(organisation, S.APPROVED, staff)
    organisation.approved_at = utcnow()
    if organisation.slug is None:
        organisation.slug = _unique_slug(organisation.name)
    _email_owners(
        organisation,
        "application_approved",
        change,
        profile_url=absolute_url(url_for("directory.profile", slug=organisation.slug)),
    )
    return change


def reject_application(organisation: Organisation, staff: User, reason: str) -> StatusChange:
    change = transition(organisation, S.REJECTED, staff, reason=reason)
    organisation.rejection_reason = reason
    _email_owners(
        organisation,
        "application_rejected",
        change,
        reason=reason,
        application_url=absolute_url(
            url_for("organisations.application_for", organisation_id=organisation.id)
        ),
    )
    return change


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


def review_queue() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation)
        .where(Organisation.status == S.SUBMITTED)
        .order_by(Organisation.submitted_at, Organisation.id)
    ))


def count_by_status() -> dict[str, int]:
    rows = db.session.execute(
        select(Organisation.status, func.count()).group_by(Organisation.status)
    )
    return dict(rows.all())


def clean_text(value: str | None) -> str | None:
    """Strip control characters (other than newlines) and surrounding space."""
    if value is None:
        return None
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value).strip()
