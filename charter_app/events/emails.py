"""Emails to attendees: one function each, owning its template pair, subject, idempotency key
and category. All are service messages about a registration the person made.

Keys name the registration and its `sequence`, so each change is told once, however often a
job or a retried request gets here.
"""

from charter_app.events import display
from charter_app.events.models import Registration
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.urls import external_url

TITLE_IN_SUBJECT = 80


def _context(registration: Registration) -> dict:
    event = registration.event
    return {
        "attendee_name": single_line(registration.attendee_name),
        "event_title": single_line(event.title),
        "when": display.when(event),
        "where": display.where(event),
        "event_url": external_url("events.event", event_id=event.id),
    }


def _send(registration: Registration, template: str, subject: str, **context) -> OutboxMessage:
    return queue_email(
        template=template,
        subject=f"{subject}: {single_line(registration.event.title, TITLE_IN_SUBJECT)}",
        recipient=registration.attendee_email,
        idempotency_key=f"{template}:{registration.id}:{registration.sequence}",
        category=EmailCategory.SERVICE,
        **_context(registration), **context)


def registration_received(registration: Registration) -> OutboxMessage:
    """A place confirmed, or a position on the waiting list (the page shows the same)."""
    from charter_app.events.registrations import waiting_position

    if registration.is_confirmed:
        return _send(registration, "event_place_confirmed", "Your place is confirmed")
    return _send(registration, "event_waiting_list", "You are on the waiting list",
                 position=waiting_position(registration))


def registration_promoted(registration: Registration) -> OutboxMessage:
    return _send(registration, "event_place_confirmed", "A place came free: you have it")


def registration_cancelled(registration: Registration) -> OutboxMessage:
    return _send(registration, "event_registration_cancelled",
                 "Your place is cancelled" if registration.status == "cancelled"
                 else "You have left the waiting list")


def registration_not_placed(registration: Registration) -> OutboxMessage:
    return _send(registration, "event_not_placed", "No place came free")
