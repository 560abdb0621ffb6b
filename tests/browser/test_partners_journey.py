"""Partners in the browser: staff give a partner its page with the live preview; a visitor
finds it from the hub and reads it, with the events where it is a buyer. At 1280 px and 320 px,
every page checked by axe (with screenshots in test-artifacts/)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

WIDE = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_staff_publish_a_partner_page_then_a_visitor_reads_it(browsing, build, viewport):
    partner = build.partner("Durham County Council", website="https://www.durham.gov.uk")
    event = build.event(title="Meet the council's buyers")
    build.buyer(event, partner)
    staff = build.staff()

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, "/staff/hub/partners", "partners list")
    page.get_by_role("link", name="Durham County Council").click()
    page.wait_for_load_state()
    browsing.check(page, "partner editor")
    page.get_by_label("Web address").fill("durham-county-council")
    page.get_by_label("What it buys").fill("- highways **maintenance**\n- school catering")
    expect(page.locator("#preview strong")).to_have_text("maintenance")
    page.get_by_label("Where it publishes tenders").fill("https://www.nepo.org")
    page.get_by_label("How to find its tenders").fill("Register on the NEPO portal.")
    page.get_by_label("Social value contact email").fill("social.value@partner.example")
    page.get_by_label("Published: anyone can see this partner's page").check()
    click_button(page, "Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is published")
    browsing.check(page, "partner saved")

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, "/hub", "hub")
    visitor.get_by_role("link", name="Partners", exact=True).click()
    visitor.wait_for_load_state()
    browsing.check(visitor, "partners")
    assert horizontal_overflow(visitor) == 0
    visitor.get_by_role("link", name="Durham County Council").click()
    visitor.wait_for_load_state()
    browsing.check(visitor, "partner")
    assert horizontal_overflow(visitor) == 0
    expect(visitor.locator("main strong")).to_have_text("maintenance")
    expect(visitor.get_by_role("link", name="Meet the council's buyers")).to_be_visible()
