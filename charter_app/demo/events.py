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
        registration_opens_at=starts_at - timedelta(days=42),
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
