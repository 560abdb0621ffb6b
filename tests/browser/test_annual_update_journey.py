"""A signatory sends its annual pledge update: it sees last year's totals against its targets,
writes a few lines per theme, changes a target, drops one measure and adds another, and sends it.

At desktop width and at 320 px; every page checked by axe and screenshotted to test-artifacts/.
"""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.services import add_years
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import london_date, utcnow
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_signatory_reviews_its_year_and_sets_next_years_pledges(browsing, build, smtp,
                                                                   viewport):
    # Due in 12 days: the update is open (the live server uses today's date).
    approved_on = add_years(london_date(utcnow()) + timedelta(days=12), -1)
    owner = build.user()
    organisation = build.organisation(
        owner, status=ApplicationStatus.APPROVED, name="Consett Coffee Roasters Ltd",
        approved_at=datetime.combine(approved_on, time(12), tzinfo=UTC),
        pledges={"CDP-JOB-03": "52", "CDP-SOC-02": "200", "CDP-ENV-03": "5"})
    first_quarter = FinancialQuarter.containing(approved_on)
    build.report(organisation, first_quarter, actor=owner,
                 entries={"CDP-JOB-03": "26", "CDP-SOC-02": "150"})
    organisation_id, owner_email = organisation.id, owner.email
    anniversary = organisation.current_pledge_period.ends_on + timedelta(days=1)
    path = f"/organisations/{organisation_id}/annual-update"

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner_email, "owner")
    browsing.visit(page, path, "annual update form")
    expect(page.get_by_role("heading", level=1)).to_have_text("Annual update")
    expect(page.locator("main")).to_contain_text(
        f"Due on {anniversary.day} {anniversary:%B %Y}")
    totals = page.get_by_role("table", name="What you reported against your targets")
    expect(totals.get_by_role("row", name="Weeks of apprenticeship")).to_contain_text("50%")
    expect(totals.get_by_role("row", name="Volunteering hours")).to_contain_text("75%")
    expect(totals.get_by_role("row", name="Hard-to-recycle waste")).to_contain_text("0%")
    assert horizontal_overflow(page) == 0

    # Sent with a theme left out: the error is explained and nothing typed is lost.
    page.get_by_label("Jobs: what you did this year").fill(
        "Two apprentices joined the roastery; one has finished level 2.")
    page.get_by_label("Social: what you did this year").fill(
        "Staff volunteered at the Consett food bank every month.")
    click_button(page, "Send annual update")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Write a few lines about your Environment pledges")
    browsing.check(page, "annual update with an error")
    expect(page.get_by_label("Jobs: what you did this year")).to_have_value(
        "Two apprentices joined the roastery; one has finished level 2.")

    page.get_by_label("Environment: what you did this year").fill(
        "We could not find a recycler for our coffee bags, so we are dropping this pledge.")
    # Change a target, drop a measure and add one.
    page.get_by_label("Weeks of apprenticeship, level 2 or above").fill("78")
    # Themes holding a target start open; the others open by their summary.
    expect(page.locator("#theme-environment")).to_have_attribute("open", "")
    page.get_by_label("Hard-to-recycle waste diverted from landfill").fill("")
    page.locator("#theme-growth summary").click()
    page.get_by_label("Spend with County Durham suppliers").fill("40000")
    browsing.check(page, "annual update filled in")
    click_button(page, "Send annual update")

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Annual update sent. Your next pledge year starts on {anniversary.day} "
        f"{anniversary:%B %Y}")
    expect(page.locator(".govuk-panel")).to_contain_text("Annual update sent")
    expect(page.locator("main")).to_contain_text("Two apprentices joined the roastery")
    browsing.check(page, "annual update sent")
    assert horizontal_overflow(page) == 0

    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation_id)
    assert organisation.current_pledge_period.starts_on == anniversary
    assert {pledge.measure.code: pledge.target for pledge in organisation.pledges} == {
        "CDP-JOB-03": Decimal("78.00"), "CDP-SOC-02": Decimal("200.00"),
        "CDP-GRO-02": Decimal("40000.00")}
    [message] = smtp.wait_for(1, besides_badges=True)
    assert message["To"] == owner_email
    assert "Spend with County Durham suppliers: £40,000" in smtp.text(message)
