"""A user deletes their own account (UK GDPR Article 17, the right to erasure).

What goes: the account and its memberships; applications only they had started and never
submitted; messages they sent through the contact form; email to them still queued; what the
emails sent to them said, and their address on those records; invitations to their address;
any accessibility or dietary needs they gave for events.

What stays, and why: an organisation they belonged to keeps its public record (the Charter is
the organisation's, and its signatory's name was published as such). If they were its last
owner, the organisation appears on the staff home under "Organisations without an owner" (see
`ownerless_organisations`) so staff can find it a new one; it is never left without anyone
knowing. Records of what they did (status changes, checks) keep the action and lose the name,
as their foreign keys say (`ondelete="SET NULL"`).
"""

from datetime import datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import aliased

from charter_app.accounts.models import Invitation, MemberRole, Membership, User
from charter_app.contact.models import ContactMessage
from charter_app.deletion import delete_where
from charter_app.events.models import Registration
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.organisations.models import ApplicationStatus, Organisation

ERASED_RECIPIENT = "(deleted account)"
# Organisations past the application stage need an owner to report, renew and invite.
NEEDS_AN_OWNER = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED,
                  ApplicationStatus.LAPSED, ApplicationStatus.SUSPENDED)


def delete_account(user: User, now: datetime) -> list[Organisation]:
    """Erase the user as above; return the organisations this left without an owner."""
    locked = db.session.get(User, user.id, with_for_update=True, populate_existing=True)
    if locked is None:
        raise StateChangeRefused("This account has already been deleted")
    if locked.is_staff:
        raise StateChangeRefused("Staff accounts are not deleted here, so the record of what "
                                 "staff did keeps its name: ask an administrator to deactivate "
                                 "yours")
    email = locked.email.lower()
    others = aliased(Membership)
    memberships = list(db.session.scalars(select(Membership).where(
        Membership.user_id == locked.id)))
    drafts, left_without_owner = [], []
    for membership in memberships:
        organisation = membership.organisation
        others_exist = db.session.scalar(select(exists().where(
            others.organisation_id == organisation.id, others.user_id != locked.id)))
        if organisation.status == ApplicationStatus.DRAFT and not others_exist:
            drafts.append(organisation.id)
        elif organisation.status in NEEDS_AN_OWNER and not db.session.scalar(select(exists().where(
                others.organisation_id == organisation.id, others.user_id != locked.id,
                others.role == MemberRole.OWNER))):
            left_without_owner.append(organisation)

    addressed_to_them = func.lower(OutboxMessage.recipient) == email
    db.session.execute(delete(OutboxMessage).where(
        addressed_to_them, OutboxMessage.status == OutboxStatus.QUEUED))
    db.session.execute(update(OutboxMessage).where(addressed_to_them).values(
        recipient=ERASED_RECIPIENT, body_text="", body_html="", attachment_body=None,
        body_erased_at=now))
    delete_where(ContactMessage.__table__, select(ContactMessage.id).where(
        func.lower(ContactMessage.email) == email))
    db.session.execute(delete(Invitation).where(func.lower(Invitation.email) == email))
    db.session.execute(update(Registration).where(
        (Registration.registered_by_id == locked.id) | (Registration.email_key == email),
        Registration.needs.is_not(None)).values(needs=None, needs_erased_at=now))
    if drafts:
        delete_where(Organisation.__table__, select(Organisation.id).where(
            Organisation.id.in_(drafts)))
    db.session.expunge_all()
    delete_where(User.__table__, select(User.id).where(User.id == user.id))
    db.session.flush()
    return left_without_owner


def ownerless_organisations() -> list[Organisation]:
    """Organisations past the application stage with no owner: staff find them a new one."""
    return list(db.session.scalars(
        select(Organisation).where(
            Organisation.status.in_(NEEDS_AN_OWNER),
            ~exists().where(Membership.organisation_id == Organisation.id,
                            Membership.role == MemberRole.OWNER))
        .order_by(Organisation.name_key)))
