"""Events and the partners who come to them as buyers.

Times are stored in UTC and shown in Europe/London. `sequence` counts the changes people were
told about, for the SEQUENCE of the calendar entries they were sent (RFC 5545).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.personal_data import personal
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
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # When staff last announced it to those who opted in (one announcement per event).
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
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
    # The Knowledge Hub's public page (/partners/<slug>); a partner without a slug has none.
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    what_it_buys: Mapped[str | None] = mapped_column(String(2000))  # Markdown
    tenders_url: Mapped[str | None] = mapped_column(String(300))
    tenders_text: Mapped[str | None] = mapped_column(String(500))
    social_value_contact_name: Mapped[str | None] = mapped_column(String(120), info=personal())
    social_value_contact_email: Mapped[str | None] = mapped_column(String(254),
                                                                   info=personal(email=True))
    published: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Compare-and-set token for the hub's partner editor.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Its logo in the hub, stored by charter_app/images.py under a random stem at each width.
    logo_stem: Mapped[str | None] = mapped_column(String(32))
    logo_content_type: Mapped[str | None] = mapped_column(String(20))
    logo_widths: Mapped[str | None] = mapped_column(String(40))  # "160,320"


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

    slots: Mapped[list["BuyerSlot"]] = relationship(
        back_populates="buyer", cascade="all, delete-orphan", order_by="BuyerSlot.starts_at"
    )


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"  # has a place
    WAITING = "waiting"  # on the waiting list; position = rank by (waiting_since, id)
    CANCELLED = "cancelled"  # gave up a place (or was removed by staff)
    LEFT = "left"  # left the waiting list
    NOT_PLACED = "not_placed"  # still waiting when the event started, and told so


# Who holds a place or a position: one of these per email per event.
ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
_ACTIVE_SQL = "status IN ('confirmed', 'waiting')"


class Registration(db.Model):
    """One attendee (one place, or one position on the waiting list) at one event."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        # A second active registration of the same email for the same event is refused; a
        # cancelled one may register again.
        Index("uq_event_registrations_active_email", "event_id", "email_key", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
        Index("ix_event_registrations_queue", "event_id", "status", "waiting_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    attendee_name: Mapped[str] = mapped_column(String(120), info=personal())
    attendee_email: Mapped[str] = mapped_column(String(254), info=personal(email=True))
    # Lower-cased, for the rule above.
    email_key: Mapped[str] = mapped_column(String(254), info=personal(email=True))
    # Accessibility or dietary needs: erased 30 days after the event (by a job).
    needs: Mapped[str | None] = mapped_column(Text, info=personal())
    needs_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A promotion by hand (staff) records who; an automatic one leaves promoted_by empty.
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Why staff cancelled it on the attendee's behalf (optional; staff see it, the CSV has it).
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    walk_in: Mapped[bool] = mapped_column(default=False)
    # SEQUENCE of the calendar entry this attendee was last sent (RFC 5545).
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    registered_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[registered_by_id])

    @property
    def is_confirmed(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED

    @property
    def is_waiting(self) -> bool:
        return self.status == RegistrationStatus.WAITING

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} {self.status}>"


class BuyerSlot(db.Model):
    """One 1:1 appointment in a buyer's timetable at a meet-the-buyer event."""

    __tablename__ = "buyer_slots"
    __table_args__ = (db.UniqueConstraint("buyer_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("event_buyers.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    buyer: Mapped[EventBuyer] = relationship(back_populates="slots")


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


_BOOKED_SQL = "status = 'booked'"


class Booking(db.Model):
    """A supplier's booking of a buyer's slot, with what it offers for the buyer to read first.

    The partial unique indexes are the last word under concurrent clicks: one booking per slot,
    one slot per buyer per supplier. Never two at the same time is checked under a lock of the
    supplier's organisation row.
    """

    __tablename__ = "slot_bookings"
    __table_args__ = (
        Index("uq_slot_bookings_slot", "slot_id", unique=True,
              sqlite_where=text(_BOOKED_SQL), postgresql_where=text(_BOOKED_SQL)),
        Index("uq_slot_bookings_buyer_supplier", "buyer_id", "organisation_id", unique=True,
              sqlite_where=text(_BOOKED_SQL), postgresql_where=text(_BOOKED_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("buyer_slots.id", ondelete="CASCADE"))
    # Copied from the slot so the rules above can be unique indexes.
    buyer_id: Mapped[int] = mapped_column(ForeignKey("event_buyers.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    offer: Mapped[str] = mapped_column(Text)  # two sentences on what the supplier offers
    status: Mapped[str] = mapped_column(String(12), default=BookingStatus.BOOKED)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    slot: Mapped[BuyerSlot] = relationship()
    buyer: Mapped[EventBuyer] = relationship()
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    booked_by: Mapped["User | None"] = relationship()  # noqa: F821


class Feedback(db.Model):
    """One attendee's answer to the thank-you email: a 1-5 rating and a comment."""

    __tablename__ = "event_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("event_registrations.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text, info=personal())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
