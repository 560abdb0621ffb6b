"""Staff review of applications: the queue, its counts, approval and rejection."""

from slugify import slugify
from sqlalchemy import func, or_, select

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.organisations import emails
from charter_app.organisations.applications import S, owners_of, transition
from charter_app.organisations.models import Organisation, StatusChange
from charter_app.pledges.services import fix_first_period_dates
from charter_app.timeutil import utcnow


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
    fix_first_period_dates(organisation)
    if organisation.slug is None:
        organisation.slug = _unique_slug(organisation.name)
    for owner in owners_of(organisation):
        emails.application_approved(organisation, change, owner)
    return change


def reject_application(organisation: Organisation, staff: User, reason: str) -> StatusChange:
    change = transition(organisation, S.REJECTED, staff, reason=reason)
    organisation.rejection_reason = reason
    for owner in owners_of(organisation):
        emails.application_rejected(organisation, change, owner, reason)
    return change


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
