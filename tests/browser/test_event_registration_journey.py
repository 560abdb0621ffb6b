"""Two signatories and the last place at an event: the first registers and takes it, the second
joins the waiting list at number 1, the first cancels, and the second finds the place theirs on
"Your events".

At desktop width and at 320 px; every page checked by axe and screenshotted to test-artifacts/.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_register_fill_wait_cancel_and_be_promoted(browsing, build, viewport):
    event = build.event(title="Meet the buyer: housing providers", capacity=1)
    first = build.user("first@bakery.example")
    build.organisation(first, status="approved", name="Brancepeth Bakery Ltd")
    second = build.user("second@joinery.example")
    build.organisation(second, status="approved", name="Shincliffe Joinery Ltd")

    # The first signatory registers and takes the one place.
    page = browsing.open(viewport=viewport)
    browsing.visit(page, f"/events/{event.id}", "event, signed out")
    expect(page.locator("#places")).to_have_text("1 place left")
    page.get_by_role("link", name="Sign in or create an account to register").click()
    browsing.check(page, "sign in to register")
    page.get_by_label("Email address").fill(first.email)
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an attendee")
    browsing.check(page, "register form")
    page.get_by_label("Attendee's full name").fill("Pat Brancepeth")
    page.get_by_label("Attendee's email address").fill("pat@bakery.example")
    page.get_by_label("Accessibility or dietary needs (optional)").fill("A gluten-free lunch")
    click_button(page, "Register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place is confirmed")
    expect(page.locator("svg title")).to_contain_text("Check-in QR code")
    browsing.check(page, "place confirmed")
    if viewport:
        assert horizontal_overflow(page) == 0
    browsing.visit(page, f"/events/{event.id}", "event, full")
    expect(page.locator("#places")).to_have_text("Full: you can join the waiting list")

    # The second joins the waiting list and sees position 1.
    other = browsing.open(viewport=viewport)
    sign_in(browsing, other, second.email, "second")
    browsing.visit(other, f"/events/{event.id}", "event, full, second")
    other.get_by_role("link", name="Join the waiting list").click()
    other.get_by_label("Attendee's full name").fill("Sam Shincliffe")
    other.get_by_label("Attendee's email address").fill("sam@joinery.example")
    click_button(other, "Register")
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "You are number 1 on the waiting list")
    browsing.check(other, "waiting list")

    # The first cancels from "Your events", after a confirmation page.
    page.get_by_role("link", name="Your events").first.click()
    browsing.check(page, "your events, first")
    if viewport:
        assert horizontal_overflow(page) == 0
    page.get_by_role("link", name="Cancel for Pat Brancepeth").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel Pat Brancepeth's place?")
    browsing.check(page, "cancel confirmation")
    click_button(page, "Cancel the place")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Pat Brancepeth's place is cancelled.")
    expect(page.locator("#upcoming")).to_contain_text("Cancelled")
    browsing.check(page, "your events after cancelling")

    # The second finds the place theirs.
    other.get_by_role("link", name="Your events").first.click()
    expect(other.locator("#upcoming")).to_contain_text("Place confirmed")
    browsing.check(other, "your events, promoted")
    other.get_by_role("button", name="Get a calendar link").click()
    other.wait_for_load_state()
    expect(other.get_by_label("Your private calendar link")).to_have_value(
        re.compile(r"/calendar/[A-Za-z0-9_-]{43}\.ics$"))
    browsing.check(other, "calendar link")
    other.get_by_role("link", name="Sam Shincliffe", exact=True).click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Your place is confirmed")
    browsing.check(other, "attendee page, promoted")
