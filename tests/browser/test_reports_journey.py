"""The collective progress report in the browser: staff draft, preview and publish a quarter's
report; a visitor reads it, its charts and their tables. At 1280 px and 320 px, every page
checked by axe."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from charter_app.reporting.quarters import FinancialQuarter
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

WIDE = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_staff_publish_a_quarter_and_a_visitor_reads_it(browsing, build, viewport):
    quarter = FinancialQuarter(2026, 1)
    for jobs, area in (("12", "Durham"), ("4", "Easington")):
        organisation = build.organisation(status=ApplicationStatus.APPROVED, area=area,
                                          approved_at=datetime(2026, 4, 20, 9, tzinfo=UTC))
        build.report(organisation, quarter, entries={"CDP-JOB-03": jobs})
    staff = build.staff()

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, "/staff/collective-reports", "quarters")
    page.get_by_role("link", name="2026-27 Q1").click()
    page.wait_for_load_state()
    browsing.check(page, "the quarter")
    page.get_by_label("Commentary").fill("Two signatories reported jobs this quarter.")
    click_button(page, "Start the draft")
    browsing.check(page, "the preview")
    expect(page.locator("#preview")).to_contain_text("Social value by theme")
    click_button(page, "Publish version 1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress report 2026-27 Q1")
    browsing.check(page, "published")

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, "/reports", "the list")
    visitor.get_by_role("link", name="Progress report 2026-27 Q1").click()
    visitor.wait_for_load_state()
    browsing.check(visitor, "the report")
    assert horizontal_overflow(visitor) == 0
    expect(visitor.get_by_role("img", name="Social value by theme, 2026-27 Q1")).to_be_visible()
    expect(visitor.locator("#commentary")).to_be_visible()
    expect(visitor.get_by_role("table", name="Social value by area")).to_contain_text("Easington")
