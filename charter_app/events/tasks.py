"""The events domain's scheduled work. Each job derives what is due from the database, so a
scheduler that was down catches up, and a second run for the same time changes and sends
nothing new. The job runner (charter_app/jobs.py) commits each one."""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from charter_app.events import emails, feedback, registrations
from charter_app.events.models import Event, EventStatus, Registration, RegistrationStatus
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.reminders import schedule

# Accessibility and dietary needs are kept until this long after the event, then erased.
NEEDS_KEPT_FOR = timedelta(days=30)


def close_event_waiting_lists(now: datetime) -> int:
    """Everyone still waiting when their event starts is told they did not get a place."""
    return registrations.close_waiting_lists(now)


def thank_attendees(now: datetime) -> int:
    """A thank-you, with a link to the feedback form, to each attendee of an event that ended
    (in the last 30 days)."""
    return feedback.thank_attendees(now)


def erase_attendee_needs(now: datetime) -> int:
    """Erase the needs people told us about, 30 days after their event ends: one UPDATE of the
    rows that still hold some; how many were erased."""
    ended_long_ago = select(Event.id).where(Event.ends_at <= now - NEEDS_KEPT_FOR)
    result = db.session.execute(
        update(Registration)
        .where(Registration.event_id.in_(ended_long_ago), Registration.needs.is_not(None))
        .values(needs=None, needs_erased_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount


# --- reminders before an event -----------------------------------------------------------------

# Registrations read per statement: memory stays flat however many people registered.
REMINDER_BATCH_SIZE = 500
# How far ahead of an event's start its first reminder falls.
_REMINDERS_REACH = max(-reminder.offset
                       for reminder in (*schedule.EVENT, schedule.WEBINAR_JOIN_LINK))


def _had_a_place_by(registration: Registration, moment: datetime) -> bool:
    """Confirmed at or before `moment`: someone given a place later already had its details in
    their confirmation, and is never sent an earlier reminder late."""
    return registration.confirmed_at is not None and registration.confirmed_at <= moment


def _reminders_due(registration: Registration, now: datetime) -> list[tuple[str, object]]:
    """(idempotency key, queue it) for each reminder this attendee should have by `now`: the
    latest of the event reminders that fell due, and a webinar's join link."""
    event = registration.event
    due = []
    reminder = schedule.latest_due(schedule.EVENT, event.starts_at, now)
    if reminder is not None and _had_a_place_by(registration, reminder.due_at(event.starts_at)):
        due.append((emails.reminder_key(registration.id, reminder.key),
                    lambda: emails.event_reminder(registration, reminder)))
    join_at = schedule.WEBINAR_JOIN_LINK.due_at(event.starts_at)
    if event.is_online and event.join_url and join_at <= now \
            and _had_a_place_by(registration, join_at):
        due.append((emails.join_link_key(registration.id),
                    lambda: emails.event_join_link(registration)))
    return due


def _confirmed_registrations(now: datetime, after_id: int) -> list[Registration]:
    """The next batch of people with a place at a published event starting within reach of its
    first reminder, each with its event (one statement)."""
    return list(db.session.scalars(
        select(Registration).join(Event, Event.id == Registration.event_id)
        .options(contains_eager(Registration.event))
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > now,
               Event.starts_at <= now + _REMINDERS_REACH,
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.id > after_id)
        .order_by(Registration.id).limit(REMINDER_BATCH_SIZE)))


def remind_attendees(now: datetime) -> int:
    """Remind each attendee with a place before their event: the latest event reminder that
    fell due (7 days, then 1 day before), and a webinar's join link an hour before. Never after
    the start, never a reminder whose time came before the person had a place, each once (the
    outbox key); after downtime only the latest. Reads in batches; how many were queued."""
    queued = 0
    after_id = 0
    while batch := _confirmed_registrations(now, after_id):
        after_id = batch[-1].id
        due = [item for registration in batch for item in _reminders_due(registration, now)]
        if not due:
            continue
        sent = set(db.session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_([key for key, _ in due]))))
        for key, queue in due:
            if key not in sent:
                queue()
                queued += 1
    return queued
