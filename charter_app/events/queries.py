"""What the public sees of events: one SQL statement per list, however many events there are.

The public sees published events, and cancelled ones that had been published (people who saw
or saved one must learn it is off). Drafts, and events cancelled before they were ever
published, are nobody's business but staff's.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from charter_app.events.models import Event, EventStatus
from charter_app.extensions import db

PAST_PAGE_SIZE = 20
# A page number beyond this is nonsense; capping it keeps the offset inside a bigint.
MAX_PAGE = 100_000

SEEN_BY_THE_PUBLIC = or_(
    Event.status == EventStatus.PUBLISHED,
    and_(Event.status == EventStatus.CANCELLED, Event.published_at.is_not(None)),
)


@dataclass(frozen=True)
class EventPage:
    items: list[Event]
    page: int
    pages: int
    total: int


def upcoming_events(now: datetime) -> list[Event]:
    """Events that have not ended yet, soonest first; cancelled ones stay listed, marked as
    cancelled, until their time has passed."""
    return list(db.session.scalars(
        select(Event)
        .where(SEEN_BY_THE_PUBLIC, Event.ends_at > now)
        .order_by(Event.starts_at, Event.id)
    ))


def past_events(now: datetime, page: int, per_page: int = PAST_PAGE_SIZE) -> EventPage:
    """Published events that have ended, newest first, a page at a time. A cancelled event
    never took place, so it is not listed among past ones (its own page still says so).

    The total rides along each row (a window count), so a page is one statement; only a page
    number past the end costs a second one, to show the last page instead."""
    page = min(max(page, 1), MAX_PAGE)
    total_column = func.count().over().label("total")
    statement = (
        select(Event, total_column)
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at <= now)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(per_page)
    )
    rows = db.session.execute(statement.offset((page - 1) * per_page)).all()
    if not rows and page > 1:
        total = db.session.scalar(
            select(func.count()).select_from(Event)
            .where(Event.status == EventStatus.PUBLISHED, Event.ends_at <= now)
        ) or 0
        page = max(1, math.ceil(total / per_page))
        rows = db.session.execute(statement.offset((page - 1) * per_page)).all() if total else []
    total = rows[0].total if rows else 0
    return EventPage(items=[row.Event for row in rows], page=page,
                     pages=max(1, math.ceil(total / per_page)), total=total)


def published_event(event_id: int) -> Event | None:
    """The event, if the public may see it (published, or cancelled after publication)."""
    return db.session.scalar(select(Event).where(Event.id == event_id, SEEN_BY_THE_PUBLIC))
