"""Announcing a new event by email to everyone who opted in, and opting in or out.

An event is announced once: `announced_at` is set by a compare-and-set (an UPDATE that only
matches while it is empty, the event published and not yet started), so of two staff pressing
"Announce" at once, one sends and the other is told it was already done. Each email's key names
the event and the person as well, so no one gets one event's announcement twice.

Each announcement carries a one-click unsubscribe link (notifications/preferences.py), which
turns the choice off without signing in. Links in announcements sent before it came,
/events/unsubscribe/<token>, still work: `unsubscribe_token` and `user_for_unsubscribe` serve
them.

Services flush, never commit: the request commits.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from charter_app.accounts.models import User
from charter_app.events import announcement_emails, display
from charter_app.events.models import Event, EventStatus
from charter_app.extensions import db
from charter_app.timeutil import utcnow
from charter_app.tokens import InvalidToken, make_token, read_token

UNSUBSCRIBE_PURPOSE = "event-announcements-unsubscribe"
# An unsubscribe link keeps working for more than a year after it was sent.
UNSUBSCRIBE_MAX_AGE = int(timedelta(days=400).total_seconds())


class AnnouncementRefused(ValueError):
    """The event cannot be announced (now); the message says why, for the page."""


# --- who hears about new events ----------------------------------------------------------------

def _recipients():
    """People who asked to hear about new events, whose account is active and confirmed."""
    return select(User).where(User.wants_event_announcements.is_(True),
                              User.deactivated_at.is_(None),
                              User.email_confirmed_at.is_not(None))


def recipient_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(_recipients().subquery())) or 0


def set_wants_announcements(user: User, wanted: bool) -> bool:
    """Opt in or out; True when that changed anything."""
    if user.wants_event_announcements == wanted:
        return False
    user.wants_event_announcements = wanted
    db.session.flush()
    return True


def unsubscribe_token(user: User) -> str:
    return make_token(UNSUBSCRIBE_PURPOSE, {"user": user.id})


def user_for_unsubscribe(token: str) -> User:
    """The person an unsubscribe link names; InvalidToken when it is bad, tampered with, too old
    or names nobody."""
    payload = read_token(UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)
    user_id = payload.get("user") if isinstance(payload, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise InvalidToken("invalid")
    user = db.session.get(User, user_id)
    if user is None:
        raise InvalidToken("invalid")
    return user


# --- announcing --------------------------------------------------------------------------------

def refusal(event: Event, now: datetime) -> str | None:
    """Why this event cannot be announced now, in words for staff; None when it can."""
    if event.announced_at is not None:
        return (f"This event was announced by email on {display.day(event.announced_at)} at "
                f"{display.time_of_day(event.announced_at)}. Each event is announced once.")
    if event.status != EventStatus.PUBLISHED:
        return "Only a published event can be announced. Publish it first."
    if event.starts_at <= now:
        return "This event has started, so it can no longer be announced."
    return None


def announce_event(event_id: int, *, now: datetime | None = None) -> int:
    """Email every opted-in, active, confirmed person about a published, upcoming event; how
    many were emailed. AnnouncementRefused when it was announced already (by someone else at the
    same moment, perhaps), is not published, or has started."""
    now = now or utcnow()
    won = db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.announced_at.is_(None),
               Event.status == EventStatus.PUBLISHED, Event.starts_at > now)
        # Announcing changes nothing people see on the event: keep its updated_at.
        .values(announced_at=now, updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)).rowcount == 1
    event = db.session.get(Event, event_id, populate_existing=True)
    if event is None:
        raise LookupError(f"no event {event_id}")
    if not won:
        raise AnnouncementRefused(refusal(event, now) or "This event cannot be announced.")
    sent = 0
    for user in db.session.scalars(_recipients().order_by(User.id)):
        announcement_emails.event_announcement(event, user)
        sent += 1
    return sent
