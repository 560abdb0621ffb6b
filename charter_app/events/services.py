"""Staff manage events: create, edit, publish, cancel and duplicate.

The rules are plain functions that raise `EventRuleBroken` naming the field at fault, so the
form shows the message beside it and a CLI or job gets the same answer. Services flush, never
commit: the request (or command) commits once.
"""

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from charter_app.events import notices, registrations
from charter_app.events.models import Eligibility, Event, EventBuyer, EventKind, EventStatus
from charter_app.extensions import db
from charter_app.forms import column_length
from charter_app.locking import StateChangeRefused
from charter_app.timeutil import to_london, utcnow

# Lengths the database limits (String columns) and the ones we choose for Text columns.
TITLE_MAX_LENGTH = column_length(Event.title)
VENUE_MAX_LENGTH = column_length(Event.venue)
ADDRESS_MAX_LENGTH = column_length(Event.address)
JOIN_URL_MAX_LENGTH = column_length(Event.join_url)
DESCRIPTION_MAX_LENGTH = 5000
CANCELLATION_REASON_MAX_LENGTH = 1000
# An integer column holds up to 2**31 - 1; no room holds more than this anyway.
CAPACITY_MAX = 100_000
DEFAULT_PLACES_PER_ORGANISATION = 2
# A duplicate starts a week after the original: a new draft, never a clash with it.
DUPLICATE_SHIFT = timedelta(weeks=1)

IN_PERSON_KINDS = {EventKind.MEET_THE_BUYER, EventKind.WORKSHOP}
ELIGIBILITY_LABELS = {
    Eligibility.SIGNATORIES: "Charter signatories only",
    Eligibility.ANY_BUSINESS: "Any local business or VCSE, signed or not",
}
TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


class EventRuleBroken(ValueError):
    """A detail of an event breaks a rule; `field` names the detail, `message` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidEvent(ValueError):
    """Every rule the details break, field by field (the form shows each beside its field)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems.items()))
        self.problems = problems


@dataclass
class EventDetails:
    """What staff enter for an event; times are aware datetimes (any zone, stored in UTC)."""

    kind: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    places_per_organisation: int = DEFAULT_PLACES_PER_ORGANISATION
    eligibility: str = Eligibility.ANY_BUSINESS
    venue: str | None = None
    address: str | None = None
    join_url: str | None = None

    @classmethod
    def of(cls, event: Event) -> "EventDetails":
        return cls(**{field.name: getattr(event, field.name) for field in fields(cls)})


# --- the rules, one function each ------------------------------------------------------------

def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def check_text(field: str, label: str, value: str | None, max_length: int, *,
               required: bool = True) -> None:
    if required and _blank(value):
        raise EventRuleBroken(field, f"Enter the {label.lower()}")
    if value is not None and len(value) > max_length:
        raise EventRuleBroken(field, f"{label} must be {max_length} characters or fewer")


def check_kind(kind: str) -> None:
    if kind not in set(EventKind):
        raise EventRuleBroken("kind", "Select the kind of event")


def check_eligibility(eligibility: str) -> None:
    if eligibility not in set(Eligibility):
        raise EventRuleBroken("eligibility", "Select who can register")


def check_place(details: EventDetails) -> None:
    """In person: a venue and an address. Online: an https join link."""
    check_text("venue", "Venue", details.venue, VENUE_MAX_LENGTH,
               required=details.kind in IN_PERSON_KINDS)
    check_text("address", "Address", details.address, ADDRESS_MAX_LENGTH,
               required=details.kind in IN_PERSON_KINDS)
    if details.kind != EventKind.WEBINAR and _blank(details.join_url):
        return
    check_text("join_url", "Join link", details.join_url, JOIN_URL_MAX_LENGTH)
    parts = urlsplit(details.join_url or "")
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in details.join_url):
        raise EventRuleBroken("join_url", "Enter the join link as a web address starting "
                                          "https://, like https://meet.example.com/abc")


def check_times(details: EventDetails) -> None:
    for name in TIME_FIELDS:
        value = getattr(details, name)
        if value is None or value.tzinfo is None:
            raise EventRuleBroken(name, "Enter a date and time")
    if details.ends_at <= details.starts_at:
        raise EventRuleBroken("ends_at", "The end must be after the start")
    if details.registration_closes_at <= details.registration_opens_at:
        raise EventRuleBroken("registration_closes_at",
                              "Registration must close after it opens")
    if details.registration_closes_at > details.starts_at:
        raise EventRuleBroken("registration_closes_at",
                              "Registration must close no later than the event starts")


def check_whole_number(field: str, label: str, value: int, *, maximum: int) -> None:
    if not isinstance(value, int) or value < 1:
        raise EventRuleBroken(field, f"{label} must be 1 or more")
    if value > maximum:
        raise EventRuleBroken(field, f"{label} must be {maximum:,} or fewer")


def problems_with(details: EventDetails) -> dict[str, str]:
    """Every rule the details break, by field; empty when they are fine."""
    checks = [
        lambda: check_kind(details.kind),
        lambda: check_text("title", "Title", details.title, TITLE_MAX_LENGTH),
        lambda: check_text("description", "Description", details.description,
                           DESCRIPTION_MAX_LENGTH),
        lambda: check_place(details),
        lambda: check_times(details),
        lambda: check_whole_number("capacity", "Capacity", details.capacity,
                                   maximum=CAPACITY_MAX),
        lambda: check_whole_number("places_per_organisation", "Places per organisation",
                                   details.places_per_organisation, maximum=CAPACITY_MAX),
        lambda: check_eligibility(details.eligibility),
    ]
    problems: dict[str, str] = {}
    for check in checks:
        try:
            check()
        except EventRuleBroken as broken:
            problems.setdefault(broken.field, broken.message)
    return problems


def validate(details: EventDetails) -> None:
    problems = problems_with(details)
    if problems:
        raise InvalidEvent(problems)


def _tidy(details: EventDetails) -> dict:
    values = asdict(details)
    # An in-person event has no join link and an online one no venue: nothing stale is kept.
    if details.kind == EventKind.WEBINAR:
        values["venue"] = values["address"] = None
    else:
        values["join_url"] = None
    for name in ("venue", "address", "join_url"):
        if _blank(values[name]):
            values[name] = None
    return values


# --- the services ----------------------------------------------------------------------------

def create_event(details: EventDetails, *, by) -> Event:
    """A new draft event; nobody sees it until it is published."""
    validate(details)
    event = Event(**_tidy(details), status=EventStatus.DRAFT, sequence=0, created_by=by)
    db.session.add(event)
    db.session.flush()
    return event




def update_event(event_id: int, details: EventDetails) -> Event:
    """Change a draft or published event. A published event whose time changes gets a higher
    `sequence`, so the calendar entries attendees hold are replaced, not duplicated."""
    validate(details)
    event = registrations.locked_event(event_id)
    if event.status == EventStatus.CANCELLED:
        raise StateChangeRefused(event.status, "edited")
    values = _tidy(details)
    if event.is_published:
        try:
            registrations.check_capacity_change(event, values["capacity"])
        except registrations.RegistrationRefused as refused:
            raise InvalidEvent({refused.field: refused.message}) from None
    time_changed = (event.starts_at, event.ends_at) != (values["starts_at"], values["ends_at"])
    for name, value in values.items():
        setattr(event, name, value)
    if event.is_published and time_changed:
        event.sequence += 1
        # Everyone registered is told; those with a place get the updated calendar entry.
        notices.event_time_changed(event)
    db.session.flush()
    if event.is_published:
        registrations.fill_free_places(event, utcnow())  # the capacity may have grown
    return event


def publish_event(event_id: int, *, by=None, now: datetime | None = None) -> Event:
    """A draft goes on the public pages; publishing twice is refused (a double click)."""
    event = registrations.locked_event(event_id)
    if event.status != EventStatus.DRAFT:
        raise StateChangeRefused(event.status, EventStatus.PUBLISHED)
    event.status = EventStatus.PUBLISHED
    event.published_at = now or utcnow()
    event.published_by_id = by.id if by is not None else None
    db.session.flush()
    return event


def cancel_event(event_id: int, reason: str, *, by=None,
                 now: datetime | None = None) -> Event:
    """Cancel a draft or published event, for a reason; final (a new event is a duplicate)."""
    check_text("reason", "Reason", reason, CANCELLATION_REASON_MAX_LENGTH)
    event = registrations.locked_event(event_id)
    if event.status == EventStatus.CANCELLED:
        raise StateChangeRefused(event.status, EventStatus.CANCELLED)
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now or utcnow()
    event.cancellation_reason = reason.strip()
    event.cancelled_by_id = by.id if by is not None else None
    # Everyone registered is told; those with a place get a METHOD:CANCEL calendar entry.
    notices.event_cancelled(event, now=event.cancelled_at, by=by)
    db.session.flush()
    return event


def a_week_later(moment: datetime) -> datetime:
    """The same UK wall-clock time a week later: 10am stays 10am across a clock change."""
    return (to_london(moment) + DUPLICATE_SHIFT).astimezone(UTC)


def duplicate_event(event_id: int, *, by) -> Event:
    """A new draft with the same details and buyers, every time a week later in UK time."""
    original = db.session.get(Event, event_id)
    if original is None:
        raise LookupError(f"no event {event_id}")
    details = EventDetails.of(original)
    for name in TIME_FIELDS:
        setattr(details, name, a_week_later(getattr(details, name)))
    copy = Event(**asdict(details), status=EventStatus.DRAFT, sequence=0, created_by=by)
    copy.buyers = [EventBuyer(partner_id=buyer.partner_id, buys=buyer.buys,
                              opportunities=buyer.opportunities) for buyer in original.buyers]
    db.session.add(copy)
    db.session.flush()
    return copy


# --- reading ---------------------------------------------------------------------------------

@dataclass
class StaffListing:
    drafts: list[Event]
    upcoming: list[Event]
    past: list[Event]


def staff_listing(now: datetime | None = None) -> StaffListing:
    """Drafts (soonest first), upcoming published or cancelled events (soonest first), and
    past ones (latest first)."""
    now = now or utcnow()
    events = db.session.scalars(select(Event).order_by(Event.starts_at, Event.id)).all()
    drafts = [event for event in events if event.status == EventStatus.DRAFT]
    shown = [event for event in events if event.status != EventStatus.DRAFT]
    return StaffListing(
        drafts=drafts,
        upcoming=[event for event in shown if event.ends_at >= now],
        past=[event for event in reversed(shown) if event.ends_at < now],
    )
