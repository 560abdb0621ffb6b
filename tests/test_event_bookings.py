"""Meet-the-buyer: partners, buyers' timetables and suppliers booking 1:1 appointments, through
the services and the pages, with the emails and calendar files they send, and twenty suppliers
racing for one slot over real HTTP."""

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from charter_app.events import bookings, buyers
from charter_app.events.bookings import BookingRefused
from charter_app.events.buyers import BuyerRefused, TimetablePlan
from charter_app.events.models import Booking, BuyerSlot, Event, Registration
from charter_app.extensions import db, limiter
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import LONDON, to_london, utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form
from tests.test_concurrency import HttpSession, _all_at_once

OFFER = "We print leaflets and signs. Our team of six is based in Consett."


def _event(build, days: int = 14, **changes) -> Event:
    """A meet-the-buyer event from 10am to 1pm UK time, `days` from today."""
    day = (utcnow().astimezone(LONDON) + timedelta(days=days)).date()
    starts_at = datetime.combine(day, time(10), tzinfo=LONDON).astimezone(UTC)
    return build.event(starts_in=starts_at - utcnow(), hours=3, **changes)


def _supplier(build, event, name: str | None = None, *, status=ApplicationStatus.APPROVED):
    """A member and their organisation with a confirmed place at the event."""
    member = build.user()
    organisation = build.organisation(member, status=status, name=name)
    build.registration(event, organisation, email=member.email)
    return member, organisation


def _slot_at(buyer, clock: str) -> BuyerSlot:
    return next(slot for slot in buyer.slots if f"{to_london(slot.starts_at):%H:%M}" == clock)


def _book(buyer, clock, organisation, member, offer=OFFER, **kwargs) -> Booking:
    booking = bookings.book_slot(buyer.event_id, _slot_at(buyer, clock).id,
                                 organisation_id=organisation.id, by=member, offer=offer,
                                 **kwargs)
    db.session.commit()
    return booking


def _messages(template: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == template).order_by(OutboxMessage.id)))


# --- timetables --------------------------------------------------------------------------------

def test_a_timetable_makes_slots_in_uk_time_skipping_the_breaks(app_ctx, build):
    event = _event(build)
    buyer = build.buyer(event, starts="10:00", ends="13:00", breaks="11:00-11:15")
    clocks = [f"{to_london(slot.starts_at):%H:%M}" for slot in buyer.slots]
    assert len(clocks) == 11
    assert clocks[:4] == ["10:00", "10:15", "10:30", "10:45"]
    assert "11:00" not in clocks and clocks[4] == "11:15" and clocks[-1] == "12:45"
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=15) for slot in buyer.slots)
    assert buyer.slots[0].starts_at == event.starts_at  # stored in UTC, same instant


def test_slots_outside_the_event_or_bad_breaks_are_refused(app_ctx, build):
    event = _event(build)
    buyer = build.buyer(event)
    with pytest.raises(BuyerRefused) as early:
        buyers.set_timetable(buyer.id, TimetablePlan(15, time(9, 30), time(11)))
    assert early.value.field == "starts" and "from 10:00 to 13:00" in early.value.message
    with pytest.raises(BuyerRefused) as late:
        buyers.set_timetable(buyer.id, TimetablePlan(15, time(12), time(13, 30)))
    assert late.value.field == "ends"
    with pytest.raises(BuyerRefused) as short:
        buyers.set_timetable(buyer.id, TimetablePlan(2, time(10), time(11)))
    assert short.value.field == "slot_minutes"
    from charter_app.events.forms import parse_time
    with pytest.raises(BuyerRefused) as typo:
        buyers.parse_breaks("11:00-11:15, lunch", parse_time)
    assert "lunch" in typo.value.message
    assert buyers.parse_breaks("11am to 11:15, 12:30-1pm", parse_time) == [
        (time(11), time(11, 15)), (time(12, 30), time(13))]


def test_regenerating_keeps_booked_slots_and_refuses_to_drop_them(app_ctx, build):
    event = _event(build)
    buyer = build.buyer(event, starts="10:00", ends="11:00")
    member, organisation = _supplier(build, event)
    booking = _book(buyer, "10:30", organisation, member)
    # Longer hours: the booked slot (and its booking) stay as they were.
    slots = buyers.set_timetable(buyer.id, TimetablePlan(15, time(10), time(12)))
    db.session.commit()
    assert len(slots) == 8
    assert db.session.get(Booking, booking.id).slot_id == _slot_at(buyer, "10:30").id
    # A timetable without 10:30 would lose a booked slot: refused, nothing changed.
    with pytest.raises(BuyerRefused) as refusal:
        buyers.set_timetable(buyer.id, TimetablePlan(20, time(10), time(12)))
    assert "10:30" in refusal.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count(BuyerSlot.id)).where(
        BuyerSlot.buyer_id == buyer.id)) == 8


def test_a_buyer_with_bookings_cannot_be_removed(app_ctx, build):
    event = _event(build)
    buyer = build.buyer(event)
    member, organisation = _supplier(build, event)
    booking = _book(buyer, "10:00", organisation, member)
    with pytest.raises(BuyerRefused) as refusal:
        buyers.remove_buyer(buyer.id)
    assert "1 booked appointment" in refusal.value.message
    db.session.rollback()
    bookings.cancel_booking(booking.id, organisation_id=organisation.id)
    buyers.remove_buyer(buyer.id)
    db.session.commit()
    assert buyers.buyers_of(event.id) == []


def test_partner_names_are_unique_whatever_their_case(app_ctx, build):
    build.partner("Durham County Council")
    with pytest.raises(BuyerRefused) as refusal:
        buyers.add_partner(buyers.PartnerDetails(name="  durham county   council "))
    assert refusal.value.field == "name"
    assert "already a partner called durham county council" in refusal.value.message
    with pytest.raises(BuyerRefused) as bad_site:
        buyers.add_partner(buyers.PartnerDetails(name="Northumbrian Water",
                                                 website="northumbrianwater"))
    assert bad_site.value.field == "website"


# --- booking rules -----------------------------------------------------------------------------

def test_a_supplier_books_and_is_emailed_a_calendar_file(app_ctx, build):
    event = _event(build)
    buyer = build.buyer(event, build.partner("County Durham Housing Group"))
    member, organisation = _supplier(build, event, "Consett Print Ltd")
    booking = _book(buyer, "10:15", organisation, member)
    assert booking.status == "booked" and booking.offer == OFFER
    assert [b.id for b in bookings.timetable_of(event.id, organisation.id)] == [booking.id]
    [message] = _messages("booking_confirmed")
    assert message.recipient == member.email
    assert message.subject == "Your appointment is booked with County Durham Housing Group"
    assert "10:15am to 10:30am" in message.body_text and OFFER in message.body_text
    assert message.attachment_name == "appointment.ics"
    assert message.attachment_type == "text/calendar; method=REQUEST"


def test_one_slot_per_buyer_and_never_two_at_the_same_time(app_ctx, build):
    event = _event(build)
    council = build.buyer(event, build.partner("Durham County Council"))
    water = build.buyer(event, build.partner("Northumbrian Water"), slot_minutes=20)
    member, organisation = _supplier(build, event)
    _book(council, "10:00", organisation, member)
    with pytest.raises(BookingRefused) as second:
        _book(council, "10:30", organisation, member)
    assert ("You already have an appointment with Durham County Council at 10:00"
            in second.value.message)
    db.session.rollback()
    # Water's 10:00-10:20 overlaps the council's 10:00-10:15; 10:20 does not.
    with pytest.raises(BookingRefused) as overlap:
        _book(water, "10:00", organisation, member)
    assert "You already have an appointment at 10:00 with Durham County Council" in (
        overlap.value.message)
    db.session.rollback()
    _book(water, "10:20", organisation, member)
    assert len(bookings.timetable_of(event.id, organisation.id)) == 2


def test_a_taken_slot_is_refused_to_the_next_supplier(app_ctx, build):
    event = _event(build)
    buyer = build.buyer(event, build.partner("NHS Foundation Trust"))
    first, first_org = _supplier(build, event)
    second, second_org = _supplier(build, event)
    _book(buyer, "10:00", first_org, first)
    with pytest.raises(BookingRefused) as refusal:
        _book(buyer, "10:00", second_org, second)
    assert "another supplier has just booked NHS Foundation Trust at 10:00" in (
        refusal.value.message)
    db.session.rollback()
    # The unique index alone refuses it too, without the friendly check before it.
    assert bookings._insert_booking(
        slot_id=_slot_at(buyer, "10:00").id, buyer_id=buyer.id, event_id=event.id,
        organisation_id=second_org.id, offer="x", status="booked", sequence=0,
        created_at=utcnow()) is None


def test_bookings_need_a_confirmed_place_an_open_event_and_a_slot_of_this_event(app_ctx,
                                                                                 build):
    event = _event(build, capacity=1)
    buyer = build.buyer(event)
    member, organisation = _supplier(build, event)
    waiting_member = build.user()
    waiting = build.organisation(waiting_member, status=ApplicationStatus.APPROVED)
    assert build.registration(event, waiting, email=waiting_member.email).status == "waiting"
    with pytest.raises(BookingRefused) as not_placed:
        _book(buyer, "10:00", waiting, waiting_member)
    assert "confirmed place" in not_placed.value.message
    db.session.rollback()
    with pytest.raises(BookingRefused) as started:
        _book(buyer, "10:00", organisation, member, now=event.starts_at)
    assert "This event has started" in started.value.message
    db.session.rollback()
    other_buyer = build.buyer(_event(build, days=20))
    with pytest.raises(BookingRefused) as elsewhere:
        bookings.book_slot(event.id, other_buyer.slots[0].id, organisation_id=organisation.id,
                           by=member, offer=OFFER)
    assert elsewhere.value.field == "slot"
    with pytest.raises(BookingRefused) as empty:
        _book(buyer, "10:00", organisation, member, offer="   ")
    assert empty.value.field == "offer"
    with pytest.raises(BookingRefused) as long:
        _book(buyer, "10:00", organisation, member, offer="x" * 501)
    assert "500 characters or fewer" in long.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_cancelling_frees_the_slot_and_sends_the_same_uid_with_cancel(app_ctx, build):
    event = _event(build)
    buyer = build.buyer(event)
    member, organisation = _supplier(build, event)
    booking = _book(buyer, "10:45", organisation, member)
    bookings.cancel_booking(booking.id, organisation_id=organisation.id)
    db.session.commit()
    assert booking.status == "cancelled" and booking.sequence == 1
    assert _slot_at(buyer, "10:45").id not in bookings.taken_slot_ids(event.id)
    [confirmed] = _messages("booking_confirmed")
    [cancelled] = _messages("booking_cancelled")
    request = icalendar.Calendar.from_ical(confirmed.attachment_body)
    cancel = icalendar.Calendar.from_ical(cancelled.attachment_body)
    assert cancelled.attachment_type == "text/calendar; method=CANCEL"
    assert str(cancel["METHOD"]) == "CANCEL"
    [first], [second] = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert str(second["UID"]) == str(first["UID"]) == f"booking-{booking.id}@localhost"
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    # Booking the same time again works, and the event's start ends cancelling.
    again = _book(buyer, "10:45", organisation, member)
    with pytest.raises(BookingRefused):
        bookings.cancel_booking(again.id, organisation_id=organisation.id, now=event.starts_at)


def test_the_calendar_file_is_a_full_invitation(app, app_ctx, build, smtp):
    event = _event(build)
    buyer = build.buyer(event, build.partner("Believe Housing"))
    member, organisation = _supplier(build, event, "Stanley Signs Ltd")
    booking = _book(buyer, "10:30", organisation, member)
    [email] = smtp.wait_for(2)[-1:]  # the registration's email, then the booking's
    [part] = [part for part in email.iter_attachments()]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "appointment.ics"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    [entry] = calendar.walk("VEVENT")
    for name in ("UID", "SEQUENCE", "DTSTART", "DTEND", "DTSTAMP", "ORGANIZER", "ATTENDEE"):
        assert name in entry, name
    assert entry.decoded("DTSTART") == _slot_at(buyer, "10:30").starts_at
    assert entry.decoded("DTEND") - entry.decoded("DTSTART") == timedelta(minutes=15)
    assert str(entry["ORGANIZER"]) == "mailto:" + app.config["MAIL_DEFAULT_SENDER"].split(
        "<")[-1].rstrip(">")
    assert str(entry["ATTENDEE"]) == f"mailto:{member.email}"
    assert int(entry["SEQUENCE"]) == booking.sequence == 0
    [alarm] = entry.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(days=1)


def test_cancel_bookings_of_cancels_each_with_its_email(app_ctx, build):
    event = _event(build)
    one, two = build.buyer(event), build.buyer(event)
    member, organisation = _supplier(build, event)
    other_member, other = _supplier(build, event)
    _book(one, "10:00", organisation, member)
    _book(two, "10:15", organisation, member)
    kept = _book(one, "10:30", other, other_member)
    cancelled = bookings.cancel_bookings_of(event.id, organisation.id, now=utcnow())
    db.session.commit()
    assert len(cancelled) == 2 and {b.sequence for b in cancelled} == {1}
    assert bookings.timetable_of(event.id, organisation.id) == []
    assert kept.status == "booked"
    assert len(_messages("booking_cancelled")) == 2
    assert bookings.cancel_bookings_of(event.id, organisation.id, now=utcnow()) == []



def test_giving_up_the_last_place_gives_up_the_appointments_too(app_ctx, build):
    from charter_app.events import registrations

    event = _event(build, places_per_organisation=2)
    buyer = build.buyer(event)
    member, organisation = _supplier(build, event)
    second_place = build.registration(event, organisation)
    booking = _book(buyer, "10:00", organisation, member)
    registrations.cancel_registration(second_place.id)
    db.session.commit()
    assert booking.status == "booked"  # the organisation still has a place
    first_place = db.session.scalar(select(Registration).where(
        Registration.organisation_id == organisation.id, Registration.status == "confirmed"))
    registrations.cancel_registration(first_place.id)
    db.session.commit()
    assert booking.status == "cancelled"
    assert len(_messages("booking_cancelled")) == 1
    assert _slot_at(buyer, "10:00").id not in bookings.taken_slot_ids(event.id)


def test_cancelling_the_event_cancels_every_appointment(app_ctx, build):
    from charter_app.events import services

    event = _event(build)
    buyer = build.buyer(event)
    for clock in ("10:00", "10:15"):
        member, organisation = _supplier(build, event)
        _book(buyer, clock, organisation, member)
    services.cancel_event(event.id, "The hall is closed.")
    db.session.commit()
    assert bookings.taken_slot_ids(event.id) == set()
    assert len(_messages("booking_cancelled")) == 2


# --- pages -------------------------------------------------------------------------------------

def test_staff_add_a_partner_a_buyer_and_its_timetable_through_the_pages(app, build, client):
    staff = build.staff()
    event = _event(build)
    build.partner("Durham County Council")
    log_in(client, staff.email, PASSWORD)
    assert "Buyers and appointments" in client.get(
        f"/staff/events/{event.id}").get_data(as_text=True)
    response = submit_form(client, "/staff/partners/new",
                           {"name": "DURHAM county council", "website": "",
                            "description": "Our county."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Error:" in page
    assert "There is already a partner called DURHAM county council" in page
    assert "Our county." in page  # nothing typed is lost
    response = submit_form(client, "/staff/partners/new", {
        "name": "Livin Housing", "website": "https://www.livin.co.uk", "description": ""})
    assert response.status_code == 302
    livin = db.session.scalar(select(buyers.Partner).where(buyers.Partner.name == "Livin Housing"))

    base = f"/staff/events/{event.id}/buyers"
    response = submit_form(client, f"{base}/new", {"partner": str(livin.id),
                                                   "buys": "Repairs and grounds maintenance"})
    assert response.status_code == 302
    buyer = buyers.buyers_of(event.id)[0]
    refused = submit_form(client, f"{base}/{buyer.id}/timetable", {
        "slot_minutes": "15", "starts": "9am", "ends": "12:00", "breaks": "11:00-11:15"})
    page = refused.get_data(as_text=True)
    assert "Slots must fit inside the event, from 10:00 to 13:00 UK time" in page
    assert 'value="11:00-11:15"' in page
    response = submit_form(client, f"{base}/{buyer.id}/timetable", {
        "slot_minutes": "15", "starts": "10am", "ends": "12:00", "breaks": "11:00-11:15"})
    assert response.status_code == 302
    listing = client.get(base).get_data(as_text=True)
    assert "7 slots from 10:00 to 12:00" in listing and "Repairs and grounds" in listing
    # The form shows the timetable back as it was made.
    again = client.get(f"{base}/{buyer.id}/timetable").get_data(as_text=True)
    assert 'value="15"' in again and 'value="11:00-11:15"' in again


def test_a_buyer_that_is_not_at_a_meet_the_buyer_event_is_not_found(app, build, client):
    staff = build.staff()
    workshop = build.event(kind="workshop")
    log_in(client, staff.email, PASSWORD)
    assert client.get(f"/staff/events/{workshop.id}/buyers").status_code == 404
    assert "Buyers and appointments" not in client.get(
        f"/staff/events/{workshop.id}").get_data(as_text=True)


def test_a_supplier_books_sees_its_timetable_and_cancels_through_the_pages(app, build,
                                                                           client):
    event = _event(build)
    buyer = build.buyer(event, build.partner("Durham County Council"),
                        buys="Catering for schools")
    member, organisation = _supplier(build, event, "Esh Bakery Ltd")
    log_in(client, member.email, PASSWORD)
    page = client.get(f"/events/{event.id}/appointments").get_data(as_text=True)
    assert "Catering for schools" in page and "4 free times" in page
    slot = _slot_at(buyer, "10:15")
    book = f"/events/{event.id}/appointments/book/{slot.id}"
    too_long = "Long. " * 100
    response = submit_form(client, book, {"offer": too_long})
    page = response.get_data(as_text=True)
    assert "Error:" in page and "must be 500 characters or fewer" in page
    assert too_long.strip() in page  # kept
    response = submit_form(client, book, {"offer": OFFER}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your appointment with Durham County Council at 10:15 is booked" in page
    assert "10:15 to 10:30</strong>: Durham County Council" in page
    booking = db.session.scalar(select(Booking))
    assert booking.booked_by_id == member.id and booking.organisation_id == organisation.id
    # A second with the same buyer: refused with a clear message, the text kept.
    second = submit_form(client, f"/events/{event.id}/appointments/book/"
                                 f"{_slot_at(buyer, '10:45').id}", {"offer": "Again."})
    page = second.get_data(as_text=True)
    assert second.status_code == 200 and "This appointment cannot be booked" in page
    assert "You already have an appointment with Durham County Council at 10:15" in page
    assert "Again." in page
    cancel = f"/events/{event.id}/appointments/{booking.id}/cancel"
    response = submit_form(client, cancel, {}, follow_redirects=True)
    assert "is cancelled" in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == "cancelled"
    assert client.get(cancel, follow_redirects=True).status_code == 200  # says so, no 500


def test_slots_of_other_events_and_other_suppliers_bookings_are_not_found(app, build, client):
    event = _event(build)
    buyer = build.buyer(event)
    elsewhere = build.buyer(_event(build, days=21))
    member, organisation = _supplier(build, event)
    other_member, other = _supplier(build, event)
    booking = _book(buyer, "10:00", other, other_member)
    log_in(client, member.email, PASSWORD)
    assert client.get(f"/events/{event.id}/appointments/book/"
                      f"{elsewhere.slots[0].id}").status_code == 404
    assert client.get(f"/events/{event.id}/appointments/{booking.id}/cancel").status_code == 404
    token = csrf_token_from(client.get(f"/events/{event.id}/appointments").get_data(
        as_text=True))
    assert client.post(f"/events/{event.id}/appointments/{booking.id}/cancel",
                       data={"csrf_token": token}).status_code == 404
    assert db.session.get(Booking, booking.id).status == "booked"


def test_the_waiting_list_sees_the_buyers_but_cannot_book(app, build, client):
    event = _event(build, capacity=1)
    buyer = build.buyer(event)
    _supplier(build, event)
    member = build.user()
    organisation = build.organisation(member, status=ApplicationStatus.APPROVED)
    build.registration(event, organisation, email=member.email)
    log_in(client, member.email, PASSWORD)
    page = client.get(f"/events/{event.id}/appointments").get_data(as_text=True)
    assert "Only organisations with a confirmed place at this event can book" in page
    response = client.get(f"/events/{event.id}/appointments/book/{buyer.slots[0].id}")
    assert "Only organisations with a confirmed place" in response.get_data(as_text=True)
    assert "Book the appointment" not in response.get_data(as_text=True)


def test_a_buyers_printable_page_and_csv_are_safe_and_complete(app, build, client):
    event = _event(build)
    buyer = build.buyer(event, build.partner("Durham County Council / Procurement"))
    signatory, signed = _supplier(build, event, "=HYPERLINK(\"evil\") Ltd")
    newcomer, unsigned = _supplier(build, event, "New Firm Ltd",
                                   status=ApplicationStatus.DRAFT)
    _book(buyer, "10:15", unsigned, newcomer, offer="+44 cheap phones. Call us.")
    _book(buyer, "10:00", signed, signatory)
    staff = build.staff()
    log_in(client, staff.email, PASSWORD)
    base = f"/staff/events/{event.id}/buyers/{buyer.id}/appointments"
    page = client.get(base).get_data(as_text=True)
    assert page.index("10:00–10:15") < page.index("10:15–10:30")
    assert re.search(r'href="/static/css/appointments-print\.[0-9a-f]{12}\.css"', page)
    response = client.get(f"{base}.csv")
    assert response.status_code == 200
    day = f"{to_london(event.starts_at):%Y-%m-%d}"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="durham-county-council-procurement-appointments-{day}.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Time (UK)", "Ends (UK)", "Supplier", "What the supplier offers",
                       "Booked by", "Charter status"]
    assert rows[1] == [f"{day} 10:00", "10:15", "'=HYPERLINK(\"evil\") Ltd", OFFER,
                       signatory.email, "Signatory"]
    assert rows[2] == [f"{day} 10:15", "10:30", "New Firm Ltd", "'+44 cheap phones. Call us.",
                       newcomer.email, "Not yet signed"]


# --- the race ----------------------------------------------------------------------------------

def test_twenty_suppliers_racing_for_one_slot_get_one_booking_and_nineteen_refusals(
        app, build, live_server, monkeypatch):
    # Twenty sign-ins from one address would soon meet the sign-in rate limit (put back after).
    monkeypatch.setattr(limiter, "enabled", False)
    event = _event(build, capacity=40)
    buyer = build.buyer(event, build.partner("Durham County Council"))
    slot = _slot_at(buyer, "10:00")
    url = f"/events/{event.id}/appointments/book/{slot.id}"
    sessions = []
    for number in range(20):
        member, _organisation = _supplier(build, event, f"Racing Supplier {number} Ltd")
        session = HttpSession(live_server)
        session.sign_in(member.email)
        status, _location, html = session.request("GET", url)
        assert status == 200
        sessions.append((session, {"csrf_token": csrf_token_from(html), "offer": OFFER}))
    pending = iter(sessions)
    answers = []

    def send():
        session, form = next(pending)
        status, _location, html = session.request("POST", url, form)
        answers.append((status, html))
        return status

    statuses = _all_at_once(send, count=20)
    assert sorted(statuses) == [200] * 19 + [302], statuses
    refusals = [html for status, html in answers if status == 200]
    assert all("another supplier has just booked Durham County Council at 10:00" in html
               for html in refusals)
    assert all(OFFER in html for html in refusals)  # nothing typed is lost
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Booking.id)).where(
        Booking.slot_id == slot.id)) == 1
    assert len(_messages("booking_confirmed")) == 1


def test_a_member_of_two_suppliers_chooses_which_one_books(app, build, client):
    event = _event(build)
    buyer = build.buyer(event, build.partner("Durham County Council"))
    member, first = _supplier(build, event, "Aycliffe Joinery Ltd")
    second = build.organisation(build.user(), status=ApplicationStatus.APPROVED,
                                name="Barnard Castle Brewing Ltd")
    build.member(second, member)
    build.registration(event, second)
    log_in(client, member.email, PASSWORD)
    page = client.get(f"/events/{event.id}/appointments").get_data(as_text=True)
    assert "You are booking for <strong>Aycliffe Joinery Ltd</strong>" in page
    assert f"?organisation={second.id}" in page
    url = f"/events/{event.id}/appointments/book/{_slot_at(buyer, '10:00').id}"
    response = submit_form(client, url, {"organisation": str(second.id), "offer": OFFER},
                           page=f"{url}?organisation={second.id}")
    assert response.status_code == 302
    assert f"organisation={second.id}" in response.headers["Location"]
    assert db.session.scalar(select(Booking.organisation_id)) == second.id
    assert bookings.timetable_of(event.id, first.id) == []


def test_the_event_page_names_the_buyers_and_leads_those_with_a_place_to_book(app, build):
    event = _event(build)
    build.buyer(event, build.partner("Believe Housing"), buys="Void property repairs")
    member, _organisation = _supplier(build, event)
    anonymous = app.test_client().get(f"/events/{event.id}").get_data(as_text=True)
    assert "Believe Housing" in anonymous and "Void property repairs" in anonymous
    assert "book-appointments" not in anonymous
    client = app.test_client()
    log_in(client, member.email, PASSWORD)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/appointments"' in page
