"""The OpenAPI description at /api/v1/openapi.json: a valid OpenAPI 3.1 document that describes
every `/api/` route the app serves (and no other), whose schemas the real responses match."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from charter_app.badges import awards
from charter_app.directory import views as directory_views
from charter_app.extensions import db
from charter_app.reporting import export
from charter_app.reporting import staff_views as reporting_views
from charter_app.timeutil import utcnow
from tests.builders import PASSWORD
from tests.conftest import log_in

IGNORED_METHODS = {"HEAD", "OPTIONS"}
CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _api_routes(app) -> dict[str, set[str]]:
    """Each `/api/` path the app serves, written as OpenAPI writes it, with its methods."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = CONVERTER.sub(r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(
                method.lower() for method in rule.methods - IGNORED_METHODS)
    return routes


def _described(document: dict) -> dict[str, set[str]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return {path: set(item) & methods for path, item in document["paths"].items()}


def _validator(document: dict, path: str, status: int, method: str = "get"):
    """A JSON Schema validator for one described response, resolving the document's $refs."""
    response = document["paths"][path][method]["responses"][str(status)]
    schema = {**response["content"]["application/json"]["schema"],
              "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _assert_matches(document, path: str, response, method: str = "get"):
    validator = _validator(document, path, response.status_code, method)
    body = response.get_json()
    errors = [f"{list(error.absolute_path)}: {error.message}"
              for error in validator.iter_errors(body)]
    assert errors == [], f"{response.request.path} ({response.status_code})"
    return body


def test_the_description_is_valid_openapi_3_1_served_to_any_site(client, document):
    OpenAPIV31SpecValidator(document).validate()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://localhost"}]  # BASE_URL in testing
    assert "license" not in document["info"]  # not chosen by the partnership yet
    assert ".ics" in document["info"]["description"]
    response = client.get("/api/v1/openapi.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_every_api_route_is_described_and_nothing_else(app, document):
    served, described = _api_routes(app), _described(document)
    assert "/api/v1/signatories/{slug}" in served  # the walk sees the converters' names
    missing = {path: methods - described.get(path, set())
               for path, methods in served.items() if methods - described.get(path, set())}
    assert missing == {}, "describe these API routes in charter_app/directory/openapi.py"
    unserved = {path: methods - served.get(path, set())
                for path, methods in described.items() if methods - served.get(path, set())}
    assert unserved == {}, "described, but the app does not serve them"


def test_parameters_offer_the_choices_the_directory_accepts(client, document):
    parameters = {parameter["name"]: parameter["schema"] for parameter
                  in document["paths"]["/api/v1/signatories"]["get"]["parameters"]}
    assert set(parameters) == {"q", "sector", "size", "theme", "area", "level", "page",
                               "per_page"}
    for name in ("sector", "size", "theme", "area", "level"):
        for value in parameters[name]["enum"]:
            page = client.get(f"/directory?{name}={value}").get_data(as_text=True)
            # The directory's form shows the choice as selected: it was accepted, not ignored.
            assert re.search(rf'value="{re.escape(value)}"\s+selected', page), (name, value)
    assert parameters["per_page"]["maximum"] == directory_views.API_MAX_PER_PAGE
    staff = {parameter["name"]: parameter["schema"] for parameter
             in document["paths"]["/api/v1/staff/report-entries"]["get"]["parameters"]}
    assert (staff["per_page"]["maximum"], staff["per_page"]["default"]) == (
        reporting_views.API_MAX_PER_PAGE, reporting_views.API_PER_PAGE)
    entry = document["components"]["schemas"]["ReportEntry"]
    assert set(entry["properties"]) == set(export.COLUMNS)


@pytest.fixture
def signatories(build):
    """A signatory with badges, a contact, published social value and a counted report, and
    one that publishes nothing and holds no badges."""
    owner = build.user()
    published = build.organisation(
        owner, status="approved", name="Wear Valley Widgets Ltd", slug="wear-valley-widgets",
        approved_at=utcnow() - timedelta(days=200), publishes_social_value=True,
        contact_email="hello@wearvalley.example", contact_phone="0191 496 0000",
        pledges={"CDP-JOB-03": "52", "CDP-JOB-01": "2.5"})
    build.report(published, actor=owner, entries={"CDP-JOB-03": "10", "CDP-JOB-01": "0.5"})
    awards.refresh(published.id, utcnow())
    db.session.commit()
    quiet = build.organisation(status="approved", name="Tees Community Kitchen", slug="tees-ck",
                               sector="third", legal_form="community_group", area=None,
                               company_number=None, size_band="micro")
    return published, quiet, owner


def test_the_list_matches_the_page_schema_with_and_without_filters(client, document,
                                                                   signatories):
    body = _assert_matches(document, "/api/v1/signatories", client.get("/api/v1/signatories"))
    assert body["total"] == 2
    assert any(item["badges"] for item in body["items"])
    filtered = client.get("/api/v1/signatories?q=widgets&sector=private&size=small&theme=jobs"
                          "&area=Durham&per_page=1&page=1")
    body = _assert_matches(document, "/api/v1/signatories", filtered)
    assert [item["slug"] for item in body["items"]] == ["wear-valley-widgets"]
    nothing = client.get("/api/v1/signatories?level=gold")
    assert _assert_matches(document, "/api/v1/signatories", nothing)["items"] == []


def test_the_detail_matches_its_schema_with_social_value_and_without(client, document,
                                                                     signatories):
    path = "/api/v1/signatories/{slug}"
    body = _assert_matches(document, path, client.get("/api/v1/signatories/wear-valley-widgets"))
    assert {"social_value", "contact", "pledges", "badges"} <= set(body)
    assert body["social_value"]["total_gross"] != "0.00"  # the report's figures, not zeros
    quiet = _assert_matches(document, path, client.get("/api/v1/signatories/tees-ck"))
    assert "social_value" not in quiet and quiet["identifier"] is None and quiet["area"] is None


def test_a_mismatch_is_caught(document, signatories, client):
    """The schemas are strict enough to notice a field the API adds or changes."""
    body = client.get("/api/v1/signatories/wear-valley-widgets").get_json()
    validator = _validator(document, "/api/v1/signatories/{slug}", 200)
    assert not validator.is_valid({**body, "postcode": "DH1 3HE"})
    body["social_value"]["total_net"] = 1234.5
    assert not validator.is_valid(body)


def test_errors_match_the_error_schema(client, document, signatories):
    path = "/api/v1/signatories/{slug}"
    _assert_matches(document, path, client.get("/api/v1/signatories/nobody-here"))
    published, _quiet, _owner = signatories
    published.status = "withdrawn"
    db.session.commit()
    gone = client.get("/api/v1/signatories/wear-valley-widgets")
    assert gone.status_code == 410
    _assert_matches(document, path, gone)


def test_the_staff_endpoint_matches_its_schema(app, build, document, signatories):
    path = "/api/v1/staff/report-entries"
    assert document["paths"][path]["get"]["security"] == [{"staffSession": []}]
    staff = app.test_client()
    log_in(staff, build.staff().email, PASSWORD)
    body = _assert_matches(document, path, staff.get(f"{path}?per_page=5"))
    assert body["total"] == 2 and body["items"][0]["organisation"] == "Wear Valley Widgets Ltd"
    _assert_matches(document, path, staff.get(f"{path}?from=later"))
    _assert_matches(document, path, app.test_client().get(path))
    _published, _quiet, owner = signatories
    member = app.test_client()
    log_in(member, owner.email, PASSWORD)
    refused = member.get(path)
    assert refused.status_code == 403
    _assert_matches(document, path, refused)


def test_the_reports_api_matches_its_schemas(build, client, document):
    from charter_app.extensions import db
    from charter_app.reporting.quarters import FinancialQuarter
    from charter_app.reports import publishing

    quarter = FinancialQuarter(2026, 1)
    organisation = build.organisation(status="approved",
                                      approved_at=datetime(2026, 4, 20, 9, tzinfo=UTC))
    build.report(organisation, quarter, entries={"CDP-JOB-03": "10"})
    _assert_matches(document, "/api/v1/reports", client.get("/api/v1/reports"))
    draft = publishing.start_draft(quarter, date(2026, 11, 1))
    publishing.save_draft(draft, "A good quarter.", "", None)
    publishing.publish(draft, None, datetime(2026, 11, 2, 9, tzinfo=UTC))
    db.session.commit()
    index = client.get("/api/v1/reports")
    _assert_matches(document, "/api/v1/reports", index)
    [item] = index.json["items"]
    assert item["quarter"] == "2026-27 Q1"
    assert item["api_url"].endswith("/api/v1/reports/2026-27/q1")
    report = client.get("/api/v1/reports/2026-27/q1")
    _assert_matches(document, "/api/v1/reports/{financial_year}/q{number}", report)
    assert report.json["figures"]["quarter_figures"]["theme"]["total"]["gross"] != "0.00"
    missing = client.get("/api/v1/reports/2025-26/q1")
    assert missing.status_code == 404
    _assert_matches(document, "/api/v1/reports/{financial_year}/q{number}", missing)
