"""The Knowledge Hub in the browser: staff edit a guidance page with the live preview, restore
an earlier version and publish news; a visitor reads them and the TOMs guide. At 1280 px and
320 px, every page checked by axe (with screenshots in test-artifacts/)."""

import pytest
from playwright.sync_api import expect

from charter_app.extensions import db
from charter_app.hub import pages
from charter_app.timeutil import utcnow
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

WIDE = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_staff_edit_restore_and_publish_then_a_visitor_reads(browsing, build, viewport):
    pages.install_standard_pages(utcnow())
    db.session.commit()
    staff = build.staff()

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, "/staff/hub/pages", "pages")
    page.get_by_role("link", name="Frequently asked questions").click()
    page.wait_for_load_state()
    browsing.check(page, "editor")
    page.get_by_label("Page text").fill("## Opening hours\n\nWe answer **within a week**.")
    # The live preview: htmx posts the text and swaps in the sanitised HTML.
    expect(page.locator("#preview strong")).to_have_text("within a week")
    expect(page.locator("#preview h3")).to_have_text("Opening hours")
    browsing.check(page, "live preview")
    page.get_by_label("What you changed").fill("Shorter answers")
    click_button(page, "Save a new version")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Version 2")

    page.get_by_role("link", name="History (2 versions)").click()
    page.wait_for_load_state()
    browsing.check(page, "history")
    page.get_by_role("button", name="Restore version 1").click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Version 1 is restored as version 3")
    browsing.check(page, "restored")

    browsing.visit(page, "/staff/hub/news", "news list")
    page.get_by_role("link", name="Write a news post").click()
    page.wait_for_load_state()
    page.get_by_label("Title").fill("Meet the buyer in Durham")
    page.get_by_label("Summary").fill("Book a 1:1 with public sector buyers.")
    page.get_by_label("Post", exact=True).fill("Places are *limited*.")
    expect(page.locator("#preview em")).to_have_text("limited")
    page.get_by_label("Published: show it on /news, the home page and the feed").check()
    click_button(page, "Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is published")
    browsing.check(page, "news saved")

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, "/", "home")
    expect(visitor.get_by_role("link", name="Meet the buyer in Durham")).to_be_visible()
    browsing.visit(visitor, "/hub", "hub")
    visitor.get_by_role("link", name="Frequently asked questions").click()
    visitor.wait_for_load_state()
    browsing.check(visitor, "faq")
    expect(visitor.get_by_role("heading", name="What is the County Durham Pound?")).to_be_visible()
    assert horizontal_overflow(visitor) == 0
    browsing.visit(visitor, "/hub/social-value-guidance-for-bidders", "bidders")
    assert horizontal_overflow(visitor) == 0
    browsing.visit(visitor, "/hub/toms", "toms guide")
    assert horizontal_overflow(visitor) == 0
    browsing.visit(visitor, "/news", "news")
    visitor.get_by_role("link", name="Meet the buyer in Durham").click()
    visitor.wait_for_load_state()
    browsing.check(visitor, "news post")
    expect(visitor.locator("main em")).to_have_text("limited")
