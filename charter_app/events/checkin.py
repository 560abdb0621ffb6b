"""At the door: staff check attendees in (one tap, or a typed or scanned code), undo a mistaken
tap, add walk-ins, and see who is where on the lists; staff also give places by hand and cancel
on an attendee's behalf.

A check-in is a compare-and-set on `checked_in_at`: the UPDATE only matches a confirmed
registration of this event that is not checked in yet, so of two staff tapping at once exactly
one records it and the other is told who did and when. Undo is the same the other way round.
Services flush, never commit.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, joinedload

from charter_app.accounts.models import User
from charter_app.events import registrations, tickets
from charter_app.events.models import Event, EventStatus, Registration, RegistrationStatus
from charter_app.extensions import db
from charter_app.forms import clean_text
from charter_app.locking import StateConflict
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.organisations.names import name_key
from charter_app.signals import evidence_changed
from charter_app.timeutil import utcnow

CANCELLATION_REASON_MAX_LENGTH = 500
ORGANISATION_NAME_MAX_LENGTH = Organisation.name.property.columns[0].type.length
SEARCH_MAX_LENGTH = 100

# Why someone on a list has no place, in words for the door.
NO_PLACE_WORDS = {
    RegistrationStatus.WAITING: "is on the waiting list and has no place",
    RegistrationStatus.CANCELLED: "cancelled their place",
    RegistrationStatus.LEFT: "left the waiting list",
    RegistrationStatus.NOT_PLACED: "did not get a place",
}


class CheckInRefused(ValueError):
    """This person cannot be checked in here: `message` says why, in words for the door."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AlreadyCheckedIn(StateConflict):
    """Someone (perhaps another member of staff, a moment ago) checked this person in first."""

    def __init__(self, registration: Registration, by_email: str | None):
        super().__init__(f"registration {registration.id} checked in already")
        self.registration = registration
        self.by_email = by_email


class NotCheckedIn(StateConflict):
    """Undo found nothing to undo: the check-in was undone already."""

    def __init__(self, registration: Registration):
        super().__init__(f"registration {registration.id} is not checked in")
        self.registration = registration


@dataclass(frozen=True)
class Row:
    """One registration as the staff lists show it, with who checked it in."""

    registration: Registration
    checked_in_by: str | None = None
    position: int | None = None  # on the waiting list


@dataclass(frozen=True)
class Lists:
    confirmed: list[Row]
    waiting: list[Row]
    others: list[Row]  # cancelled, left, not placed

    @property
    def checked_in(self) -> int:
        return sum(1 for row in self.confirmed if row.registration.checked_in_at is not None)


@dataclass(frozen=True)
class Counts:
    confirmed: int
    checked_in: int


# --- reading -----------------------------------------------------------------------------------

def _rows_statement():
    checker = aliased(User)
    return (select(Registration, checker.email)
            .outerjoin(checker, checker.id == Registration.checked_in_by_id)
            .options(joinedload(Registration.organisation)))


def registration_lists(event_id: int) -> Lists:
    """Everyone registered for the event, in one statement: those with a place (in the order
    they registered), the waiting list in order with positions, and the rest."""
    rows = db.session.execute(
        _rows_statement().where(Registration.event_id == event_id)
        .order_by(Registration.created_at, Registration.id)).all()
    confirmed, waiting, others = [], [], []
    for registration, by_email in rows:
        row = Row(registration, by_email)
        if registration.status == RegistrationStatus.CONFIRMED:
            confirmed.append(row)
        elif registration.status == RegistrationStatus.WAITING:
            waiting.append(row)
        else:
            others.append(row)
    # The same order as registrations.waiting_list: position = rank of (waiting_since, id).
    waiting.sort(key=lambda row: (row.registration.waiting_since, row.registration.id))
    return Lists(confirmed=confirmed,
                 waiting=[Row(row.registration, row.checked_in_by, position)
                          for position, row in enumerate(waiting, start=1)],
                 others=others)


def checkin_list(event_id: int, search: str = "") -> list[Row]:
    """Those with a place, by name, matching `search` in their name, email or organisation's
    name (one statement)."""
    statement = (_rows_statement()
                 .where(Registration.event_id == event_id,
                        Registration.status == RegistrationStatus.CONFIRMED)
                 .order_by(func.lower(Registration.attendee_name), Registration.id))
    words = " ".join(clean_text(search or "").split())[:SEARCH_MAX_LENGTH].lower()
    if words:
        statement = statement.outerjoin(
            Organisation, Organisation.id == Registration.organisation_id).where(
            func.lower(Registration.attendee_name).contains(words, autoescape=True)
            | func.lower(Registration.attendee_email).contains(words, autoescape=True)
            | func.lower(func.coalesce(Organisation.name, "")).contains(words, autoescape=True))
    return [Row(registration, by_email)
            for registration, by_email in db.session.execute(statement).all()]


def counts(event_id: int) -> Counts:
    """How many have a place and how many of them are checked in (one statement)."""
    confirmed, checked_in = db.session.execute(
        select(func.count(Registration.id), func.count(Registration.checked_in_at))
        .where(Registration.event_id == event_id,
               Registration.status == RegistrationStatus.CONFIRMED)).one()
    return Counts(confirmed=confirmed or 0, checked_in=checked_in or 0)


def row_for(registration_id: int) -> Row | None:
    found = db.session.execute(
        _rows_statement().where(Registration.id == registration_id)
        .execution_options(populate_existing=True)).first()
    return Row(found[0], found[1]) if found else None


def walk_in_organisations(event_id: int) -> list[Organisation]:
    """The organisations already registered for the event, by name, for a walk-in to join."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.id.in_(
            select(Registration.organisation_id).where(Registration.event_id == event_id)))
        .order_by(Organisation.name_key, Organisation.id)))


# --- checking in -------------------------------------------------------------------------------

def _refusal(event: Event, registration: Registration | None) -> Exception:
    """Why the compare-and-set matched nothing, as the exception to raise."""
    if registration is None or registration.event_id != event.id:
        return CheckInRefused("This code is for a different event. Check the event and the "
                              "code.")
    if registration.status != RegistrationStatus.CONFIRMED:
        words = NO_PLACE_WORDS.get(registration.status, "has no place")
        return CheckInRefused(f"{registration.attendee_name} {words}: not checked in.")
    by_email = db.session.scalar(select(User.email).where(
        User.id == registration.checked_in_by_id)) if registration.checked_in_by_id else None
    return AlreadyCheckedIn(registration, by_email)


def _check_event(event: Event | None) -> Event:
    if event is None:
        raise LookupError("no such event")
    if event.status != EventStatus.PUBLISHED:
        raise CheckInRefused("This event is not published, so nobody can be checked in.")
    return event


def check_in(event_id: int, registration_id: int, *, by: User,
             now: datetime | None = None) -> Registration:
    """Mark the attendee as arrived, recording who did it; AlreadyCheckedIn (with who and when)
    if someone did first, CheckInRefused if they have no place at this event."""
    now = now or utcnow()
    event = _check_event(db.session.get(Event, event_id))
    matched = db.session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED,
               Registration.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by_id=by.id)
        .execution_options(synchronize_session=False)).rowcount
    registration = db.session.scalars(
        select(Registration).where(Registration.id == registration_id)
        .execution_options(populate_existing=True)).one_or_none()
    if matched != 1:
        raise _refusal(event, registration)
    _attendance_changed(registration, now)
    return registration


def _attendance_changed(registration: Registration, now: datetime) -> None:
    if registration.organisation_id is not None:
        evidence_changed.send(registration.organisation_id, now=now)


def check_in_by_code(event_id: int, code: str | None, *, by: User,
                     now: datetime | None = None) -> Registration:
    """The attendee a typed or scanned code names, checked in; CheckInRefused for a code that
    is not valid or not for this event, or for someone without a place."""
    registration_id = tickets.registration_id_from(code)
    if registration_id is None:
        raise CheckInRefused("This is not a valid check-in code. Check it and try again.")
    return check_in(event_id, registration_id, by=by, now=now)


def undo_check_in(event_id: int, registration_id: int, *, by: User) -> Registration:
    """Take back a check-in made by mistake; NotCheckedIn if it was undone already."""
    event = _check_event(db.session.get(Event, event_id))
    matched = db.session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.event_id == event.id,
               Registration.checked_in_at.is_not(None))
        .values(checked_in_at=None, checked_in_by_id=None)
        .execution_options(synchronize_session=False)).rowcount
    registration = db.session.scalars(
        select(Registration).where(Registration.id == registration_id)
        .execution_options(populate_existing=True)).one_or_none()
    if registration is None or registration.event_id != event.id:
        raise LookupError("no such registration at this event")
    if matched != 1:
        raise NotCheckedIn(registration)
    _attendance_changed(registration, utcnow())
    return registration


# --- walk-ins ----------------------------------------------------------------------------------

def walk_in_organisation(name: str) -> Organisation:
    """The organisation a walk-in names: one already known under that name (compared as the
    organisations domain compares names, without legal suffixes or punctuation), else a new
    draft application under that name, which its people can later complete and submit."""
    name = " ".join((name or "").split())
    if not name:
        raise registrations.RegistrationRefused("organisation_name",
                                                "Enter the name of the attendee's organisation")
    if len(name) > ORGANISATION_NAME_MAX_LENGTH:
        raise registrations.RegistrationRefused(
            "organisation_name",
            f"Organisation name must be {ORGANISATION_NAME_MAX_LENGTH} characters or fewer")
    key = name_key(name)
    known = db.session.scalars(
        select(Organisation).where(Organisation.name_key == key).order_by(Organisation.id)
    ).first() if key else None
    if known is not None:
        return known
    organisation = Organisation(name=name, status=ApplicationStatus.DRAFT)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def add_walk_in(event_id: int, *, attendee: registrations.Attendee,
                organisation_id: int | None = None, organisation_name: str | None = None,
                by: User, now: datetime | None = None) -> Registration:
    """Someone at the door without a registration: confirmed and checked in at once, even when
    the event is full. Their organisation is one already registered (`organisation_id`) or one
    named (found, or created as a draft)."""
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        registered = organisation is not None and db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event_id,
                Registration.organisation_id == organisation_id))
        if not registered:
            raise registrations.RegistrationRefused(
                "organisation_id", "Choose an organisation from the list, or type its name")
    else:
        organisation = walk_in_organisation(organisation_name or "")
    registration = registrations.register(event_id, organisation=organisation,
                                          attendee=attendee, by=by, now=now, walk_in=True)
    _attendance_changed(registration, now or utcnow())
    return registration


# --- places given and taken by staff -----------------------------------------------------------

def give_place(registration_id: int, *, by: User, now: datetime | None = None) -> Registration:
    """Promotion by hand, recorded with the member of staff (beyond capacity if need be)."""
    return registrations.promote_by_hand(registration_id, by=by, now=now)


def cancel_on_behalf(registration_id: int, *, by: User, reason: str | None = None,
                     now: datetime | None = None) -> Registration:
    """Cancel a place (or a position on the waiting list) for the attendee, keeping why."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > CANCELLATION_REASON_MAX_LENGTH:
        raise registrations.RegistrationRefused(
            "reason", f"The reason must be {CANCELLATION_REASON_MAX_LENGTH} characters or fewer")
    registration = registrations.cancel_registration(registration_id, by=by, now=now)
    registration.cancellation_reason = reason
    db.session.flush()
    return registration


def beyond_capacity(event: Event) -> bool:
    """Would one more place go beyond the event's capacity?"""
    return registrations.places_left(event) == 0
