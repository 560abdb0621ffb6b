"""Emails to attendees: one function each, owning its template pair, subject, idempotency key
and category. All are service messages about a registration the person made.

Keys name the registration and its `sequence`, so each change is told once, however often a
job or a retried request gets here.
"""



from charter_app.events import calendar, display, tickets
from charter_app.events.models import Registration
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import Attachment, queue_email, single_line
from charter_app.organisations.models import LISTED_STATUSES
from charter_app.reminders.schedule import Reminder
from charter_app.timeutil import utcnow
from charter_app.urls import external_url

TITLE_IN_SUBJECT = 80
REQUEST, CANCEL = "REQUEST", "CANCEL"


# --- the calendar invitation each email carries ------------------------------------------------


def registration_uid(registration: Registration) -> str:
    """One UID per registration, in every email and in the private feed: a calendar updates or
    removes its entry, never adds a second."""
    return f"registration-{registration.id}@{calendar.base_host()}"



def had_a_place(registration: Registration) -> bool:
    """A REQUEST was sent to whoever was ever confirmed: only they have an entry to remove."""
    return registration.confirmed_at is not None


def event_description(registration: Registration, *, with_join_link: bool) -> str:
    event = registration.event
    parts = [event.description.strip() if event.description else ""]
    if with_join_link and event.is_online and event.join_url:
        parts.append(f"Join online: {event.join_url}")
    parts.append(f"Details: {external_url('events.event', event_id=event.id)}")
    return "\n\n".join(part for part in parts if part)


def invitation(registration: Registration, method: str) -> Attachment:
    """The attendee's calendar entry: METHOD:REQUEST adds or updates it (a webinar's join link
    in the description, since they hold a place), METHOD:CANCEL removes it."""
    event = registration.event
    body = calendar.invitation(
        uid=registration_uid(registration), sequence=registration.sequence, method=method,
        summary=single_line(event.title), stamp=utcnow(),
        description=event_description(registration, with_join_link=method == REQUEST),
        starts_at=event.starts_at, ends_at=event.ends_at,
        attendee_email=registration.attendee_email,
        # A parameter value may not hold a double quote (RFC 5545 section 3.2).
        attendee_name=single_line(registration.attendee_name).replace('"', "'"),
        url=external_url("events.event", event_id=event.id),
        location=display.where(event) or None)
    return Attachment(filename="invite.ics" if method == REQUEST else "cancel.ics",
                      content_type=f"text/calendar; method={method}; charset=utf-8",
                      body=body.decode())


def _cancellation(registration: Registration) -> Attachment | None:
    return invitation(registration, CANCEL) if had_a_place(registration) else None


def _context(registration: Registration) -> dict:
    event = registration.event
    return {
        "attendee_name": single_line(registration.attendee_name),
        "event_title": single_line(event.title),
        "when": display.when(event),
        "where": display.where(event),
        "event_url": external_url("events.event", event_id=event.id),
    }


def _send(registration: Registration, template: str, subject: str,
          attachment: Attachment | None = None, **context) -> OutboxMessage:
    return queue_email(
        template=template,
        subject=f"{subject}: {single_line(registration.event.title, TITLE_IN_SUBJECT)}",
        recipient=registration.attendee_email,
        idempotency_key=f"{template}:{registration.id}:{registration.sequence}",
        category=EmailCategory.SERVICE, attachment=attachment,
        **_context(registration), **context)


def _sign_url(registration: Registration) -> str | None:
    """For an organisation that has not signed the Charter: where its application continues."""
    organisation = registration.organisation
    if organisation is None or organisation.status in LISTED_STATUSES:
        return None
    return external_url("organisations.application_for", organisation_id=organisation.id)


def _place_confirmed(registration: Registration, subject: str) -> OutboxMessage:
    event = registration.event
    code = tickets.checkin_code(registration.id)
    return _send(registration, "event_place_confirmed", subject,
                 attachment=invitation(registration, REQUEST), checkin_code=code,
                 qr_url=external_url("events.checkin_qr", code=code),
                 join_url=event.join_url if event.is_online else None,
                 sign_url=_sign_url(registration),
                 registration_url=external_url("event_registrations.registration",
                                               registration_id=registration.id))


def registration_received(registration: Registration) -> OutboxMessage:
    """A place confirmed, or a position on the waiting list (the page shows the same)."""
    from charter_app.events.registrations import waiting_position

    if registration.is_confirmed:
        return _place_confirmed(registration, "Your place is confirmed")
    return _send(registration, "event_waiting_list", "You are on the waiting list",
                 position=waiting_position(registration), sign_url=_sign_url(registration))


def registration_promoted(registration: Registration) -> OutboxMessage:
    return _place_confirmed(registration, "A place came free: you have it")


def registration_cancelled(registration: Registration) -> OutboxMessage:
    return _send(registration, "event_registration_cancelled",
                 "Your place is cancelled" if registration.status == "cancelled"
                 else "You have left the waiting list",
                 attachment=_cancellation(registration))


def registration_not_placed(registration: Registration) -> OutboxMessage:
    return _send(registration, "event_not_placed", "No place came free",
                 attachment=_cancellation(registration))


def event_time_changed(registration: Registration) -> OutboxMessage:
    """Staff moved the event: those with a place get the updated entry (a higher SEQUENCE
    replaces the one they hold); those waiting are told the new time."""
    return _send(registration, "event_time_changed", "New time",
                 attachment=invitation(registration, REQUEST) if registration.is_confirmed
                 else None, has_place=registration.is_confirmed)


def event_cancelled(registration: Registration) -> OutboxMessage:
    """Staff cancelled the event: everyone registered is told, and whoever had a place gets
    the METHOD:CANCEL that takes it out of their calendar."""
    reason = registration.event.cancellation_reason
    return _send(registration, "event_cancelled", "Event cancelled",
                 attachment=_cancellation(registration),
                 reason=reason.strip() if reason else None)


# --- reminders before the event (a job: events/tasks.py remind_attendees) -------------------


def reminder_key(registration_id: int, reminder_key: str) -> str:
    return f"event-reminder:{registration_id}:{reminder_key}"


def join_link_key(registration_id: int) -> str:
    return f"event-join-link:{registration_id}"


def _your_events_url() -> str:
    """Where whoever registered cancels a place (the attendee's own account, or a colleague's)."""
    return external_url("event_registrations.mine")


def event_reminder(registration: Registration, reminder: Reminder) -> OutboxMessage:
    """To an attendee with a place, some days before: when and where (or the join link), the
    check-in code for the door, and how to give the place up for someone waiting."""
    event = registration.event
    in_person = not event.is_online
    code = tickets.checkin_code(registration.id) if in_person else None
    return queue_email(
        template="event_reminder",
        subject=(f"Reminder: {single_line(event.title, TITLE_IN_SUBJECT)} on "
                 f"{display.day(event.starts_at)}"),
        recipient=registration.attendee_email,
        idempotency_key=reminder_key(registration.id, reminder.key),
        category=EmailCategory.SERVICE,
        **_context(registration),
        join_url=event.join_url if event.is_online and registration.is_confirmed else None,
        checkin_code=code,
        qr_url=external_url("events.checkin_qr", code=code) if code else None,
        registration_url=external_url("event_registrations.registration",
                                      registration_id=registration.id),
        your_events_url=_your_events_url())


def event_join_link(registration: Registration) -> OutboxMessage:
    """To a webinar attendee with a place, an hour before: the join link."""
    event = registration.event
    if not (event.is_online and event.join_url and registration.is_confirmed):
        raise ValueError("the join link goes only to webinar attendees with a place")
    return queue_email(
        template="event_join_link",
        subject=(f"Join link: {single_line(event.title, TITLE_IN_SUBJECT)} starts at "
                 f"{display.time_of_day(event.starts_at)}"),
        recipient=registration.attendee_email,
        idempotency_key=join_link_key(registration.id),
        category=EmailCategory.SERVICE,
        **_context(registration),
        join_url=event.join_url,
        your_events_url=_your_events_url())
