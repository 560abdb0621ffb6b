"""The email announcing a new event to those who opted in. An optional email: it carries a
one-click unsubscribe link (a signed token naming the person and this kind of email, also sent
as the List-Unsubscribe header) and a link to their email settings.

Its key names the event and the person, so nobody gets one event's announcement twice.
"""

from charter_app.events import display
from charter_app.events.models import Event
from charter_app.notifications import preferences
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.urls import external_url

TITLE_IN_SUBJECT = 80
SUMMARY_LENGTH = 300


def summary(text: str) -> str:
    """The start of a description, on one line, cut at a word near 300 characters."""
    line = single_line(text)
    if len(line) <= SUMMARY_LENGTH:
        return line
    return line[:SUMMARY_LENGTH].rsplit(" ", 1)[0].rstrip(",.;:") + "..."


def event_announcement(event: Event, user) -> OutboxMessage:
    """A new event, to one person who asked to hear about new events."""
    return queue_email(
        template="event_announcement",
        subject=f"New event: {single_line(event.title, TITLE_IN_SUBJECT)}",
        recipient=user.email,
        idempotency_key=f"event-announcement:{event.id}:{user.id}",
        category=EmailCategory.OPTIONAL,
        event_title=single_line(event.title),
        kind=display.kind_label(event.kind),
        when=display.when(event),
        where=display.where(event),
        summary=summary(event.description),
        event_url=external_url("events.event", event_id=event.id),
        unsubscribe_url=preferences.unsubscribe_url(
            user, preferences.OptionalEmail.EVENT_ANNOUNCEMENTS),
    )
