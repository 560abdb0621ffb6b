"""Every page declares who may reach it, the public ones are a deliberate list, and everything
else turns away a visitor who has not signed in."""

import uuid
from urllib.parse import parse_qs, urlsplit

from werkzeug.routing.converters import NumberConverter, UUIDConverter

from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in

# Adding a public page is a decision: add it here on purpose, with the view's @public.
PUBLIC_ENDPOINTS = {
    "pages.home",
    "pages.charter",
    "pages.accessibility",
    "pages.privacy",
    "pages.cookies",
    "pages.healthz",
    "pages.livez",
    "accounts.register",
    "accounts.confirm_email",
    "accounts.login",
    "accounts.logout",
    "accounts.request_reset",
    "accounts.reset_password",
    "accounts.confirm_email_change",
    "accounts.accept_invitation",
    "accounts.accept_staff_invitation",
    "organisations.start",
    "directory.index",
    "directory.profile",
    "directory.csv",
    "directory.api_list",
    "directory.api_detail",
}
KNOWN_ACCESS = {"public", "login", "signed-in", "staff", "admin", "development"}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _access(app, endpoint: str):
    return getattr(app.view_functions[endpoint], "access", None)


def _sample_url(app, rule) -> str:
    """The rule's URL with sample values: a visitor who is not signed in is turned away before
    anything is looked up, so they need not exist."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, NumberConverter):
            values[name] = 1
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        else:
            values[name] = "sample"
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def test_every_view_declares_who_may_reach_it(app):
    undeclared = sorted(rule.endpoint for rule in _rules(app)
                        if _access(app, rule.endpoint) is None)
    assert undeclared == [], "declare access: @public, @login_required, @signed_in, @staff..."
    unknown = {rule.endpoint: _access(app, rule.endpoint) for rule in _rules(app)
               if _access(app, rule.endpoint) not in KNOWN_ACCESS}
    assert unknown == {}


def test_public_pages_are_exactly_the_agreed_list(app):
    public = {rule.endpoint for rule in _rules(app) if _access(app, rule.endpoint) == "public"}
    assert sorted(public - PUBLIC_ENDPOINTS) == [], "a new public page: add it on purpose"
    assert sorted(PUBLIC_ENDPOINTS - public) == [], "no longer public: take it off the list"


def test_every_protected_page_sends_an_anonymous_visitor_to_sign_in(app, client):
    page = client.get("/login").get_data(as_text=True)
    # A real CSRF token, so only the access check can turn a POST away.
    token = csrf_token_from(page)
    checked, wrong = 0, {}
    for rule in _rules(app):
        access = _access(app, rule.endpoint)
        if access == "public":
            continue
        url = _sample_url(app, rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, headers={"X-CSRFToken": token})
            checked += 1
            location = urlsplit(response.headers.get("Location", ""))
            sent_to_sign_in = (response.status_code == 302 and location.path == "/login"
                               and parse_qs(location.query).get("next") == [url])
            hidden = access == "development" and response.status_code == 404
            # An API client cannot follow a sign-in page: it is told 401, in JSON.
            api_refused = (url.startswith("/api/") and response.status_code == 401
                           and response.is_json)
            if not (sent_to_sign_in or hidden or api_refused):
                wrong[f"{method} {url}"] = (response.status_code, location.geturl())
    assert wrong == {}
    assert checked >= 20  # the walk really covered the protected pages


def test_every_administrator_page_turns_away_staff_who_are_not_administrators(app, build):
    officer = build.staff("officer@businessdurham.example")
    client = app.test_client()
    log_in(client, officer.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    refused = {}
    for rule in _rules(app):
        if _access(app, rule.endpoint) != "admin":
            continue
        url = _sample_url(app, rule).replace("/1/", f"/{officer.id}/")
        for method in sorted(rule.methods & {"GET", "POST"}):
            refused[f"{method} {url}"] = client.open(
                url, method=method, headers={"X-CSRFToken": token}).status_code
    assert len(refused) >= 4
    assert set(refused.values()) == {403}, refused


def test_every_staff_page_turns_away_signed_in_people_who_are_not_staff(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    refused = {}
    for rule in _rules(app):
        if _access(app, rule.endpoint) not in {"staff", "admin"}:
            continue
        # The signatory's own id, so a page that looked it up would find it.
        url = _sample_url(app, rule).replace("/1/", f"/{organisation.id}/")
        for method in sorted(rule.methods & {"GET", "POST"}):
            refused[f"{method} {url}"] = client.open(
                url, method=method, headers={"X-CSRFToken": token}).status_code
    assert len(refused) >= 10
    assert set(refused.values()) == {403}, refused
CATALOGUE_ENDPOINTS = {
    "reporting_catalogue.index", "reporting_catalogue.measure", "reporting_catalogue.value",
    "reporting_catalogue.new_value", "reporting_catalogue.upload", "reporting_catalogue.preview",
    "reporting_catalogue.confirm", "reporting_catalogue.changes",
}


def test_the_measure_catalogue_is_for_administrators_only(app):
    catalogue = {rule.endpoint for rule in _rules(app)
                 if rule.endpoint.startswith("reporting_catalogue.")}
    assert catalogue == CATALOGUE_ENDPOINTS
    assert {_access(app, endpoint) for endpoint in catalogue} == {"admin"}
