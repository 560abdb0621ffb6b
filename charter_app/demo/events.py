"""Demo events, made up (titles, venues and people), run through the events services as staff
and attendees would have: two past events with attendance, upcoming ones with registrations,
one full with a waiting list, a meet-the-buyer day with buyers and booked slots, a webinar,
and a draft.

Registrations are made "at" a moment inside each event's registration window (the services
take `now`), so a past event's history is the one the services would have written.
"""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from charter_app.accounts.models import User
from charter_app.demo.partners import give_partners_pages
from charter_app.events import registrations, services
from charter_app.events.models import Event, EventKind
from charter_app.events.registrations import Attendee
from charter_app.organisations.models import Organisation

LONDON = ZoneInfo("Europe/London")
FIRST_NAMES = ["Sam", "Alex", "Jo", "Chris", "Priya", "Tom", "Aisha", "Gareth", "Leah", "Mo",
               "Hannah", "Dev", "Kirsty", "Liam", "Nadia", "Owen", "Ruth", "Sunil", "Tess", "Will"]
SURNAMES = ["Robson", "Bell", "Hall", "Pattinson", "Shah", "Armstrong", "Dixon", "Lowes",
            "Nixon", "Ward", "Khan", "Elliott", "Heron", "Milburn", "Charlton", "Taylor"]
NEEDS = [None, None, None, None, "Vegetarian lunch, please.", "Step-free access needed.",
         "I use a hearing loop.", "Gluten-free, please."]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A UK wall-clock time on a day, in UTC (right on either side of a clock change)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def _event(staff: User | None, kind: str, title: str, description: str, day: date,
           hours: tuple[int, int], capacity: int, *, publish_at: datetime | None,
           eligibility: str = "any_business", places: int = 2) -> Event:
    starts_at, ends_at = _at(day, hours[0]), _at(day, hours[1])
    details = services.EventDetails(
        kind=kind, title=title, description=description, starts_at=starts_at,
        ends_at=ends_at, capacity=capacity,
        registration_opens_at=starts_at - timedelta(days=60),
        registration_closes_at=starts_at - timedelta(days=1),
        places_per_organisation=places, eligibility=eligibility,
        venue=None if kind == EventKind.WEBINAR else VENUES[kind][0],
        address=None if kind == EventKind.WEBINAR else VENUES[kind][1],
        join_url="https://meet.example.com/cdp-webinar" if kind == EventKind.WEBINAR else None)
    event = services.create_event(details, by=staff)
    if publish_at is not None:
        services.publish_event(event.id, by=staff, now=publish_at)
    return event


VENUES = {
    EventKind.MEET_THE_BUYER: ("Durham Town Hall", "Market Place, Durham DH1 3NJ"),
    EventKind.WORKSHOP: ("Bishop Auckland Town Hall", "Market Place, Bishop Auckland DL14 7NP"),
}


def _person(rng: random.Random, number: int, organisation: Organisation) -> Attendee:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    domain = organisation.slug or f"organisation{organisation.id}"
    return Attendee(name=f"{first} {last}",
                    email=f"{first.lower()}.{last.lower()}{number}@{domain}.example",
                    needs=rng.choice(NEEDS))


def register_many(rng: random.Random, event: Event, organisations: list[Organisation],
                  count: int, *, when: datetime) -> list:
    """`count` attendees from different organisations, a few minutes apart from `when`."""
    made = []
    for number, organisation in enumerate(rng.sample(organisations, count)):
        made.append(registrations.register(
            event.id, organisation=organisation, attendee=_person(rng, number, organisation),
            now=when + timedelta(minutes=7 * number)))
    return made


# The partners named in the council's scrutiny report (shared/seeds: "Northumbria Water",
# Believe Housing, Durham County Council). What each buys here is made up for the demo.
PARTNERS = [
    ("Durham County Council", "https://www.durham.gov.uk",
     "Highways maintenance, building repairs, catering for schools, IT support."),
    ("Northumbrian Water", "https://www.nwl.co.uk",
     "Civil engineering, fleet servicing, site security, groundworks."),
    ("Believe Housing", "https://www.believehousing.co.uk",
     "Void property repairs, grounds maintenance, tenancy support services."),
]
FEEDBACK = [
    (5, "Met two buyers I would never have reached otherwise."),
    (4, "Useful, though the room was crowded at lunchtime."),
    (5, "Clear advice on the tender portal. Thank you."),
    (3, "Good, but I wanted more time with the council's team."),
    (4, None),
    (5, "The 1:1s were the best part."),
]


def _check_in_and_ask(rng: random.Random, event: Event, people: list, staff: User,
                      came: float, answered: float) -> None:
    from charter_app.events import checkin, feedback

    for number, registration in enumerate(people):
        if not registration.is_confirmed or rng.random() > came:
            continue
        checkin.check_in(event.id, registration.id, by=staff,
                         now=event.starts_at + timedelta(minutes=number % 25))
        if rng.random() < answered:
            rating, comment = rng.choice(FEEDBACK)
            feedback.give_feedback(registration, rating, comment,
                                   now=event.ends_at + timedelta(days=1, hours=number % 9))


def _buyers_with_timetables(event: Event) -> list:
    from datetime import time

    from charter_app.events import buyers

    made = []
    for name, website, buys in PARTNERS:
        partner = next((p for p in buyers.all_partners() if p.name == name), None) or (
            buyers.add_partner(buyers.PartnerDetails(name=name, website=website)))
        buyer = buyers.add_buyer(event.id, partner.id, buys=buys,
                                 opportunities="Contracts coming up this year will be "
                                               "listed on the day.")
        buyers.set_timetable(buyer.id, buyers.TimetablePlan(
            slot_minutes=15, starts=time(10), ends=time(13),
            breaks=[(time(11, 30), time(11, 45))]))
        made.append(buyer)
    give_partners_pages([buyer.partner for buyer in made])
    return made


def seed(rng: random.Random, signed: list[Organisation], showcase: Organisation | None,
         staff: User | None, now: datetime) -> None:
    """The demo's events; `signed` are approved signatories, `showcase` the signatory login's."""
    from charter_app.events import bookings

    if staff is None or len(signed) < 30:
        return
    today = now.astimezone(LONDON).date()
    announce = now - timedelta(days=90)

    past_day = _event(staff, EventKind.MEET_THE_BUYER,
                      "Meet the buyer: County Durham Pound partners",
                      "Meet buyers from the County Durham Pound partners and hear about their "
                      "plans for the year.", today - timedelta(weeks=9), (10, 14), 40,
                      publish_at=announce)
    people = register_many(rng, past_day, signed, 30, when=past_day.registration_opens_at)
    _check_in_and_ask(rng, past_day, people, staff, came=0.85, answered=0.5)

    workshop = _event(staff, EventKind.WORKSHOP, "Reporting social value: the TOMs in practice",
                      "A hands-on session on choosing measures, counting them and keeping "
                      "evidence.", today - timedelta(weeks=3), (13, 16), 25,
                      publish_at=announce)
    people = register_many(rng, workshop, signed, 18, when=workshop.registration_opens_at)
    _check_in_and_ask(rng, workshop, people, staff, came=0.8, answered=0.45)

    webinar = _event(staff, EventKind.WEBINAR, "Webinar: bidding for council contracts",
                     "How Durham County Council buys, where tenders are published and what a "
                     "good social value answer looks like.", today + timedelta(weeks=2),
                     (12, 13), 100, publish_at=now - timedelta(days=10))
    register_many(rng, webinar, signed, 23, when=now - timedelta(days=9))

    full = _event(staff, EventKind.WORKSHOP, "Writing a winning tender: a small-business clinic",
                  "Bring a tender you are working on; advisers go through it with you.",
                  today + timedelta(weeks=4), (9, 12), 12, publish_at=now - timedelta(days=8))
    register_many(rng, full, signed, 16, when=now - timedelta(days=7))  # 12 places, 4 waiting

    day = _event(staff, EventKind.MEET_THE_BUYER, "Meet the buyer: spring contracts day",
                 "Book 15-minute appointments with buyers from the council, the water "
                 "company and housing.", today + timedelta(weeks=6), (10, 14), 60,
                 publish_at=now - timedelta(days=6))
    suppliers = rng.sample([o for o in signed if o is not showcase], 20)
    if showcase is not None:
        suppliers[0] = showcase
    attendees = []
    for number, organisation in enumerate(suppliers):
        email = (organisation.memberships[0].user.email if organisation.memberships
                 else None)
        attendee = _person(rng, number, organisation)
        if email:
            attendee.email = email
        attendees.append(registrations.register(
            day.id, organisation=organisation, attendee=attendee,
            now=now - timedelta(days=5, minutes=-number * 13)))
    buyers = _buyers_with_timetables(day)
    for number, organisation in enumerate(suppliers[:14]):
        buyer = buyers[number % len(buyers)]
        slot = buyer.slots[number // len(buyers)]
        bookings.book_slot(day.id, slot.id, organisation_id=organisation.id,
                           by=organisation.memberships[0].user if organisation.memberships
                           else None,
                           offer=f"{organisation.name} supplies local services across County "
                                 "Durham. We would like to hear about your next contracts.",
                           now=now - timedelta(days=4, minutes=-number * 9))

    _event(staff, EventKind.WORKSHOP, "Draft: social value for charities",
           "Planned for the new year.", today + timedelta(weeks=10), (10, 12), 30,
           publish_at=None)
