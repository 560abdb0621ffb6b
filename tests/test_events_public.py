"""The public pages of events: upcoming and past lists, one event, and its calendar file."""

import itertools
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from charter_app.events import queries
from charter_app.events.display import when
from charter_app.events.models import Eligibility, Event, EventKind, EventStatus
from charter_app.extensions import db
from charter_app.timeutil import LONDON, utcnow
from tests.conftest import counting_statements

_numbers = itertools.count(1)
JOIN_URL = "https://meet.example.net/j/secret-join-link-123"


def make_event(*, starts_at: datetime | None = None, hours: float = 3,
               status: str = EventStatus.PUBLISHED, kind: str = EventKind.WORKSHOP,
               **fields) -> Event:
    """An event row, committed; published ones (and cancelled ones) were published first."""
    starts_at = starts_at or utcnow() + timedelta(days=10)
    number = next(_numbers)
    values = {
        "title": f"Workshop {number}",
        "description": "How to bid for local contracts.",
        "venue": None if kind == EventKind.WEBINAR else "Durham Town Hall",
        "address": None if kind == EventKind.WEBINAR else "Market Place, Durham DH1 3NJ",
        "join_url": JOIN_URL if kind == EventKind.WEBINAR else None,
        "capacity": 40,
        "eligibility": Eligibility.ANY_BUSINESS,
        "registration_opens_at": starts_at - timedelta(days=30),
        "registration_closes_at": starts_at - timedelta(days=1),
        "published_at": None if status == EventStatus.DRAFT else starts_at - timedelta(days=40),
        **fields,
    }
    event = Event(kind=kind, status=status, starts_at=starts_at,
                  ends_at=starts_at + timedelta(hours=hours), **values)
    db.session.add(event)
    db.session.commit()
    return event


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def parse_calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.data)


# --- the list of upcoming events ---------------------------------------------------------------

def test_upcoming_lists_published_events_soonest_first(app_ctx, client):
    now = utcnow()
    later = make_event(title="Later workshop", starts_at=now + timedelta(days=20))
    sooner = make_event(title="Sooner webinar", kind=EventKind.WEBINAR,
                        starts_at=now + timedelta(days=5))
    make_event(title="A draft nobody sees", status=EventStatus.DRAFT)
    make_event(title="Last month's workshop", starts_at=now - timedelta(days=30))
    happening = make_event(title="Happening now", starts_at=now - timedelta(hours=1))

    assert queries.upcoming_events(now) == [happening, sooner, later]
    page = client.get("/events").get_data(as_text=True)
    assert page.index("Happening now") < page.index("Sooner webinar") < page.index("Later workshop")
    assert "A draft nobody sees" not in page
    assert "Last month" not in page
    assert "3 upcoming events" in page
    assert "Online" in page and "Durham Town Hall, Market Place, Durham DH1 3NJ" in page
    assert "40 places" in page
    assert "Any local business or voluntary organisation" in page
    assert JOIN_URL not in page
    assert 'href="/events/past"' in page
    assert f'href="/events/{later.id}"' in page


def test_cancelled_events_stay_listed_marked_cancelled_until_they_would_have_ended(app_ctx,
                                                                                   client):
    now = utcnow()
    cancelled = make_event(title="Called off", status=EventStatus.CANCELLED,
                           cancelled_at=now, cancellation_reason="The hall flooded.")
    make_event(title="Cancelled before anyone saw it", status=EventStatus.CANCELLED,
               published_at=None)
    make_event(title="Cancelled last month", status=EventStatus.CANCELLED,
               starts_at=now - timedelta(days=30))

    assert queries.upcoming_events(now) == [cancelled]
    page = client.get("/events").get_data(as_text=True)
    assert "Called off" in page and "Cancelled</strong>" in page
    assert "Cancelled before anyone saw it" not in page
    # A cancelled event did not take place: not among past events either.
    assert queries.past_events(now, 1).items == []


def test_signatories_only_in_plain_words(app_ctx, client):
    make_event(eligibility=Eligibility.SIGNATORIES, capacity=1)
    page = client.get("/events").get_data(as_text=True)
    assert "Charter signatories only" in page
    assert "1 place<" in page


def test_no_upcoming_events(app_ctx, client):
    response = client.get("/events")
    assert response.status_code == 200
    assert "There are no upcoming events at the moment" in response.get_data(as_text=True)


def test_the_navigation_links_to_events(app_ctx, client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/events"' in page and ">Events<" in page
    events_page = client.get("/events").get_data(as_text=True)
    assert 'aria-current="page"' in events_page.split('href="/events"', 1)[1][:40]


# --- past events ---------------------------------------------------------------------------

def test_past_events_newest_first_and_paginated(app_ctx, client):
    now = utcnow()
    past = [make_event(title=f"Past event {n:02}", starts_at=now - timedelta(days=n))
            for n in range(1, 24)]  # past[0] is the newest
    make_event(title="Upcoming one")
    make_event(title="Draft from last year", status=EventStatus.DRAFT,
               starts_at=now - timedelta(days=300))

    first = queries.past_events(now, 1)
    assert first.items == past[:20] and first.total == 23 and first.pages == 2
    second = queries.past_events(now, 2)
    assert second.items == past[20:] and second.page == 2
    # A page past the end shows the last page.
    assert queries.past_events(now, 99).items == past[20:]

    page = client.get("/events/past").get_data(as_text=True)
    assert page.index("Past event 01") < page.index("Past event 20")
    assert "Past event 21" not in page and "Upcoming one" not in page
    assert "Draft from last year" not in page
    assert "23 past events" in page
    assert 'href="/events/past?page=2"' in page and 'rel="next"' in page
    page_two = client.get("/events/past?page=2").get_data(as_text=True)
    assert "Past event 23" in page_two and "Past event 01" not in page_two
    assert 'rel="prev"' in page_two and "page 2 of 2" in page_two


@pytest.mark.parametrize("page", ["0", "-1", "x", "1e3", "٣", "99999999999999999999", ""])
def test_odd_page_numbers_show_a_page(app_ctx, client, page):
    make_event(starts_at=utcnow() - timedelta(days=3), title="Last week's workshop")
    response = client.get(f"/events/past?page={page}")
    assert response.status_code == 200
    assert "Last week&#39;s workshop" in response.get_data(as_text=True)


def test_no_past_events(app_ctx, client):
    assert "No events have taken place yet" in client.get("/events/past").get_data(as_text=True)


def test_each_list_is_one_statement_however_many_events(app, app_ctx, client):
    def statements_for(path: str) -> int:
        with counting_statements(app) as statements:
            assert client.get(path).status_code == 200
        return len([s for s in statements if "events" in s])

    now = utcnow()
    make_event()
    make_event(starts_at=now - timedelta(days=2))
    few = statements_for("/events"), statements_for("/events/past")
    for n in range(12):
        make_event(kind=EventKind.WEBINAR)
        make_event(starts_at=now - timedelta(days=3 + n))
    assert (statements_for("/events"), statements_for("/events/past")) == few == (1, 1)


# --- one event -----------------------------------------------------------------------------

def test_an_event_page(app_ctx, client):
    event = make_event(title="Meet the council's buyers", kind=EventKind.MEET_THE_BUYER,
                       starts_at=london(2031, 3, 4, 10), hours=3,
                       description="Meet the buyers.\n\nBring your\ncapability statement.")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Meet the council&#39;s buyers</h1>" in page
    assert "Meet the buyer" in page
    assert "Tuesday 4 March 2031, 10am to 1pm" in page
    assert "Durham Town Hall, Market Place, Durham DH1 3NJ" in page
    assert "40 places" in page
    assert "Bring your<br>capability statement." in page
    assert f'href="/events/{event.id}.ics"' in page and "Add to calendar" in page


def test_a_webinar_page_never_shows_its_join_link(app_ctx, client):
    event = make_event(kind=EventKind.WEBINAR, title="Social value webinar")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Online" in page
    assert "The link to join is sent to confirmed attendees" in page
    assert JOIN_URL not in page and "meet.example.net" not in page
    assert JOIN_URL not in client.get(f"/events/{event.id}.ics").get_data(as_text=True)


def test_a_cancelled_event_says_so_with_its_reason(app_ctx, client):
    event = make_event(status=EventStatus.CANCELLED, cancelled_at=utcnow(),
                       cancellation_reason="The speaker is ill. We will set a new date.")
    response = client.get(f"/events/{event.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Cancelled" in page and "This event has been cancelled" in page
    assert "The speaker is ill. We will set a new date." in page
    assert "Add to calendar" not in page


def test_a_past_event_says_it_has_taken_place(app_ctx, client):
    event = make_event(starts_at=utcnow() - timedelta(days=3))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "This event has taken place" in page and "Add to calendar" not in page


@pytest.mark.parametrize("suffix", ["", ".ics"])
def test_drafts_unknown_and_never_published_events_are_not_found(app_ctx, client, suffix):
    draft = make_event(status=EventStatus.DRAFT)
    hidden = make_event(status=EventStatus.CANCELLED, published_at=None)
    for event_id in (draft.id, hidden.id, 999_999, 2**31 - 1, 2**31):
        assert client.get(f"/events/{event_id}{suffix}").status_code == 404, event_id
    assert client.get(f"/events/abc{suffix}").status_code == 404


# --- times in words ------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "hours", "words"), [
    ((2026, 3, 3, 10), 3, "Tuesday 3 March 2026, 10am to 1pm"),
    ((2026, 3, 29, 10), 2.5, "Sunday 29 March 2026, 10am to 12:30pm"),  # the spring change
    ((2026, 10, 25, 10), 2, "Sunday 25 October 2026, 10am to midday"),  # the autumn change
    ((2026, 7, 1, 18, 30), 24, "Wednesday 1 July 2026, 6:30pm to Thursday 2 July 2026, 6:30pm"),
])
def test_when_in_uk_time(start, hours, words):
    starts_at = london(*start)
    assert when(Event(starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))) == words


# --- the calendar file -------------------------------------------------------------------------

def test_calendar_file_carries_the_event(app, app_ctx, client):
    event = make_event(title="Meet the buyer: Durham", kind=EventKind.MEET_THE_BUYER,
                       starts_at=london(2031, 6, 3, 10), sequence=3,
                       description="Meet the council and the water company.")
    response = client.get(f"/events/{event.id}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="meet-the-buyer-durham.ics"'
    calendar = parse_calendar(response)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//County Durham Pound Charter//Events//EN"
    assert calendar["METHOD"] == "PUBLISH"
    [entry] = calendar.walk("VEVENT")
    assert entry["UID"] == f"event-{event.id}@localhost"  # BASE_URL is http://localhost in tests
    assert entry["SEQUENCE"] == 3
    assert entry.decoded("DTSTAMP").tzinfo is not None
    assert entry.decoded("DTSTART") == london(2031, 6, 3, 10)
    assert entry.decoded("DTEND") == london(2031, 6, 3, 13)
    assert entry["SUMMARY"] == "Meet the buyer: Durham"
    assert "Meet the council and the water company." in entry["DESCRIPTION"]
    assert entry["LOCATION"] == "Durham Town Hall, Market Place, Durham DH1 3NJ"
    assert entry["URL"] == f"http://localhost/events/{event.id}"
    assert entry["STATUS"] == "CONFIRMED"
    # The same UID every time, so a calendar updates its entry rather than adding another.
    again = parse_calendar(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    assert again["UID"] == entry["UID"]


def test_calendar_file_of_a_webinar_says_online(app_ctx, client):
    event = make_event(kind=EventKind.WEBINAR)
    entry = parse_calendar(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    assert entry["LOCATION"] == "Online"
    assert JOIN_URL not in entry["DESCRIPTION"]


def test_calendar_file_of_a_cancelled_event(app_ctx, client):
    event = make_event(status=EventStatus.CANCELLED, cancellation_reason="Snow.", sequence=1)
    entry = parse_calendar(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    assert entry["STATUS"] == "CANCELLED"
    assert entry["SEQUENCE"] == 1
    assert entry["SUMMARY"].startswith("Cancelled: ")
    assert "Snow." in entry["DESCRIPTION"]


@pytest.mark.parametrize(("local_start", "utc_start"), [
    ((2026, 3, 28, 10), "20260328T100000Z"),  # Saturday: still GMT
    ((2026, 3, 29, 10), "20260329T090000Z"),  # last Sunday of March: BST from 1am
    ((2026, 10, 24, 10), "20261024T090000Z"),  # Saturday: still BST
    ((2026, 10, 25, 10), "20261025T100000Z"),  # last Sunday of October: GMT from 2am
])
def test_calendar_times_across_the_clock_changes(app_ctx, client, local_start, utc_start):
    event = make_event(starts_at=london(*local_start), hours=2)
    response = client.get(f"/events/{event.id}.ics")
    assert f"DTSTART:{utc_start}" in response.get_data(as_text=True)
    entry = parse_calendar(response).walk("VEVENT")[0]
    start = entry.decoded("DTSTART").astimezone(LONDON)
    assert (start.hour, start.minute) == (10, 0)
    assert entry.decoded("DTEND").astimezone(LONDON).hour == 12


def test_calendar_text_is_escaped(app_ctx, client):
    title = "Bids, tenders; and\nsocial value"
    event = make_event(title=title, description="One; two, three\nfour\\five",
                       venue="Hall 2, East Wing", address="1 Road; Durham")
    response = client.get(f"/events/{event.id}.ics")
    raw = response.get_data(as_text=True)
    assert "SUMMARY:Bids\\, tenders\\; and\\nsocial value" in raw
    entry = parse_calendar(response).walk("VEVENT")[0]
    assert entry["SUMMARY"] == title
    assert entry["DESCRIPTION"].startswith("One; two, three\nfour\\five")
    assert entry["LOCATION"] == "Hall 2, East Wing, 1 Road; Durham"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="bids-tenders-and-social-value.ics"'


def test_calendar_filename_falls_back_to_the_event_number(app_ctx, client):
    event = make_event(title="«»—")
    response = client.get(f"/events/{event.id}.ics")
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="event-{event.id}.ics"'
