"""Staff insights in the browser: staff open the page from the staff home, read each section's
chart and table, filter by area and year with the plain form, and a bad filter gets a message.
At 1280 px and 320 px, every page checked by axe (screenshots in test-artifacts/)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in
from tests.test_insights import build_scenario

WIDE = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_staff_read_and_filter_the_insights(browsing, build, viewport):
    build_scenario(build)
    staff = build.staff()
    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, "/staff/", "staff home")
    page.get_by_role("link", name="Insights").click()
    page.wait_for_load_state()
    browsing.check(page, "insights")
    assert horizontal_overflow(page) == 0
    expect(page.get_by_role("img", name="By sector")).to_have_count(1)
    expect(page.get_by_role("table", name="Event attendance by type")).to_contain_text(
        "Workshop")
    expect(page.locator("#waiting")).to_contain_text("2 applications")

    page.get_by_label("Area", exact=True).select_option("Teesdale")
    click_button(page, "Show insights")
    browsing.check(page, "insights for Teesdale")
    expect(page.locator("#showing")).to_contain_text("Teesdale")
    expect(page.get_by_text("No data for signatories")).to_be_visible()

    browsing.visit(page, "/staff/insights?area=Gateshead", "a bad area", status=400)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose an area")
