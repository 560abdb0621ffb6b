"""Inputs the outside test sent that answered 500: each now answers 400, 404 or a form error."""

import pytest
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form
from tests.test_application import DETAILS, _organisation_of, _signed_in

BEYOND_INTEGER = "99999999999999999999"


def _error_page(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    return html


@pytest.mark.parametrize("legal_form", ["nonsense", "", "limited_company\x00", "1" * 500])
def test_an_unknown_legal_form_is_a_form_error(client, build, legal_form):
    user = _signed_in(client, build)
    response = submit_form(client, "/apply/organisation", {**DETAILS, "legal_form": legal_form})
    assert "Select what kind of organisation it is" in _error_page(response)
    assert _organisation_of(user.email) is None


def test_an_unknown_size_is_a_form_error(client, build):
    _signed_in(client, build)
    response = submit_form(client, "/apply/organisation", {**DETAILS, "size_band": "huge"})
    assert "Select how many people work for it" in _error_page(response)


@pytest.mark.parametrize("path", [
    "/directory?q=%00", "/directory?q=wid%00gets&sector=%00", "/directory.csv?q=%00",
    "/api/v1/signatories?q=%00&per_page=%00", "/directory?page=99999999999999999999999",
])
def test_a_nul_byte_or_huge_number_in_a_search_still_searches(client, build, path):
    build.organisation(status="approved", name="Widgets Ltd")
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", [
    "/signatories/widgets%00ltd", "/api/v1/signatories/widgets%00ltd",
    "/signatories/" + "a" * 181, "/signatories/Widgets-Ltd", "/signatories/%C3%A9",
])
def test_a_slug_that_cannot_exist_is_not_found(client, build, path):
    build.organisation(status="approved", name="Widgets Ltd", slug="widgets-ltd")
    assert client.get(path).status_code == 404
    assert client.get("/signatories/widgets-ltd").status_code == 200


def test_ids_beyond_the_integer_range_are_not_found(client, build):
    owner = _signed_in(client, build)
    mine = build.organisation(owner)
    for path in (f"/organisations/{BEYOND_INTEGER}/application",
                 f"/organisations/{2**31}/details", f"/organisations/{2**31 - 1}/details"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/organisations/{mine.id}/details").status_code == 200

    client.post("/logout", data={})
    staff_client = client.application.test_client()
    log_in(staff_client, build.staff().email, PASSWORD)
    assert staff_client.get(f"/staff/applications/{BEYOND_INTEGER}").status_code == 404
    assert staff_client.post(f"/staff/applications/{BEYOND_INTEGER}/approve").status_code == 404
    assert staff_client.get(f"/staff/applications/{BEYOND_INTEGER}/reject").status_code == 404


def test_a_name_whose_comparison_key_grows_past_its_column_still_saves(client, build):
    user = _signed_in(client, build)
    name = "A&B" * 53 + "C"  # 160 characters; each "&" becomes " and " in the key
    response = submit_form(client, "/apply/organisation", {**DETAILS, "name": name})
    assert response.status_code == 302
    organisation = _organisation_of(user.email)
    assert organisation.name == name
    assert organisation.name_key.startswith("a and ba and ba")
    assert len(organisation.name_key) <= 160


def test_a_website_too_long_once_https_is_added_is_a_form_error(client, build):
    user = _signed_in(client, build)
    too_long = "www.example.co.uk/" + "a" * (200 - len("https://www.example.co.uk/") + 1)
    assert len(too_long) <= 200 < len("https://" + too_long)
    response = submit_form(client, "/apply/organisation", {**DETAILS, "website": too_long})
    assert "Website must be 200 characters or fewer, including https://" in _error_page(response)
    assert _organisation_of(user.email) is None

    just_fits = too_long[:-1]
    response = submit_form(client, "/apply/organisation", {**DETAILS, "website": just_fits})
    assert response.status_code == 302
    assert _organisation_of(user.email).website == "https://" + just_fits


# Every text field of the application against the column it is stored in.
DETAIL_COLUMNS = ["name", "address_line_1", "address_line_2", "town", "website"]


@pytest.mark.parametrize("field", DETAIL_COLUMNS)
def test_every_details_field_longer_than_its_column_is_a_form_error(client, build, field):
    user = _signed_in(client, build)
    limit = getattr(Organisation, field).property.columns[0].type.length
    value = "x" * (limit + 1)
    if field == "website":
        value = "www.example.co.uk/" + "x" * (limit - 17)
    response = submit_form(client, "/apply/organisation", {**DETAILS, field: value})
    assert f"must be {limit} characters or fewer" in _error_page(response)
    assert _organisation_of(user.email) is None


@pytest.mark.parametrize("field", ["signatory_name", "signatory_role"])
def test_signatory_fields_longer_than_their_columns_are_form_errors(client, build, field):
    owner = _signed_in(client, build)
    organisation = build.organisation(owner, signatory_name=None, signatory_role=None)
    limit = getattr(Organisation, field).property.columns[0].type.length
    data = {"signatory_name": "Sam Robson", "signatory_role": "Director", "authorised": "y",
            field: "x" * (limit + 1)}
    response = submit_form(client, f"/organisations/{organisation.id}/signatory", data)
    assert f"must be {limit} characters or fewer" in _error_page(response)
    assert db.session.scalar(
        select(Organisation.signatory_name).where(Organisation.id == organisation.id)) is None



def test_a_json_body_to_a_form_is_refused_not_read_as_form_fields(client, build):
    # Flask-WTF would read JSON as form data, so numbers and objects reached the text filters.
    user = _signed_in(client, build)
    token = csrf_token_from(client.get("/apply/organisation").get_data(as_text=True))
    response = client.post("/apply/organisation", json={**DETAILS, "name": 5, "town": {}},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert _organisation_of(user.email) is None
