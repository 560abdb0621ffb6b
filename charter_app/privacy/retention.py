"""How long personal data is kept, as the privacy notice (templates/pages/privacy.html) says, and
the rules that delete it when that time is up.

Each rule takes the moment it runs for and deletes what had passed its limit by then, so a
scheduler that was down catches up on its next run, and a rule run twice deletes nothing more.
Each deletes in batches, so a first run on years of data never holds locks for long; what is
left goes on the next day's run.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import aliased

from charter_app.accounts.models import Membership, SignInThrottle, User
from charter_app.contact.models import ContactMessage, ContactThrottle
from charter_app.deletion import delete_where
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.presentation import plural
from charter_app.timeutil import LONDON

UNCONFIRMED_ACCOUNT_DAYS = 30
EMAIL_BODY_DAYS = 90
CONTACT_MESSAGE_YEARS = 1
DRAFT_APPLICATION_YEARS = 1
# Rate-limit windows last an hour at most: a day on, a row counts nothing and names nobody.
THROTTLE_DAYS = 1
BATCH = 500


# What each count is of, singular then plural where adding "s" is wrong.
PLURALS = {"email body": ("email body", "email bodies")}


@dataclass(frozen=True)
class Outcome:
    affected: int  # the rows the rule is about (a batch is full when this reaches BATCH)
    counts: dict[str, int]  # everything it deleted or emptied, by what it was

    def __add__(self, other: "Outcome") -> "Outcome":
        return Outcome(self.affected + other.affected,
                       {label: self.counts.get(label, 0) + other.counts.get(label, 0)
                        for label in {**self.counts, **other.counts}})

    @property
    def detail(self) -> str:
        return ", ".join(plural(count, *PLURALS.get(label, (label,)))
                         for label, count in self.counts.items())


@dataclass(frozen=True)
class Rule:
    name: str
    what: str  # what it deletes, for the staff page
    kept_for: str  # the limit, in the privacy notice's words
    apply: Callable[[datetime], Outcome]


def years_before(moment: datetime, years: int) -> datetime:
    """The same date and time `years` earlier in London (29 February becomes 28 February)."""
    local = moment.astimezone(LONDON)
    try:
        earlier = local.replace(year=local.year - years)
    except ValueError:
        earlier = local.replace(year=local.year - years, day=28)
    return earlier.astimezone(moment.tzinfo)


def _organisations_only_they_drafted(user_ids) -> list[int]:
    """Draft applications whose every member is among the users being deleted."""
    other = aliased(Membership)
    return list(db.session.scalars(
        select(Organisation.id)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id.in_(user_ids),
               Organisation.status == ApplicationStatus.DRAFT,
               ~exists().where(other.organisation_id == Organisation.id,
                               other.user_id.not_in(user_ids)))
        .distinct()))


def delete_unconfirmed_accounts(now: datetime) -> Outcome:
    """Accounts whose address was never confirmed within 30 days, with the draft applications
    only they had started. An account that belongs to a submitted or approved organisation is
    kept: staff deal with that organisation's people, not a timer."""
    cutoff = now - timedelta(days=UNCONFIRMED_ACCOUNT_DAYS)
    user_ids = list(db.session.scalars(
        select(User.id).where(
            User.email_confirmed_at.is_(None), User.is_staff.is_(False), User.created_at <= cutoff,
            ~exists().where(Membership.user_id == User.id,
                            Membership.organisation_id == Organisation.id,
                            Organisation.status != ApplicationStatus.DRAFT))
        .order_by(User.id).limit(BATCH)))
    drafts = _organisations_only_they_drafted(user_ids) if user_ids else []
    if drafts:
        delete_where(Organisation.__table__, select(Organisation.id).where(
            Organisation.id.in_(drafts)))
    deleted = delete_where(User.__table__, select(User.id).where(User.id.in_(user_ids)))
    return Outcome(deleted, {"account": deleted, "draft application": len(drafts)})


def delete_stale_draft_applications(now: datetime) -> Outcome:
    """Applications never submitted, 12 months after their last change."""
    cutoff = years_before(now, DRAFT_APPLICATION_YEARS)
    deleted = delete_where(Organisation.__table__, select(Organisation.id).where(
        Organisation.status == ApplicationStatus.DRAFT, Organisation.updated_at <= cutoff)
        .order_by(Organisation.id).limit(BATCH))
    return Outcome(deleted, {"draft application": deleted})


def erase_email_bodies(now: datetime) -> Outcome:
    """What each email said, 90 days after it was written; who it went to, its subject and when
    stay as the record of sending. Queued email is never touched: it has yet to go."""
    cutoff = now - timedelta(days=EMAIL_BODY_DAYS)
    chosen = select(OutboxMessage.id).where(
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
        OutboxMessage.created_at <= cutoff, OutboxMessage.body_erased_at.is_(None),
    ).order_by(OutboxMessage.id).limit(BATCH)
    ids = list(db.session.scalars(chosen))
    if ids:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
            body_text="", body_html="", attachment_body=None, body_erased_at=now))
    return Outcome(len(ids), {"email body": len(ids)})


def delete_old_contact_messages(now: datetime) -> Outcome:
    """Messages from the contact form and our replies, a year after they arrived."""
    cutoff = years_before(now, CONTACT_MESSAGE_YEARS)
    deleted = delete_where(ContactMessage.__table__, select(ContactMessage.id).where(
        ContactMessage.received_at <= cutoff).order_by(ContactMessage.id).limit(BATCH))
    return Outcome(deleted, {"message": deleted})


def delete_expired_throttles(now: datetime) -> Outcome:
    cutoff = now - timedelta(days=THROTTLE_DAYS)
    sign_ins = db.session.execute(delete(SignInThrottle).where(
        SignInThrottle.window_started_at <= cutoff)).rowcount
    contacts = db.session.execute(delete(ContactThrottle).where(
        ContactThrottle.window_started_at <= cutoff)).rowcount
    # Not batched: a counter is a single small row, and there is never a backlog of many.
    return Outcome(0, {"sign-in counter": sign_ins, "contact counter": contacts})


RULES: tuple[Rule, ...] = (
    Rule("unconfirmed_accounts", "Accounts whose email address was never confirmed, with the "
         "draft applications only they started", "30 days after sign-up",
         delete_unconfirmed_accounts),
    Rule("draft_applications", "Applications never submitted", "12 months after the last change",
         delete_stale_draft_applications),
    Rule("email_bodies", "What each email said (who it went to, the subject and when are kept)",
         "90 days after it was sent", erase_email_bodies),
    Rule("contact_messages", "Messages sent through the contact form, and our replies",
         "a year after they arrived", delete_old_contact_messages),
    Rule("rate_limit_counters", "Counts of sign-in attempts and contact messages, kept as keyed "
         "hashes", "a day", delete_expired_throttles),
)

RULES_BY_NAME = {rule.name: rule for rule in RULES}

