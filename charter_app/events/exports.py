"""An event's lists as CSV for staff: registrations, the waiting list, attendance and bookings.

Every cell goes through `csv_export` (no formula runs in a spreadsheet), times are in UK time,
and file names are plain ASCII made from the event's title.
"""

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from charter_app.csv_export import csv_text
from charter_app.events.checkin import registration_lists
from charter_app.events.models import (
    Booking,
    BookingStatus,
    BuyerSlot,
    Event,
    EventBuyer,
    RegistrationStatus,
)
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import to_london

FILENAME_STEM_LENGTH = 60

STATUS_WORDS = {
    RegistrationStatus.CONFIRMED: "Confirmed",
    RegistrationStatus.WAITING: "Waiting list",
    RegistrationStatus.CANCELLED: "Cancelled",
    RegistrationStatus.LEFT: "Left the waiting list",
    RegistrationStatus.NOT_PLACED: "Did not get a place",
}

CHARTER_WORDS = {
    ApplicationStatus.APPROVED: "Signatory",
    ApplicationStatus.LAPSED: "Signatory (lapsed)",
    ApplicationStatus.SUBMITTED: "Application submitted",
    ApplicationStatus.DRAFT: "Not signed",
    ApplicationStatus.REJECTED: "Not signed",
    ApplicationStatus.WITHDRAWN: "Withdrawn",
    ApplicationStatus.SUSPENDED: "Suspended",
}


def charter_words(organisation) -> str:
    if organisation is None:
        return "Not known"
    return CHARTER_WORDS.get(organisation.status, "Not signed")


def uk_time(value: datetime | None) -> str:
    """'2027-03-10 10:42' in UK time, which spreadsheets sort; empty when there is none."""
    return "" if value is None else f"{to_london(value):%Y-%m-%d %H:%M}"


def filename(event: Event, what: str) -> str:
    """'meet-the-buyer-durham-registrations.csv': ASCII letters, digits and hyphens only."""
    ascii_title = unicodedata.normalize("NFKD", event.title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:FILENAME_STEM_LENGTH]
    stem = stem.rstrip("-") or f"event-{event.id}"
    return f"{stem}-{what}.csv"


def _organisation_name(registration) -> str:
    return registration.organisation.name if registration.organisation else ""


def registrations_csv(event: Event) -> str:
    """Everyone who registered, whatever became of it."""
    lists = registration_lists(event.id)
    rows = []
    for row in lists.confirmed + lists.waiting + lists.others:
        registration = row.registration
        rows.append([
            registration.attendee_name, registration.attendee_email,
            _organisation_name(registration), charter_words(registration.organisation),
            STATUS_WORDS.get(registration.status, registration.status), row.position or "",
            "Yes" if registration.walk_in else "No", registration.needs or "",
            uk_time(registration.created_at), uk_time(registration.confirmed_at),
            uk_time(registration.checked_in_at), uk_time(registration.cancelled_at),
            registration.cancellation_reason or "",
        ])
    return csv_text(["Name", "Email", "Organisation", "Charter status", "Status",
                     "Waiting list position", "Walk-in", "Needs", "Registered (UK time)",
                     "Place confirmed (UK time)", "Checked in (UK time)",
                     "Cancelled (UK time)", "Reason for cancelling"], rows)


def waiting_list_csv(event: Event) -> str:
    """Those still waiting, first in line first."""
    rows = [[row.position, row.registration.attendee_name, row.registration.attendee_email,
             _organisation_name(row.registration), charter_words(row.registration.organisation),
             uk_time(row.registration.waiting_since)]
            for row in registration_lists(event.id).waiting]
    return csv_text(["Position", "Name", "Email", "Organisation", "Charter status",
                     "Waiting since (UK time)"], rows)


def attendance_csv(event: Event) -> str:
    """Those with a place: who came, when they were checked in, and who walked in."""
    rows = [[row.registration.attendee_name, row.registration.attendee_email,
             _organisation_name(row.registration), charter_words(row.registration.organisation),
             "Yes" if row.registration.checked_in_at else "No",
             uk_time(row.registration.checked_in_at),
             "Yes" if row.registration.walk_in else "No"]
            for row in registration_lists(event.id).confirmed]
    return csv_text(["Name", "Email", "Organisation", "Charter status", "Attended",
                     "Checked in (UK time)", "Walk-in"], rows)


def bookings(event_id: int) -> list[Booking]:
    return list(db.session.scalars(
        select(Booking).join(BuyerSlot, BuyerSlot.id == Booking.slot_id)
        .where(Booking.event_id == event_id)
        .options(joinedload(Booking.slot), joinedload(Booking.organisation),
                 joinedload(Booking.buyer).joinedload(EventBuyer.partner))
        .order_by(BuyerSlot.starts_at, Booking.buyer_id, Booking.id)))


def has_bookings(event_id: int) -> bool:
    return db.session.scalar(
        select(Booking.id).where(Booking.event_id == event_id).limit(1)) is not None


def bookings_csv(event: Event) -> str:
    """Every 1:1 appointment booked with a buyer, in time order."""
    rows = [[booking.buyer.partner.name, uk_time(booking.slot.starts_at),
             uk_time(booking.slot.ends_at), booking.organisation.name,
             charter_words(booking.organisation), booking.offer,
             "Booked" if booking.status == BookingStatus.BOOKED else "Cancelled",
             uk_time(booking.created_at)]
            for booking in bookings(event.id)]
    return csv_text(["Buyer", "Slot starts (UK time)", "Slot ends (UK time)", "Supplier",
                     "Charter status", "Offer", "Status", "Booked (UK time)"], rows)
