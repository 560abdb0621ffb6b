"""Check-in at the door on a phone: staff search a name, tap "Check in", see the row change, and
add a walk-in; and when the server fails a tap, the row says it was not saved and the button
works again.

At 390 px wide (and 320 px for the failure); every page checked by axe and screenshotted to
test-artifacts/.
"""

import re

from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.conftest import assert_axe_clean, horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

PHONE_390 = {"width": 390, "height": 844}


def _event_with_people(build):
    event = build.event(capacity=3, places_per_organisation=5,
                        title="Meet the buyer: Durham County Council")
    acme = build.organisation(status=ApplicationStatus.APPROVED, name="Acme Widgets Ltd")
    build.registration(event, acme, name="Ada Lovelace", email="ada@acme.example")
    build.registration(event, name="Bob Builder", email="bob@builders.example")
    build.registration(event, acme, name="Charles Babbage", email="charles@acme.example")
    build.registration(event, acme, name="Wendy Waiting", email="wendy@acme.example")
    return event


def test_staff_check_people_in_and_add_a_walk_in_on_a_phone(browsing, build):
    event = _event_with_people(build)
    staff = build.staff()
    page = browsing.open(viewport=PHONE_390)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, f"/staff/events/{event.id}", "event")
    page.get_by_role("link", name="Registrations and the waiting list").click()
    expect(page.locator("main")).to_contain_text("Waiting list (1)")
    browsing.check(page, "registrations")
    assert horizontal_overflow(page) <= 1  # the tables scroll inside their own region
    page.get_by_role("link", name="Check people in at the door").click()
    expect(page.locator("#checkin-count")).to_have_text("0 of 3 checked in")
    browsing.check(page, "check-in list")
    assert horizontal_overflow(page) <= 1

    page.get_by_label("Search by name, email or organisation").fill("lovel")
    expect(page.get_by_role("button", name="Check in Bob Builder")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/check-in\?q=lovel"))
    browsing.check(page, "searched")

    page.get_by_role("button", name="Check in Ada Lovelace").click()
    row = page.locator("#checkin-list li").filter(has_text="Ada Lovelace")
    expect(row).to_contain_text(re.compile(r"Checked in \d\d:\d\d"))
    expect(row.get_by_role("button", name="Undo check-in for Ada Lovelace")).to_be_visible()
    expect(page.locator("#checkin-count")).to_have_text("1 of 3 checked in")
    expect(page.locator("#checkin-announce")).to_have_text("Ada Lovelace is checked in.")
    browsing.check(page, "checked in")
    assert horizontal_overflow(page) <= 1

    page.get_by_label("Full name").fill("Walter Walkin")
    page.get_by_label("Email address").fill("walter@walkin.example")
    page.get_by_label("Or the organisation's name").fill("Walkin Bakery")
    click_button(page, "Add and check in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Walter Walkin is added as a walk-in and checked in.")
    expect(page.locator("#checkin-count")).to_have_text("2 of 4 checked in")
    walk_in = page.locator("#checkin-list li").filter(has_text="Walter Walkin")
    expect(walk_in).to_contain_text("Walk-in")
    expect(walk_in).to_contain_text(re.compile(r"Checked in \d\d:\d\d"))
    browsing.check(page, "walk-in added")
    assert horizontal_overflow(page) <= 1


def test_a_tap_the_server_fails_says_not_saved_and_can_be_retried(browsing, build):
    event = _event_with_people(build)
    staff = build.staff()
    page = browsing.open(viewport=PHONE)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, f"/staff/events/{event.id}/check-in", "check-in list at 320px")
    assert horizontal_overflow(page) <= 1

    def fail(route):
        if route.request.method == "POST":
            route.fulfill(status=500, body="Internal Server Error")
        else:
            route.continue_()

    page.route(re.compile(r"/check-in/\d+$"), fail)
    page.get_by_role("button", name="Check in Bob Builder").click()
    row = page.locator("#checkin-list li").filter(has_text="Bob Builder")
    expect(row.get_by_role("alert")).to_have_text(
        "Error: Not saved: check your connection and try again")
    button = row.get_by_role("button", name="Check in Bob Builder")
    expect(button).to_be_enabled()
    expect(page.locator("#checkin-count")).to_have_text("0 of 3 checked in")
    page.screenshot(path=str(browsing.folder / "90-not-saved.png"), full_page=True)
    assert_axe_clean(page)
    assert horizontal_overflow(page) <= 1

    # The connection is back: the same button saves it, and the message goes.
    page.unroute(re.compile(r"/check-in/\d+$"))
    button.click()
    expect(row).to_contain_text(re.compile(r"Checked in \d\d:\d\d"))
    expect(row.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#checkin-count")).to_have_text("1 of 3 checked in")
    page.screenshot(path=str(browsing.folder / "91-retried.png"), full_page=True)


def test_without_javascript_the_same_forms_work_and_keep_the_search(browsing, build):
    event = _event_with_people(build)
    staff = build.staff()
    page = browsing.open(javascript=False, viewport=PHONE_390)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, f"/staff/events/{event.id}/check-in", "check-in list, no JavaScript")
    page.get_by_label("Search by name, email or organisation").fill("acme")
    click_button(page, "Search")
    expect(page.get_by_role("button", name="Check in Bob Builder")).to_have_count(0)
    browsing.check(page, "searched, no JavaScript")

    page.get_by_role("button", name="Check in Charles Babbage").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/check-in\?q=acme#attendee-\d+$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Charles Babbage is checked in.")
    expect(page.locator("#checkin-list li").filter(has_text="Charles Babbage")).to_contain_text(
        re.compile(r"Checked in \d\d:\d\d"))
    expect(page.get_by_label("Search by name, email or organisation")).to_have_value("acme")
    browsing.check(page, "checked in, no JavaScript")
    assert horizontal_overflow(page) <= 1
