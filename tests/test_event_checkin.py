"""Staff at the door and on the registrations page: check-in by tap or code (race-safe), undo,
walk-ins, giving a place by hand, cancelling for someone, and the CSV exports."""

import csv
import io
import re
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from charter_app.events import checkin, exports, tickets
from charter_app.events.models import (
    Booking,
    BuyerSlot,
    EventBuyer,
    Partner,
    Registration,
    RegistrationStatus,
)
from charter_app.events.registrations import Attendee, RegistrationRefused
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus, Organisation
from tests.builders import PASSWORD
from tests.conftest import counting_statements, csrf_token_from, log_in, submit_form
from tests.test_concurrency import HttpSession

HTMX = {"HX-Request": "true"}


def _page(response) -> str:
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    """The page's words, without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _staff_client(app, build, email=None):
    staff = build.staff(email)
    client = app.test_client()
    log_in(client, staff.email, PASSWORD)
    return staff, client


def _token(client, event) -> str:
    return csrf_token_from(_page(client.get(f"/staff/events/{event.id}/check-in")))


def _emails(template: str) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.template == template)) or 0


# --- services ----------------------------------------------------------------------------------

def test_a_check_in_records_who_and_when_and_a_second_is_told_who_did_it(app_ctx, build):
    event = build.event()
    first, second = build.staff("first@businessdurham.example"), build.staff()
    registration = build.registration(event, name="Ada Lovelace")

    checkin.check_in(event.id, registration.id, by=first)
    db.session.commit()
    assert registration.checked_in_at is not None
    assert registration.checked_in_by_id == first.id
    with pytest.raises(checkin.AlreadyCheckedIn) as conflict:
        checkin.check_in(event.id, registration.id, by=second)
    assert conflict.value.by_email == "first@businessdurham.example"
    db.session.rollback()
    assert db.session.get(Registration, registration.id).checked_in_by_id == first.id

    checkin.undo_check_in(event.id, registration.id, by=second)
    db.session.commit()
    assert registration.checked_in_at is None and registration.checked_in_by_id is None
    with pytest.raises(checkin.NotCheckedIn):
        checkin.undo_check_in(event.id, registration.id, by=first)


def test_only_a_confirmed_place_at_this_event_can_be_checked_in(app_ctx, build):
    staff = build.staff()
    event = build.event(capacity=1, places_per_organisation=5)
    other_event = build.event()
    confirmed = build.registration(event, name="Has A Place")
    waiting = build.registration(event, name="Still Waiting")
    elsewhere = build.registration(other_event, name="Other Event")
    leaving = build.registration(other_event, name="Gave Up")
    from charter_app.events.registrations import cancel_registration
    cancel_registration(leaving.id)
    db.session.commit()

    def refusal(registration_id, event_id=event.id):
        with pytest.raises(checkin.CheckInRefused) as refused:
            checkin.check_in_by_code(event_id, tickets.checkin_code(registration_id), by=staff)
        db.session.rollback()
        return refused.value.message

    assert refusal(waiting.id) == "Still Waiting is on the waiting list and has no place: " \
                                  "not checked in."
    assert refusal(elsewhere.id).startswith("This code is for a different event")
    assert refusal(leaving.id, other_event.id) == "Gave Up cancelled their place: not checked in."
    code = tickets.checkin_code(confirmed.id)
    number, signature = code.split("-")
    tampered = f"{number}-{signature[::-1]}" if signature != signature[::-1] else f"{number}-A"
    with pytest.raises(checkin.CheckInRefused, match="not a valid check-in code"):
        checkin.check_in_by_code(event.id, tampered, by=staff)
    # Typed in lower case with spaces around it: the same person.
    checked = checkin.check_in_by_code(event.id, f"  {code.lower()} ", by=staff)
    assert checked.id == confirmed.id and checked.checked_in_at is not None


def test_a_walk_in_gets_a_place_beyond_capacity_checked_in_with_no_email(app_ctx, build):
    staff = build.staff()
    event = build.event(capacity=1)
    build.registration(event)
    sent = db.session.scalar(select(func.count(OutboxMessage.id)))

    walk_in = checkin.add_walk_in(event.id, attendee=Attendee("Grace Hopper", "grace@ex.org"),
                                  organisation_name="Hopper Compilers Ltd", by=staff)
    db.session.commit()
    assert walk_in.status == RegistrationStatus.CONFIRMED and walk_in.walk_in
    assert walk_in.checked_in_at is not None and walk_in.checked_in_by_id == staff.id
    assert walk_in.organisation.name == "Hopper Compilers Ltd"
    assert walk_in.organisation.status == ApplicationStatus.DRAFT
    assert checkin.counts(event.id) == checkin.Counts(confirmed=2, checked_in=1)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == sent

    # The same organisation named another way is found, not made twice.
    again = checkin.add_walk_in(event.id, attendee=Attendee("Alan Turing", "alan@ex.org"),
                                organisation_name="hopper compilers limited.", by=staff)
    assert again.organisation_id == walk_in.organisation_id
    with pytest.raises(RegistrationRefused) as refused:
        checkin.add_walk_in(event.id, attendee=Attendee("Grace Again", "GRACE@ex.org"),
                            organisation_id=walk_in.organisation_id, by=staff)
    assert refused.value.field == "email"


def test_staff_give_a_place_beyond_capacity_and_cancel_with_a_reason(app_ctx, build):
    staff = build.staff()
    event = build.event(capacity=1, places_per_organisation=5)
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    first = build.registration(event, organisation)
    waiting = build.registration(event, organisation)

    checkin.give_place(waiting.id, by=staff)
    db.session.commit()
    assert waiting.status == RegistrationStatus.CONFIRMED and waiting.promoted_by_id == staff.id
    assert checkin.counts(event.id).confirmed == 2
    with pytest.raises(StateChangeRefused):
        checkin.give_place(waiting.id, by=staff)
    db.session.rollback()

    checkin.cancel_on_behalf(first.id, by=staff, reason="  Asked us by phone  ")
    db.session.commit()
    assert first.status == RegistrationStatus.CANCELLED
    assert first.cancelled_by_id == staff.id
    assert first.cancellation_reason == "Asked us by phone"
    with pytest.raises(RegistrationRefused):
        checkin.cancel_on_behalf(waiting.id, by=staff, reason="x" * 501)


# --- the registrations page --------------------------------------------------------------------

def test_the_registrations_page_shows_places_the_waiting_list_in_order_and_the_rest(app, build):
    event = build.event(capacity=2, places_per_organisation=9, title="Meet the buyer: Durham")
    organisation = build.organisation(status=ApplicationStatus.APPROVED, name="Acme Widgets")
    people = [build.registration(event, organisation, name=f"Person {n}",
                                 needs="Step-free access" if n == 0 else None)
              for n in range(5)]
    from charter_app.events.registrations import cancel_registration
    cancel_registration(people[3].id)  # leaves the waiting list: Person 4 moves up to 2
    db.session.commit()
    _staff, client = _staff_client(app, build)

    text = _text(_page(client.get(f"/staff/events/{event.id}/registrations")))
    assert "2 of 2 taken, 0 left" in text
    assert "With a place (2)" in text and "Waiting list (2)" in text
    assert "Step-free access" in text and "Signatory" in text
    assert re.search(r"1 Person 2 .* 2 Person 4 ", text)
    assert "Cancelled, left the waiting list or did not get a place (1)" in text
    assert re.search(r"Person 3 ?, Acme Widgets: Left the waiting list on \d", text)
    assert "Bookings with buyers" not in text  # no bookings yet


def test_giving_a_place_warns_beyond_capacity_and_a_second_try_changes_nothing(app, build):
    event = build.event(capacity=1, places_per_organisation=5)
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    build.registration(event, organisation)
    waiting = build.registration(event, organisation, name="Wendy Waiting")
    staff, client = _staff_client(app, build)
    url = f"/staff/events/{event.id}/registrations/{waiting.id}/give-a-place"

    confirm = _text(_page(client.get(url)))
    assert "This place goes beyond its capacity" in confirm
    token = csrf_token_from(_page(client.get(url)))
    response = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Wendy Waiting has a place" in _page(response)
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).promoted_by_id == staff.id
    assert _emails("event_place_confirmed") == 2

    again = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert again.status_code == 200
    assert "is now ‘Confirmed’" in _page(again) and "Nothing has changed" in _page(again)
    assert _emails("event_place_confirmed") == 2


def test_staff_cancel_a_registration_with_a_reason_shown_in_the_collapsed_list(app, build):
    event = build.event(capacity=3)
    registration = build.registration(event, name="Carl Cancelled")
    _staff, client = _staff_client(app, build)
    url = f"/staff/events/{event.id}/registrations/{registration.id}/cancel"

    too_long = submit_form(client, url, {"reason": "r" * 501})
    assert "The reason must be 500 characters or fewer" in _page(too_long)
    assert "r" * 501 in _page(too_long)  # nothing typed is lost
    done = submit_form(client, url, {"reason": "=Phoned to say they are ill"},
                       follow_redirects=True)
    assert "Carl Cancelled&#39;s registration is cancelled" in _page(done)
    assert "Reason: =Phoned to say they are ill" in _text(_page(done))
    assert _emails("event_registration_cancelled") == 1
    # The page opened before: a second cancellation says so, never a 500.
    assert "Nothing has changed" in _page(client.get(url, follow_redirects=True))


def test_another_events_registration_is_not_found_from_this_event(app, build):
    event, other = build.event(), build.event()
    registration = build.registration(other)
    _staff, client = _staff_client(app, build)
    for path in (f"registrations/{registration.id}/give-a-place",
                 f"registrations/{registration.id}/cancel"):
        assert client.get(f"/staff/events/{event.id}/{path}").status_code == 404
    token = _token(client, event)
    assert client.post(f"/staff/events/{event.id}/check-in/{registration.id}",
                       data={"csrf_token": token}).status_code == 404


# --- check-in pages ----------------------------------------------------------------------------

def test_the_check_in_page_counts_searches_and_works_without_javascript(app, build):
    event = build.event()
    acme = build.organisation(status=ApplicationStatus.APPROVED, name="Acme Widgets")
    ada = build.registration(event, acme, name="Ada Lovelace")
    build.registration(event, name="Bob Builder", email="bob@builders.example")
    _staff, client = _staff_client(app, build)
    page = f"/staff/events/{event.id}/check-in"

    text = _text(_page(client.get(page)))
    assert "0 of 2 checked in" in text and "Ada Lovelace" in text and "Bob Builder" in text
    for search in ("acme", "LOVELACE", "ada"):
        found = _text(_page(client.get(f"{page}?q={search}")))
        assert "Ada Lovelace" in found and "Bob Builder" not in found
    assert "Bob Builder" in _text(_page(client.get(f"{page}?q=builders.example")))
    assert "Nobody with a place matches ‘100%’" in _page(client.get(f"{page}?q=100%25"))

    token = _token(client, event)
    response = client.post(f"{page}/{ada.id}?q=acme", data={"csrf_token": token})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.query == "q=acme" and location.fragment == f"attendee-{ada.id}"
    after = _text(_page(client.get(f"{page}?q=acme")))
    assert "Ada Lovelace is checked in." in after
    assert re.search(r"Checked in \d\d:\d\d", after) and "1 of 2 checked in" in after


def test_htmx_swaps_the_row_and_a_conflict_says_who_and_when(app, build):
    event = build.event()
    registration = build.registration(event, name="Ada Lovelace")
    build.staff("first@businessdurham.example")
    first = app.test_client()
    log_in(first, "first@businessdurham.example", PASSWORD)
    _second_staff, second = _staff_client(app, build)
    page = f"/staff/events/{event.id}/check-in"

    # The live search answers the list alone.
    listing = client_get_htmx(second, f"{page}?q=ada", target="checkin-list")
    assert "<h1" not in listing and "Ada Lovelace" in listing and "1 attendee found" in listing

    tapped = first.post(f"{page}/{registration.id}", data={"csrf_token": _token(first, event)},
                        headers=HTMX)
    assert tapped.status_code == 200
    row = _page(tapped)
    assert "<h1" not in row and re.search(r"Checked in \d\d:\d\d", row)
    assert "Undo" in row and "1 of 1 checked in" in row

    late = second.post(f"{page}/{registration.id}", data={"csrf_token": _token(second, event)},
                       headers=HTMX)
    assert late.status_code == 409
    assert re.search(r"Ada Lovelace was already checked in at \d\d:\d\d by "
                     r"first@businessdurham.example", _page(late))

    undone = second.post(f"{page}/{registration.id}/undo",
                         data={"csrf_token": _token(second, event)}, headers=HTMX)
    assert undone.status_code == 200 and "Check in" in _page(undone)
    assert "0 of 1 checked in" in _page(undone)
    again = first.post(f"{page}/{registration.id}/undo",
                       data={"csrf_token": _token(first, event)}, headers=HTMX)
    assert again.status_code == 409 and "already undone" in _page(again)


def client_get_htmx(client, url: str, target: str) -> str:
    response = client.get(url, headers={**HTMX, "HX-Target": target})
    assert response.status_code == 200
    return _page(response)


@pytest.mark.parametrize("typed", ["exact", "lower", "spaced"])
def test_a_code_typed_or_scanned_checks_the_attendee_in(app, build, typed):
    event = build.event()
    organisation = build.organisation(status=ApplicationStatus.APPROVED, name="Acme Widgets")
    registration = build.registration(event, organisation, name="Ada Lovelace")
    _staff, client = _staff_client(app, build)
    with app.app_context():
        code = tickets.checkin_code(registration.id)
    code = {"exact": code, "lower": code.lower(), "spaced": f" {code} "}[typed]
    response = submit_form(client, f"/staff/events/{event.id}/check-in/code", {"code": code},
                           page=f"/staff/events/{event.id}/check-in", follow_redirects=True)
    assert "Ada Lovelace (Acme Widgets) is checked in." in _page(response)
    assert "1 of 1 checked in" in _text(_page(response))


def test_a_bad_code_is_refused_beside_the_box_and_kept(app, build):
    event = build.event(capacity=1, places_per_organisation=5)
    other = build.event()
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    placed = build.registration(event, organisation)
    waiting = build.registration(event, organisation, name="Wendy Waiting")
    elsewhere = build.registration(other)
    _staff, client = _staff_client(app, build)
    with app.app_context():
        codes = {tickets.checkin_code(waiting.id): "Wendy Waiting is on the waiting list",
                 tickets.checkin_code(elsewhere.id): "This code is for a different event",
                 f"{placed.id}-AAAAAAAA": "This is not a valid check-in code",
                 "": "Enter the check-in code, or scan it"}
    for code, refusal in codes.items():
        response = submit_form(client, f"/staff/events/{event.id}/check-in/code",
                               {"code": code}, page=f"/staff/events/{event.id}/check-in")
        html = _page(response)
        assert response.status_code == 200
        assert "<title>Error: Check in" in html
        assert refusal in html.split('id="code-error"')[1].split("</p>")[0]
        assert f'value="{code}"' in html
    db.session.expire_all()
    assert checkin.counts(event.id).checked_in == 0


def test_a_walk_in_from_the_check_in_page_and_its_errors(app, build):
    event = build.event(capacity=1)
    build.registration(event, email="taken@example.org")
    _staff, client = _staff_client(app, build)
    page = f"/staff/events/{event.id}/check-in"
    url = f"{page}/walk-in"

    refused = _page(submit_form(client, url, {"name": "", "email": "taken@example.org",
                                              "organisation_name": "N" * 161}, page=page))
    assert "<title>Error: Check in" in refused and "There is a problem" in refused
    assert "Enter the attendee&#39;s full name" in refused
    assert "Or the organisation&#39;s name must be 160 characters or fewer" in refused
    taken = _page(submit_form(client, url, {"name": "Tina Taken", "email": "TAKEN@example.org",
                                            "organisation_name": "Taken Ltd"}, page=page))
    assert "taken@example.org is already registered for this event" in taken.replace(
        "TAKEN", "taken")
    assert 'value="Tina Taken"' in taken and 'value="Taken Ltd"' in taken
    no_organisation = _page(submit_form(client, url, {"name": "No Org",
                                                      "email": "no@example.org"}, page=page))
    assert "Choose the attendee&#39;s organisation from the list, or type its name" in \
        no_organisation

    done = submit_form(client, url, {"name": "Walter Walkin", "email": "walter@example.org",
                                     "organisation_name": "Walkin Bakery"}, page=page,
                       follow_redirects=True)
    text = _text(_page(done))
    assert "Walter Walkin is added as a walk-in and checked in." in text
    assert "1 of 2 checked in" in text
    organisation = db.session.scalars(select(Organisation).where(
        Organisation.name == "Walkin Bakery")).one()
    assert organisation.status == ApplicationStatus.DRAFT
    # A second person from an organisation now on the list, chosen from it.
    assert f'<option value="{organisation.id}">Walkin Bakery</option>' in _page(client.get(page))
    chosen = submit_form(client, url, {"name": "Wilma Walkin", "email": "wilma@example.org",
                                       "organisation_id": str(organisation.id)}, page=page)
    assert chosen.status_code == 303
    assert checkin.counts(event.id) == checkin.Counts(confirmed=3, checked_in=2)


def test_two_staff_checking_in_at_once_record_one_and_tell_the_other(app, build, live_server):
    event = build.event()
    registration = build.registration(event, name="Ada Lovelace")
    sessions, tokens = [], []
    for number in range(2):
        staff = build.staff(f"door{number}@businessdurham.example")
        session = HttpSession(live_server)
        session.sign_in(staff.email)
        status, _location, html = session.request("GET", f"/staff/events/{event.id}/check-in")
        assert status == 200
        sessions.append(session)
        tokens.append(csrf_token_from(html))
    url = f"/staff/events/{event.id}/check-in/{registration.id}"
    start = threading.Barrier(2)
    answers: list = [None, None]
    errors: list[BaseException] = []

    def tap(number: int):
        start.wait()
        try:
            answers[number] = sessions[number].request(
                "POST", url, {"csrf_token": tokens[number]}, headers=HTMX)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=tap, args=(number,)) for number in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    statuses = sorted(answer[0] for answer in answers)
    assert statuses == [200, 409], answers
    loser = next(answer for answer in answers if answer[0] == 409)
    db.session.expire_all()
    stored = db.session.get(Registration, registration.id)
    from charter_app.accounts.models import User
    winner = db.session.get(User, stored.checked_in_by_id).email
    assert winner in {"door0@businessdurham.example", "door1@businessdurham.example"}
    assert "Ada Lovelace was already checked in at" in loser[2]
    assert f"by {winner}" in loser[2]
    assert stored.checked_in_at is not None



# --- exports -----------------------------------------------------------------------------------

def _csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_page(response))))


def test_the_exports_are_safe_ascii_named_and_in_uk_time(app, build):
    event = build.event(capacity=1, places_per_organisation=5,
                        title="Meet the buyer: Durham — Café “day”")
    hostile = build.organisation(status=ApplicationStatus.APPROVED, name="@SUM(A1:A9) Ltd")
    placed = build.registration(event, hostile, name='=HYPERLINK("http://evil.example","x")')
    build.registration(event, hostile, name="+Second")
    build.registration(event, hostile, name="-Third")
    # As if registered at 10:05 UTC on 1 July: 11:05 in UK summer time.
    placed.created_at = datetime(2026, 7, 1, 10, 5, tzinfo=UTC)
    db.session.commit()
    staff, client = _staff_client(app, build)
    checkin.check_in(event.id, placed.id, by=staff,
                     now=datetime(2026, 12, 1, 9, 30, tzinfo=UTC))  # winter: 09:30 in the UK
    db.session.commit()
    base = f"/staff/events/{event.id}"

    response = client.get(f"{base}/registrations.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="meet-the-buyer-durham-cafe-day-registrations.csv"')
    rows = _csv_rows(response)
    assert [row["Name"] for row in rows] == [
        "'=HYPERLINK(\"http://evil.example\",\"x\")", "'+Second", "'-Third"]
    assert rows[0]["Organisation"] == "'@SUM(A1:A9) Ltd"
    assert rows[0]["Registered (UK time)"] == "2026-07-01 11:05"
    assert rows[0]["Checked in (UK time)"] == "2026-12-01 09:30"
    assert [row["Status"] for row in rows] == ["Confirmed", "Waiting list", "Waiting list"]

    waiting = client.get(f"{base}/waiting-list.csv")
    assert waiting.headers["Content-Disposition"].endswith('-waiting-list.csv"')
    assert [(row["Position"], row["Name"]) for row in _csv_rows(waiting)] == [
        ("1", "'+Second"), ("2", "'-Third")]

    checkin.add_walk_in(event.id, attendee=Attendee("Walter", "walter@example.org"),
                        organisation_name="Walkers", by=staff)
    db.session.commit()
    attendance = _csv_rows(client.get(f"{base}/attendance.csv"))
    assert [(row["Name"], row["Attended"], row["Walk-in"]) for row in attendance] == [
        ("'=HYPERLINK(\"http://evil.example\",\"x\")", "Yes", "No"), ("Walter", "Yes", "Yes")]


def test_the_bookings_export_lists_each_appointment(app, build):
    event = build.event(title="Buyers' day")
    supplier = build.organisation(status=ApplicationStatus.APPROVED, name="Supplier Ltd")
    partner = Partner(name="Durham County Council")
    buyer = EventBuyer(event_id=event.id, partner=partner)
    starts = event.starts_at
    slot = BuyerSlot(buyer=buyer, starts_at=starts, ends_at=starts + timedelta(minutes=15))
    db.session.add_all([partner, buyer, slot])
    db.session.flush()
    db.session.add(Booking(slot_id=slot.id, buyer_id=buyer.id, event_id=event.id,
                           organisation_id=supplier.id, offer="=cmd|' /C calc'!A0 We clean."))
    db.session.commit()
    _staff, client = _staff_client(app, build)

    assert "Bookings with buyers" in _page(client.get(f"/staff/events/{event.id}/registrations"))
    response = client.get(f"/staff/events/{event.id}/bookings.csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="buyers-day-bookings.csv"')
    [row] = _csv_rows(response)
    assert row["Buyer"] == "Durham County Council" and row["Supplier"] == "Supplier Ltd"
    assert row["Offer"].startswith("'=cmd") and row["Status"] == "Booked"
    assert row["Slot starts (UK time)"] == exports.uk_time(starts)


def test_a_title_with_no_ascii_letters_still_names_the_file(app_ctx, build):
    event = build.event(title="ÆØÅ 🎉")
    assert exports.filename(event, "attendance") in {"aeoa-attendance.csv", "a-attendance.csv",
                                                     f"event-{event.id}-attendance.csv"}
    assert re.fullmatch(r"[a-z0-9-]+\.csv", exports.filename(event, "attendance"))


# --- SQL statements do not grow with the registrations -----------------------------------------

def _statements(app, client, url: str) -> list[str]:
    client.get(url)  # warm up
    with counting_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


@pytest.mark.parametrize("path", ["check-in", "check-in?q=person", "registrations",
                                  "registrations.csv", "attendance.csv"])
def test_statements_stay_constant_from_5_to_50_registrations(app, build, path):
    event = build.event(capacity=20, places_per_organisation=100)
    organisations = [build.organisation(status=ApplicationStatus.APPROVED) for _ in range(3)]
    staff, client = _staff_client(app, build)

    def add(count: int, start: int):
        for number in range(start, start + count):
            registration = build.registration(event, organisations[number % 3],
                                              name=f"Person {number}")
            if number % 4 == 0 and registration.is_confirmed:
                checkin.check_in(event.id, registration.id, by=staff)
        db.session.commit()

    add(5, 0)
    small = _statements(app, client, f"/staff/events/{event.id}/{path}")
    add(45, 5)
    large = _statements(app, client, f"/staff/events/{event.id}/{path}")
    assert len(small) == len(large), "\n---\n".join(large)
    assert len(large) <= 8, "\n---\n".join(large)
