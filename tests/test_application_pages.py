"""What first users asked of the application pages: pledges grouped by theme with plain units,
a confirmation and the answers after submitting, and number boxes only where they are needed."""

import html as html_module
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from charter_app.organisations.models import ApplicationStatus
from charter_app.pledges.catalogue import target_with_unit, unit_label
from tests.builders import PASSWORD
from tests.conftest import log_in, submit_form
from tests.test_application import DETAILS, _organisation_of, _signed_in

THEMES = ["jobs", "growth", "social", "environment", "innovation"]


def _text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _open_themes(html: str) -> set[str]:
    return set(re.findall(r'<details class="govuk-details app-theme" id="theme-(\w+)" open>', html))


def _form_group(html: str, field_id: str) -> str:
    """The GOV.UK form group around one input."""
    start = html.rindex('<div class="govuk-form-group', 0, html.index(f'id="{field_id}"'))
    return html[start:html.index("</div>\n</div>", start)]


# --- the pledges page ---------------------------------------------------------------------------


def test_pledges_come_in_one_closed_group_per_theme_that_a_pledge_opens(client, build):
    user = _signed_in(client, build)
    organisation = build.organisation(user, pledges={"CDP-SOC-02": "40"})
    page = client.get(f"/organisations/{organisation.id}/pledges").get_data(as_text=True)
    groups = re.findall(r'<details class="govuk-details app-theme" id="theme-(\w+)"', page)
    assert groups == THEMES
    assert _open_themes(page) == {"social"}  # only the theme it pledges is open
    assert "Social (1 measure pledged)" in _text(page)
    # Every measure is still in the page, so the form works without JavaScript.
    assert len(re.findall(r'name="target_CDP_', page)) == 15


def test_a_theme_with_an_error_opens_so_the_summary_link_reaches_the_box(client, build):
    user = _signed_in(client, build)
    organisation = build.organisation(user, pledges={"CDP-SOC-02": "40"})
    url = f"/organisations/{organisation.id}/pledges"
    page = submit_form(client, url, {"target_CDP_SOC_02": "40", "target_CDP_ENV_02": "lots"}
                       ).get_data(as_text=True)
    assert 'href="#target_CDP_ENV_02"' in page
    assert _open_themes(page) == {"social", "environment"}
    # Nothing pledged at all: the message sits on the first measure, and its theme opens.
    page = submit_form(client, url, {}).get_data(as_text=True)
    assert "Pledge at least one measure" in page
    assert 'href="#target_CDP_JOB_01"' in page
    assert _open_themes(page) == {"jobs"}


def test_money_measures_have_a_pound_prefix_and_others_a_plain_unit(client, build):
    user = _signed_in(client, build)
    organisation = build.organisation(user)
    page = client.get(f"/organisations/{organisation.id}/pledges").get_data(as_text=True)
    for code in ("CDP_GRO_02", "CDP_SOC_01"):
        group = _form_group(page, f"target_{code}")
        assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in group
        assert "govuk-input__suffix" not in group
        # The prefix is hidden from screen readers, so the label says it.
        assert '<span class="govuk-visually-hidden">, in pounds</span>' in group
    expected = {
        "CDP_JOB_01": "full-time equivalent jobs",
        "CDP_JOB_02": "full-time equivalent jobs (first year)",
        "CDP_JOB_06": "person-hours of support",
        "CDP_ENV_01": "tonnes of CO2 equivalent",
        "CDP_JOB_03": "weeks",
    }
    for code, unit in expected.items():
        group = _form_group(page, f"target_{code}")
        assert f'<div class="govuk-input__suffix" aria-hidden="true">{unit}</div>' in group
        assert f'<span class="govuk-visually-hidden">, in {unit}</span>' in group
    assert "Unit:" not in page  # hints no longer repeat the unit
    for jargon in (">FTE", "session hours x attendees", "tonnes CO2e", "£ spent", "£ value"):
        assert jargon not in page


def test_a_target_too_large_is_explained_in_plain_units(client, build):
    user = _signed_in(client, build)
    organisation = build.organisation(user)
    url = f"/organisations/{organisation.id}/pledges"
    page = _text(submit_form(client, url, {"target_CDP_GRO_02": "200000000"}
                             ).get_data(as_text=True))
    assert ("Target for Spend with County Durham suppliers must be £100,000,000 or less: "
            "check the unit") in page
    page = _text(submit_form(client, url, {"target_CDP_JOB_01": "5000"}).get_data(as_text=True))
    assert ("Target for Local people employed or retained must be 1,000 full-time equivalent "
            "jobs or less") in page


@pytest.mark.parametrize(("target", "unit", "shown"), [
    ("12500", "£ spent", "£12,500"),
    ("1234.5", "£ value", "£1,234.50"),
    ("250000", "£ spent", "£250,000"),
    ("3.5", "FTE", "3.5 full-time equivalent jobs"),
    ("12", "tonnes CO2e", "12 tonnes of CO2 equivalent"),
    ("52.00", "weeks", "52 weeks"),
])
def test_targets_read_with_their_plain_unit(target, unit, shown):
    assert target_with_unit(Decimal(target), unit) == shown


def test_a_unit_with_no_plain_label_is_shown_as_it_is():
    assert unit_label("miles") == "miles"
    assert unit_label("FTE") == "full-time equivalent jobs"


def test_check_answers_profile_and_staff_pages_show_plain_units(client, build):
    pledges = {"CDP-GRO-02": "12500", "CDP-JOB-01": "3.5"}
    user = _signed_in(client, build)
    draft = build.organisation(user, pledges=pledges)
    check = _text(client.get(f"/organisations/{draft.id}/submit").get_data(as_text=True))
    assert "Growth: Spend with County Durham suppliers £12,500" in check
    assert "Jobs: Local people employed or retained 3.5 full-time equivalent jobs" in check

    signed = build.organisation(status=ApplicationStatus.APPROVED, pledges=pledges)
    profile = _text(client.get(f"/signatories/{signed.slug}").get_data(as_text=True))
    assert "Spend with County Durham suppliers £12,500" in profile
    assert "3.5 full-time equivalent jobs" in profile
    assert "£ spent" not in profile and "FTE" not in profile


# --- after submitting ---------------------------------------------------------------------------


def test_submitting_shows_a_confirmation_panel_and_the_review_date(client, build, smtp):
    user = _signed_in(client, build)
    organisation = build.organisation(user)
    response = submit_form(client, f"/organisations/{organisation.id}/submit", {})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<h2 class="govuk-panel__title">Application submitted</h2>' in page
    assert "What happens next" in page
    assert re.search(r"review your application by <strong>\d{1,2} \w+ 20\d\d</strong> "
                     r"\(10 working days after you submitted it\)", page)
    assert "Check and submit" not in page
    smtp.wait_for(1)


def test_the_review_date_counts_working_days_from_the_uk_date_of_submission(client, build):
    user = _signed_in(client, build)
    # 23:30 UTC on Thursday 4 June 2026 is already Friday 5 June in the UK (BST): ten working
    # days from the Friday end on Friday 19 June (from the Thursday, it would be the 18th).
    organisation = build.organisation(user, status=ApplicationStatus.SUBMITTED,
                                      submitted_at=datetime(2026, 6, 4, 23, 30, tzinfo=UTC))
    page = _text(client.get(f"/organisations/{organisation.id}/application").get_data(
        as_text=True))
    assert "Application submitted on 5 June 2026, 12:30am" in page
    assert "review your application by 19 June 2026" in page


def test_the_submitted_answers_stay_readable_and_cannot_be_changed_there(client, build):
    user = _signed_in(client, build)
    organisation = build.organisation(user, status=ApplicationStatus.SUBMITTED,
                                      name="Weardale Honey Ltd", company_number="07654321",
                                      pledges={"CDP-GRO-02": "5000"})
    page = client.get(f"/organisations/{organisation.id}/application").get_data(as_text=True)
    text = _text(page)
    for answer in ("Your answers", "Name Weardale Honey Ltd",
                   "Kind of organisation Private limited company", "Company number 07654321",
                   "Address 1 Front Street, Durham, DH1 3HE", "You agreed to all six commitments",
                   "Collaborate proactively", "Growth: Spend with County Durham suppliers £5,000",
                   "Name Sam Robson", "Role Director"):
        assert answer in text, answer
    assert "govuk-summary-list__actions" not in page  # read-only: no Change links
    assert f"/organisations/{organisation.id}/details" not in page


def test_the_answers_stay_readable_after_approval(client, build):
    user = build.user()
    organisation = build.organisation(user, status=ApplicationStatus.APPROVED,
                                      pledges={"CDP-ENV-01": "12"})
    log_in(client, user.email, PASSWORD)
    page = client.get(f"/organisations/{organisation.id}/application").get_data(as_text=True)
    text = _text(page)
    assert "You have signed the Charter" in text
    assert "Environment: Carbon emissions saved 12 tonnes of CO2 equivalent" in text
    assert "govuk-summary-list__actions" not in page


# --- organisation details: numbers revealed under the legal forms that need them ----------------


def _conditional_under(page: str, legal_form: str) -> str | None:
    radio = re.search(rf'<input class="govuk-radios__input" id="([\w-]+)" name="legal_form" '
                      rf'type="radio" value="{legal_form}"[^>]*>', page)
    controls = re.search(r'data-aria-controls="([\w-]+)"', radio.group(0))
    if controls is None:
        return None
    start = page.rindex('<div class="govuk-radios__conditional', 0,
                        page.index(f'id="{controls.group(1)}"'))
    return page[start:page.index('<div class="govuk-radios__item">', start)]


def test_each_number_box_sits_under_the_legal_forms_that_need_it(client, build):
    _signed_in(client, build)
    page = client.get("/apply/organisation").get_data(as_text=True)
    for legal_form in ("limited_company", "plc", "llp", "cic"):
        box = _conditional_under(page, legal_form)
        assert 'name="company_number"' in box and 'name="charity_number"' not in box, legal_form
    for legal_form in ("registered_charity", "cio"):
        box = _conditional_under(page, legal_form)
        assert 'name="charity_number"' in box and 'name="company_number"' not in box, legal_form
    for legal_form in ("partnership", "sole_trader", "cooperative", "social_enterprise",
                       "community_group"):
        assert _conditional_under(page, legal_form) is None, legal_form
    # Nothing chosen yet: every box starts hidden, and ids stay unique.
    assert "govuk-radios__conditional--hidden" in _conditional_under(page, "limited_company")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_a_missing_number_is_shown_and_linked_under_the_chosen_legal_form(client, build):
    _signed_in(client, build)
    page = submit_form(client, "/apply/organisation",
                       {**DETAILS, "legal_form": "cic", "company_number": ""}
                       ).get_data(as_text=True)
    assert 'href="#company_number"' in page
    box = _conditional_under(page, "cic")
    assert "govuk-radios__conditional--hidden" not in box  # revealed
    assert 'id="company_number"' in box and "Enter your company number" in box
    assert "govuk-radios__conditional--hidden" in _conditional_under(page, "limited_company")

    page = submit_form(client, "/apply/organisation",
                       {**DETAILS, "legal_form": "cio", "company_number": "",
                        "charity_number": ""}).get_data(as_text=True)
    box = _conditional_under(page, "cio")
    assert 'id="charity_number"' in box and "Enter your charity number" in box


def test_the_number_typed_under_the_chosen_legal_form_is_the_one_saved(client, build):
    user = _signed_in(client, build)
    # One box per company-number radio, in page order: limited company, plc, LLP, CIC.
    response = submit_form(client, "/apply/organisation", {
        **DETAILS, "legal_form": "llp",
        "company_number": ["OC111111", "", "OC222222", ""],
        "charity_number": ["", ""],
    })
    assert response.status_code == 302
    organisation = _organisation_of(user.email)
    assert organisation.company_number == "OC222222"
    assert organisation.charity_number is None


def test_a_number_the_chosen_legal_form_does_not_ask_for_is_not_kept(client, build):
    user = _signed_in(client, build)
    # Typed under "Private limited company", then the person chose "Partnership": the hidden
    # box's number is not saved.
    response = submit_form(client, "/apply/organisation", {
        **DETAILS, "legal_form": "partnership", "company_number": ["12345678", "", "", ""],
    })
    assert response.status_code == 302
    assert _organisation_of(user.email).company_number is None
