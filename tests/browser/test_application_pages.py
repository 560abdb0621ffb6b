"""The application pages first users reviewed, in Chromium at desktop and phone width: pledges
grouped by theme and opened by keyboard, number boxes revealed under the legal forms that need
them (with and without JavaScript), and the page after submitting.

Every page goes through `browsing.check` (axe, one h1, title, no console errors, screenshot).
"""

import re

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.conftest import DESKTOP, horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, error_summary_links, sign_in

WIDTHS = [DESKTOP, PHONE]
WIDTH_IDS = ["desktop", "320px"]


def assert_fits(page) -> None:
    overflow = horizontal_overflow(page)
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_pledges_open_theme_by_theme_from_the_keyboard(browsing, build, viewport):
    owner = build.user("pat@pledges.example")
    organisation = build.organisation(owner, pledges={"CDP-JOB-03": "52"})
    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner.email, "owner")
    browsing.visit(page, f"/organisations/{organisation.id}/pledges", "pledges")
    assert_fits(page)

    # Jobs holds a pledge, so it is open; the others are closed until someone opens them.
    expect(page.get_by_label("Weeks of apprenticeship, level 2 or above")).to_have_value("52")
    spend = page.get_by_label("Spend with County Durham suppliers")
    expect(spend).to_be_hidden()
    # Tab from the last Jobs box reaches the Growth summary; Enter opens it; Tab goes inside.
    page.get_by_label("Support into work for unemployed people").focus()
    page.keyboard.press("Tab")
    expect(page.locator("summary", has_text="Growth")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Expert business advice to local VCSEs and SMEs")).to_be_focused()
    expect(spend).to_be_visible()
    # A money measure: £ before the box, no unit after it.
    growth = page.locator("#theme-growth")
    expect(growth.locator(".govuk-input__prefix")).to_have_text("£")
    expect(growth).to_contain_text("hours of expert advice")
    browsing.check(page, "growth opened")
    assert_fits(page)

    spend.fill("12500")
    page.keyboard.press("Tab")
    click_button(page, "Save and continue")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Pledges: saved")
    page.get_by_role("link", name="Check and submit").click()
    expect(page.locator(".govuk-summary-list__row", has_text="Spend with County Durham")
           ).to_contain_text("£12,500")
    browsing.check(page, "check your application")
    assert_fits(page)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_company_and_charity_numbers_are_revealed_by_their_legal_forms(browsing, build,
                                                                        viewport):
    build.user("robin@reveal.example")
    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, "robin@reveal.example", "applicant")
    browsing.visit(page, "/apply/organisation", "organisation details")
    company = page.get_by_role("textbox", name="Company number")
    charity = page.get_by_role("textbox", name="Charity number")
    expect(company).to_have_count(0)  # nothing chosen yet: no number box on show
    expect(charity).to_have_count(0)

    page.get_by_label("Community interest company (CIC)").check()
    expect(company).to_have_count(1)
    expect(charity).to_have_count(0)
    page.get_by_label("Registered charity").check()
    expect(company).to_have_count(0)
    expect(charity).to_have_count(1)
    page.get_by_label("Partnership", exact=True).check()
    expect(company).to_have_count(0)
    expect(charity).to_have_count(0)
    browsing.check(page, "partnership chosen")

    # A CIC without its number: the error is under the CIC radio and the summary link reaches it.
    page.get_by_label("Community interest company (CIC)").check()
    click_button(page, "Save and continue")
    links = error_summary_links(page)
    assert links["Enter your company number"] == "#company_number"
    page.get_by_role("link", name="Enter your company number").click()
    expect(page.locator("#company_number")).to_be_focused()
    expect(page.locator("#company_number")).to_be_visible()
    browsing.check(page, "company number missing")
    assert_fits(page)


def test_without_javascript_every_number_box_shows_and_the_chosen_one_counts(browsing, build):
    owner = build.user("lee@nojs.example")
    page = browsing.open(javascript=False)
    sign_in(browsing, page, owner.email, "applicant")
    browsing.visit(page, "/apply/organisation", "organisation details")
    # The GOV.UK pattern without JavaScript: every box shows, each under its radio.
    expect(page.get_by_role("textbox", name="Company number")).to_have_count(4)
    expect(page.get_by_role("textbox", name="Charity number")).to_have_count(2)
    page.get_by_label("Organisation name").fill("Shildon Shed Makers CIC")
    page.get_by_label("Community interest company (CIC)").check()
    page.locator("#company_number-cic").fill("12345678")
    page.get_by_label("Micro (fewer than 10 staff)").check()
    page.get_by_label("Address line 1").fill("2 Main Street")
    page.get_by_label("Town or city").fill("Shildon")
    page.get_by_label("Postcode").fill("DL4 1AA")
    page.get_by_label("Describe your organisation").fill("Men's shed and woodwork classes.")
    click_button(page, "Save and continue")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Organisation details: saved")
    browsing.check(page, "details saved")
    page.get_by_role("link", name="Organisation details").click()
    # Saved from the box under CIC, shown back there.
    expect(page.locator("#company_number")).to_have_value("12345678")
    browsing.check(page, "organisation details again")


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_after_submitting_a_confirmation_the_review_date_and_the_answers(browsing, build, smtp,
                                                                         viewport):
    owner = build.user("sam@submit.example")
    organisation = build.organisation(owner, name="Consett Canvas Ltd",
                                      pledges={"CDP-SOC-01": "2500", "CDP-JOB-01": "2"})
    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, owner.email, "owner")
    browsing.visit(page, f"/organisations/{organisation.id}/submit", "check your application")
    assert_fits(page)
    click_button(page, "Sign and submit")
    expect(page).to_have_url(re.compile(rf"/organisations/{organisation.id}/application$"))
    expect(page.locator(".govuk-panel")).to_contain_text("Application submitted")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile(
        r"review your application by \d{1,2} \w+ 20\d\d \(10 working days"))
    expect(page.locator(".govuk-summary-list__row", has_text="Donations and in-kind")
           ).to_contain_text("£2,500")
    expect(page.locator(".govuk-summary-list__row", has_text="Local people employed")
           ).to_contain_text("2 full-time equivalent jobs")
    expect(page.get_by_role("link", name=re.compile("^Change"))).to_have_count(0)
    browsing.check(page, "submitted")
    assert_fits(page)
    smtp.wait_for(1)


def test_after_approval_the_answers_stay_readable(browsing, build):
    owner = build.user("jo@approved.example")
    organisation = build.organisation(owner, status=ApplicationStatus.APPROVED,
                                      pledges={"CDP-ENV-01": "12"})
    page = browsing.open(viewport=PHONE)
    sign_in(browsing, page, owner.email, "owner")
    browsing.visit(page, f"/organisations/{organisation.id}/application", "approved")
    expect(page.locator(".govuk-panel")).to_contain_text("You have signed the Charter")
    expect(page.locator(".govuk-summary-list__row", has_text="Carbon emissions saved")
           ).to_contain_text("12 tonnes of CO2 equivalent")
    assert_fits(page)
