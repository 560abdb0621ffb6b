"""Emails about appointments with buyers, to the person who booked: one function each, owning
its template pair, subject, idempotency key and category, each carrying a calendar file.

The calendar entry's UID is the booking's (`booking-<id>@<host>`), so a cancellation removes
the very entry the confirmation added; its SEQUENCE is the booking's `sequence`, raised on
each change. Keys name the booking and its sequence, so each change is told once.
"""



from charter_app.events import calendar, display
from charter_app.events.models import Booking
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import Attachment, queue_email, single_line
from charter_app.timeutil import to_london
from charter_app.urls import external_url

NAME_IN_SUBJECT = 60
ICS_FILENAME = "appointment.ics"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.id}@{calendar.base_host()}"



def _appointment_time(booking: Booking) -> str:
    """'Thursday 5 November 2026, 10:15am to 10:30am' in UK time."""
    slot = booking.slot
    return (f"{display.day(slot.starts_at)}, {display.time_of_day(slot.starts_at)} to "
            f"{display.time_of_day(slot.ends_at)}")


def _calendar_file(booking: Booking, method: str, url: str) -> Attachment:
    event, slot = booking.buyer.event, booking.slot
    buyer_name = booking.buyer.partner.name
    body = calendar.invitation(
        uid=booking_uid(booking), sequence=booking.sequence, method=method,
        summary=f"Appointment with {buyer_name}: {event.title}",
        description=(f"Your 1:1 appointment with {buyer_name} at {event.title}, "
                     f"{to_london(slot.starts_at):%H:%M} UK time.\n\nWhat you offer:\n"
                     f"{booking.offer}\n\nYour appointments: {url}"),
        starts_at=slot.starts_at, ends_at=slot.ends_at,
        stamp=booking.cancelled_at or booking.created_at,
        attendee_email=booking.booked_by.email, attendee_name=booking.organisation.name,
        url=url, location=display.where(event) or None)
    return Attachment(filename=ICS_FILENAME, content_type=f"text/calendar; method={method}",
                      body=body.decode())


def _send(booking: Booking, template: str, subject: str, method: str) -> OutboxMessage | None:
    if booking.booked_by is None:  # the account is gone: nobody to tell
        return None
    event = booking.buyer.event
    url = external_url("event_bookings.appointments", event_id=event.id)
    buyer_name = single_line(booking.buyer.partner.name)
    return queue_email(
        template=template,
        subject=f"{subject} {single_line(buyer_name, NAME_IN_SUBJECT)}",
        recipient=booking.booked_by.email,
        idempotency_key=f"{template}:{booking.id}:{booking.sequence}",
        category=EmailCategory.SERVICE,
        attachment=_calendar_file(booking, method, url),
        organisation_name=single_line(booking.organisation.name),
        buyer_name=buyer_name,
        event_title=single_line(event.title),
        appointment_time=_appointment_time(booking),
        where=display.where(event),
        offer=booking.offer,
        appointments_url=url)


def booking_confirmed(booking: Booking) -> OutboxMessage | None:
    return _send(booking, "booking_confirmed", "Your appointment is booked with", "REQUEST")


def booking_cancelled(booking: Booking) -> OutboxMessage | None:
    return _send(booking, "booking_cancelled", "Your appointment is cancelled with", "CANCEL")
