"""The staff accounts pages in Chromium, on a phone and without JavaScript: an administrator
invites a member of staff, who chooses a password; then deactivates them after confirming."""

import re

from playwright.sync_api import expect

from tests.browser.test_journeys import PHONE, click_button, sign_in
from tests.conftest import link_path


def test_an_administrator_invites_and_deactivates_staff_on_a_phone(browsing, smtp, build):
    admin = build.admin("boss@businessdurham.example")
    page = browsing.open(javascript=False, viewport=PHONE)
    sign_in(browsing, page, admin.email, "administrator")

    page.get_by_role("link", name="Staff accounts").click()
    expect(page).to_have_url(re.compile(r"/staff/people$"))
    browsing.check(page, "staff accounts")
    page.get_by_role("link", name="Invite a member of staff").click()
    browsing.check(page, "invite")

    click_button(page, "Send invitation")  # nothing filled in
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    browsing.check(page, "invite with errors")
    page.get_by_label("Their work email address").fill("new.officer@businessdurham.example")
    page.get_by_label("Staff: review applications").check()
    click_button(page, "Send invitation")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "We have sent new.officer@businessdurham.example a link")
    expect(page.locator("main")).to_contain_text("Invited, has not chosen a password yet")
    browsing.check(page, "invited")

    [message] = smtp.wait_for(1)
    newcomer = browsing.open(viewport=PHONE)
    browsing.visit(newcomer, link_path(smtp.links(message)[0]), "choose a password")
    password = "the river wear at low tide"
    newcomer.get_by_label("New password", exact=True).fill(password)
    newcomer.get_by_label("Confirm your password", exact=True).fill(password)
    click_button(newcomer, "Save new password")
    expect(newcomer).to_have_url(re.compile(r"/staff/applications$"))

    page.get_by_role("link", name="Deactivate new.officer@businessdurham.example").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate this staff account?")
    browsing.check(page, "confirm deactivation")
    click_button(page, "Deactivate new.officer@businessdurham.example")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("can no longer sign in")
    expect(page.locator("main")).to_contain_text("Deactivated")
    browsing.check(page, "deactivated")

    # Their open session ends at once.
    newcomer.reload()
    expect(newcomer).to_have_url(re.compile(r"/login"))

    # The administrator's own account cannot be deactivated: the page says so, with no button.
    browsing.visit(page, f"/staff/people/{admin.id}/deactivate", "deactivate self")
    expect(page.locator("main")).to_contain_text("You cannot deactivate your own account")
    expect(page.get_by_role("button", name=re.compile("Deactivate"))).to_have_count(0)
