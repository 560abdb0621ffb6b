"""When reminders fall due: every timing in one place, which the jobs use and staff read on
`/staff/reminders`.

Each reminder is an offset from an anchor: the annual update's anniversary (a UK date), the
day a quarter opens for reporting or its report is due (UK dates), an event's start (a UTC
moment). A job asks `latest_due(...)` for the one reminder of a kind that has fallen due and
not been overtaken by a later one: after a scheduler has been down, only the latest reminder
of each kind is sent, never a burst of every one it missed. The outbox's idempotency key
(`<kind>:<subject id>:<reminder key>`) makes each one go once.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

Moment = TypeVar("Moment", date, datetime)


@dataclass(frozen=True)
class Reminder:
    key: str  # part of the idempotency key: stable, short, never reused for another timing
    offset: timedelta  # from the anchor; negative is before it
    says: str  # when, in words, for the staff page

    def due_at(self, anchor: Moment) -> Moment:
        return anchor + self.offset


# The annual pledge update: anchored on the anniversary (the day the update is due).
ANNUAL_UPDATE = (
    Reminder("T-30", timedelta(days=-30), "30 days before the anniversary (the update opens)"),
    Reminder("T-7", timedelta(days=-7), "7 days before the anniversary"),
    Reminder("T0", timedelta(days=0), "on the anniversary"),
    Reminder("T+14", timedelta(days=14), "14 days after the anniversary (overdue)"),
)
# Quarterly self-reports: the first anchored on the quarter's first day, the second on the day
# its report is due (30 days after the quarter ends). None once the report is submitted.
QUARTER_OPENS = Reminder("opens", timedelta(days=0), "on the quarter's first day")
QUARTER_DUE_SOON = Reminder("due-14", timedelta(days=-14), "14 days before the report is due")
# Events: anchored on the start. The join link goes only to webinar attendees with a place.
EVENT = (
    Reminder("T-7d", timedelta(days=-7), "7 days before the event"),
    Reminder("T-1d", timedelta(days=-1), "1 day before the event"),
)
WEBINAR_JOIN_LINK = Reminder("join-1h", timedelta(hours=-1), "1 hour before a webinar starts")
# The weekly staff digest: Monday (weekday 0) at 8am UK time.
STAFF_DIGEST_WEEKDAY = 0
STAFF_DIGEST_HOUR = 8


def latest_due(reminders: tuple[Reminder, ...], anchor: Moment, now: Moment,
               ) -> Reminder | None:
    """The latest of `reminders` whose time has come (at or before `now`), or None before the
    first. Reminders are given in time order."""
    due = None
    for reminder in reminders:
        if reminder.due_at(anchor) <= now:
            due = reminder
    return due
