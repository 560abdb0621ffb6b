"""The thank-you email after an event, with its link to the feedback form.

A service message about an event the person came to; its key names the registration, so each
attendee is thanked once however often the job runs.
"""

from charter_app.events import display
from charter_app.events.models import Registration
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.urls import external_url

TITLE_IN_SUBJECT = 80


def thank_you_key(registration_id: int) -> str:
    return f"event-thank-you:{registration_id}"


def event_thank_you(registration: Registration, feedback_token: str) -> OutboxMessage:
    """To an attendee who was checked in: thank you, and two questions on a short form."""
    event = registration.event
    return queue_email(
        template="event_thank_you",
        subject=f"Thank you for coming: {single_line(event.title, TITLE_IN_SUBJECT)}",
        recipient=registration.attendee_email,
        idempotency_key=thank_you_key(registration.id),
        category=EmailCategory.SERVICE,
        attendee_name=single_line(registration.attendee_name),
        event_title=single_line(event.title),
        when=display.when(event),
        event_url=external_url("events.event", event_id=event.id),
        feedback_url=external_url("event_feedback.give", token=feedback_token),
    )
