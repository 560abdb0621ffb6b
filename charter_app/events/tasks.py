"""The events domain's scheduled work. Each job derives what is due from the database, so a
scheduler that was down catches up, and a second run for the same time changes and sends
nothing new. The job runner (charter_app/jobs.py) commits each one."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from charter_app.events import feedback, registrations
from charter_app.events.models import Event, Registration
from charter_app.extensions import db

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
