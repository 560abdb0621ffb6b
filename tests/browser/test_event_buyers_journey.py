"""A member of staff creates a meet-the-buyer event with two buyers and their timetables;
supplier A (registered) books two appointments, one with each buyer; supplier B finds one of
those times taken and books another.

Every page checked by axe and screenshotted to test-artifacts/.
"""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from charter_app.events.models import Booking, Event
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import LONDON
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_events_staff_journey import fill_when
from tests.browser.test_journeys import PHONE, click_button, sign_in


def _date_parts(value: datetime) -> tuple[str, str, str]:
    return str(value.day), str(value.month), str(value.year)


def test_staff_set_up_buyers_and_two_suppliers_book_appointments(browsing, build):
    staff_email = build.staff().email
    build.partner("Durham County Council", website="https://www.durham.gov.uk")
    day = datetime.now(UTC).astimezone(LONDON) + timedelta(days=14)
    opens, closes = day - timedelta(days=30), day - timedelta(days=1)

    page = browsing.open()
    sign_in(browsing, page, staff_email, "staff")
    browsing.visit(page, "/staff/events/new", "new event form")
    page.get_by_label("Meet the buyer").check()
    page.get_by_label("Title").fill("Meet the buyer: councils and housing")
    page.get_by_label("Description").fill("Fifteen-minute meetings with the county's buyers.")
    page.get_by_label("Venue").fill("Durham Town Hall")
    page.get_by_label("Address").fill("Market Place, Durham DH1 3NJ")
    fill_when(page, "starts_at", *_date_parts(day), "10:00")
    fill_when(page, "ends_at", *_date_parts(day), "13:00")
    page.get_by_label("Capacity").fill("40")
    fill_when(page, "registration_opens_at", *_date_parts(opens), "9:00")
    fill_when(page, "registration_closes_at", *_date_parts(closes), "17:00")
    click_button(page, "Save as a draft")
    expect(page.locator("main")).to_contain_text("is saved as a draft")
    page.get_by_role("link", name="Publish the event").click()
    click_button(page, "Publish the event")
    expect(page.locator("main")).to_contain_text("is published.")
    browsing.check(page, "published event")

    # The second partner is new: added to the list on the way.
    page.get_by_role("link", name="Buyers and appointments").click()
    browsing.check(page, "no buyers yet")
    page.get_by_role("link", name="The list of partners").click()
    browsing.check(page, "partners")
    page.get_by_role("link", name="Add a partner").click()
    page.get_by_label("Name").fill("durham county council")
    click_button(page, "Add the partner")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "There is already a partner called durham county council")
    browsing.check(page, "duplicate partner refused")
    page.get_by_label("Name").fill("Believe Housing")
    click_button(page, "Add the partner")
    expect(page.locator("main")).to_contain_text("Believe Housing is added to the partners")

    event = db.session.scalar(select(Event))
    timetables = {"Durham County Council": ("10:00", "11:00", "10:30-10:45"),
                  "Believe Housing": ("10:00", "11:00", "")}
    for name, (starts, ends, breaks) in timetables.items():
        browsing.visit(page, f"/staff/events/{event.id}/buyers/new", f"add {name}")
        page.get_by_label(name).check()
        page.get_by_label("What it buys").fill(f"What {name} buys: catering and repairs.")
        click_button(page, "Add the buyer")
        expect(page.locator("main")).to_contain_text("Now give it a timetable")
        page.get_by_label("Slot length in minutes").fill("15")
        page.get_by_label("First slot starts").fill("9:00")
        page.get_by_label("Last slot ends").fill(ends)
        page.get_by_label("Breaks (optional)").fill(breaks)
        click_button(page, "Save the timetable")
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Slots must fit inside the event")
        expect(page.get_by_label("Breaks (optional)")).to_have_value(breaks)
        browsing.check(page, f"{name} timetable refused")
        page.get_by_label("First slot starts").fill(starts)
        click_button(page, "Save the timetable")
        expect(page.locator("main")).to_contain_text("timetable has")
    expect(page.locator("main")).to_contain_text("3 slots from 10:00 to 11:00")
    expect(page.locator("main")).to_contain_text("4 slots from 10:00 to 11:00")
    browsing.check(page, "two buyers")

    suppliers = {}
    for name in ("Consett Print Ltd", "Stanley Signs Ltd"):
        member = build.user()
        organisation = build.organisation(member, status=ApplicationStatus.APPROVED, name=name)
        build.registration(event, organisation, email=member.email)
        suppliers[name] = member.email

    # Supplier A books one appointment with each buyer.
    a = browsing.open(viewport=PHONE)
    sign_in(browsing, a, suppliers["Consett Print Ltd"], "supplier A")
    browsing.visit(a, f"/events/{event.id}/appointments", "supplier A: the buyers")
    assert horizontal_overflow(a) == 0
    for buyer, clock, until in (("Durham County Council", "10:00", "10:15"),
                                ("Believe Housing", "10:15", "10:30")):
        a.get_by_role("link", name=f"Book {clock} to {until} with {buyer}").click()
        browsing.check(a, f"supplier A: book {buyer}")
        click_button(a, "Book the appointment")
        expect(a.locator(".govuk-error-summary")).to_contain_text(
            "Enter two sentences on what your organisation offers")
        browsing.check(a, f"supplier A: {buyer} refused")
        a.get_by_label("What does your organisation offer?").fill(
            "We print leaflets and signs. Next-day delivery across the county.")
        click_button(a, "Book the appointment")
        expect(a.locator("main")).to_contain_text(f"Your appointment with {buyer} at {clock}")
    browsing.check(a, "supplier A: timetable")
    assert horizontal_overflow(a) == 0

    # Supplier B opens the 10:00 council slot before A's booking is seen, and finds it taken.
    b = browsing.open()
    sign_in(browsing, b, suppliers["Stanley Signs Ltd"], "supplier B")
    browsing.visit(b, f"/events/{event.id}/appointments", "supplier B: the buyers")
    council = b.get_by_role("region", name="Durham County Council")
    expect(council).to_contain_text("10:00 to 10:15: booked")
    taken = db.session.scalar(select(Booking).where(Booking.status == "booked")
                              .order_by(Booking.id))
    browsing.visit(b, f"/events/{event.id}/appointments/book/{taken.slot_id}",
                   "supplier B: a taken time")
    b.get_by_label("What does your organisation offer?").fill("We make signs for buildings.")
    click_button(b, "Book the appointment")
    expect(b.locator(".govuk-error-summary")).to_contain_text(
        "another supplier has just booked Durham County Council at 10:00")
    expect(b.get_by_label("What does your organisation offer?")).to_have_value(
        "We make signs for buildings.")
    browsing.check(b, "supplier B: refused")
    b.get_by_role("link", name="Back to the buyers").click()
    b.get_by_role("link", name="Book 10:15 to 10:30 with Durham County Council").click()
    b.get_by_label("What does your organisation offer?").fill("We make signs for buildings.")
    click_button(b, "Book the appointment")
    expect(b.locator("main")).to_contain_text(
        "Your appointment with Durham County Council at 10:15")
    browsing.check(b, "supplier B: timetable")

    # The council's printable list: both appointments in time order.
    page.get_by_role("link", name="Appointments, to print for Durham County Council").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Consett Print Ltd")
    expect(rows.nth(1)).to_contain_text("Stanley Signs Ltd")
    browsing.check(page, "council's appointments")
    page.emulate_media(media="print")
    expect(page.locator(".govuk-template__header")).to_be_hidden()
    browsing.check(page, "council's appointments printed")
    assert len(db.session.scalars(select(Booking)).all()) == 3
