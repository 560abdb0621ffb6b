"""A member of staff creates a meet-the-buyer event (after one refused try), publishes it,
duplicates it and cancels the copy.

At desktop width and at 320 px; every page checked by axe and screenshotted to test-artifacts/.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from charter_app.events.models import Event
from charter_app.extensions import db
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in


def fill_when(page, field: str, day: str, month: str, year: str, time: str) -> None:
    page.locator(f"#{field}").fill(day)
    page.locator(f"#{field}-month").fill(month)
    page.locator(f"#{field}-year").fill(year)
    page.locator(f"#{field}-time").fill(time)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_staff_create_publish_duplicate_and_cancel_an_event(browsing, build, viewport):
    staff_email = build.staff().email
    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, staff_email, "staff")
    browsing.visit(page, "/staff/", "staff home")
    page.get_by_role("link", name="Run events", exact=True).click()
    browsing.check(page, "events list, empty")
    page.get_by_role("link", name="Create an event").click()
    browsing.check(page, "new event form")

    page.get_by_label("Meet the buyer").check()
    page.get_by_label("Title").fill("Meet the buyer: County Durham housing providers")
    page.get_by_label("Description").fill("Ten-minute meetings with the housing providers' "
                                          "buyers. Bring your capability statement.")
    page.get_by_label("Venue").fill("Durham Town Hall")
    page.get_by_label("Address").fill("Market Place, Durham DH1 3NJ")
    # Sunday 28 March 2027: the clocks go forward that morning.
    fill_when(page, "starts_at", "28", "3", "2027", "10:00am")
    fill_when(page, "ends_at", "28", "3", "2027", "9:00")
    page.get_by_label("Capacity").fill("40")
    fill_when(page, "registration_opens_at", "1", "2", "2027", "9:00")
    fill_when(page, "registration_closes_at", "27", "3", "2027", "17:00")
    expect(page.get_by_label("Places per organisation")).to_have_value("2")
    click_button(page, "Save as a draft")

    # Refused: the end is before the start. The message sits beside the field; nothing is lost.
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The end must be after the start")
    expect(page.locator("#ends_at-error")).to_contain_text("The end must be after the start")
    expect(page.get_by_label("Title")).to_have_value(
        "Meet the buyer: County Durham housing providers")
    expect(page.locator("#starts_at-time")).to_have_value("10:00am")
    browsing.check(page, "new event refused")
    if viewport:
        assert horizontal_overflow(page) == 0
    page.locator(".govuk-error-summary a").click()
    expect(page.locator("#ends_at")).to_be_focused()
    page.locator("#ends_at-time").fill("1pm")
    click_button(page, "Save as a draft")
    expect(page.locator("main")).to_contain_text("is saved as a draft")
    expect(page.locator("main")).to_contain_text("28 March 2027, 10:00am")
    browsing.check(page, "draft event")
    if viewport:
        assert horizontal_overflow(page) == 0
    original_url = page.url

    page.get_by_role("link", name="Publish the event").click()
    browsing.check(page, "publish confirmation")
    click_button(page, "Publish the event")
    expect(page.locator("main")).to_contain_text("is published.")
    browsing.check(page, "published event")

    page.get_by_role("link", name="Duplicate the event").click()
    expect(page.locator("main")).to_contain_text("with every date and time a week later")
    expect(page.locator("main")).to_contain_text("starting 4 April 2027, 10:00am")
    browsing.check(page, "duplicate confirmation")
    click_button(page, "Make a draft copy")
    expect(page.locator("main")).to_contain_text(
        "a draft, with every date and time a week later")
    expect(page).not_to_have_url(original_url)
    browsing.check(page, "the copy")

    page.get_by_role("link", name="Cancel the event").click()
    browsing.check(page, "cancel form")
    click_button(page, "Cancel the event")
    expect(page.locator("#reason-error")).to_contain_text(
        "Enter the reason the event is cancelled")
    browsing.check(page, "cancel refused")
    page.get_by_label("Why is the event cancelled?").fill("A duplicate made by mistake.")
    click_button(page, "Cancel the event")
    expect(page.locator("main")).to_contain_text("is cancelled.")
    expect(page.locator("main")).to_contain_text("A duplicate made by mistake.")
    browsing.check(page, "cancelled copy")

    page.get_by_role("link", name="All events").click()
    expect(page.get_by_role("table", name="Upcoming").get_by_role("row")).to_have_count(3)
    browsing.check(page, "events list")
    if viewport:
        assert horizontal_overflow(page) == 0

    db.session.expire_all()
    statuses = sorted(event.status for event in db.session.scalars(select(Event)))
    assert statuses == ["cancelled", "published"]
    assert re.search(r"/staff/events/\d+$", original_url)
