"""Changes to a signatory's legal name, legal form or company/charity number: staff decide.

Only owners may ask (members may not). The public profile keeps the old values until a member of
staff approves. A decision locks the request's row, so two decisions at once (a double click, two
members of staff) make one: the second raises ChangeAlreadyDecided and changes nothing.
Services flush; the caller commits.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused, StateConflict, lock_for_update
from charter_app.organisations import duplicates, eligibility, emails
from charter_app.organisations.applications import owners_of
from charter_app.organisations.models import ChangeRequestStatus as CR
from charter_app.organisations.models import LegalChangeRequest, Organisation
from charter_app.organisations.names import name_key
from charter_app.organisations.profile import NotASignatory
from charter_app.timeutil import utcnow


@dataclass
class LegalDetails:
    name: str
    legal_form: str
    company_number: str | None
    charity_number: str | None


class NothingToChange(Exception):
    """The request repeats the details the organisation already has."""


class ChangeAlreadyPending(StateConflict):
    """One request at a time: staff decide the waiting one first."""


class ChangeAlreadyDecided(StateChangeRefused):
    """Staff decided this request already (perhaps the same decision, a moment ago)."""


def pending_request(organisation: Organisation) -> LegalChangeRequest | None:
    return db.session.scalar(select(LegalChangeRequest).where(
        LegalChangeRequest.organisation_id == organisation.id,
        LegalChangeRequest.status == CR.PENDING))


def request_legal_change(organisation: Organisation, owner: User,
                         details: LegalDetails) -> LegalChangeRequest:
    """Record the request for staff; the organisation's own row is not changed."""
    # Locked so two requests sent at once cannot both find nothing pending.
    lock_for_update(Organisation, organisation.id)
    if not organisation.is_listed:
        raise NotASignatory(organisation.status)
    if pending_request(organisation) is not None:
        raise ChangeAlreadyPending()
    change = LegalChangeRequest(
        organisation=organisation, requested_by=owner,
        old_name=organisation.name, new_name=details.name.strip(),
        old_legal_form=organisation.legal_form, new_legal_form=details.legal_form,
        old_company_number=organisation.company_number,
        new_company_number=details.company_number or None,
        old_charity_number=organisation.charity_number,
        new_charity_number=details.charity_number or None,
    )
    if not change.changed_fields():
        raise NothingToChange()
    db.session.add(change)
    db.session.flush()
    return change


def _decide(change: LegalChangeRequest, to_status: CR, staff: User,
            reason: str | None) -> LegalChangeRequest:
    lock_for_update(LegalChangeRequest, change.id)  # refreshes `change` in place
    if change.status != CR.PENDING:
        raise ChangeAlreadyDecided(change.status, to_status)
    change.status = to_status
    change.decided_by = staff
    change.decided_at = utcnow()
    change.reason = reason
    db.session.flush()
    return change


def approve_change(change: LegalChangeRequest, staff: User) -> LegalChangeRequest:
    """Apply the new legal details to the public profile, and tell the owners."""
    _decide(change, CR.APPROVED, staff, None)
    organisation = lock_for_update(Organisation, change.organisation_id)
    organisation.name = change.new_name
    organisation.legal_form = change.new_legal_form
    organisation.sector = eligibility.sector_for(change.new_legal_form)
    organisation.company_number = change.new_company_number
    organisation.charity_number = change.new_charity_number
    # The slug stays: links already sent and shared keep working.
    db.session.flush()
    for owner in owners_of(organisation):
        emails.legal_change_approved(organisation, change, owner)
    return change


def reject_change(change: LegalChangeRequest, staff: User, reason: str) -> LegalChangeRequest:
    _decide(change, CR.REJECTED, staff, reason)
    for owner in owners_of(change.organisation):
        emails.legal_change_rejected(change.organisation, change, owner, reason)
    return change


def pending_changes() -> list[LegalChangeRequest]:
    """What staff have to decide, oldest first."""
    return list(db.session.scalars(
        select(LegalChangeRequest)
        .where(LegalChangeRequest.status == CR.PENDING)
        .options(selectinload(LegalChangeRequest.organisation),
                 selectinload(LegalChangeRequest.requested_by))
        .order_by(LegalChangeRequest.requested_at, LegalChangeRequest.id)
    ))


def changes_for(organisation: Organisation) -> list[LegalChangeRequest]:
    return list(db.session.scalars(
        select(LegalChangeRequest)
        .where(LegalChangeRequest.organisation_id == organisation.id)
        .order_by(LegalChangeRequest.id.desc())
    ))


def flags_for_change(change: LegalChangeRequest) -> list[duplicates.StaffFlag]:
    """The duplicate checks staff see on an application, run again on the new name and numbers.

    They run on an unsaved copy carrying the new values, never on the organisation itself, so
    nothing public changes before the decision.
    """
    proposed = Organisation(
        id=change.organisation_id, name=change.new_name, name_key=name_key(change.new_name),
        company_number=change.new_company_number, charity_number=change.new_charity_number,
    )
    return duplicates.flags_for_staff(proposed)
