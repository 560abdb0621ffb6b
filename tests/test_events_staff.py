"""Staff create, edit, publish, cancel and duplicate events at /staff/events; the rules refuse
bad details with a message naming the field, and times are UK time stored in UTC."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from charter_app.events import services
from charter_app.events.forms import london_time, parse_time
from charter_app.events.models import Event, EventBuyer, EventKind, EventStatus, Partner
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form

STAFF = "officer@businessdurham.example"


def when(day: str, time: str) -> dict[str, str]:
    """'27/3/2027', '10:00' -> the four parts of a date-and-time field, as typed."""
    d, m, y = day.split("/")
    return {"day": d, "month": m, "year": y, "time": time}


def form_data(**changes) -> dict[str, str]:
    times = {
        "starts_at": when("10/3/2027", "10:00"),
        "ends_at": when("10/3/2027", "13:00"),
        "registration_opens_at": when("1/2/2027", "9:00"),
        "registration_closes_at": when("9/3/2027", "17:00"),
    }
    for name in list(times):
        if name in changes:
            times[name] = changes.pop(name)
    data = {
        "kind": "meet_the_buyer", "title": "Meet the buyer: Durham County Council",
        "description": "Meet the council's buyers for 15 minutes each.",
        "venue": "Durham Town Hall", "address": "Market Place, Durham DH1 3NJ",
        "join_url": "", "capacity": "40", "places_per_organisation": "2",
        "eligibility": "any_business",
    }
    for name, parts in times.items():
        for part, value in parts.items():
            data[f"{name}-{part}"] = value
    data.update(changes)
    return data


def details(**changes) -> services.EventDetails:
    values = dict(
        kind=EventKind.MEET_THE_BUYER, title="Meet the buyer", description="Buyers meet you.",
        starts_at=datetime(2027, 3, 10, 10, tzinfo=UTC), ends_at=datetime(2027, 3, 10, 13,
                                                                           tzinfo=UTC),
        capacity=40, registration_opens_at=datetime(2027, 2, 1, 9, tzinfo=UTC),
        registration_closes_at=datetime(2027, 3, 9, 17, tzinfo=UTC), venue="Town Hall",
        address="Market Place, Durham")
    values.update(changes)
    return services.EventDetails(**values)


@pytest.fixture
def staff_client(client, build):
    build.staff(STAFF)
    log_in(client, STAFF, PASSWORD)
    return client


def only_event() -> Event:
    db.session.expire_all()
    return db.session.scalars(select(Event)).one()


def errors_on(html: str) -> dict[str, str]:
    """Each field's error message, by the id of the element its summary link points at."""
    if "govuk-error-summary" not in html:
        return {}
    summary = html.split("govuk-error-summary", 1)[1].split("</ul>")[0]
    return {target: " ".join(text.split())
            for target, text in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)}


def typed(html: str, name: str) -> str | None:
    """The value an input shows."""
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return match[1] if match else None


def create(client, **changes):
    return submit_form(client, "/staff/events/new", form_data(**changes))


# --- creating, and each rule ------------------------------------------------------------------

def test_staff_create_a_draft_stored_in_utc(staff_client, app_ctx):
    response = create(staff_client)
    assert response.status_code == 302
    event = only_event()
    assert response.location == f"/staff/events/{event.id}"
    assert event.status == EventStatus.DRAFT
    assert event.published_at is None
    # 10 March is GMT: UK time is UTC.
    assert event.starts_at == datetime(2027, 3, 10, 10, tzinfo=UTC)
    assert event.places_per_organisation == 2
    assert event.join_url is None
    page = staff_client.get(response.location).get_data(as_text=True)
    assert "is saved as a draft" in page
    assert "10 March 2027, 10:00am" in page


def test_the_new_event_form_offers_two_places_per_organisation(staff_client):
    html = staff_client.get("/staff/events/new").get_data(as_text=True)
    assert re.search(r'name="places_per_organisation"[^>]*value="2"', html)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"title": ""}, "title", "Enter the title"),
    ({"title": "x" * 161}, "title", "Title must be 160 characters or fewer"),
    ({"description": ""}, "description", "Enter the description"),
    ({"description": "x" * 5001}, "description", "Description must be 5000 characters or fewer"),
    ({"kind": "party"}, "kind", "Select the kind of event"),
    ({"venue": ""}, "venue", "Enter the venue"),
    ({"address": ""}, "address", "Enter the address"),
    ({"kind": "workshop", "venue": ""}, "venue", "Enter the venue"),
    ({"address": "x" * 301}, "address", "Address must be 300 characters or fewer"),
    ({"kind": "webinar", "venue": "", "address": ""}, "join_url", "Enter the join link"),
    ({"kind": "webinar", "join_url": "http://meet.example.com/a"}, "join_url",
     "Enter the join link as a web address starting https://, like https://meet.example.com/abc"),
    ({"kind": "webinar", "join_url": "https://" + "a" * 500}, "join_url",
     "Join link must be 500 characters or fewer"),
    ({"ends_at": when("10/3/2027", "10:00")}, "ends_at", "The end must be after the start"),
    ({"ends_at": when("9/3/2027", "13:00")}, "ends_at", "The end must be after the start"),
    ({"capacity": "0"}, "capacity", "Capacity must be 1 or more"),
    ({"capacity": "forty"}, "capacity", "Capacity must be a whole number, like 40"),
    ({"capacity": ""}, "capacity", "Enter the capacity"),
    ({"places_per_organisation": "0"}, "places_per_organisation",
     "Places per organisation must be 1 or more"),
    ({"registration_closes_at": when("1/2/2027", "9:00")}, "registration_closes_at",
     "Registration must close after it opens"),
    ({"registration_closes_at": when("10/3/2027", "10:30")}, "registration_closes_at",
     "Registration must close no later than the event starts"),
    ({"eligibility": "everyone"}, "eligibility", "Select who can register"),
    ({"starts_at": when("30/2/2027", "10:00")}, "starts_at",
     "Start must be a real date, like 27 3 2027"),
    ({"starts_at": when("/3/2027", "10:00")}, "starts_at", "Start must include a day"),
    ({"starts_at": when("10/3/2027", "")}, "starts_at",
     "Start must include a time, like 9:30am or 14:00"),
    ({"starts_at": when("10/3/2027", "25:00")}, "starts_at",
     "Enter the time of the start as 9:30am or 14:00"),
    ({"starts_at": {"day": "", "month": "", "year": "", "time": ""}}, "starts_at",
     "Enter the start"),
    ({"starts_at": when("28/3/2027", "1:30")}, "starts_at",
     "Start: 1:30 on 28 March 2027 does not exist on that day: the clocks go forward an hour "
     "at 1am"),
    ({"starts_at": when("31/10/2027", "1:30")}, "starts_at",
     "Start: 1:30 on 31 October 2027 happens twice on that day as the clocks go back at 2am: "
     "choose a time before 1am or from 2am"),
])
def test_each_rule_refuses_with_a_message_beside_the_field_and_keeps_what_was_typed(
    staff_client, app_ctx, changes, field, message
):
    data = form_data(**changes)
    response = submit_form(staff_client, "/staff/events/new", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<title>Error: ") == 1
    assert errors_on(html).get(field) == message, errors_on(html)
    # The message sits beside the field too.
    assert f'id="{field}-error"' in html
    # Nothing typed is lost (checked on a long text and on a time part).
    assert 'value="Durham Town Hall"' in html or data["venue"] != "Durham Town Hall"
    assert typed(html, "starts_at-time") == data["starts_at-time"]
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_a_webinar_needs_no_venue_and_keeps_no_stale_one(staff_client, app_ctx):
    response = create(staff_client, kind="webinar", join_url="https://meet.example.com/abc")
    assert response.status_code == 302
    event = only_event()
    assert (event.join_url, event.venue, event.address) == ("https://meet.example.com/abc",
                                                            None, None)


def test_the_rules_as_plain_functions_name_the_field():
    with pytest.raises(services.EventRuleBroken) as broken:
        services.check_times(details(ends_at=datetime(2027, 3, 10, 9, tzinfo=UTC)))
    assert broken.value.field == "ends_at"
    with pytest.raises(services.EventRuleBroken) as broken:
        services.check_place(details(kind=EventKind.WEBINAR, join_url="ftp://x.example"))
    assert broken.value.field == "join_url"
    assert services.problems_with(details()) == {}
    assert set(services.problems_with(details(title="", capacity=0))) == {"title", "capacity"}


def test_create_event_refuses_bad_details_without_a_form(app_ctx, build):
    with pytest.raises(services.InvalidEvent) as invalid:
        services.create_event(details(title="x" * 161, places_per_organisation=0),
                              by=build.staff())
    assert invalid.value.problems == {
        "title": "Title must be 160 characters or fewer",
        "places_per_organisation": "Places per organisation must be 1 or more"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("14:00", (14, 0)), ("9:30", (9, 30)), ("9.30am", (9, 30)), ("2pm", (14, 0)),
    ("12pm", (12, 0)), ("12am", (0, 0)), ("midday", (12, 0)), ("2 PM", (14, 0)),
    ("13pm", None), ("9:60", None), ("nine", None), ("", None),
])
def test_times_are_read_as_people_write_them(typed, expected):
    assert parse_time(typed) == expected


# --- the clock changes --------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "utc_hour"), [
    ("27/3/2027", 10),  # the Saturday before the clocks go forward: GMT
    ("28/3/2027", 9),  # the day they go forward (1am GMT -> 2am BST): 10am BST is 9am UTC
    ("30/10/2027", 9),  # the Saturday before they go back: BST
    ("31/10/2027", 10),  # the day they go back (2am BST -> 1am GMT): 10am GMT
])
def test_a_start_on_a_clock_change_day_round_trips(staff_client, app_ctx, day, utc_hour):
    d, m, y = (int(part) for part in day.split("/"))
    response = create(staff_client, starts_at=when(day, "10:00"), ends_at=when(day, "12:00"),
                      registration_opens_at=when("1/1/2027", "9:00"),
                      registration_closes_at=when(day, "8:00"))
    assert response.status_code == 302, errors_on(response.get_data(as_text=True))
    event = only_event()
    assert event.starts_at == datetime(y, m, d, utc_hour, tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    # The edit form shows the UK time that was typed, not the UTC one.
    html = staff_client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert (typed(html, "starts_at-day"), typed(html, "starts_at-time")) == (str(d), "10:00")
    # Saved again unchanged, it stays where it was.
    page = staff_client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.pop("csrf_token")
    fields.update(kind="meet_the_buyer", eligibility="any_business",
                  description="Meet the council's buyers for 15 minutes each.",
                  address="Market Place, Durham DH1 3NJ")
    response = staff_client.post(f"/staff/events/{event.id}/edit",
                                 data={**fields, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302, errors_on(response.get_data(as_text=True))
    assert only_event().starts_at == datetime(y, m, d, utc_hour, tzinfo=UTC)


def test_london_time_refuses_the_missing_and_the_doubled_hour():
    assert london_time(2026, 3, 29, 2, 30) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="clocks go forward"):
        london_time(2026, 3, 29, 1, 30)
    with pytest.raises(ValueError, match="clocks go back"):
        london_time(2026, 10, 25, 1, 30)
    assert london_time(2026, 10, 25, 0, 59) == datetime(2026, 10, 24, 23, 59, tzinfo=UTC)
    assert london_time(2026, 10, 25, 2, 0) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


# --- editing ------------------------------------------------------------------------------------

def test_editing_the_time_of_a_published_event_raises_its_sequence(app_ctx, build):
    staff = build.staff()
    event = services.create_event(details(), by=staff)
    services.update_event(event.id, details(title="A draft's time may move freely",
                                             starts_at=datetime(2027, 3, 10, 9, tzinfo=UTC)))
    assert event.sequence == 0
    services.publish_event(event.id)
    services.update_event(event.id, details(title="New title only",
                                            starts_at=datetime(2027, 3, 10, 9, tzinfo=UTC)))
    assert event.sequence == 0
    services.update_event(event.id, details(starts_at=datetime(2027, 3, 10, 9, 30, tzinfo=UTC)))
    assert event.sequence == 1
    services.update_event(event.id, details(starts_at=datetime(2027, 3, 10, 9, 30, tzinfo=UTC),
                                            ends_at=datetime(2027, 3, 10, 14, tzinfo=UTC)))
    assert event.sequence == 2


def test_a_bad_edit_keeps_the_event_and_what_was_typed(staff_client, app_ctx):
    create(staff_client)
    event = only_event()
    url = f"/staff/events/{event.id}/edit"
    response = submit_form(staff_client, url, form_data(title="Renamed", capacity="-3"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert errors_on(html) == {"capacity": "Capacity must be a whole number, like 40"}
    assert 'value="Renamed"' in html and 'value="-3"' in html
    assert only_event().title == "Meet the buyer: Durham County Council"


# --- publish, cancel, duplicate ------------------------------------------------------------------

def test_publish_records_when_and_a_double_publish_is_told_plainly(staff_client, app_ctx):
    create(staff_client)
    event = only_event()
    url = f"/staff/events/{event.id}/publish"
    page = staff_client.get(url).get_data(as_text=True)
    token = csrf_token_from(page)
    assert "Publish this event" in page
    first = staff_client.post(url, data={"csrf_token": token})
    assert first.status_code == 302
    published = only_event()
    assert published.status == EventStatus.PUBLISHED
    assert published.published_at is not None
    # The same form sent again (a double click, or a second tab): no 500, nothing changes.
    second = staff_client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert second.status_code == 200
    assert "This event is published already. Nothing has changed." in second.get_data(
        as_text=True)
    assert only_event().published_at == published.published_at
    with pytest.raises(StateChangeRefused) as refusal:
        services.publish_event(event.id)
    assert refusal.value.already_done


def test_cancel_needs_a_reason_records_it_and_is_final(staff_client, app_ctx):
    create(staff_client)
    event = only_event()
    url = f"/staff/events/{event.id}/cancel"
    refused = submit_form(staff_client, url, {"reason": "  "})
    assert errors_on(refused.get_data(as_text=True)) == {
        "reason": "Enter the reason the event is cancelled"}
    too_long = submit_form(staff_client, url, {"reason": "x" * 1001})
    assert "The reason must be 1000 characters or fewer" in too_long.get_data(as_text=True)
    page = staff_client.get(url).get_data(as_text=True)
    token = csrf_token_from(page)
    done = staff_client.post(url, data={"csrf_token": token, "reason": "The venue flooded"},
                             follow_redirects=True)
    assert "is cancelled." in done.get_data(as_text=True)
    cancelled = only_event()
    assert (cancelled.status, cancelled.cancellation_reason) == ("cancelled", "The venue flooded")
    assert cancelled.cancelled_at is not None
    again = staff_client.post(url, data={"csrf_token": token, "reason": "Again"},
                              follow_redirects=True)
    assert "This event is cancelled already. Nothing has changed." in again.get_data(
        as_text=True)
    assert only_event().cancellation_reason == "The venue flooded"
    # Final: it cannot be published or changed any more.
    publish = staff_client.post(f"/staff/events/{event.id}/publish",
                                data={"csrf_token": token}, follow_redirects=True)
    assert "This event is cancelled, so it cannot be published." in publish.get_data(
        as_text=True)
    assert staff_client.get(f"/staff/events/{event.id}/edit").status_code == 302
    with pytest.raises(StateChangeRefused):
        services.update_event(event.id, details())
    assert only_event().status == EventStatus.CANCELLED


def test_duplicate_copies_everything_a_week_later_as_a_draft(staff_client, app_ctx, build):
    create(staff_client)
    original = only_event()
    services.publish_event(original.id)
    partner = Partner(name="Durham County Council")
    db.session.add(partner)
    db.session.add(EventBuyer(event_id=original.id, partner=partner, buys="Catering"))
    db.session.commit()
    url = f"/staff/events/{original.id}/duplicate"
    page = staff_client.get(url).get_data(as_text=True)
    assert "with every date and time a week later" in page
    assert "starting 17 March 2027, 10:00am" in page
    response = submit_form(staff_client, url, {})
    db.session.expire_all()
    copy = db.session.scalars(select(Event).where(Event.id != original.id)).one()
    assert response.location == f"/staff/events/{copy.id}"
    assert copy.status == EventStatus.DRAFT
    assert (copy.published_at, copy.sequence) == (None, 0)
    for name in ("kind", "title", "description", "venue", "address", "capacity",
                 "places_per_organisation", "eligibility"):
        assert getattr(copy, name) == getattr(original, name), name
    for name in services.TIME_FIELDS:
        assert getattr(copy, name) - getattr(original, name) == timedelta(weeks=1), name
    assert [(b.partner_id, b.buys) for b in copy.buyers] == [(partner.id, "Catering")]
    shown = staff_client.get(response.location).get_data(as_text=True)
    assert "a draft, with every date and time a week later" in shown


def test_a_copy_keeps_the_uk_time_of_day_across_a_clock_change(app_ctx, build):
    # Registration closes at 5pm GMT on 27 March 2027; a week later is 5pm BST (4pm UTC).
    original = services.create_event(details(
        starts_at=datetime(2027, 3, 28, 9, tzinfo=UTC), ends_at=datetime(2027, 3, 28, 12,
                                                                          tzinfo=UTC),
        registration_closes_at=datetime(2027, 3, 27, 17, tzinfo=UTC)), by=build.staff())
    copy = services.duplicate_event(original.id, by=None)
    assert copy.registration_closes_at == datetime(2027, 4, 3, 16, tzinfo=UTC)
    assert copy.starts_at == datetime(2027, 4, 4, 9, tzinfo=UTC)  # 10am BST both times
    assert copy.registration_opens_at == datetime(2027, 2, 8, 9, tzinfo=UTC)


def test_the_list_separates_drafts_upcoming_and_past(app_ctx, build):
    staff = build.staff()
    now = datetime(2027, 1, 1, tzinfo=UTC)
    draft = services.create_event(details(title="Draft"), by=staff)
    upcoming = services.create_event(details(title="Upcoming"), by=staff)
    services.publish_event(upcoming.id)
    past = services.create_event(details(
        title="Past", starts_at=datetime(2026, 3, 10, 10, tzinfo=UTC),
        ends_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
        registration_opens_at=datetime(2026, 2, 1, tzinfo=UTC),
        registration_closes_at=datetime(2026, 3, 1, tzinfo=UTC)), by=staff)
    services.cancel_event(past.id, "Snow")
    listing = services.staff_listing(now)
    assert (listing.drafts, listing.upcoming, listing.past) == ([draft], [upcoming], [past])


def test_the_list_page_and_the_staff_home_link(staff_client, app_ctx):
    create(staff_client)
    home = staff_client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/events"' in home
    html = staff_client.get("/staff/events").get_data(as_text=True)
    assert "Meet the buyer: Durham County Council" in html
    assert "No upcoming events." in html


# --- access and CSRF ------------------------------------------------------------------------------

def test_people_who_are_not_staff_get_403(app, build):
    build.user("signatory@example.org")
    staff = build.staff()
    event = services.create_event(details(), by=staff)
    db.session.commit()
    client = app.test_client()
    log_in(client, "signatory@example.org", PASSWORD)
    for path in ("", "/new", f"/{event.id}", f"/{event.id}/edit", f"/{event.id}/publish",
                 f"/{event.id}/cancel", f"/{event.id}/duplicate"):
        assert client.get(f"/staff/events{path}").status_code == 403, path
    assert client.post(f"/staff/events/{event.id}/publish").status_code in (400, 403)
    visitor = app.test_client()
    assert visitor.get("/staff/events").status_code == 302


def test_a_post_without_the_csrf_token_changes_nothing(staff_client, app_ctx):
    create(staff_client)
    event = only_event()
    assert staff_client.post(f"/staff/events/{event.id}/publish").status_code == 400
    assert staff_client.post("/staff/events/new", data=form_data()).status_code == 400
    assert only_event().status == EventStatus.DRAFT
    assert db.session.scalar(select(func.count(Event.id))) == 1


def test_an_unknown_event_is_404(staff_client):
    assert staff_client.get("/staff/events/999999").status_code == 404


def test_ten_simultaneous_publishes_publish_once_and_none_fails(app, build, live_server):
    from tests.test_concurrency import HttpSession, _all_at_once

    staff = build.staff()
    event = services.create_event(details(), by=staff)
    db.session.commit()
    session = HttpSession(live_server)
    session.sign_in(staff.email)
    url = f"/staff/events/{event.id}/publish"
    _status, _location, page = session.request("GET", url)
    token = csrf_token_from(page)

    statuses = _all_at_once(lambda: session.request("POST", url, {"csrf_token": token})[0],
                            count=10)
    assert statuses == [302] * 10
    assert only_event().status == EventStatus.PUBLISHED
