"""What the public sees of events: one SQL statement per list, however many events there are.

The public sees published events, and cancelled ones that had been published (people who saw
or saved one must learn it is off). Drafts, and events cancelled before they were ever
published, are nobody's business but staff's.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from charter_app.accounts.models import Membership
from charter_app.events.models import (
    Event,
    EventBuyer,
    EventStatus,
    Partner,
    Registration,
    RegistrationStatus,
)
from charter_app.extensions import db
from charter_app.organisations.models import Organisation

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


# --- registrations, as members see them ----------------------------------------------------------

@dataclass(frozen=True)
class Placed:
    """A registration and, while it waits, its position (1 for the first in line)."""

    registration: Registration
    position: int | None


def _positions(event_filter):
    """Each waiting registration's position among those waiting for its event, by rank of
    (waiting_since, id), the rule `registrations.waiting_position` follows one at a time."""
    return (
        select(Registration.id.label("id"),
               func.row_number().over(partition_by=Registration.event_id,
                                      order_by=(Registration.waiting_since, Registration.id))
               .label("position"))
        .where(Registration.status == RegistrationStatus.WAITING, event_filter)
        .subquery())


def _organisations_of(user_id: int):
    return select(Membership.organisation_id).where(Membership.user_id == user_id)


def members_registrations(event_id: int, user_id: int) -> list[Placed]:
    """The registrations this user's organisations hold for one event, oldest first: one
    statement however many people registered."""
    positions = _positions(Registration.event_id == event_id)
    rows = db.session.execute(
        select(Registration, positions.c.position)
        .outerjoin(positions, positions.c.id == Registration.id)
        .where(Registration.event_id == event_id,
               Registration.organisation_id.in_(_organisations_of(user_id)))
        .options(joinedload(Registration.organisation))
        .order_by(Registration.created_at, Registration.id)).all()
    return [Placed(row.Registration, row.position) for row in rows]


def users_organisations(user_id: int) -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.id.in_(_organisations_of(user_id)))
        .order_by(Organisation.name, Organisation.id)))


@dataclass(frozen=True)
class YourEvents:
    upcoming: list[Placed]
    past: list[Placed]


def your_events(user_id: int, now: datetime) -> YourEvents:
    """Every registration of the user's organisations with its event: upcoming events soonest
    first, then past ones latest first. Two statements, whatever the numbers."""
    mine = Registration.organisation_id.in_(_organisations_of(user_id))
    positions = _positions(Registration.event_id.in_(
        select(Registration.event_id).where(mine).scalar_subquery()))
    rows = db.session.execute(
        select(Registration, positions.c.position)
        .join(Registration.event)
        .outerjoin(positions, positions.c.id == Registration.id)
        .where(mine)
        .options(contains_eager(Registration.event), joinedload(Registration.organisation))
        .order_by(Event.starts_at, Event.id, Registration.created_at, Registration.id)).all()
    placed = [Placed(row.Registration, row.position) for row in rows]
    return YourEvents(
        upcoming=[item for item in placed if item.registration.event.ends_at > now],
        past=list(reversed([item for item in placed if item.registration.event.ends_at <= now])))


def buyers_at(event_id: int) -> list[tuple[str, str | None, str | None]]:
    """The partners buying at an event, for its public page: (name, buys, opportunities), in
    one statement however many buyers."""
    return list(db.session.execute(
        select(Partner.name, EventBuyer.buys, EventBuyer.opportunities)
        .join(Partner, Partner.id == EventBuyer.partner_id)
        .where(EventBuyer.event_id == event_id)
        .order_by(func.lower(Partner.name), EventBuyer.id)).tuples())
