"""The directory's Search button sits beside the search box, on a 320px phone as on a desktop,
and searches with and without JavaScript (checked by axe on every page, as everywhere)."""

import re

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.conftest import horizontal_overflow

PHONE = {"width": 320, "height": 640}


def assert_button_beside_box(page) -> None:
    box = page.get_by_label("Search by name or keyword").bounding_box()
    button = page.get_by_role("button", name="Search", exact=True).bounding_box()
    assert box and button
    # On the same line, to the right of the box, and inside the screen.
    assert button["x"] >= box["x"] + box["width"], (box, button)
    assert abs(button["y"] - box["y"]) < box["height"] / 2, (box, button)
    assert button["x"] + button["width"] <= page.viewport_size["width"], button
    assert box["width"] >= 150, f"the search box is squeezed to {box['width']}px"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_search_button_beside_the_box_on_a_phone(browsing, build, javascript):
    build.organisation(status=ApplicationStatus.APPROVED, name="Chester-le-Street Cycles")
    build.organisation(status=ApplicationStatus.APPROVED, name="Tees Valley Bakery")

    page = browsing.open(javascript=javascript, viewport=PHONE)
    browsing.visit(page, "/directory", "directory on a phone")
    assert_button_beside_box(page)
    assert horizontal_overflow(page) == 0
    # The filters keep a button of their own, named for what it does.
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()

    page.get_by_label("Search by name or keyword").fill("Cycles")
    # Keyboard: Tab from the box reaches the button next, and Enter on it searches.
    page.get_by_label("Search by name or keyword").press("Tab")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    expect(page).to_have_url(re.compile(r"/directory\?q=Cycles"))
    expect(page.locator("#results-count")).to_contain_text("1 signatory found")
    expect(page.get_by_role("link", name="Chester-le-Street Cycles")).to_be_visible()
    expect(page.get_by_role("link", name="Tees Valley Bakery")).to_have_count(0)
    if javascript:
        # htmx swapped the results in place; the live status region is still there and speaks.
        expect(page.get_by_role("status")).to_have_text("1 signatory found")
    else:
        expect(page.get_by_role("status")).to_have_count(1)
    assert_button_beside_box(page)
    browsing.check(page, "searched on a phone")
