"""A visitor finds an event, reads it, sees how to add it to a calendar, and looks back at past
events: on a desktop and on a 320px phone, by keyboard, checked by axe on every page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from charter_app.events.models import EventKind, EventStatus
from charter_app.timeutil import LONDON, utcnow
from tests.browser.conftest import horizontal_overflow
from tests.test_events_public import make_event

PHONE = {"width": 320, "height": 640}


def ten_am(days_from_now: int) -> datetime:
    """10am London time that many days from today, as events usually start."""
    day = (utcnow().astimezone(LONDON) + timedelta(days=days_from_now)).date()
    return datetime(day.year, day.month, day.day, 10, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_visitor_reads_upcoming_and_past_events(browsing, app_ctx, viewport):
    meet = make_event(title="Meet the buyer: Durham County Council and Northumbrian Water",
                      kind=EventKind.MEET_THE_BUYER, starts_at=ten_am(14),
                      description="Ten-minute meetings with the buyers.\n\nBring a "
                                  "one-page capability statement.")
    make_event(title="Writing social value into your bids", kind=EventKind.WEBINAR,
               starts_at=ten_am(21))
    make_event(title="Cancelled: supplier clinic", status=EventStatus.CANCELLED,
               cancellation_reason="The venue is closed for repairs.",
               starts_at=ten_am(7))
    for days in range(1, 25):
        make_event(title=f"Tendering workshop {days}", starts_at=ten_am(-days * 7))

    page = browsing.open(viewport=viewport)
    browsing.visit(page, "/events", "upcoming events")
    assert horizontal_overflow(page) == 0
    expect(page.locator("#events-count")).to_have_text("3 upcoming events")

    link = page.get_by_role("link", name=meet.title)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text(meet.title)
    browsing.check(page, "one event")
    assert horizontal_overflow(page) == 0
    calendar_link = page.get_by_role(
        "link", name=re.compile(rf"^Add to calendar\s+for {re.escape(meet.title)}$"))
    expect(calendar_link).to_have_attribute("href", f"/events/{meet.id}.ics")

    page.get_by_role("link", name="Events", exact=True).first.click()
    page.get_by_role("link", name="Cancelled: supplier clinic").click()
    expect(page.locator("#cancelled")).to_contain_text("The venue is closed for repairs.")
    browsing.check(page, "a cancelled event")

    browsing.visit(page, "/events/past", "past events")
    assert horizontal_overflow(page) == 0
    expect(page.get_by_role("link", name="Tendering workshop 1", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Pages of past events").get_by_role(
        "link", name="Next").click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="Tendering workshop 24")).to_be_visible()
    browsing.check(page, "past events, page 2")
