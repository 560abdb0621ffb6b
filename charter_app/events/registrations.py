"""Registering for an event, the fair waiting list, cancelling and promotion.

Every change here locks the event's row first (`lock_for_update`), then counts and changes its
registrations, so two requests for the last place queue behind each other: the first gets the
place, the second the first position on the waiting list, never both a place. The partial
unique index on (event, email) is the last word on a second registration of one address.

A waiting-list position is not stored: it is the rank of (waiting_since, id) among those still
waiting, so leaving or promotion closes the gap at once and positions are always 1..n.

Services flush, never commit. Emails (with their calendar files) are queued by the caller's
transaction through `events.emails`, so nothing is said that did not happen.
"""

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, func, or_, select

from charter_app.events.models import (
    ACTIVE_STATUSES,
    Eligibility,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from charter_app.extensions import db
from charter_app.forms import column_length
from charter_app.locking import StateChangeRefused, lock_for_update
from charter_app.organisations.models import LISTED_STATUSES, Organisation
from charter_app.timeutil import utcnow

NAME_MAX_LENGTH = column_length(Registration.attendee_name)
EMAIL_MAX_LENGTH = column_length(Registration.attendee_email)
NEEDS_MAX_LENGTH = 1000


class RegistrationRefused(ValueError):
    """A registration, cancellation or promotion cannot be made; `field` names the detail at
    fault (or "event"), `message` says why in words for the page."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Attendee:
    name: str
    email: str
    needs: str | None = None


# --- reading -----------------------------------------------------------------------------------

def confirmed_count(event_id: int) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED)) or 0


def places_left(event: Event) -> int:
    return max(event.capacity - confirmed_count(event.id), 0)


def waiting_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITING,
            or_(Registration.waiting_since < registration.waiting_since,
                and_(Registration.waiting_since == registration.waiting_since,
                     Registration.id < registration.id))))
    return (ahead or 0) + 1


def waiting_list(event_id: int, limit: int | None = None) -> list[Registration]:
    """Those waiting, first in line first (index 0 is position 1); the first `limit` only."""
    return list(db.session.scalars(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.WAITING)
        .order_by(Registration.waiting_since, Registration.id).limit(limit)))


def registration_is_open(event: Event, now: datetime) -> bool:
    return (event.status == EventStatus.PUBLISHED
            and event.registration_opens_at <= now < event.registration_closes_at
            and now < event.starts_at)


def promotion_is_open(event: Event, now: datetime) -> bool:
    """Automatic promotion stops when registration closes or the event starts: nobody is handed
    a place at the last minute that they can no longer plan for."""
    return (event.status == EventStatus.PUBLISHED
            and now < event.registration_closes_at and now < event.starts_at)


# --- the checks --------------------------------------------------------------------------------

def _clean_attendee(attendee: Attendee) -> Attendee:
    name = " ".join((attendee.name or "").split())
    email = (attendee.email or "").strip()
    needs = (attendee.needs or "").strip() or None
    if not name:
        raise RegistrationRefused("name", "Enter the attendee's full name")
    if len(name) > NAME_MAX_LENGTH:
        raise RegistrationRefused("name", f"Name must be {NAME_MAX_LENGTH} characters or fewer")
    if not email:
        raise RegistrationRefused("email", "Enter the attendee's email address")
    if len(email) > EMAIL_MAX_LENGTH:
        raise RegistrationRefused(
            "email", f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer")
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise RegistrationRefused(
            "email", "Enter an email address in the correct format, like name@example.com"
        ) from None
    if needs is not None and len(needs) > NEEDS_MAX_LENGTH:
        raise RegistrationRefused(
            "needs", f"Needs must be {NEEDS_MAX_LENGTH} characters or fewer")
    return Attendee(name=name, email=email, needs=needs)


def _check_can_register(event: Event, organisation: Organisation, now: datetime) -> None:
    if event.status != EventStatus.PUBLISHED:
        raise RegistrationRefused("event", "This event is not open for registration")
    if now >= event.starts_at:
        raise RegistrationRefused("event", "This event has started: registration has closed")
    if now < event.registration_opens_at:
        raise RegistrationRefused("event", "Registration for this event has not opened yet")
    if now >= event.registration_closes_at:
        raise RegistrationRefused("event", "Registration for this event has closed")
    if (event.eligibility == Eligibility.SIGNATORIES
            and organisation.status not in LISTED_STATUSES):
        raise RegistrationRefused(
            "event", "This event is for Charter signatories only. Sign the Charter to register "
                     "for events like it.")


def _active_for_organisation(event_id: int, organisation_id: int) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id,
            Registration.organisation_id == organisation_id,
            Registration.status.in_(ACTIVE_STATUSES))) or 0


def _already_registered(event_id: int, email_key: str) -> Registration | None:
    return db.session.scalars(
        select(Registration).where(
            Registration.event_id == event_id, Registration.email_key == email_key,
            Registration.status.in_(ACTIVE_STATUSES))).first()


def locked_event(event_id: int) -> Event:
    """The event, locked until commit; every change to an event or its registrations takes it
    first, so they queue behind each other."""
    event = lock_for_update(Event, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    return event


# --- the changes -------------------------------------------------------------------------------

def register(event_id: int, *, organisation: Organisation, attendee: Attendee, by=None,
             now: datetime | None = None, walk_in: bool = False) -> Registration:
    """One attendee for `organisation`: a place if one is left, else the end of the waiting
    list. Staff adding a walk-in (`walk_in=True`) skip the window and the limits: the person is
    at the door, and is confirmed and checked in at once."""
    from charter_app.events import emails

    now = now or utcnow()
    attendee = _clean_attendee(attendee)
    email_key = attendee.email.lower()
    event = locked_event(event_id)
    if walk_in:
        if event.status != EventStatus.PUBLISHED:
            raise RegistrationRefused("event", "This event is not published")
    else:
        _check_can_register(event, organisation, now)
    if _already_registered(event.id, email_key) is not None:
        raise RegistrationRefused(
            "email", f"{attendee.email} is already registered for this event")
    if not walk_in and (_active_for_organisation(event.id, organisation.id)
                        >= event.places_per_organisation):
        places = event.places_per_organisation
        raise RegistrationRefused(
            "event", f"Your organisation has registered its {places} "
                     f"{'place' if places == 1 else 'places'} for this event (the most each "
                     "organisation may have). Cancel one to register someone else.")
    registration = Registration(
        event_id=event.id, organisation_id=organisation.id,
        registered_by_id=by.id if by is not None else None,
        attendee_name=attendee.name, attendee_email=attendee.email, email_key=email_key,
        needs=attendee.needs, walk_in=walk_in, created_at=now, sequence=0)
    if walk_in or confirmed_count(event.id) < event.capacity:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        if walk_in:
            registration.checked_in_at = now
            registration.checked_in_by_id = by.id if by is not None else None
    else:
        registration.status = RegistrationStatus.WAITING
        registration.waiting_since = now
    db.session.add(registration)
    db.session.flush()
    if not walk_in:
        emails.registration_received(registration)
    return registration


def _promote(registration: Registration, now: datetime, by=None) -> None:
    from charter_app.events import emails

    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = registration.promoted_at = now
    registration.promoted_by_id = by.id if by is not None else None
    registration.sequence += 1
    db.session.flush()
    emails.registration_promoted(registration)


def fill_free_places(event: Event, now: datetime) -> list[Registration]:
    """Promote the first in line while places are free and promotion is open (after a
    cancellation, or when staff raise the capacity). The event must be locked by the caller."""
    if not promotion_is_open(event, now):
        return []
    free = event.capacity - confirmed_count(event.id)
    promoted = waiting_list(event.id, limit=free) if free > 0 else []
    for registration in promoted:
        _promote(registration, now)
    return promoted


def _locked_registration(registration_id: int) -> tuple[Event, Registration]:
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise LookupError(f"no registration {registration_id}")
    # The event first, always, then the registration: one lock order, so no deadlock.
    event = locked_event(registration.event_id)
    db.session.refresh(registration)
    return event, registration


def cancel_registration(registration_id: int, *, by=None,
                        now: datetime | None = None) -> Registration:
    """Give up a place, or leave the waiting list, until the event starts. A place given up
    goes to the first in line (while promotion is open), who is told by email."""
    from charter_app.events import emails

    now = now or utcnow()
    event, registration = _locked_registration(registration_id)
    if registration.status not in ACTIVE_STATUSES:
        raise StateChangeRefused(registration.status, RegistrationStatus.CANCELLED)
    if now >= event.starts_at:
        raise RegistrationRefused("event", "This event has started: registrations can no "
                                           "longer be cancelled")
    was_confirmed = registration.is_confirmed
    registration.status = (RegistrationStatus.CANCELLED if was_confirmed
                           else RegistrationStatus.LEFT)
    registration.cancelled_at = now
    registration.cancelled_by_id = by.id if by is not None else None
    registration.sequence += 1
    db.session.flush()
    emails.registration_cancelled(registration)
    if was_confirmed:
        _cancel_appointments_without_a_place(registration, now)
        fill_free_places(event, now)
    return registration


def _cancel_appointments_without_a_place(registration: Registration, now: datetime) -> None:
    """An organisation whose last place at the event is given up keeps no 1:1 appointments:
    the buyers' times go back to others (each booker is told, with a METHOD:CANCEL)."""
    from charter_app.events import bookings

    if registration.organisation_id is None:
        return
    if not bookings.has_confirmed_place(registration.event_id, registration.organisation_id):
        bookings.cancel_bookings_of(registration.event_id, registration.organisation_id,
                                    now=now)


def promote_by_hand(registration_id: int, *, by, now: datetime | None = None) -> Registration:
    """Staff give a waiting attendee a place, even after registration closed or beyond the
    capacity (their call, recorded with their name), until the event ends."""
    now = now or utcnow()
    event, registration = _locked_registration(registration_id)
    if registration.status != RegistrationStatus.WAITING:
        raise StateChangeRefused(registration.status, RegistrationStatus.CONFIRMED)
    if event.status != EventStatus.PUBLISHED or now >= event.ends_at:
        raise RegistrationRefused("event", "This event is over or cancelled: nobody can be "
                                           "promoted")
    _promote(registration, now, by=by)
    return registration


def close_waiting_lists(now: datetime | None = None) -> int:
    """A job: everyone still waiting when their event starts is told they did not get a place.
    Safe to run twice (only WAITING rows change; emails carry idempotency keys)."""
    from charter_app.events import emails

    now = now or utcnow()
    event_ids = db.session.scalars(
        select(Registration.event_id).join(Event, Event.id == Registration.event_id)
        .where(Registration.status == RegistrationStatus.WAITING, Event.starts_at <= now)
        .distinct()).all()
    told = 0
    for event_id in event_ids:
        locked_event(event_id)
        for registration in waiting_list(event_id):
            registration.status = RegistrationStatus.NOT_PLACED
            registration.sequence += 1
            db.session.flush()
            emails.registration_not_placed(registration)
            told += 1
    return told


def check_capacity_change(event: Event, new_capacity: int) -> None:
    """Capacity cannot go below the places already given (the event is locked by the caller)."""
    taken = confirmed_count(event.id)
    if new_capacity < taken:
        raise RegistrationRefused(
            "capacity", f"Capacity cannot be less than the {taken} places already confirmed. "
                        "Cancel registrations first.")
