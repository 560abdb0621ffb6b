"""Events and the partners who come to them as buyers.

Times are stored in UTC and shown in Europe/London. `sequence` counts the changes people were
told about, for the SEQUENCE of the calendar entries they were sent (RFC 5545).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow


class EventKind(StrEnum):
    MEET_THE_BUYER = "meet_the_buyer"  # in person, with 1:1 appointments with buyers
    WEBINAR = "webinar"  # online: the join link goes only to confirmed attendees
    WORKSHOP = "workshop"


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Eligibility(StrEnum):
    SIGNATORIES = "signatories"  # approved (or lapsed) signatories of the Charter only
    ANY_BUSINESS = "any_business"  # any local business or VCSE, signed or not


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_listing", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # In person: where. Online: the join link, shown and emailed to confirmed attendees only.
    venue: Mapped[str | None] = mapped_column(String(160))
    address: Mapped[str | None] = mapped_column(String(300))
    join_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    places_per_organisation: Mapped[int] = mapped_column(default=2)
    eligibility: Mapped[str] = mapped_column(String(20), default=Eligibility.ANY_BUSINESS)
    status: Mapped[str] = mapped_column(String(12), default=EventStatus.DRAFT, index=True)
    sequence: Mapped[int] = mapped_column(default=0)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    buyers: Mapped[list["EventBuyer"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventBuyer.id"
    )

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @property
    def is_online(self) -> bool:
        return self.kind == EventKind.WEBINAR

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r} {self.status}>"


class Partner(db.Model):
    """A County Durham Pound partner that buys: the county council, the water company, housing
    providers, the NHS trust... (the Knowledge Hub later gives partners public pages)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    website: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventBuyer(db.Model):
    """A partner meeting suppliers at a meet-the-buyer event: what it buys, what is coming up."""

    __tablename__ = "event_buyers"
    __table_args__ = (db.UniqueConstraint("event_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    buys: Mapped[str | None] = mapped_column(Text)
    opportunities: Mapped[str | None] = mapped_column(Text)

    event: Mapped[Event] = relationship(back_populates="buyers")
    partner: Mapped[Partner] = relationship()
