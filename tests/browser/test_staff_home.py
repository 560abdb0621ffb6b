"""The staff home leads to each domain's staff pages, and passes the page checks."""

import re

from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.test_journeys import sign_in


def test_staff_home_counts_waiting_applications_and_links_to_the_queue(browsing, build):
    build.organisation(status=ApplicationStatus.SUBMITTED, name="Waiting Joinery Ltd")
    page = browsing.open()
    sign_in(browsing, page, build.staff().email, "staff")
    browsing.visit(page, "/staff/", "staff home")
    expect(page.locator("main")).to_contain_text("1 application is waiting for review.")
    page.get_by_role("link", name="Applications to review").click()
    expect(page).to_have_url(re.compile(r"/staff/applications$"))
    expect(page.get_by_role("link", name="Waiting Joinery Ltd")).to_be_visible()
