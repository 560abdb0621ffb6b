"""Signing the Charter: the application's sections, validation and submission."""

from sqlalchemy import select

from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from tests.builders import PASSWORD
from tests.conftest import log_in, submit_form

DETAILS = {
    "name": "Wear Valley Widgets Ltd",
    "legal_form": "limited_company",
    "size_band": "small",
    "company_number": "1234567",
    "charity_number": "",
    "address_line_1": "4 Front Street",
    "address_line_2": "",
    "town": "Crook",
    "postcode": "dl15 9aa",
    "website": "www.wearvalleywidgets.example",
    "description": "Widgets for farms across Weardale.",
}
ALL_COMMITMENTS = ["collaborate", "involve", "transparent", "embed", "local_needs", "track"]


def _signed_in(client, build):
    user = build.user()
    log_in(client, user.email, PASSWORD)
    return user


def _organisation_of(user_email):
    return db.session.scalar(
        select(Organisation).where(Organisation.memberships.any(user_id=_user_id(user_email)))
    )


def _user_id(email):
    from charter_app.accounts.models import User

    return db.session.scalar(select(User.id).where(User.email == email))


def test_first_section_saves_a_draft_with_derived_facts(client, build):
    user = _signed_in(client, build)
    response = submit_form(client, "/apply/organisation", DETAILS)
    assert response.status_code == 302
    organisation = _organisation_of(user.email)
    assert organisation.status == "draft"
    assert organisation.company_number == "01234567"  # padded to Companies House's 8 digits
    assert organisation.postcode == "DL15 9AA"
    assert organisation.area == "Wear Valley"
    assert organisation.location_flag is None
    assert organisation.sector == "private"
    assert organisation.website == "https://www.wearvalleywidgets.example"
    assert organisation.identifier == "GB-COH-01234567"


def test_bad_details_are_explained_beside_each_field_and_nothing_typed_is_lost(client, build):
    _signed_in(client, build)
    bad = {**DETAILS, "name": "x" * 161, "postcode": "DH1 XXX", "company_number": "12AB",
           "description": "Still here"}
    response = submit_form(client, "/apply/organisation", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Organisation details" in html
    assert "There is a problem" in html
    assert "Organisation name must be 160 characters or fewer" in html
    assert "Enter a full UK postcode, like DH1 5UQ" in html
    assert "Enter a company number in the correct format" in html
    assert 'href="#postcode"' in html  # the summary links to the field
    assert "Still here" in html and "4 Front Street" in html  # nothing typed is lost


def test_a_company_needs_its_number_and_a_charity_its_charity_number(client, build):
    _signed_in(client, build)
    html = submit_form(client, "/apply/organisation", {**DETAILS, "company_number": ""}
                       ).get_data(as_text=True)
    assert "Enter your company number" in html
    html = submit_form(client, "/apply/organisation",
                       {**DETAILS, "legal_form": "registered_charity", "company_number": "",
                        "charity_number": "12-34"}).get_data(as_text=True)
    assert "Enter a charity number in the correct format" in html


def test_an_out_of_area_postcode_is_accepted_and_flagged_for_staff(client, build):
    user = _signed_in(client, build)
    submit_form(client, "/apply/organisation", {**DETAILS, "postcode": "NE1 4ST"})
    organisation = _organisation_of(user.email)
    assert organisation.area is None
    assert organisation.location_flag == "outside"


def test_all_six_commitments_are_required(client, build):
    user = _signed_in(client, build)
    organisation = build.organisation(user, complete=False, commitments_agreed_at=None)
    url = f"/organisations/{organisation.id}/commitments"
    html = submit_form(client, url, {"commitments": ALL_COMMITMENTS[:5]}).get_data(as_text=True)
    assert "Agree to all six commitments" in html and "Track, report, learn and improve" in html
    assert "Agree to the six commitments" in submit_form(client, url, {}).get_data(as_text=True)
    assert submit_form(client, url, {"commitments": ALL_COMMITMENTS}).status_code == 302
    db.session.refresh(organisation)
    assert organisation.commitments_agreed_at is not None


def test_pledges_need_one_positive_plausible_target(client, build):
    user = _signed_in(client, build)
    organisation = build.organisation(user)
    url = f"/organisations/{organisation.id}/pledges"
    cases = {
        "0": "must be more than 0",
        "-3": "must be more than 0",
        "ten": "must be a number",
        "1.234": "no more than 2 decimal places",
        "99999999": "or less: check the unit",
    }
    for value, message in cases.items():
        html = submit_form(client, url, {"target_CDP_JOB_03": value}).get_data(as_text=True)
        assert message in html, value
        assert f'value="{value}"' in html  # what was typed is kept
    html = submit_form(client, url, {}).get_data(as_text=True)
    assert "Pledge at least one measure" in html
    response = submit_form(client, url, {"target_CDP_SOC_02": "1,200", "target_CDP_ENV_01": "12.5"})
    assert response.status_code == 302
    db.session.refresh(organisation)
    targets = {pledge.measure.code: str(pledge.target) for pledge in organisation.pledges}
    assert targets == {"CDP-SOC-02": "1200.00", "CDP-ENV-01": "12.50"}
    assert organisation.themes == ["social", "environment"]


def test_submitting_needs_every_section_then_locks_the_application(client, build, smtp):
    user = _signed_in(client, build)
    organisation = build.organisation(user, signatory_name=None)
    response = submit_form(client, f"/organisations/{organisation.id}/submit", {},
                           page=f"/organisations/{organisation.id}/application")
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "draft"

    submit_form(client, f"/organisations/{organisation.id}/signatory",
                {"signatory_name": "Jo Bell", "signatory_role": "Owner", "authorised": "y"})
    response = submit_form(client, f"/organisations/{organisation.id}/submit", {})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "submitted"
    assert [c.to_status for c in organisation.status_changes] == ["submitted"]
    assert organisation.status_changes[0].actor_id == user.id
    message = smtp.wait_for(1)[0]
    assert message["Subject"] == "We have your application to sign the Charter"

    # Submitted applications are read-only until staff decide.
    response = client.get(f"/organisations/{organisation.id}/details")
    assert response.status_code == 302
    response = submit_form(client, f"/organisations/{organisation.id}/details",
                           {**DETAILS, "name": "Changed"},
                           page=f"/organisations/{organisation.id}/application")
    db.session.refresh(organisation)
    assert organisation.name != "Changed"


def test_saving_and_coming_back_later_keeps_answers(client, build):
    user = _signed_in(client, build)
    submit_form(client, "/apply/organisation", DETAILS)
    submit_form(client, "/logout", {}, page="/account")
    assert client.get("/apply").status_code == 302  # signed out
    log_in(client, user.email, PASSWORD)
    html = client.get("/apply", follow_redirects=True).get_data(as_text=True)
    assert "Wear Valley Widgets Ltd" in html
    assert "You have completed 1 of 4 sections" in html
    html = client.get(f"/organisations/{_organisation_of(user.email).id}/details").get_data(
        as_text=True)
    assert 'value="Wear Valley Widgets Ltd"' in html and 'value="DL15 9AA"' in html
