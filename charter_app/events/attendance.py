"""Attendance in an organisation's history: the events its people were checked in at.

Badges will count it (DESIGN.md section 5: levels from event participation), so the rule lives
here once: an event counts when it is published (not cancelled) and at least one person
registered by the organisation was checked in at the door.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from charter_app.events.models import Event, EventStatus, Registration
from charter_app.extensions import db


@dataclass(frozen=True)
class AttendedEvent:
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    attended: int  # how many of the organisation's people were checked in


def _attended():
    return (Registration.checked_in_at.is_not(None),
            Event.status == EventStatus.PUBLISHED)


def attended_events(organisation_id: int) -> list[AttendedEvent]:
    """The events the organisation's people attended, the latest first, with how many came: one
    query, however long the history."""
    rows = db.session.execute(
        select(Event.id, Event.title, Event.kind, Event.starts_at,
               func.count(Registration.id))
        .join(Registration, Registration.event_id == Event.id)
        .where(Registration.organisation_id == organisation_id, *_attended())
        .group_by(Event.id, Event.title, Event.kind, Event.starts_at)
        .order_by(Event.starts_at.desc(), Event.id.desc())).tuples()
    return [AttendedEvent(*row) for row in rows]


def attendance_count(organisation_id: int) -> int:
    """How many events the organisation attended (each event once, however many came)."""
    return db.session.scalar(
        select(func.count(func.distinct(Registration.event_id)))
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.organisation_id == organisation_id, *_attended())) or 0
