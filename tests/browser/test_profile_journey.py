"""An approved signatory edits its public profile and asks to change its name; staff approve.

At desktop width and at 320 px; every page checked by axe and screenshotted to test-artifacts/.
"""

import re

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_signatory_edits_its_profile_and_staff_approve_its_new_name(browsing, build, smtp,
                                                                      viewport):
    owner = build.user()
    organisation = build.organisation(owner, status=ApplicationStatus.APPROVED,
                                      name="Shildon Signs Ltd", description="Shop signs.")
    slug, organisation_id = organisation.slug, organisation.id
    owner_email, staff_email = owner.email, build.staff().email

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner_email, "owner")
    browsing.visit(page, f"/organisations/{organisation_id}/profile", "profile form")
    page.get_by_label("Describe your organisation").fill(
        "Hand-painted shop signs and <b>lettering</b> for businesses across the county.")
    page.get_by_label("Public email address (optional)").fill("not an email")
    page.get_by_label("Public phone number (optional)").fill("0191 498 0123")
    click_button(page, "Save and publish")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter an email address in the correct format")
    browsing.check(page, "profile form with an error")
    page.get_by_label("Public email address (optional)").fill("hello@shildonsigns.example")
    click_button(page, "Save and publish")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your public profile is updated")
    expect(page.locator("main")).to_contain_text("Public email address changed by")
    browsing.check(page, "profile saved")

    browsing.visit(page, f"/signatories/{slug}", "public profile with contact")
    expect(page.locator("main")).to_contain_text("<b>lettering</b>")
    expect(page.get_by_role("link", name="hello@shildonsigns.example")).to_have_attribute(
        "href", "mailto:hello@shildonsigns.example")
    expect(page.get_by_role("link", name="0191 498 0123")).to_have_attribute(
        "href", "tel:+441914980123")
    assert horizontal_overflow(page) == 0

    browsing.visit(page, f"/organisations/{organisation_id}/profile", "profile again")
    page.get_by_role("link", name="Ask to change your legal details").click()
    browsing.check(page, "legal change form")
    page.get_by_label("Legal name").fill("Shildon Sign Makers Ltd")
    click_button(page, "Send for review")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "We have sent your change to Business Durham")
    browsing.check(page, "legal change sent")

    staff = browsing.open(viewport=viewport)
    sign_in(browsing, staff, staff_email, "staff")
    browsing.visit(staff, "/staff/changes", "staff changes list")
    staff.get_by_role("link", name="Shildon Signs Ltd").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Shildon Signs Ltd")
    expect(staff.locator("main .govuk-summary-list")).to_contain_text("Shildon Sign Makers Ltd")
    browsing.check(staff, "staff change side by side")
    click_button(staff, "Approve the change")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text(
        "the profile now shows Shildon Sign Makers Ltd")
    browsing.check(staff, "staff change approved")
    assert horizontal_overflow(staff) == 0

    browsing.visit(page, f"/signatories/{slug}", "public profile renamed")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shildon Sign Makers Ltd")
    smtp.deliver_outbox()
    [message] = smtp.to(owner_email)
    assert re.search("Your change to Shildon Sign Makers Ltd is approved", message["Subject"])
