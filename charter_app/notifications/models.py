from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from charter_app.extensions import db
from charter_app.personal_data import personal
from charter_app.timeutil import UTCDateTime, utcnow

SUBJECT_MAX_LENGTH = 200
IDEMPOTENCY_KEY_MAX_LENGTH = 200
RECIPIENT_MAX_LENGTH = 254  # the longest email address SMTP allows


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # could not be sent, or gave up after the last retry; last_error says why


class EmailCategory(StrEnum):
    """What kind of email this is, so people can turn off what they may (the reminders issue)."""

    TRANSACTIONAL = "transactional"  # the person just asked for it: confirmation, reset, invite
    SERVICE = "service"  # about their application or membership; always sent
    OPTIONAL = "optional"  # reminders and news: each person may unsubscribe


class OutboxMessage(db.Model):
    """An email written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same key twice is refused by the database, so no email is ever queued twice.
    idempotency_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX_LENGTH), unique=True)
    template: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20), default=EmailCategory.TRANSACTIONAL)
    recipient: Mapped[str] = mapped_column(String(RECIPIENT_MAX_LENGTH), info=personal(email=True))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH))
    body_text: Mapped[str] = mapped_column(Text, info=personal())
    body_html: Mapped[str] = mapped_column(Text, info=personal())
    # One attachment at most (a calendar file, text/calendar): its name, type and text.
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_body: Mapped[str | None] = mapped_column(Text, info=personal())
    # Optional emails: the one-click unsubscribe URL sent as List-Unsubscribe (RFC 8058).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    # Where answers should go when that is not the sender (a staff reply: the staff mailbox).
    reply_to: Mapped[str | None] = mapped_column(String(RECIPIENT_MAX_LENGTH))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A worker's lease on the message while it sends it; a worker that dies leaves a claim that
    # simply runs out, and another worker sends the message after that.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the retention job emptied the bodies (privacy/retention.py): the record of sending
    # stays, what it said does not.
    body_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
