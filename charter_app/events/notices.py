"""Telling attendees about staff changes to a published event: a new time, or a cancellation.

The caller (`services.update_event`, `services.cancel_event`) holds the event's row lock, so no
registration joins or leaves while these loops run. Each registration's `sequence` goes up
before its email, so the calendar entry sent replaces the one held, and the email's idempotency
key is new for each change (a retried request sends nothing twice).
"""

from datetime import datetime

from sqlalchemy import select

from charter_app.events import bookings, emails
from charter_app.events.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Event,
    Registration,
    RegistrationStatus,
)
from charter_app.extensions import db


def _active(event_id: int) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event_id,
                                   Registration.status.in_(ACTIVE_STATUSES))
        .order_by(Registration.id)))


def event_time_changed(event: Event) -> int:
    """Everyone with a place gets the updated invitation (METHOD:REQUEST, higher SEQUENCE);
    those waiting are told the new time. Returns how many were told."""
    registrations = _active(event.id)
    for registration in registrations:
        registration.sequence += 1
    db.session.flush()
    for registration in registrations:
        emails.event_time_changed(registration)
    return len(registrations)


def event_cancelled(event: Event, *, now: datetime, by=None) -> int:
    """Every place and waiting position is cancelled and its holder told; those who had a place
    get the METHOD:CANCEL that removes it from their calendar. Returns how many were told."""
    registrations = _active(event.id)
    for registration in registrations:
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.cancelled_by_id = by.id if by is not None else None
        registration.sequence += 1
    db.session.flush()
    for registration in registrations:
        emails.event_cancelled(registration)
    # Their 1:1 appointments go too, each booker sent the METHOD:CANCEL for it.
    booked = db.session.scalars(select(Booking.organisation_id).where(
        Booking.event_id == event.id, Booking.status == BookingStatus.BOOKED).distinct())
    for organisation_id in sorted(booked.all()):
        bookings.cancel_bookings_of(event.id, organisation_id, now=now)
    return len(registrations)
