"""Each user's private calendar feed: one URL, with an unguessable token, that a calendar
application subscribes to once. It lists the confirmed places and booked appointments of every
organisation the user belongs to, with the same UIDs as the invitations emailed, so an entry
added from an email and the same entry from the feed are one entry.

The token is the only key (calendar applications cannot sign in), so it is long (32 random
bytes), compared by the database's unique index, and can be replaced: the old URL then finds
nothing.
"""

import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from charter_app.accounts.models import Membership, User
from charter_app.events import display
from charter_app.events.booking_emails import booking_uid
from charter_app.events.calendar import new_calendar, new_entry
from charter_app.events.emails import event_description, registration_uid
from charter_app.events.models import (
    Booking,
    BookingStatus,
    BuyerSlot,
    EventBuyer,
    Registration,
    RegistrationStatus,
)
from charter_app.extensions import db
from charter_app.urls import external_url

TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 64
TOKEN_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{20,{TOKEN_MAX_LENGTH}}}")


def new_token(user: User) -> str:
    """Give the user a new feed token (the first, or a reset: the old URL stops working)."""
    user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.flush()
    return user.calendar_token


def user_for(token: str) -> User | None:
    """The feed's owner; None for anything that is not a token we could have made."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return db.session.scalar(select(User).where(User.calendar_token == token))


def _organisations_of(user: User):
    return select(Membership.organisation_id).where(Membership.user_id == user.id)


def _registrations(user: User) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration)
        .where(Registration.organisation_id.in_(_organisations_of(user)),
               Registration.status == RegistrationStatus.CONFIRMED)
        .options(joinedload(Registration.event)).order_by(Registration.id)))


def _bookings(user: User) -> list[Booking]:
    return list(db.session.scalars(
        select(Booking)
        .where(Booking.organisation_id.in_(_organisations_of(user)),
               Booking.status == BookingStatus.BOOKED)
        .options(joinedload(Booking.slot).joinedload(BuyerSlot.buyer)
                 .joinedload(EventBuyer.partner),
                 joinedload(Booking.buyer).joinedload(EventBuyer.event))
        .order_by(Booking.id)))


def feed(user: User, *, stamp: datetime) -> bytes:
    """METHOD:PUBLISH with one VEVENT per confirmed place and per booked appointment."""
    calendar = new_calendar("PUBLISH")
    calendar.add("x-wr-calname", "County Durham Pound Charter events")
    for registration in _registrations(user):
        event = registration.event
        calendar.add_component(new_entry(
            uid=registration_uid(registration), sequence=registration.sequence, stamp=stamp,
            starts_at=event.starts_at, ends_at=event.ends_at,
            summary=f"{event.title} ({registration.attendee_name})",
            description=event_description(registration, with_join_link=True),
            url=external_url("events.event", event_id=event.id),
            location=display.where(event) or None))
    for booking in _bookings(user):
        event, partner = booking.buyer.event, booking.slot.buyer.partner
        url = external_url("events.event", event_id=event.id)
        calendar.add_component(new_entry(
            uid=booking_uid(booking), sequence=booking.sequence, stamp=stamp,
            starts_at=booking.slot.starts_at, ends_at=booking.slot.ends_at,
            summary=f"Meeting with {partner.name}: {event.title}",
            description=(f"Your 1:1 appointment with {partner.name} at {event.title}."
                         f"\n\nDetails: {url}"),
            url=url, location=display.where(event) or None))
    return calendar.to_ical()
