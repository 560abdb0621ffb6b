"""Registering for events through the pages: places left, the waiting list, cancelling, the
attendee page, calendar invitations by email, notices of staff changes and the private feed."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import func, select

from charter_app.accounts.models import MemberRole, Membership
from charter_app.events import registrations, services, tickets
from charter_app.events.models import (
    Booking,
    BuyerSlot,
    EventBuyer,
    Partner,
    Registration,
    RegistrationStatus,
)
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import Organisation
from tests.builders import PASSWORD
from tests.conftest import counting_statements, log_in, submit_form

LONDON = ZoneInfo("Europe/London")
SENDER = "charter@countydurhampound.example"


def _member(build, status: str = "approved", **organisation):
    user = build.user()
    return user, build.organisation(user, status=status, **organisation)


def _signed_in(app, user):
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    return client


def _register(client, event, **data):
    form = {"name": "Sam Robson", "email": "sam@example.org", "needs": "", **data}
    return submit_form(client, f"/events/{event.id}/register", form)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _calendars(template: str, recipient: str | None = None) -> list[tuple[str, icalendar.Calendar]]:
    """The calendar files queued with emails of a template: (content type, parsed)."""
    query = select(OutboxMessage).where(OutboxMessage.template == template)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return [(message.attachment_type, icalendar.Calendar.from_ical(message.attachment_body))
            for message in db.session.scalars(query.order_by(OutboxMessage.id))
            if message.attachment_body]


def _vevent(calendar: icalendar.Calendar) -> icalendar.Event:
    (entry,) = calendar.walk("VEVENT")
    return entry


def _registration(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalars(select(Registration).where(
        Registration.attendee_email == email).order_by(Registration.id.desc())).first()


# --- the event page ----------------------------------------------------------------------------

def test_places_left_and_how_to_register(app, app_ctx, build, client):
    event = build.event(capacity=12)
    html = _text(_page(client, f"/events/{event.id}"))
    assert "12 places left" in html
    assert "Sign in or create an account to register" in html
    assert f"/login?next=/events/{event.id}/register" in _page(client, f"/events/{event.id}")

    user, _ = _member(build)
    member = _signed_in(app, user)
    html = _page(member, f"/events/{event.id}")
    assert f'href="/events/{event.id}/register"' in html
    assert "Sign in or create an account" not in html


def test_full_not_yet_open_and_closed_events_say_so(app_ctx, build, client):
    full = build.event(capacity=1)
    build.registration(full)
    assert "Full: you can join the waiting list" in _text(_page(client, f"/events/{full.id}"))

    later = build.event()
    opens = datetime(2030, 1, 7, 9, tzinfo=UTC)
    later.registration_opens_at = opens
    later.starts_at, later.ends_at = opens + timedelta(days=30), opens + timedelta(days=30, hours=2)
    later.registration_closes_at = opens + timedelta(days=29)
    db.session.commit()
    html = _text(_page(client, f"/events/{later.id}"))
    assert "Registration opens on 7 January 2030, 9:00am" in html
    assert "Sign in or create an account" not in html

    closed = build.event(closes_before=timedelta(days=1))
    closed.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    assert "Registration has closed" in _text(_page(client, f"/events/{closed.id}"))


# --- registering -------------------------------------------------------------------------------

def test_registering_confirms_a_place_with_a_calendar_invitation(app, app_ctx, build, smtp):
    event = build.event(title="Meet the buyer: health", capacity=5)
    user, organisation = _member(build)
    client = _signed_in(app, user)
    response = _register(client, event, name="Sam Robson", email="sam@example.org",
                         needs="Step-free access")
    assert response.status_code == 302
    registration = _registration("sam@example.org")
    assert registration.organisation_id == organisation.id
    assert registration.registered_by_id == user.id
    assert registration.needs == "Step-free access"
    assert response.headers["Location"] == f"/events/registrations/{registration.id}"

    page = _text(_page(client, response.headers["Location"]))
    assert "Your place is confirmed" in page
    code = tickets.checkin_code(registration.id)
    assert code in page
    assert "Check-in QR code" in page
    assert f'<a class="govuk-link" href="/events/{event.id}">Meet the buyer: health</a>' in (
        _page(client, response.headers["Location"]))

    (message,) = smtp.to("sam@example.org")
    assert message["Subject"] == "Your place is confirmed: Meet the buyer: health"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert (f'<img src="http://localhost/events/check-in/{code}.png" alt="Check-in QR code"'
            in html)
    assert code in smtp.text(message)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_content_charset() == "utf-8"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    entry = _vevent(calendar)
    assert str(entry["UID"]) == f"registration-{registration.id}@localhost"
    assert entry["SEQUENCE"] == 0
    assert entry.decoded("DTSTART") == event.starts_at
    assert entry.decoded("DTEND") == event.ends_at
    assert entry.decoded("DTSTAMP").tzinfo is not None
    assert str(entry["ORGANIZER"]) == f"mailto:{SENDER}"
    assert str(entry["ATTENDEE"]) == "mailto:sam@example.org"
    assert entry["ATTENDEE"].params["CN"] == "Sam Robson"
    assert str(entry["LOCATION"]) == "Durham Town Hall, Market Place, Durham DH1 3NJ"
    (alarm,) = entry.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(days=1)
    # The check-in image the email loads is there.
    assert client.get(f"/events/check-in/{code}.png").status_code == 200


def test_a_full_event_puts_the_attendee_on_the_waiting_list(app, app_ctx, build, smtp):
    event = build.event(capacity=1)
    build.registration(event)
    user, _ = _member(build)
    client = _signed_in(app, user)
    assert "Join the waiting list" in _page(client, f"/events/{event.id}")
    response = _register(client, event, email="second@example.org")
    page = _text(_page(client, response.headers["Location"]))
    assert "You are number 1 on the waiting list" in page
    (message,) = smtp.to("second@example.org")
    assert "position 1" in smtp.text(message)
    assert list(message.iter_attachments()) == []  # no place, no calendar entry
    # The event page shows the member their organisation's registration and its position.
    page = _text(_page(client, f"/events/{event.id}"))
    assert "Your organisation's registrations" in page
    assert "Waiting list: number 1" in page


def test_refusals_sit_beside_their_field_and_keep_what_was_typed(app, app_ctx, build):
    event = build.event(places_per_organisation=1)
    user, organisation = _member(build)
    build.registration(event, email="taken@example.org")
    client = _signed_in(app, user)

    html = _register(client, event, name="Alex Lee", email="TAKEN@example.org",
                     needs="Vegetarian lunch").get_data(as_text=True)
    assert "Error: Register for" in html
    assert re.search(r'id="email-error"[^>]*>\s*<span[^>]*>Error:</span> TAKEN@example.org is '
                     r'already registered for this event', html)
    assert 'value="Alex Lee"' in html and "Vegetarian lunch" in html

    html = _register(client, event, name="", email="not an address").get_data(as_text=True)
    assert "Enter the attendee&#39;s full name" in html or "Enter the attendee's full name" in html

    build.registration(event, organisation, email="first@example.org")
    html = _register(client, event, name="Jo Bell", email="jo@example.org").get_data(as_text=True)
    assert "There is a problem" in html
    assert "<title>Error: Register for" in html
    assert "Your organisation has registered its 1 place for this event" in html
    assert 'value="Jo Bell"' in html and 'value="jo@example.org"' in html
    assert _registration("jo@example.org") is None


def test_a_member_of_several_organisations_chooses_one(app, app_ctx, build):
    event = build.event()
    user, first = _member(build, name="Alpha Joinery Ltd")
    second = build.organisation(user, status="approved", name="Beta Bakery Ltd")
    client = _signed_in(app, user)
    html = _page(client, f"/events/{event.id}/register")
    assert "Alpha Joinery Ltd" in html and "Beta Bakery Ltd" in html
    html = _register(client, event).get_data(as_text=True)
    assert "Select the organisation this place is for" in html
    _register(client, event, organisation=str(second.id))
    assert _registration("sam@example.org").organisation_id == second.id
    assert first.id != second.id


def test_a_business_that_has_not_signed_registers_and_is_invited_to_sign(app, app_ctx, build,
                                                                         smtp):
    event = build.event(eligibility="any_business")
    user = build.user()
    client = _signed_in(app, user)
    html = _page(client, f"/events/{event.id}/register")
    assert "Your organisation&#39;s name" in html or "Your organisation's name" in html

    # A refusal keeps nothing: no organisation is started.
    _register(client, event, organisation_name="Wear Valley Cafe", email="bad")
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.name == "Wear Valley Cafe")) == 0

    response = _register(client, event, organisation_name="Wear Valley Cafe",
                         email="cafe@example.org")
    organisation = db.session.scalars(select(Organisation).where(
        Organisation.name == "Wear Valley Cafe")).one()
    assert organisation.status == "draft"
    membership = db.session.scalars(select(Membership).where(
        Membership.organisation_id == organisation.id)).one()
    assert (membership.user_id, membership.role) == (user.id, MemberRole.OWNER)
    page = _page(client, response.headers["Location"])
    link = f"/organisations/{organisation.id}/application"
    assert "Your place is confirmed" in page
    assert f'href="{link}"' in page and "Continue your application" in page
    assert _page(client, link)  # the application continues from there
    (message,) = smtp.to("cafe@example.org")
    assert f"http://localhost{link}" in smtp.text(message)


def test_a_signatories_only_event_explains_itself(app, app_ctx, build):
    event = build.event(eligibility="signatories")
    user, _ = _member(build, status="draft")
    client = _signed_in(app, user)
    page = _text(_page(client, f"/events/{event.id}"))
    assert "This event is for Charter signatories" in page
    html = _page(client, f"/events/{event.id}/register")
    assert "This event is for Charter signatories" in html
    assert 'href="/apply"' in html
    assert 'name="name"' not in html


# --- Your events, cancelling, the attendee page ----------------------------------------------

def test_your_events_lists_upcoming_then_past_with_positions(app, app_ctx, build):
    user, organisation = _member(build)
    soon = build.event(title="Soon event", capacity=1)
    build.registration(soon)
    build.registration(soon, organisation, name="Waiting Person")
    later = build.event(title="Later event", starts_in=timedelta(days=40))
    build.registration(later, organisation, name="Placed Person")
    past = build.event(title="Past event")
    build.registration(past, organisation, name="Past Person")
    past.starts_at = datetime.now(UTC) - timedelta(days=3)
    past.ends_at = past.starts_at + timedelta(hours=2)
    past.registration_opens_at = past.starts_at - timedelta(days=20)
    past.registration_closes_at = past.starts_at - timedelta(days=1)
    db.session.commit()
    client = _signed_in(app, user)
    assert 'href="/events/mine"' in _page(client, "/account")  # in the navigation
    page = _text(_page(client, "/events/mine"))
    assert page.index("Soon event") < page.index("Later event") < page.index("Past event")
    assert page.index("Upcoming") < page.index("Past")
    assert "Waiting list: number 1" in page
    assert "Place confirmed" in page
    assert "Leave the waiting list for Waiting Person" in page
    assert "Cancel for Placed Person" in page
    assert "Past Person" in page and "Cancel for Past Person" not in page


def test_cancelling_promotes_the_first_in_line_and_a_double_click_says_so(app, app_ctx, build,
                                                                          smtp):
    event = build.event(capacity=1)
    user, organisation = _member(build)
    mine = build.registration(event, organisation, email="mine@example.org")
    waiting = build.registration(event, email="next@example.org")
    client = _signed_in(app, user)
    url = f"/events/registrations/{mine.id}/cancel"
    assert "Cancel" in _page(client, url)
    response = submit_form(client, url, {})
    assert response.status_code == 302 and response.headers["Location"] == "/events/mine"
    db.session.expire_all()
    assert db.session.get(Registration, mine.id).status == RegistrationStatus.CANCELLED
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.CONFIRMED

    # The second click of a double click, posted from the page already open.
    again = submit_form(client, url, {}, page="/events/mine", follow_redirects=True)
    assert again.status_code == 200
    assert "This registration was already cancelled. Nothing has changed." in again.get_data(
        as_text=True)
    assert client.get(url, follow_redirects=True).status_code == 200

    ((kind, cancel),) = _calendars("event_registration_cancelled", "mine@example.org")
    assert kind == "text/calendar; method=CANCEL; charset=utf-8"
    assert str(cancel["METHOD"]) == "CANCEL"
    entry = _vevent(cancel)
    assert str(entry["UID"]) == f"registration-{mine.id}@localhost"
    assert entry["SEQUENCE"] == 1
    assert not entry.walk("VALARM")
    ((_, promoted),) = _calendars("event_place_confirmed", "next@example.org")[-1:]
    assert _vevent(promoted)["SEQUENCE"] == 1  # the promotion's invitation
    messages = smtp.to("next@example.org")
    assert messages[-1]["Subject"].startswith("A place came free: you have it")


def test_leaving_the_waiting_list_sends_no_calendar_cancel(app, app_ctx, build):
    event = build.event(capacity=1)
    build.registration(event)
    user, organisation = _member(build)
    waiting = build.registration(event, organisation, email="wait@example.org")
    client = _signed_in(app, user)
    assert "Take" in _page(client, f"/events/registrations/{waiting.id}/cancel")
    submit_form(client, f"/events/registrations/{waiting.id}/cancel", {})
    assert _registration("wait@example.org").status == RegistrationStatus.LEFT
    assert _calendars("event_registration_cancelled", "wait@example.org") == []


def test_the_attendee_page_is_for_the_organisations_members_only(app, app_ctx, build):
    event = build.event()
    user, organisation = _member(build)
    registration = build.registration(event, organisation)
    colleague = build.user()
    build.member(organisation, colleague)
    assert "Your place is confirmed" in _page(_signed_in(app, colleague),
                                              f"/events/registrations/{registration.id}")
    stranger, _ = _member(build)
    other = _signed_in(app, stranger)
    for url in (f"/events/registrations/{registration.id}",
                f"/events/registrations/{registration.id}/cancel"):
        assert other.get(url).status_code == 404
    assert other.post(f"/events/registrations/{registration.id}/cancel").status_code in (400, 404)
    assert other.get("/events/registrations/999999").status_code == 404
    anonymous = app.test_client().get(f"/events/registrations/{registration.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_webinar_join_link_only_for_those_with_a_place(app, app_ctx, build):
    event = build.event(kind="webinar", capacity=1)
    placed_user, placed_org = _member(build)
    build.registration(event, placed_org, email="placed@example.org")
    waiting_user, waiting_org = _member(build)
    build.registration(event, waiting_org)
    join = "https://meet.example.com/abc"
    assert join in _page(_signed_in(app, placed_user), f"/events/{event.id}")
    assert join not in _page(_signed_in(app, waiting_user), f"/events/{event.id}")
    anonymous = app.test_client()
    assert join not in _page(anonymous, f"/events/{event.id}")
    assert join not in anonymous.get(f"/events/{event.id}.ics").get_data(as_text=True)
    ((_, invitation),) = _calendars("event_place_confirmed", "placed@example.org")
    assert join in str(_vevent(invitation)["DESCRIPTION"])
    assert str(_vevent(invitation)["LOCATION"]) == "Online"


# --- time zones ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "utc_hour"), [
    ((2026, 10, 25), 10),  # the autumn change: 10:00 in London is 10:00 UTC
    ((2026, 3, 29), 9),  # the spring change: 10:00 in London is 09:00 UTC
])
def test_clock_change_days_show_10am_and_invite_at_the_right_utc_time(app, app_ctx, build,
                                                                      client, day, utc_hour):
    starts_at = datetime(*day, 10, tzinfo=LONDON).astimezone(UTC)
    event = build.event(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                        registration_opens_at=starts_at - timedelta(days=30),
                        registration_closes_at=starts_at - timedelta(days=1))
    build.registration(event, email="tz@example.org", now=starts_at - timedelta(days=10))
    assert "10am to midday" in _text(_page(client, f"/events/{event.id}"))
    ((_, invitation),) = _calendars("event_place_confirmed", "tz@example.org")
    entry = _vevent(invitation)
    assert entry.decoded("DTSTART") == datetime(*day, utc_hour, tzinfo=UTC)
    assert entry.decoded("DTEND") == datetime(*day, utc_hour + 2, tzinfo=UTC)
    year, month, date = day
    assert entry["DTSTART"].to_ical().decode() == f"{year}{month:02d}{date:02d}T{utc_hour:02d}0000Z"


# --- staff changes -------------------------------------------------------------------------------

def _details(event, **changes) -> services.EventDetails:
    details = services.EventDetails.of(event)
    for name, value in changes.items():
        setattr(details, name, value)
    return details


def test_a_new_time_sends_updated_invitations(app_ctx, build):
    event = build.event(capacity=1)
    placed = build.registration(event, email="placed@example.org")
    waiting = build.registration(event, email="waiting@example.org")
    moved = event.starts_at + timedelta(hours=1)
    services.update_event(event.id, _details(event, starts_at=moved,
                                             ends_at=moved + timedelta(hours=3)))
    db.session.commit()
    ((kind, update),) = _calendars("event_time_changed", "placed@example.org")
    assert kind == "text/calendar; method=REQUEST; charset=utf-8"
    entry = _vevent(update)
    assert str(entry["UID"]) == f"registration-{placed.id}@localhost"
    assert entry["SEQUENCE"] == 1
    assert entry.decoded("DTSTART") == moved
    assert _calendars("event_time_changed", "waiting@example.org") == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.template == "event_time_changed",
        OutboxMessage.recipient == waiting.attendee_email)) == 1
    # A change that leaves the time alone tells nobody.
    services.update_event(event.id, _details(event, title="A new title"))
    db.session.commit()
    assert len(_calendars("event_time_changed")) == 1


def test_cancelling_an_event_cancels_every_registration_and_tells_each(app_ctx, build):
    event = build.event(capacity=1)
    placed = build.registration(event, email="placed@example.org")
    waiting = build.registration(event, email="waiting@example.org")
    services.cancel_event(event.id, "The venue flooded.", by=build.staff())
    db.session.commit()
    db.session.expire_all()
    assert {db.session.get(Registration, r.id).status for r in (placed, waiting)} == {
        RegistrationStatus.CANCELLED}
    ((_, cancel),) = _calendars("event_cancelled", "placed@example.org")
    assert str(cancel["METHOD"]) == "CANCEL"
    assert _vevent(cancel)["SEQUENCE"] == 1
    assert _calendars("event_cancelled", "waiting@example.org") == []
    bodies = list(db.session.scalars(select(OutboxMessage.body_text).where(
        OutboxMessage.template == "event_cancelled")))
    assert len(bodies) == 2 and all("The venue flooded." in body for body in bodies)


# --- the private calendar feed -----------------------------------------------------------------

def test_the_calendar_feed_lists_places_and_bookings_and_can_be_reset(app, app_ctx, build):
    user, organisation = _member(build)
    event = build.event(title="Meet the buyer day", capacity=1)
    placed = build.registration(event, organisation, email="placed@example.org")
    other = build.event(capacity=1)
    build.registration(other)
    build.registration(other, organisation, email="waiting@example.org")
    partner = Partner(name="Durham County Council")
    db.session.add(partner)
    db.session.flush()
    buyer = EventBuyer(event_id=event.id, partner_id=partner.id)
    db.session.add(buyer)
    db.session.flush()
    slot = BuyerSlot(buyer_id=buyer.id, starts_at=event.starts_at,
                     ends_at=event.starts_at + timedelta(minutes=15))
    db.session.add(slot)
    db.session.flush()
    booking = Booking(slot=slot, buyer=buyer, event_id=event.id, organisation_id=organisation.id,
                      offer="We cater.", status="booked")
    db.session.add(booking)
    db.session.commit()

    client = _signed_in(app, user)
    assert "Get a calendar link" in _page(client, "/events/mine")
    submit_form(client, "/events/mine/calendar-feed", {}, page="/events/mine")
    db.session.expire_all()
    token = db.session.get(type(user), user.id).calendar_token
    assert token and len(token) >= 43
    assert f"http://localhost/calendar/{token}.ics" in _page(client, "/events/mine")

    response = app.test_client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.get_data())
    assert str(calendar["METHOD"]) == "PUBLISH"
    entries = {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}
    assert set(entries) == {f"registration-{placed.id}@localhost",
                            f"booking-{booking.id}@localhost"}
    meeting = entries[f"booking-{booking.id}@localhost"]
    assert "Durham County Council" in str(meeting["SUMMARY"])
    assert meeting.decoded("DTSTART") == event.starts_at
    assert not calendar.walk("VALARM")

    submit_form(client, "/events/mine/calendar-feed", {}, page="/events/mine")
    db.session.expire_all()
    new_token = db.session.get(type(user), user.id).calendar_token
    assert new_token != token
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    assert app.test_client().get(f"/calendar/{new_token}.ics").status_code == 200
    for wrong in ("x" * 300, "%00" + new_token[3:], new_token[:-1], ""):
        assert app.test_client().get(f"/calendar/{wrong}.ics").status_code == 404


# --- statements per request ----------------------------------------------------------------------

def _statements(app, client, url: str) -> list[str]:
    client.get(url)  # warm up
    with counting_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_the_event_page_sends_the_same_statements_however_many_registered(app, app_ctx, build):
    event = build.event(capacity=5, places_per_organisation=100)
    user, organisation = _member(build)
    for _ in range(3):
        build.registration(event, organisation)
    anonymous, member = app.test_client(), _signed_in(app, user)
    url = f"/events/{event.id}"
    small = [_statements(app, anonymous, url), _statements(app, member, url)]
    for _ in range(40):
        build.registration(event, organisation)
    large = [_statements(app, anonymous, url), _statements(app, member, url)]
    assert [len(s) for s in small] == [len(s) for s in large], large
    assert "Waiting list: number 38" in _page(member, url)


# --- fifty at once, over real HTTP ---------------------------------------------------------------

def test_fifty_registrations_at_once_for_the_last_five_places(app, build, live_server):
    from tests.conftest import csrf_token_from
    from tests.test_concurrency import HttpSession, _all_at_once

    event = build.event(capacity=10, places_per_organisation=100)
    for _ in range(5):
        build.registration(event)
    user, organisation = _member(build)
    session = HttpSession(live_server)
    session.sign_in(user.email)
    status, _location, html = session.request("GET", f"/events/{event.id}/register")
    assert status == 200
    token = csrf_token_from(html)
    numbers = iter(range(50))

    def register():
        number = next(numbers)
        return session.request("POST", f"/events/{event.id}/register", {
            "csrf_token": token, "name": f"Racer {number}",
            "email": f"racer{number}@example.org", "needs": ""})[0]

    statuses = _all_at_once(register)

    assert statuses == [302] * 50, statuses
    db.session.expire_all()
    racers = list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.organisation_id == organisation.id)))
    assert len(racers) == 50
    assert sum(r.is_confirmed for r in racers) == 5
    assert registrations.places_left(event) == 0
    waiting = registrations.waiting_list(event.id)
    assert len(waiting) == 45
    assert sorted(registrations.waiting_position(r) for r in waiting) == list(range(1, 46))
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient.like("racer%"))) == 50
