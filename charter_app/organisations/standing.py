"""A signatory's standing after approval: it may withdraw; staff may suspend it and lift the
suspension. Each is a `transition` (locked, recorded with who, when and why) and emails every
member of the organisation. Services flush; the caller commits.

Withdrawing is final for this signature: the organisation leaves the directory at once, and its
record and history stay. A lapsed signatory may withdraw or be suspended too. Lifting a
suspension makes the signatory approved again; if its annual update is still overdue, the
lapsing job lapses it again in its next run.
"""

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from charter_app.accounts.models import Membership, User
from charter_app.extensions import db
from charter_app.organisations import emails
from charter_app.organisations.applications import S, transition
from charter_app.organisations.models import Organisation, StatusChange
from charter_app.presentation import page_numbers

# The statuses staff look through to find a signatory, in the order the filter offers them.
SIGNATORY_STATUSES = (S.APPROVED, S.LAPSED, S.SUSPENDED, S.WITHDRAWN)
MAX_SEARCH_LENGTH = 100


def members_of(organisation: Organisation) -> list[User]:
    """Everyone in the organisation, owners and members: all of them are told of its standing."""
    return list(db.session.scalars(
        select(User).join(Membership)
        .where(Membership.organisation_id == organisation.id, User.deactivated_at.is_(None))
        .order_by(User.id)
    ))


def withdraw(organisation: Organisation, owner: User, reason: str | None) -> StatusChange:
    """The organisation leaves the Charter (from approved or lapsed)."""
    change = transition(organisation, S.WITHDRAWN, owner, reason=reason or None)
    for member in members_of(organisation):
        emails.signatory_withdrawn(organisation, change, member)
    return change


def suspend(organisation: Organisation, staff: User, reason: str) -> StatusChange:
    """Staff take a signatory out of the directory, with a reason the organisation is sent."""
    change = transition(organisation, S.SUSPENDED, staff, reason=reason)
    for member in members_of(organisation):
        emails.signatory_suspended(organisation, change, member, reason)
    return change


def lift_suspension(organisation: Organisation, staff: User, note: str | None) -> StatusChange:
    """The signatory is approved, and listed, again."""
    change = transition(organisation, S.APPROVED, staff, reason=note or None)
    for member in members_of(organisation):
        emails.suspension_lifted(organisation, change, member, note or None)
    return change


def status_history(organisation: Organisation) -> list[StatusChange]:
    """Every change of status, newest first, with who made it."""
    return list(db.session.scalars(
        select(StatusChange)
        .where(StatusChange.organisation_id == organisation.id)
        .options(selectinload(StatusChange.actor))
        .order_by(StatusChange.id.desc())
    ))


@dataclass
class SignatoryPage:
    items: list[Organisation]
    page: int
    pages: int
    total: int

    def numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)


def find_signatories(status: str, search: str, page: int, per_page: int) -> SignatoryPage:
    """Signatories in one status, by name, for staff: every word searched for is in the name."""
    statement = select(Organisation).where(Organisation.status == status)
    for word in search.lower().split()[:8]:
        statement = statement.where(func.lower(Organisation.name).contains(word, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(page, pages))
    items = list(db.session.scalars(
        statement.order_by(Organisation.name_key, Organisation.id)
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return SignatoryPage(items=items, page=page, pages=pages, total=total)


def count_signatories() -> dict[str, int]:
    rows = db.session.execute(
        select(Organisation.status, func.count())
        .where(Organisation.status.in_(SIGNATORY_STATUSES))
        .group_by(Organisation.status)
    )
    return {status.value: 0 for status in SIGNATORY_STATUSES} | dict(rows.all())
