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
from datetime import UTC, datetime

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from charter_app.accounts.models import Membership, User
from charter_app.events import display
from charter_app.events.calendar import PRODID
from charter_app.events.emails import base_host, event_description, registration_uid
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


def _entry(uid: str, sequence: int, stamp: datetime, starts_at: datetime, ends_at: datetime,
           summary: str, description: str, url: str, location: str | None) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("sequence", sequence)
    entry.add("dtstamp", stamp.astimezone(UTC))
    entry.add("dtstart", starts_at.astimezone(UTC))
    entry.add("dtend", ends_at.astimezone(UTC))
    entry.add("summary", summary)
    entry.add("description", description)
    if location:
        entry.add("location", location)
    entry.add("url", url)
    entry.add("status", "CONFIRMED")
    return entry


def feed(user: User, *, stamp: datetime) -> bytes:
    """METHOD:PUBLISH with one VEVENT per confirmed place and per booked appointment."""
    host = base_host()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "County Durham Pound Charter events")
    for registration in _registrations(user):
        event = registration.event
        calendar.add_component(_entry(
            registration_uid(registration), registration.sequence, stamp, event.starts_at,
            event.ends_at, f"{event.title} ({registration.attendee_name})",
            event_description(registration, with_join_link=True),
            external_url("events.event", event_id=event.id), display.where(event) or None))
    for booking in _bookings(user):
        event, partner = booking.buyer.event, booking.slot.buyer.partner
        url = external_url("events.event", event_id=event.id)
        calendar.add_component(_entry(
            f"booking-{booking.id}@{host}", booking.sequence, stamp, booking.slot.starts_at,
            booking.slot.ends_at, f"Meeting with {partner.name}: {event.title}",
            f"Your 1:1 appointment with {partner.name} at {event.title}.\n\nDetails: {url}",
            url, display.where(event) or None))
    return calendar.to_ical()
