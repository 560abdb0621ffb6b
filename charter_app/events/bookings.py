"""Suppliers book 1:1 appointments with the buyers at a meet-the-buyer event.

The rules, and what makes each hold when many suppliers click at once:

- Only an organisation with a confirmed place at the event books (the waiting list does not).
- At most one slot per buyer per supplier, and never two slots at the same time: checked under
  a lock of the supplier's organisation row (`lock_for_update`), so two bookings by one
  supplier queue behind each other and the second sees the first. The partial unique index on
  (buyer, organisation) is the last word on the first rule.
- A slot is never double-booked: the partial unique index on the slot is the last word. The
  booking is an `INSERT ... ON CONFLICT DO NOTHING`, so of twenty suppliers racing for one slot
  one inserts the row and nineteen get nothing back and a clear message, never a 500.

Services flush, never commit; emails (with their calendar files) are queued in the same
transaction, so nothing is said that did not happen.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from charter_app.accounts.models import Membership
from charter_app.events.models import (
    Booking,
    BookingStatus,
    BuyerSlot,
    Event,
    EventBuyer,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused, lock_for_update
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.timeutil import to_london, utcnow

OFFER_MAX_LENGTH = 500


class BookingRefused(ValueError):
    """A booking or cancellation cannot be made; `field` names the detail at fault ("offer",
    "slot" or "event"), `message` says why in words for the page."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _clock(value: datetime) -> str:
    return f"{to_london(value):%H:%M}"


# --- reading -----------------------------------------------------------------------------------

def has_confirmed_place(event_id: int, organisation_id: int) -> bool:
    return db.session.scalar(select(Registration.id).where(
        Registration.event_id == event_id, Registration.organisation_id == organisation_id,
        Registration.status == RegistrationStatus.CONFIRMED).limit(1)) is not None


def supplier_organisations(user_id: int, event_id: int) -> list[Organisation]:
    """The user's organisations with a confirmed place at the event, by name."""
    confirmed = select(Registration.organisation_id).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
    return list(db.session.scalars(
        select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user_id, Organisation.id.in_(confirmed))
        .order_by(Organisation.name, Organisation.id)))


def taken_slot_ids(event_id: int) -> set[int]:
    return set(db.session.scalars(select(Booking.slot_id).where(
        Booking.event_id == event_id, Booking.status == BookingStatus.BOOKED)))


def timetable_of(event_id: int, organisation_id: int) -> list[Booking]:
    """An organisation's booked appointments at the event, earliest first."""
    return list(db.session.scalars(
        select(Booking).join(BuyerSlot, BuyerSlot.id == Booking.slot_id)
        .where(Booking.event_id == event_id, Booking.organisation_id == organisation_id,
               Booking.status == BookingStatus.BOOKED)
        .options(joinedload(Booking.slot),
                 joinedload(Booking.buyer).joinedload(EventBuyer.partner))
        .order_by(BuyerSlot.starts_at, Booking.id)))


def slot_in_event(event_id: int, slot_id: int) -> BuyerSlot | None:
    """The slot, if it is in the timetable of one of the event's buyers."""
    return db.session.scalar(
        select(BuyerSlot).join(EventBuyer, EventBuyer.id == BuyerSlot.buyer_id)
        .where(BuyerSlot.id == slot_id, EventBuyer.event_id == event_id)
        .options(joinedload(BuyerSlot.buyer).joinedload(EventBuyer.partner)))


@dataclass(frozen=True)
class Appointment:
    """One row of a buyer's printable list and CSV."""

    starts_at: datetime
    ends_at: datetime
    supplier: str
    offer: str
    booked_by: str
    charter_status: str


CHARTER_STATUS_WORDS = {ApplicationStatus.APPROVED: "Signatory",
                        ApplicationStatus.LAPSED: "Lapsed"}


def charter_status(organisation: Organisation) -> str:
    return CHARTER_STATUS_WORDS.get(organisation.status, "Not yet signed")


def appointments_of(buyer_id: int) -> list[Appointment]:
    """A buyer's booked appointments, earliest first, with each supplier's offer and standing."""
    bookings = db.session.scalars(
        select(Booking).join(BuyerSlot, BuyerSlot.id == Booking.slot_id)
        .where(Booking.buyer_id == buyer_id, Booking.status == BookingStatus.BOOKED)
        .options(joinedload(Booking.slot), joinedload(Booking.organisation),
                 joinedload(Booking.booked_by))
        .order_by(BuyerSlot.starts_at, Booking.id))
    return [Appointment(starts_at=booking.slot.starts_at, ends_at=booking.slot.ends_at,
                        supplier=booking.organisation.name, offer=booking.offer,
                        booked_by=booking.booked_by.email if booking.booked_by else "",
                        charter_status=charter_status(booking.organisation))
            for booking in bookings]


def buyers_with_slots(event_id: int) -> list[EventBuyer]:
    """The event's buyers with their partners and slots, by partner name."""
    from charter_app.events.buyers import buyers_of

    return buyers_of(event_id)


# --- booking -----------------------------------------------------------------------------------

def clean_offer(offer: str | None) -> str:
    offer = (offer or "").strip()
    if not offer:
        raise BookingRefused("offer", "Enter two sentences on what your organisation offers")
    if len(offer) > OFFER_MAX_LENGTH:
        raise BookingRefused("offer", f"What you offer must be {OFFER_MAX_LENGTH} characters "
                                      "or fewer")
    return offer


def _check_event_open(event: Event, now: datetime) -> None:
    if event.kind != EventKind.MEET_THE_BUYER or event.status != EventStatus.PUBLISHED:
        raise BookingRefused("event", "This event has no appointments to book")
    if now >= event.starts_at:
        raise BookingRefused("event", "This event has started: appointments can no longer be "
                                      "booked or cancelled")


def _insert_booking(**values) -> int | None:
    """The new booking's id, or None when a unique index refused it (the slot was taken, or
    this supplier has a slot with this buyer): ON CONFLICT DO NOTHING, whichever index."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = Booking.__table__
    return db.session.execute(
        dialect.insert(table).values(**values).on_conflict_do_nothing()
        .returning(table.c.id)).scalar_one_or_none()


def book_slot(event_id: int, slot_id: int, *, organisation_id: int, by, offer: str | None,
              now: datetime | None = None) -> Booking:
    """Book the slot for the organisation, with what it offers for the buyer to read first."""
    from charter_app.events import booking_emails

    now = now or utcnow()
    offer = clean_offer(offer)
    slot = slot_in_event(event_id, slot_id)
    if slot is None:
        raise BookingRefused("slot", "That appointment is not in this event's timetables. "
                                     "Choose one of the free times below.")
    event = db.session.get(Event, event_id)
    _check_event_open(event, now)
    # One supplier's bookings queue behind each other from here to the commit.
    if lock_for_update(Organisation, organisation_id) is None:
        raise LookupError(f"no organisation {organisation_id}")
    if not has_confirmed_place(event_id, organisation_id):
        raise BookingRefused("event", "Only organisations with a confirmed place at this event "
                                      "can book appointments. An organisation on the waiting "
                                      "list can book once it has a place.")
    mine = timetable_of(event_id, organisation_id)
    buyer_name = slot.buyer.partner.name
    for booking in mine:
        if booking.buyer_id == slot.buyer_id:
            raise BookingRefused(
                "slot", f"You already have an appointment with {buyer_name} at "
                        f"{_clock(booking.slot.starts_at)}. Each supplier can book one "
                        "appointment with each buyer: cancel that one first to choose "
                        "another time.")
        if booking.slot.starts_at < slot.ends_at and slot.starts_at < booking.slot.ends_at:
            raise BookingRefused(
                "slot", f"You already have an appointment at {_clock(booking.slot.starts_at)} "
                        f"with {booking.buyer.partner.name}, so you cannot meet {buyer_name} "
                        f"at {_clock(slot.starts_at)} too. Choose another time.")
    taken = BookingRefused("slot", f"Sorry, another supplier has just booked {buyer_name} at "
                                   f"{_clock(slot.starts_at)}. Choose another time.")
    if slot.id in taken_slot_ids(event_id):
        raise taken
    new_id = _insert_booking(
        slot_id=slot.id, buyer_id=slot.buyer_id, event_id=event_id,
        organisation_id=organisation_id, booked_by_id=by.id if by is not None else None,
        offer=offer, status=BookingStatus.BOOKED, sequence=0, created_at=now)
    if new_id is None:
        raise taken
    booking = db.session.get(Booking, new_id)
    booking_emails.booking_confirmed(booking)
    return booking


# --- cancelling --------------------------------------------------------------------------------

def _cancel(booking: Booking, now: datetime) -> None:
    from charter_app.events import booking_emails

    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.sequence += 1
    db.session.flush()
    booking_emails.booking_cancelled(booking)


def booking_of(event_id: int, organisation_id: int, booking_id: int) -> Booking | None:
    """The organisation's booking at the event (any status), or None."""
    return db.session.scalar(select(Booking).where(
        Booking.id == booking_id, Booking.event_id == event_id,
        Booking.organisation_id == organisation_id)
        .options(joinedload(Booking.slot),
                 joinedload(Booking.buyer).joinedload(EventBuyer.partner)))


def cancel_booking(booking_id: int, *, organisation_id: int,
                   now: datetime | None = None) -> Booking:
    """The supplier gives up an appointment, until the event starts; the slot is free again."""
    now = now or utcnow()
    if lock_for_update(Organisation, organisation_id) is None:
        raise LookupError(f"no organisation {organisation_id}")
    booking = db.session.scalar(
        select(Booking).where(Booking.id == booking_id,
                              Booking.organisation_id == organisation_id)
        .execution_options(populate_existing=True))
    if booking is None:
        raise LookupError(f"no booking {booking_id}")
    if booking.status != BookingStatus.BOOKED:
        raise StateChangeRefused(booking.status, BookingStatus.CANCELLED)
    event = db.session.get(Event, booking.event_id)
    if now >= event.starts_at:
        raise BookingRefused("event", "This event has started: appointments can no longer be "
                                      "cancelled")
    _cancel(booking, now)
    return booking


def cancel_bookings_of(event_id: int, organisation_id: int, *,
                       now: datetime | None = None) -> list[Booking]:
    """Cancel every appointment the organisation booked at the event, each with its email (for
    when it no longer has a confirmed place there). Safe to call twice."""
    now = now or utcnow()
    if lock_for_update(Organisation, organisation_id) is None:
        return []
    bookings = list(db.session.scalars(
        select(Booking).where(Booking.event_id == event_id,
                              Booking.organisation_id == organisation_id,
                              Booking.status == BookingStatus.BOOKED)
        .options(selectinload(Booking.slot))
        .execution_options(populate_existing=True)))
    for booking in bookings:
        _cancel(booking, now)
    return bookings


def booked_counts(event_id: int) -> dict[int, int]:
    """Booked appointments per buyer at the event."""
    return dict(db.session.execute(
        select(Booking.buyer_id, func.count(Booking.id))
        .where(Booking.event_id == event_id, Booking.status == BookingStatus.BOOKED)
        .group_by(Booking.buyer_id)).all())
