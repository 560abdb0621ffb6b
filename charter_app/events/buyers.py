"""Partners, the buyers they send to meet-the-buyer events, and each buyer's timetable of slots.

A timetable is typed in UK time on the event's day (slot length, from, to, breaks) and stored
as `BuyerSlot` rows in UTC. Regenerating it keeps every slot that is still in it (booked or
not), and is refused when a booked slot would vanish: the supplier who booked it must be told
first, by cancelling the booking.

Every change to a buyer or its slots locks the event's row first (as registrations do), so two
staff members changing one timetable queue behind each other. Services flush, never commit.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from charter_app.events.models import (
    Booking,
    BookingStatus,
    BuyerSlot,
    Event,
    EventBuyer,
    EventKind,
    EventStatus,
    Partner,
)
from charter_app.events.registrations import locked_event
from charter_app.extensions import db
from charter_app.forms import column_length
from charter_app.locking import insert_unless_taken, lock_for_update
from charter_app.timeutil import LONDON, to_london, utcnow

PARTNER_NAME_MAX_LENGTH = column_length(Partner.name)
PARTNER_WEBSITE_MAX_LENGTH = column_length(Partner.website)
PARTNER_DESCRIPTION_MAX_LENGTH = 2000
BUYS_MAX_LENGTH = 2000
OPPORTUNITIES_MAX_LENGTH = 2000
SLOT_MINUTES_MIN = 5
SLOT_MINUTES_MAX = 240
# More than a working day of 5-minute slots: a timetable longer than this is a typing mistake.
SLOTS_MAX = 120


class BuyerRefused(ValueError):
    """A partner, buyer or timetable change cannot be made; `field` names the detail at fault
    (or "event"), `message` says why in words for the page."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- partners ----------------------------------------------------------------------------------

@dataclass
class PartnerDetails:
    name: str
    website: str | None = None
    description: str | None = None


def _clean_partner(details: PartnerDetails) -> PartnerDetails:
    name = " ".join((details.name or "").split())
    website = (details.website or "").strip() or None
    description = (details.description or "").strip() or None
    if not name:
        raise BuyerRefused("name", "Enter the partner's name")
    if len(name) > PARTNER_NAME_MAX_LENGTH:
        raise BuyerRefused("name", f"Name must be {PARTNER_NAME_MAX_LENGTH} characters or fewer")
    if website is not None:
        if len(website) > PARTNER_WEBSITE_MAX_LENGTH:
            raise BuyerRefused(
                "website", f"Website must be {PARTNER_WEBSITE_MAX_LENGTH} characters or fewer")
        parts = urlsplit(website)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in website:
            raise BuyerRefused("website", "Enter the website as a full address, like "
                                          "https://www.durham.gov.uk")
    if description is not None and len(description) > PARTNER_DESCRIPTION_MAX_LENGTH:
        raise BuyerRefused("description", "Description must be "
                                          f"{PARTNER_DESCRIPTION_MAX_LENGTH} characters or fewer")
    return PartnerDetails(name=name, website=website, description=description)


def _name_taken(name: str, except_id: int | None = None) -> bool:
    statement = select(Partner.id).where(func.lower(Partner.name) == name.lower())
    if except_id is not None:
        statement = statement.where(Partner.id != except_id)
    return db.session.scalar(statement.limit(1)) is not None


def duplicate_name(name: str) -> BuyerRefused:
    return BuyerRefused("name", f"There is already a partner called {name}. Use that one, or "
                                "give this partner a different name.")


def all_partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(func.lower(Partner.name))))


def add_partner(details: PartnerDetails) -> Partner:
    details = _clean_partner(details)
    if _name_taken(details.name):
        raise duplicate_name(details.name)
    # The unique index is the last word when two staff add the same name at once.
    partner = insert_unless_taken(Partner, "name", name=details.name, website=details.website,
                                  description=details.description, created_at=utcnow())
    if partner is None:
        raise duplicate_name(details.name)
    return partner


def update_partner(partner_id: int, details: PartnerDetails) -> Partner:
    details = _clean_partner(details)
    partner = lock_for_update(Partner, partner_id)
    if partner is None:
        raise LookupError(f"no partner {partner_id}")
    if _name_taken(details.name, except_id=partner.id):
        raise duplicate_name(details.name)
    partner.name, partner.website = details.name, details.website
    partner.description = details.description
    db.session.flush()
    return partner


# --- buyers at an event ------------------------------------------------------------------------



def _check_event_takes_buyers(event: Event) -> None:
    if event.kind != EventKind.MEET_THE_BUYER:
        raise BuyerRefused("event", "Only meet-the-buyer events have buyers")
    if event.status == EventStatus.CANCELLED:
        raise BuyerRefused("event", "This event is cancelled, so its buyers cannot change")


def _clean_long_text(value: str | None, field_name: str, label: str, limit: int) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > limit:
        raise BuyerRefused(field_name, f"{label} must be {limit} characters or fewer")
    return value


def buyers_of(event_id: int) -> list[EventBuyer]:
    """The event's buyers, by partner name, with their partners and slots (three statements)."""
    return list(db.session.scalars(
        select(EventBuyer).join(Partner, Partner.id == EventBuyer.partner_id)
        .where(EventBuyer.event_id == event_id)
        .options(selectinload(EventBuyer.partner), selectinload(EventBuyer.slots))
        .order_by(func.lower(Partner.name), EventBuyer.id)))


def partners_not_at(event_id: int) -> list[Partner]:
    """Partners that are not yet buyers at the event, to choose from."""
    taken = select(EventBuyer.partner_id).where(EventBuyer.event_id == event_id)
    return list(db.session.scalars(
        select(Partner).where(Partner.id.not_in(taken)).order_by(func.lower(Partner.name))))


def add_buyer(event_id: int, partner_id: int | None, *, buys: str | None,
              opportunities: str | None) -> EventBuyer:
    buys = _clean_long_text(buys, "buys", "What it buys", BUYS_MAX_LENGTH)
    opportunities = _clean_long_text(opportunities, "opportunities", "Upcoming opportunities",
                                     OPPORTUNITIES_MAX_LENGTH)
    event = locked_event(event_id)
    _check_event_takes_buyers(event)
    partner = db.session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        raise BuyerRefused("partner", "Select the partner")
    buyer = insert_unless_taken(EventBuyer, ("event_id", "partner_id"), event_id=event.id,
                                partner_id=partner.id, buys=buys, opportunities=opportunities)
    if buyer is None:
        raise BuyerRefused("partner", f"{partner.name} is already a buyer at this event")
    return buyer


def update_buyer(buyer_id: int, *, buys: str | None, opportunities: str | None) -> EventBuyer:
    buys = _clean_long_text(buys, "buys", "What it buys", BUYS_MAX_LENGTH)
    opportunities = _clean_long_text(opportunities, "opportunities", "Upcoming opportunities",
                                     OPPORTUNITIES_MAX_LENGTH)
    buyer = _buyer(buyer_id)
    _check_event_takes_buyers(locked_event(buyer.event_id))
    buyer.buys, buyer.opportunities = buys, opportunities
    db.session.flush()
    return buyer


def booked_count(buyer_id: int) -> int:
    return db.session.scalar(select(func.count(Booking.id)).where(
        Booking.buyer_id == buyer_id, Booking.status == BookingStatus.BOOKED)) or 0


def remove_buyer(buyer_id: int) -> None:
    """Take a buyer off the event with its timetable; refused once a supplier has booked."""
    buyer = _buyer(buyer_id)
    locked_event(buyer.event_id)
    booked = booked_count(buyer.id)
    if booked:
        raise BuyerRefused(
            "buyer", f"{buyer.partner.name} has {booked} booked "
                     f"{'appointment' if booked == 1 else 'appointments'}, so it cannot be "
                     "removed. Suppliers must cancel their bookings first.")
    db.session.execute(delete(Booking).where(Booking.buyer_id == buyer.id))
    db.session.delete(buyer)
    db.session.flush()


def _buyer(buyer_id: int) -> EventBuyer:
    buyer = db.session.get(EventBuyer, buyer_id)
    if buyer is None:
        raise LookupError(f"no buyer {buyer_id}")
    return buyer


# --- timetables --------------------------------------------------------------------------------

@dataclass
class TimetablePlan:
    """A timetable as staff type it, in UK time on the event's day."""

    slot_minutes: int
    starts: time
    ends: time
    breaks: list[tuple[time, time]] = field(default_factory=list)


_BREAK = re.compile(r"\s*([^-–—]+?)\s*(?:-|–|—|to)\s*(.+?)\s*")


def parse_breaks(text: str | None, parse_time) -> list[tuple[time, time]]:
    """'11:00-11:15, 12:30-13:00' -> [(11:00, 11:15), (12:30, 13:00)]; BuyerRefused naming
    the part that is not a break. `parse_time` reads one time ('11:00', '11am')."""
    breaks = []
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        match = _BREAK.fullmatch(part)
        times = [parse_time(value) if value.isascii() else None
                 for value in (match.groups() if match else ())]
        if not times or None in times:
            raise BuyerRefused("breaks", f"Enter each break as a start and end time, like "
                                         f"11:00-11:15 (not ‘{part.strip()[:40]}’)")
        start, end = (time(*value) for value in times)
        if end <= start:
            raise BuyerRefused("breaks", f"A break must end after it starts "
                                         f"({start:%H:%M}-{end:%H:%M})")
        breaks.append((start, end))
    return sorted(breaks)


def _on_event_day(event: Event, value: time) -> datetime:
    day = to_london(event.starts_at).date()
    return datetime.combine(day, value, tzinfo=LONDON).astimezone(event.starts_at.tzinfo)


def plan_slots(event: Event, plan: TimetablePlan) -> list[tuple[datetime, datetime]]:
    """The slots a plan gives, as (start, end) in UTC; BuyerRefused naming the field at fault."""
    if not SLOT_MINUTES_MIN <= plan.slot_minutes <= SLOT_MINUTES_MAX:
        raise BuyerRefused("slot_minutes", f"Slot length must be between {SLOT_MINUTES_MIN} "
                                           f"and {SLOT_MINUTES_MAX} minutes")
    starts, ends = _on_event_day(event, plan.starts), _on_event_day(event, plan.ends)
    if ends <= starts:
        raise BuyerRefused("ends", "The last slot must end after the first one starts")
    if starts < event.starts_at or ends > event.ends_at:
        raise BuyerRefused(
            "starts" if starts < event.starts_at else "ends",
            f"Slots must fit inside the event, from {event.starts_at.astimezone(LONDON):%H:%M} "
            f"to {event.ends_at.astimezone(LONDON):%H:%M} UK time")
    breaks = [(_on_event_day(event, start), _on_event_day(event, end))
              for start, end in plan.breaks]
    length = timedelta(minutes=plan.slot_minutes)
    slots = []
    start = starts
    while start + length <= ends:
        clash = next(((b_start, b_end) for b_start, b_end in breaks
                      if start < b_end and b_start < start + length), None)
        if clash is not None:
            start = max(start, clash[1])  # the next slot starts when the break ends
            continue
        slots.append((start, start + length))
        start += length
        if len(slots) > SLOTS_MAX:
            raise BuyerRefused("slot_minutes", f"That makes more than {SLOTS_MAX} slots: "
                                               "choose longer slots or a shorter time")
    if not slots:
        raise BuyerRefused("ends", f"No {plan.slot_minutes}-minute slot fits between those "
                                   "times and breaks")
    return slots


def set_timetable(buyer_id: int, plan: TimetablePlan) -> list[BuyerSlot]:
    """Make the buyer's slots those of the plan: slots still in it are kept (with their
    bookings), the others go, new ones are added. Refused, changing nothing, when a booked
    slot would go."""
    buyer = _buyer(buyer_id)
    event = locked_event(buyer.event_id)
    _check_event_takes_buyers(event)
    wanted = plan_slots(event, plan)
    wanted_set = set(wanted)
    existing = list(db.session.scalars(
        select(BuyerSlot).where(BuyerSlot.buyer_id == buyer.id)
        .execution_options(populate_existing=True)))
    booked_ids = set(db.session.scalars(select(Booking.slot_id).where(
        Booking.buyer_id == buyer.id, Booking.status == BookingStatus.BOOKED)))
    going = [slot for slot in existing if (slot.starts_at, slot.ends_at) not in wanted_set]
    lost = [slot for slot in going if slot.id in booked_ids]
    if lost:
        times = ", ".join(f"{to_london(slot.starts_at):%H:%M}" for slot in lost)
        raise BuyerRefused(
            "slot_minutes", f"The booked {'slot' if len(lost) == 1 else 'slots'} at {times} "
                            "would no longer be in the timetable. Keep them in it, or ask "
                            "the suppliers to cancel first.")
    going_ids = [slot.id for slot in going]
    if going_ids:
        db.session.execute(delete(Booking).where(Booking.slot_id.in_(going_ids)))
        db.session.execute(delete(BuyerSlot).where(BuyerSlot.id.in_(going_ids)))
    kept = {(slot.starts_at, slot.ends_at) for slot in existing if slot.id not in going_ids}
    for start, end in wanted:
        if (start, end) not in kept:
            db.session.add(BuyerSlot(buyer_id=buyer.id, starts_at=start, ends_at=end))
    db.session.flush()
    db.session.expire(buyer, ["slots"])
    return list(buyer.slots)


def current_plan(buyer: EventBuyer) -> TimetablePlan | None:
    """The plan the buyer's slots came from, as near as it can be read back (for the form)."""
    slots = buyer.slots
    if not slots:
        return None
    length = slots[0].ends_at - slots[0].starts_at
    breaks = [(to_london(earlier.ends_at).time(), to_london(later.starts_at).time())
              for earlier, later in zip(slots, slots[1:], strict=False)
              if later.starts_at > earlier.ends_at]
    return TimetablePlan(slot_minutes=int(length.total_seconds() // 60),
                         starts=to_london(slots[0].starts_at).time(),
                         ends=to_london(slots[-1].ends_at).time(), breaks=breaks)
