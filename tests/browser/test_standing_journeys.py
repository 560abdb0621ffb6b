"""Staff suspend a lapsed signatory and lift the suspension; an owner withdraws its organisation.

At desktop width and at 320 px; every page checked by axe and screenshotted to test-artifacts/.
"""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in
from tests.conftest import besides_badge_emails


def _signatory(build, owner, status, name, slug):
    return build.organisation(owner, status=status, name=name, slug=slug,
                              approved_at=datetime.now(UTC) - timedelta(days=430))


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_staff_find_a_signatory_suspend_it_and_lift_the_suspension(browsing, build, smtp,
                                                                   viewport):
    owner = build.user()
    organisation = _signatory(build, owner, ApplicationStatus.LAPSED, "Sacriston Sawmill Ltd",
                              "sacriston-sawmill")
    organisation_id, owner_email = organisation.id, owner.email
    staff_email = build.staff().email

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, "/directory", "directory with a lapsed signatory")
    expect(visitor.locator(".app-directory-results li")).to_contain_text("Lapsed")
    browsing.visit(visitor, "/signatories/sacriston-sawmill", "lapsed profile")
    expect(visitor.locator("#lapsed")).to_contain_text("annual pledge update is overdue")
    assert horizontal_overflow(visitor) == 0

    staff = browsing.open(viewport=viewport)
    sign_in(browsing, staff, staff_email, "staff")
    browsing.visit(staff, "/staff/", "staff home")
    staff.get_by_role("link", name="Manage signatories").click()
    browsing.check(staff, "signatories")
    staff.get_by_role("link", name="Lapsed (1)").click()
    staff.get_by_label("Search by name").fill("sawmill")
    click_button(staff, "Search")
    browsing.check(staff, "lapsed signatories found")
    assert horizontal_overflow(staff) == 0
    staff.get_by_role("link", name="Sacriston Sawmill Ltd").click()
    browsing.check(staff, "signatory with its history")
    staff.get_by_role("link", name="Suspend Sacriston Sawmill Ltd").click()
    browsing.check(staff, "suspend form")
    click_button(staff, "Continue")
    expect(staff.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reason for suspending the signatory")
    browsing.check(staff, "suspend form with an error")
    reason = "Your website offers services outside the Charter's commitments."
    staff.get_by_label("Why are you suspending this signatory?").fill(reason)
    click_button(staff, "Continue")
    expect(staff.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to suspend Sacriston Sawmill Ltd?")
    expect(staff.locator("main")).to_contain_text(reason)
    browsing.check(staff, "confirm the suspension")
    click_button(staff, "Yes, suspend Sacriston Sawmill Ltd")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text(
        "is suspended and no longer listed")
    expect(staff.locator("main table")).to_contain_text(reason)
    browsing.check(staff, "suspended, in the history")
    assert horizontal_overflow(staff) == 0

    browsing.visit(visitor, "/signatories/sacriston-sawmill", "profile gone", status=410)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Sacriston Sawmill Ltd is no longer listed")

    staff.get_by_role("link", name="Lift the suspension").click()
    browsing.check(staff, "lift the suspension")
    staff.get_by_label("A note to the organisation (optional)").fill("Thank you for the change.")
    click_button(staff, "Yes, lift the suspension")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text("The suspension is lifted")
    browsing.check(staff, "suspension lifted")

    browsing.visit(visitor, "/signatories/sacriston-sawmill", "profile listed again")
    smtp.deliver_outbox()
    subjects = [message["Subject"] for message in besides_badge_emails(smtp.to(owner_email))]
    assert subjects == ["Business Durham has suspended Sacriston Sawmill Ltd from the Charter",
                        "Sacriston Sawmill Ltd is listed as a Charter signatory again"]
    assert organisation_id


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_an_owner_withdraws_its_organisation_from_the_charter(browsing, build, smtp, viewport):
    owner = build.user()
    organisation = _signatory(build, owner, ApplicationStatus.APPROVED, "Witton Weavers Ltd",
                              "witton-weavers")
    organisation_id, owner_email = organisation.id, owner.email

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner_email, "owner")
    browsing.visit(page, f"/organisations/{organisation_id}/profile", "profile")
    page.get_by_role("link", name="Withdraw from the Charter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to withdraw from the Charter?")
    browsing.check(page, "withdraw confirmation")
    assert horizontal_overflow(page) == 0
    page.get_by_label("Why are you withdrawing? (optional)").fill("We are retiring.")
    click_button(page, "Withdraw Witton Weavers Ltd from the Charter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "has withdrawn from the Charter")
    expect(page.locator("main")).to_contain_text("It is no longer listed in the public directory")
    browsing.check(page, "withdrawn")
    assert horizontal_overflow(page) == 0

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, "/signatories/witton-weavers", "profile gone", status=410)
    browsing.visit(visitor, "/directory", "directory without it")
    expect(visitor.locator("main")).not_to_contain_text("Witton Weavers Ltd")
    smtp.deliver_outbox()
    [message] = smtp.to(owner_email)
    assert message["Subject"] == (
        "Witton Weavers Ltd has withdrawn from the County Durham Pound Charter")
