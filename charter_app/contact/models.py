"""Messages from the public ("Send us your ideas"), staff replies to them, and the counters that
limit how many a connection or an email address may send."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.personal_data import personal
from charter_app.timeutil import UTCDateTime, utcnow

NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254
ORGANISATION_MAX_LENGTH = 160
MESSAGE_MAX_LENGTH = 5000
SUBJECT_MAX_LENGTH = 150


class Topic(StrEnum):
    IDEA = "idea"
    FEEDBACK = "feedback"
    CASE_STUDY = "case_study"
    SUPPORTER = "supporter"
    OTHER = "other"


TOPIC_LABELS = {
    Topic.IDEA: "An idea",
    Topic.FEEDBACK: "Feedback",
    Topic.CASE_STUDY: "A case study to share",
    Topic.SUPPORTER: "Becoming a supporter",
    Topic.OTHER: "Something else",
}


class MessageStatus(StrEnum):
    NEW = "new"
    HANDLED = "handled"


class ContactMessage(db.Model):
    """What someone sent through the contact form, and whether staff have dealt with it."""

    __tablename__ = "contact_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), info=personal())
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), info=personal(email=True))
    organisation: Mapped[str | None] = mapped_column(String(ORGANISATION_MAX_LENGTH),
                                                     info=personal())
    topic: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text, info=personal())
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.NEW, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Kept when the staff account is deactivated; None only if the account row is removed.
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    handled_by: Mapped["User | None"] = relationship()  # noqa: F821
    replies: Mapped[list["ContactReply"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="ContactReply.id")

    @property
    def topic_label(self) -> str:
        return TOPIC_LABELS.get(self.topic, self.topic)


class ContactReply(db.Model):
    """A reply staff sent by email from the service: what, by whom and when."""

    __tablename__ = "contact_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("contact_messages.id", ondelete="CASCADE"), index=True)
    # The reply form's one-time key: a double click or a resent form sends one reply, not two.
    form_key: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text, info=personal())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    message: Mapped[ContactMessage] = relationship(back_populates="replies")
    sent_by: Mapped["User | None"] = relationship()  # noqa: F821


class ContactThrottle(db.Model):
    """Messages accepted per connection and per email address in the current window, shared by
    every worker (charter_app/throttling.py). Keys are keyed hashes (HMAC with the app's secret),
    so the table holds no address in the clear."""

    __tablename__ = "contact_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    messages: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
