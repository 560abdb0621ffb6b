"""Whole journeys in Chromium: sign the Charter, staff review, the public directory.

Every page reached is checked by `browsing.check`/`browsing.visit` (axe WCAG 2.2 AA, one h1,
title, no console errors) and screenshotted to test-artifacts/<test>/.
"""

import re

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from tests.browser.conftest import horizontal_overflow
from tests.builders import PASSWORD

PHONE = {"width": 320, "height": 640}
OWNER_PASSWORD = "a long walk by the river wear"


def sign_in(browsing, page, email: str, step: str, password: str = PASSWORD) -> None:
    browsing.visit(page, "/login", f"{step} sign-in page")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def click_button(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def error_summary_links(page) -> dict[str, str]:
    """The error summary's links, text → href."""
    links = page.locator(".govuk-error-summary__list a")
    return {
        links.nth(i).inner_text().strip(): links.nth(i).get_attribute("href")
        for i in range(links.count())
    }


def expect_error_summary_first(page) -> None:
    """The error summary is the first thing in <main>: where a screen reader user lands."""
    summary = page.locator("main .govuk-error-summary")
    expect(summary).to_be_visible()
    first = page.locator("main *[class]").first  # the first element in <main>, at any depth
    assert first.evaluate("element => element.contains(document.querySelector("
                          "'main .govuk-error-summary'))"), (
        "the error summary is not at the top of the page")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()


def approve_as_staff(browsing, staff_email: str, organisation_name: str, *, javascript=True):
    page = browsing.open(javascript=javascript)
    sign_in(browsing, page, staff_email, "staff")
    expect(page).to_have_url(re.compile(r"/staff/applications$"))
    browsing.check(page, "staff queue")
    page.get_by_role("link", name=organisation_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organisation_name)
    browsing.check(page, "staff application")
    page.get_by_role("link", name="Approve", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Are you sure you want to approve {organisation_name}?")
    browsing.check(page, "staff approval confirmation")
    click_button(page, f"Yes, approve {organisation_name}")
    expect(page).to_have_url(re.compile(r"/staff/applications$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{organisation_name} is approved")
    browsing.check(page, "staff approved")
    return page


# --- 1. the whole journey with JavaScript ------------------------------------------------------


def test_sign_the_charter_review_and_find_it_in_the_directory(browsing, smtp, build):
    other = build.organisation(status=ApplicationStatus.APPROVED, name="Tees Valley Bakery",
                               description="Bread and cakes.")
    other_name = other.name
    staff_email = build.staff().email
    owner_email = "jo.owner@wearvalleyjoinery.example"
    name = "Wear Valley Joinery Ltd"

    page = browsing.open()
    browsing.visit(page, "/", "home")
    page.get_by_role("button", name="Sign the Charter").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    browsing.check(page, "sign the charter")
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(re.compile(r"/account/create$"))
    browsing.check(page, "create account")

    page.get_by_label("Email address").fill(owner_email)
    page.get_by_label("Create a password", exact=True).fill(OWNER_PASSWORD)
    page.get_by_label("Confirm your password", exact=True).fill(OWNER_PASSWORD)
    click_button(page, "Create account")
    # The same answer whether or not the address has an account.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text(owner_email)
    browsing.check(page, "check your email")

    smtp.wait_for(1)
    [confirmation] = smtp.to(owner_email)
    [link] = [link for link in smtp.links(confirmation) if "/account/confirm/" in link]
    # The link confirms the address but never signs a browser in: the owner signs in next.
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("email address is confirmed")
    page.get_by_label("Email address").fill(owner_email)
    page.get_by_label("Password", exact=True).fill(OWNER_PASSWORD)
    click_button(page, "Sign in")
    expect(page).to_have_url(re.compile(r"/apply$"))
    browsing.check(page, "task list")

    page.get_by_role("link", name="Organisation details").click()
    expect(page).to_have_url(re.compile(r"/apply/organisation$"))
    browsing.check(page, "organisation details")

    # First try: no name and a postcode that is not one.
    page.get_by_label("Organisation name").fill("")
    page.get_by_label("Private limited company").check()
    # The box is revealed under the chosen radio: the only company number box on show.
    page.get_by_role("textbox", name="Company number").fill("09876543")
    page.get_by_label("Small (10 to 49 staff)").check()
    page.get_by_label("Address line 1").fill("Unit 4, Dragon Lane")
    page.get_by_label("Town or city").fill("Durham")
    page.get_by_label("Postcode").fill("XYZ")
    page.get_by_label("Website (optional)").fill("www.wearvalleyjoinery.example")
    page.get_by_label("Describe your organisation").fill(
        "Bespoke joinery and shopfitting, training local apprentices.")
    click_button(page, "Save and continue")

    assert page.title().startswith("Error: Organisation details")
    expect_error_summary_first(page)
    links = error_summary_links(page)
    assert links == {
        "Enter your organisation's name": "#name",
        "Enter a full UK postcode, like DH1 5UQ": "#postcode",
    }
    expect(page.locator("#name-error")).to_contain_text("Enter your organisation's name")
    expect(page.locator("#postcode-error")).to_contain_text("Enter a full UK postcode")
    assert "name-error" in page.locator("#name").get_attribute("aria-describedby")
    # What was typed elsewhere is kept.
    expect(page.get_by_label("Private limited company")).to_be_checked()
    expect(page.get_by_label("Small (10 to 49 staff)")).to_be_checked()
    expect(page.get_by_role("textbox", name="Company number")).to_have_value("09876543")
    expect(page.get_by_label("Address line 1")).to_have_value("Unit 4, Dragon Lane")
    expect(page.get_by_label("Postcode")).to_have_value("XYZ")
    # Kept, with the https:// the validator adds.
    expect(page.get_by_label("Website (optional)")).to_have_value(
        re.compile(r"^(https://)?www\.wearvalleyjoinery\.example$"))
    expect(page.get_by_label("Describe your organisation")).to_have_value(
        "Bespoke joinery and shopfitting, training local apprentices.")
    # GOV.UK Frontend moves focus to the summary; its links move focus to the field.
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    browsing.check(page, "organisation details errors")
    page.get_by_role("link", name="Enter your organisation's name").click()
    expect(page.locator("#name")).to_be_focused()

    page.get_by_label("Organisation name").fill(name)
    page.get_by_label("Postcode").fill("dh1 3he")
    click_button(page, "Save and continue")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Organisation details: saved")
    expect(page).to_have_url(re.compile(r"/organisations/\d+/application$"))
    browsing.check(page, "details saved")

    page.get_by_role("link", name="The six commitments").click()
    browsing.check(page, "commitments")
    boxes = page.locator("input[name=commitments]")
    assert boxes.count() == 6
    for i in range(6):
        boxes.nth(i).check()
    click_button(page, "Save and continue")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The six commitments: saved")
    browsing.check(page, "commitments saved")

    page.get_by_role("link", name="Pledges").click()
    browsing.check(page, "pledges")
    # Every theme starts closed; the keyboard opens one (Enter on its summary) and moves into it.
    apprenticeships = page.get_by_label("Weeks of apprenticeship, level 2 or above")
    expect(apprenticeships).to_be_hidden()
    page.locator("summary", has_text="Jobs").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Local people employed or retained")).to_be_focused()
    apprenticeships.fill("0")
    click_button(page, "Save and continue")
    assert page.title().startswith("Error: ")
    expect_error_summary_first(page)
    message = "Target for Weeks of apprenticeship, level 2 or above must be more than 0"
    assert list(error_summary_links(page)) == [message]
    expect(page.locator(".govuk-error-message")).to_contain_text(message)
    browsing.check(page, "pledges error")
    apprenticeships.fill("52")
    page.locator("summary", has_text="Social").focus()
    page.keyboard.press("Space")
    page.get_by_label("Volunteering hours for local community projects").fill("37.5")
    click_button(page, "Save and continue")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Pledges: saved")
    browsing.check(page, "pledges saved")

    page.get_by_role("link", name="Who is signing").click()
    browsing.check(page, "signatory")
    page.get_by_label("Full name").fill("Jo Robson")
    page.get_by_label("Job title or role").fill("Managing Director")
    page.get_by_label("I am authorised to sign").check()
    click_button(page, "Save and continue")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Who is signing: saved")
    expect(page.get_by_text("You have completed 4 of 4 sections.")).to_be_visible()
    browsing.check(page, "all sections complete")

    page.get_by_role("link", name="Check and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your application before you submit it")
    expect(page.locator("main")).to_contain_text("DH1 3HE")
    expect(page.locator("main")).to_contain_text("https://www.wearvalleyjoinery.example")
    browsing.check(page, "check your application")
    click_button(page, "Sign and submit")
    expect(page.locator(".govuk-panel")).to_contain_text("Application submitted")
    expect(page.locator("main")).to_contain_text(re.compile(
        r"review your application by \d{1,2} \w+ 20\d\d \(10 working days"))
    # The answers stay readable under the panel.
    expect(page.locator(".govuk-summary-list__row", has_text="Weeks of apprenticeship")
           ).to_contain_text("52 weeks")
    expect(page.get_by_role("link", name="Organisation details")).to_have_count(0)
    browsing.check(page, "submitted")
    smtp.wait_for(2)

    staff_page = approve_as_staff(browsing, staff_email, name)
    smtp.wait_for(3)
    approval = [m for m in smtp.to(owner_email) if "has signed" in m["Subject"]]
    assert len(approval) == 1
    assert approval[0]["Subject"] == f"{name} has signed the County Durham Pound Charter"
    assert any("/signatories/wear-valley-joinery-ltd" in link for link in smtp.links(approval[0]))
    staff_page.context.close()

    public = browsing.open()
    browsing.visit(public, "/directory", "directory")
    expect(public.locator("#results-count")).to_contain_text("2 signatories")
    expect(public.get_by_role("link", name=name)).to_be_visible()
    expect(public.get_by_role("link", name=other_name)).to_be_visible()

    # Live search: htmx swaps the results in place and puts the query in the address.
    public.evaluate("window.stillTheSamePage = true")
    public.get_by_label("Search by name or keyword").press_sequentially("Wear Valley", delay=20)
    expect(public.locator("#results-count")).to_contain_text("1 signatory found")
    # The count is also written into a status region that stays put, so screen readers say it.
    expect(public.get_by_role("status")).to_have_text("1 signatory found")
    expect(public).to_have_url(re.compile(r"/directory\?q=Wear(\+|%20)Valley$"))
    expect(public.get_by_role("link", name=other_name)).to_have_count(0)
    assert public.evaluate("window.stillTheSamePage") is True, "the search reloaded the page"
    assert public.title().startswith("Search results")
    browsing.check(public, "directory live search")

    public.get_by_role("link", name=name).click()
    expect(public).to_have_url(re.compile(r"/signatories/wear-valley-joinery-ltd$"))
    expect(public.get_by_role("heading", level=1)).to_have_text(name)
    pledges = public.get_by_role("table")
    expect(pledges).to_contain_text("Weeks of apprenticeship, level 2 or above")
    expect(pledges).to_contain_text("52 weeks")
    expect(pledges).to_contain_text("37.5 hours")
    expect(public.locator("main")).to_contain_text("Jo Robson, Managing Director")
    website = public.get_by_role("link", name="https://www.wearvalleyjoinery.example")
    expect(website).to_have_attribute("href", "https://www.wearvalleyjoinery.example")
    expect(public.locator("main")).not_to_contain_text("<a ")
    browsing.check(public, "profile")


# --- 2. the same without JavaScript ------------------------------------------------------------


def test_without_javascript_submit_approve_and_search(browsing, smtp, build):
    owner = build.user("sam@durhamdales.example")
    owner_email = owner.email
    draft = build.organisation(owner, name="Durham Dales Printing Ltd",
                               pledges={"CDP-JOB-03": "52"})
    name = draft.name
    build.organisation(status=ApplicationStatus.APPROVED, name="Tees Valley Bakery")
    staff_email = build.staff().email

    page = browsing.open(javascript=False)
    sign_in(browsing, page, owner_email, "owner")
    expect(page).to_have_url(re.compile(r"/organisations/\d+/application$"))
    browsing.check(page, "task list")

    # The error summary and kept values work without JavaScript too.
    page.get_by_role("link", name="Organisation details").click()
    browsing.check(page, "organisation details")
    page.get_by_label("Postcode").fill("XYZ")
    click_button(page, "Save and continue")
    assert page.title().startswith("Error: Organisation details")
    expect_error_summary_first(page)
    assert error_summary_links(page) == {"Enter a full UK postcode, like DH1 5UQ": "#postcode"}
    expect(page.get_by_label("Organisation name")).to_have_value(name)
    browsing.check(page, "organisation details error")
    page.get_by_label("Postcode").fill("DH1 3HE")
    click_button(page, "Save and continue")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Organisation details: saved")
    browsing.check(page, "details saved")

    page.get_by_role("link", name="Check and submit").click()
    browsing.check(page, "check your application")
    click_button(page, "Sign and submit")
    expect(page.locator(".govuk-panel")).to_contain_text("Application submitted")
    browsing.check(page, "submitted")
    smtp.wait_for(1)
    assert smtp.to(owner_email)

    approve_as_staff(browsing, staff_email, name, javascript=False)
    smtp.wait_for(2)
    assert any("has signed" in m["Subject"] for m in smtp.to(owner_email))

    public = browsing.open(javascript=False)
    browsing.visit(public, "/directory", "directory")
    expect(public.locator("#results-count")).to_contain_text("2 signatories")
    public.get_by_label("Search by name or keyword").fill("Dales Printing")
    click_button(public, "Search")
    expect(public).to_have_url(re.compile(r"/directory\?q=Dales\+Printing"))
    expect(public.locator("#results-count")).to_contain_text("1 signatory found")
    expect(public.get_by_role("link", name=name)).to_be_visible()
    expect(public.get_by_role("link", name="Tees Valley Bakery")).to_have_count(0)
    expect(public.get_by_label("Search by name or keyword")).to_have_value("Dales Printing")
    browsing.check(public, "directory search")
    public.get_by_role("link", name=name).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(name)
    expect(public.get_by_role("table")).to_contain_text("52 weeks")
    browsing.check(public, "profile")


# --- 3. rejection with a reason, then resubmission ---------------------------------------------


def test_staff_reject_with_reason_and_owner_resubmits(browsing, smtp, build):
    owner = build.user("kim@brancepethbikes.example")
    owner_email = owner.email
    organisation = build.organisation(owner, name="Brancepeth Bikes Ltd",
                                      status=ApplicationStatus.SUBMITTED)
    name = organisation.name
    staff_email = build.staff().email
    reason = "Your description does not say what you do in County Durham: add where you work."

    staff = browsing.open()
    sign_in(browsing, staff, staff_email, "staff")
    browsing.check(staff, "staff queue")
    staff.get_by_role("link", name=name).click()
    browsing.check(staff, "staff application")
    staff.get_by_role("link", name="Reject").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Reject this application")
    browsing.check(staff, "reject")
    click_button(staff, "Reject and email the organisation")
    assert staff.title().startswith("Error: Reject ")
    expect_error_summary_first(staff)
    assert error_summary_links(staff) == {
        "Enter the reason for rejecting the application": "#reason"}
    expect(staff.locator("#reason-error")).to_contain_text(
        "Enter the reason for rejecting the application")
    browsing.check(staff, "reject without reason")
    assert smtp.messages == []

    staff.get_by_label("Why can this application not be approved?").fill(reason)
    click_button(staff, "Reject and email the organisation")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text(f"{name} was rejected")
    expect(staff.get_by_text("There are no applications waiting for review.")).to_be_visible()
    browsing.check(staff, "rejected")

    smtp.wait_for(1)
    [email] = smtp.to(owner_email)
    assert reason in smtp.text(email)
    [link] = [link for link in smtp.links(email) if "/application" in link]

    owner_page = browsing.open()
    sign_in(browsing, owner_page, owner_email, "owner")
    browsing.check(owner_page, "signed in")
    owner_page.goto(link)
    warning = owner_page.locator(".govuk-warning-text")
    expect(warning).to_contain_text(reason)
    browsing.check(owner_page, "application rejected")

    owner_page.get_by_role("link", name="Organisation details").click()
    browsing.check(owner_page, "organisation details")
    owner_page.get_by_label("Describe your organisation").fill(
        "Bike repairs and refurbished bikes from our workshop in Brancepeth, County Durham.")
    click_button(owner_page, "Save and continue")
    expect(owner_page.locator(".govuk-notification-banner")).to_contain_text("saved")
    browsing.check(owner_page, "details changed")
    owner_page.get_by_role("link", name="Check and submit").click()
    expect(owner_page.locator("main")).to_contain_text("workshop in Brancepeth")
    browsing.check(owner_page, "check your application")
    click_button(owner_page, "Sign and submit")
    expect(owner_page.locator(".govuk-panel")).to_contain_text("Application submitted")
    expect(owner_page.locator(".govuk-warning-text")).to_have_count(0)
    browsing.check(owner_page, "resubmitted")

    staff.reload()
    expect(staff.get_by_role("link", name=name)).to_be_visible()
    browsing.check(staff, "back in the queue")
    staff.get_by_role("link", name=name).click()
    expect(staff.locator("main")).to_contain_text(reason)  # the history keeps the reason
    browsing.check(staff, "application history")


# --- 4. phone width ----------------------------------------------------------------------------


def assert_no_sideways_scroll(page) -> None:
    overflow = horizontal_overflow(page)
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px at 320px wide"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_phone_width_directory_and_details_form(browsing, build, javascript):
    for number in range(7):
        build.organisation(status=ApplicationStatus.APPROVED,
                           name=f"Chester-le-Street Community Enterprises Number {number + 1}",
                           pledges={"CDP-JOB-03": "52", "CDP-GRO-02": "250000.50"})
    build.user("alex@phone.example")

    page = browsing.open(javascript=javascript, viewport=PHONE)
    browsing.visit(page, "/directory", "directory")
    expect(page.locator(".govuk-pagination")).to_be_visible()
    assert_no_sideways_scroll(page)
    browsing.visit(page, "/directory?sector=private&size=small&theme=jobs&q=Chester", "filtered")
    assert_no_sideways_scroll(page)
    page.locator(".app-directory-results a").first.click()
    browsing.check(page, "profile")
    assert_no_sideways_scroll(page)

    sign_in(browsing, page, "alex@phone.example", "applicant")
    browsing.check(page, "task list")
    assert_no_sideways_scroll(page)
    browsing.visit(page, "/apply/organisation", "organisation details")
    assert_no_sideways_scroll(page)
    page.get_by_label("Postcode").fill("XYZ")
    page.get_by_label("Website (optional)").fill("www.an-exceptionally-long-website-address"
                                                 "-for-a-small-screen.example")
    click_button(page, "Save and continue")
    assert page.title().startswith("Error: ")
    browsing.check(page, "organisation details errors")
    assert_no_sideways_scroll(page)


# --- 5. the service's own pages ----------------------------------------------------------------

SERVICE_PAGES = [
    ("/", 200),
    ("/charter", 200),
    ("/accessibility", 200),
    ("/privacy", 200),
    ("/cookies", 200),
    ("/login", 200),
    ("/signup", 200),
    ("/account/create", 200),
    ("/account/reset", 200),
    ("/no-such-page", 404),
    ("/signatories/no-such-signatory", 404),
    ("/account/confirm/not-a-real-token", 400),
    ("/directory", 200),
    ("/directory?q=Bakery&sector=private&size=small&theme=jobs&area=Durham", 200),
    ("/directory?q=nothing+matches+this", 200),
    ("/signatories/tees-valley-bakery", 200),
]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_service_pages_are_accessible(browsing, build, javascript):
    build.organisation(status=ApplicationStatus.APPROVED, name="Tees Valley Bakery",
                       slug="tees-valley-bakery", pledges={"CDP-JOB-03": "52",
                                                           "CDP-SOC-02": "37.5"})
    page = browsing.open(javascript=javascript)
    failures = []
    for path, status in SERVICE_PAGES:
        try:
            browsing.visit(page, path, path.strip("/") or "home", status=status)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)
