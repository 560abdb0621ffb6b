"""A member adds a quality mark, makes a statement for bids and opens its public link, as a buyer
would. At desktop width and at 320 px; every page checked by axe and screenshotted to
test-artifacts/."""

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_member_adds_a_quality_mark_makes_a_statement_and_a_buyer_opens_it(
        browsing, build, viewport):
    owner = build.user()
    organisation = build.organisation(owner, status=ApplicationStatus.APPROVED,
                                      name="Stanley Scaffolding Ltd")
    organisation_id, owner_email = organisation.id, owner.email

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner_email, "owner")
    browsing.visit(page, f"/organisations/{organisation_id}/dashboard", "statement dashboard")
    page.get_by_role("link", name="Quality marks and carbon reduction plan").click()
    browsing.check(page, "quality marks, none yet")
    page.get_by_role("link", name="Add a quality mark").click()
    page.get_by_label("Name of the quality mark or standard").fill("ISO 9001")
    page.get_by_label("Link to the certificate or register entry (optional)").fill(
        "http://example.org/cert")
    click_button(page, "Save quality mark")
    expect(page.locator(".govuk-error-summary")).to_contain_text("starts with https://")
    browsing.check(page, "quality mark with an error")
    page.get_by_label("Link to the certificate or register entry (optional)").fill(
        "https://example.org/cert")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2030")
    click_button(page, "Save quality mark")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("ISO 9001 is added")
    browsing.check(page, "quality mark added")

    page.get_by_role("link", name="Social value statement for bids").click()
    expect(page.locator("main")).to_contain_text("ISO 9001")
    browsing.check(page, "live statement")
    click_button(page, "Make a statement to share")
    expect(page.locator(".govuk-notification-banner").first).to_contain_text(
        "Your statement is ready")
    shared = page.url

    buyer = browsing.open(viewport=viewport)
    buyer.goto(shared)
    expect(buyer.get_by_role("heading", level=1)).to_contain_text("Stanley Scaffolding Ltd")
    expect(buyer.locator("main")).to_contain_text("Nothing in it has changed")
    browsing.check(buyer, "shared statement")
    wide = buyer.locator("main *").evaluate_all(
        "els => els.filter(e => e.getBoundingClientRect().right > window.innerWidth)"
        ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"
        ".slice(0, 8)")
    assert horizontal_overflow(buyer) == 0, wide
