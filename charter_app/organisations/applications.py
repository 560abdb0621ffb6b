"""Signing the Charter: the application, its sections and its states.

Every change of state goes through `transition`, which checks it is allowed and records who,
when and why. Services flush; the caller commits.
"""

from dataclasses import dataclass

from sqlalchemy import select

from charter_app.accounts.models import MemberRole, Membership, User
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused, lock_for_update
from charter_app.organisations import eligibility, emails
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange
from charter_app.signals import evidence_changed
from charter_app.timeutil import utcnow

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
    # A lapsed signatory is still listed, so it may leave, or be suspended, like an approved one.
    (S.LAPSED, S.WITHDRAWN),
    (S.LAPSED, S.SUSPENDED),
}

class TransitionNotAllowed(StateChangeRefused):
    """The application is not in a state this change can start from (perhaps it already made it)."""


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
    evidence_changed.send(organisation.id, now=utcnow())
    return change


def start_application(user: User, details: OrganisationDetails) -> Organisation:
    """A new draft, owned by the user who started it."""
    organisation = start_draft(user, details.name)
    update_details(organisation, details)
    return organisation


def start_draft(user: User, name: str) -> Organisation:
    """A new draft with only its name, owned by the user who started it: the start of an
    application made elsewhere (registering for an event), whose sections come later."""
    organisation = Organisation(status=S.DRAFT, name=name.strip())
    db.session.add(organisation)
    db.session.add(Membership(user=user, organisation=organisation, role=MemberRole.OWNER))
    db.session.flush()
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


def owners_of(organisation: Organisation) -> list[User]:
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


def submit_application(organisation: Organisation, user: User) -> StatusChange:
    missing = [SECTION_NAMES[key] for key, done in section_status(organisation).items() if not done]
    if missing:
        raise ApplicationIncomplete(missing)
    change = transition(organisation, S.SUBMITTED, user)
    organisation.submitted_at = utcnow()
    organisation.rejection_reason = None
    for owner in owners_of(organisation):
        emails.application_submitted(organisation, change, owner)
    return change
