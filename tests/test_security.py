"""Security: CSRF, rate limits, headers and cookies, secrets in production, who may reach what,
and error pages that stay in the service's design without leaking internals."""

import base64
import hashlib
import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest

from charter_app import create_app
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus, Organisation
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form

SERVICE_HEADER = '<span class="app-header__logotype">County Durham Pound</span>'


def page_token(client, page: str = "/") -> str:
    """The CSRF token every page carries in its htmx headers."""
    match = re.search(r'"X-CSRFToken": "([^"]+)"', client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def login_redirect_target(response) -> str:
    """The `next` page of a redirect to the sign-in page (fails if it is not one)."""
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    return parse_qs(location.query)["next"][0]


# CSRF ------------------------------------------------------------------------------------------

def test_sign_in_without_a_csrf_token_is_refused(client, build):
    build.user("person@example.org")

    response = client.post("/login", data={"email": "person@example.org", "password": PASSWORD})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Your form had expired or was sent from another site." in html
    assert SERVICE_HEADER in html
    assert not is_signed_in(client)


def test_sign_in_with_a_wrong_or_borrowed_csrf_token_is_refused(app, client, build):
    build.user("person@example.org")
    client.get("/login")
    other_browser = app.test_client()
    borrowed = csrf_token_from(other_browser.get("/login").get_data(as_text=True))

    for token in ("not-a-token", borrowed):
        response = client.post("/login", data={"csrf_token": token,
                                               "email": "person@example.org",
                                               "password": PASSWORD})
        assert response.status_code == 400
    assert not is_signed_in(client)


def test_htmx_request_with_the_token_in_its_header_is_accepted(client, build):
    build.user("person@example.org")
    log_in(client, "person@example.org", PASSWORD)

    assert client.post("/logout").status_code == 400
    assert is_signed_in(client)

    response = client.post("/logout", headers={"X-CSRFToken": page_token(client, "/account"),
                                               "HX-Request": "true"})
    assert response.status_code == 302
    assert not is_signed_in(client)


# Rate limits -----------------------------------------------------------------------------------

def _assert_too_many(response):
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "<title>Too many attempts – County Durham Pound Charter</title>" in html
    assert SERVICE_HEADER in html
    assert "Wait a minute, then try again." in html
    assert int(response.headers["Retry-After"]) > 0


def test_eleventh_sign_in_attempt_in_a_minute_is_refused(app, client, build):
    build.user("person@example.org")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    attempt = {"csrf_token": token, "email": "person@example.org", "password": "guess number n"}

    # Different accounts each time: this limit is per address (the per-account one is tested in
    # test_sessions.py).
    for n in range(10):
        response = client.post("/login", data={**attempt, "email": f"someone{n}@example.org"})
        assert response.status_code == 200
    _assert_too_many(client.post("/login", data=attempt))
    # Even the right password waits: the limit is on attempts, not on failures.
    _assert_too_many(client.post("/login", data={**attempt, "password": PASSWORD}))

    elsewhere = app.test_client()
    response = submit_form(elsewhere, "/login", {"email": "person@example.org",
                                                 "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302


@pytest.mark.parametrize("url, form", [
    ("/account/create", {"email": "x@example.org", "password": "short", "password_confirm": "x"}),
    ("/account/reset", {"email": "nobody@example.org"}),
])
def test_sixth_signup_or_reset_in_a_minute_is_refused(app, client, url, form):
    token = csrf_token_from(client.get(url).get_data(as_text=True))

    for _ in range(5):
        assert client.post(url, data={"csrf_token": token, **form}).status_code == 200
    _assert_too_many(client.post(url, data={"csrf_token": token, **form}))
    # Reading the page is not limited, and another address is not held back.
    assert client.get(url).status_code == 200
    response = submit_form(app.test_client(), url, form,
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 200


# Headers and cookies ---------------------------------------------------------------------------

def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_pages_carry_a_strict_content_security_policy_that_allows_only_their_own_script(
    client,
):
    response = client.get("/login")
    csp = _csp(response)
    html = response.get_data(as_text=True)

    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in csp.get(directive, [])
        assert "'unsafe-eval'" not in csp.get(directive, [])
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    allowed_hashes = {v[len("'sha256-"):-1] for v in csp["script-src"] if v.startswith("'sha256-")}

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    inline = [(attributes, body) for attributes, body in scripts if body.strip()]
    assert inline, "expected the page's inline script"
    for attributes, body in inline:
        # The browser runs an inline script only if its exact text hashes to an allowed value.
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert digest in allowed_hashes
        assert "src=" not in attributes
    assert 'style="' not in html


def test_pages_forbid_sniffing_and_framing(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def _session_cookie(response) -> SimpleCookie:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    cookie = SimpleCookie()
    cookie.load(header)
    return cookie["session"]


def test_session_cookie_is_http_only_and_same_site_lax(client):
    cookie = _session_cookie(client.get("/login"))
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_session_cookie_is_secure_and_sent_only_over_https(
    monkeypatch, another_app
):
    monkeypatch.setenv("SECRET_KEY", "a-production-like-secret-for-this-test")
    production = another_app("production", SECRET_KEY="a-production-like-secret-for-this-test")

    response = production.test_client().get("/login", base_url="https://charter.example")
    cookie = _session_cookie(response)
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# Authorisation ---------------------------------------------------------------------------------

def test_signatories_cannot_reach_the_staff_pages(client, build):
    owner = build.user("owner@example.org")
    organisation_id = build.organisation(owner, status=ApplicationStatus.SUBMITTED).id
    log_in(client, "owner@example.org", PASSWORD)

    for url in ("/staff/", f"/staff/applications/{organisation_id}",
                f"/staff/applications/{organisation_id}/reject"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You do not have permission to see this page" in response.get_data(as_text=True)
    response = client.post(f"/staff/applications/{organisation_id}/approve",
                           headers={"X-CSRFToken": page_token(client, "/account")})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Organisation, organisation_id).status == ApplicationStatus.SUBMITTED


def test_anonymous_visitors_are_sent_to_sign_in(client, build):
    organisation_id = build.organisation(status=ApplicationStatus.SUBMITTED).id

    for url in ("/staff/", f"/staff/applications/{organisation_id}", "/account", "/apply",
                f"/organisations/{organisation_id}/application"):
        assert login_redirect_target(client.get(url)) == url


def _other_organisations_pages(organisation_id: int) -> list[str]:
    return [f"/organisations/{organisation_id}/{page}"
            for page in ("application", "details", "pledges", "commitments", "signatory",
                         "submit")]


def test_a_member_of_one_organisation_cannot_see_another(client, build):
    build.organisation(build.user("a@example.org"), name="Alpha Ltd")
    other_id = build.organisation(build.user("b@example.org"), name="Beta Ltd").id
    log_in(client, "a@example.org", PASSWORD)

    for url in _other_organisations_pages(other_id):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Beta Ltd" not in response.get_data(as_text=True)


def test_a_member_of_one_organisation_cannot_change_another(app, client, build):
    build.organisation(build.user("a@example.org"), name="Alpha Ltd")
    other = build.organisation(build.user("b@example.org"), name="Beta Ltd",
                               pledges={"CDP-JOB-03": "52"})
    other_id = other.id
    changed_details = {
        "name": "Taken Over Ltd", "legal_form": "limited_company", "size_band": "micro",
        "company_number": "12345678", "address_line_1": "2 Elvet Bridge", "town": "Durham",
        "postcode": "DH1 3AF", "description": "Changed by somebody else.",
    }
    changed_pledges = {"target_CDP_JOB_03": "1"}
    log_in(client, "a@example.org", PASSWORD)
    token = page_token(client, "/account")

    for page, form in (("details", changed_details), ("pledges", changed_pledges)):
        response = client.post(f"/organisations/{other_id}/{page}",
                               data={"csrf_token": token, **form})
        assert response.status_code == 404

    db.session.expire_all()
    organisation = db.session.get(Organisation, other_id)
    assert organisation.name == "Beta Ltd"
    assert [str(p.target) for p in organisation.pledges] == ["52.00"]

    # The same forms from Beta's own owner do change it: the refusal above was the access check.
    owner = app.test_client()
    log_in(owner, "b@example.org", PASSWORD)
    for page, form in (("details", changed_details), ("pledges", changed_pledges)):
        response = submit_form(owner, f"/organisations/{other_id}/{page}", form)
        assert response.status_code == 302, page
    db.session.expire_all()
    organisation = db.session.get(Organisation, other_id)
    assert organisation.name == "Taken Over Ltd"
    assert [str(p.target) for p in organisation.pledges] == ["1.00"]


# Error pages -----------------------------------------------------------------------------------

def test_page_not_found_is_in_the_service_design(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<title>Page not found – County Durham Pound Charter</title>" in html
    assert SERVICE_HEADER in html
    assert html.count("<h1") == 1
    assert 'id="main-content"' in html


def test_a_crash_shows_a_friendly_page_without_internals(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("charter_app.pages.views.measures_by_theme", broken)

    response = client.get("/charter")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "<title>Sorry, there is a problem with the service – County Durham Pound Charter" in html
    assert SERVICE_HEADER in html
    assert html.count("<h1") == 1
    assert "secret internal detail" not in html
    assert "Traceback" not in html

