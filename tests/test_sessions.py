"""Sessions and sign-in defences: sign-out ends a session on the server, sessions expire when
idle and when old, remember-me cookies are not honoured, a per-account sign-in throttle shared by
every worker, rate limits that a forged X-Forwarded-For cannot dodge, no-store on signed-in pages,
and error pages that render with the database down."""

from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie

from charter_app.accounts import services, sessions
from charter_app.timeutil import utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, free_port, log_in, submit_form

SERVICE_HEADER = '<span class="app-header__logotype">County Durham Pound</span>'
THROTTLED = "There have been too many attempts to sign in to this account."


def signed_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def copy_of_session(app, client):
    """Another browser holding a copy of `client`'s session cookie, as a thief would."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def sign_out(client):
    page = client.get("/account").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302


class Clock:
    """Moves the time the session and throttle code see, without sleeping."""

    def __init__(self, monkeypatch):
        self.offset = timedelta()
        now = lambda: utcnow() + self.offset  # noqa: E731
        monkeypatch.setattr(sessions, "utcnow", now)
        monkeypatch.setattr(services, "utcnow", now)

    def advance(self, **kwargs):
        self.offset += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


# Sign-out and expiry ---------------------------------------------------------------------------

def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app, client, build):
    build.user("person@example.org")
    log_in(client, "person@example.org", PASSWORD)
    thief = copy_of_session(app, client)
    assert signed_in(thief)

    sign_out(client)

    assert not signed_in(client)
    assert not signed_in(thief)
    # Signing in again starts a new session that works; the copied one stays dead.
    log_in(client, "person@example.org", PASSWORD)
    assert signed_in(client)
    assert not signed_in(thief)


def test_a_session_ends_after_three_idle_hours(app, client, build, clock):
    build.user("person@example.org")
    log_in(client, "person@example.org", PASSWORD)

    clock.advance(hours=2, minutes=50)
    assert signed_in(client)  # in use: the idle time starts again
    clock.advance(hours=2, minutes=50)
    assert signed_in(client)
    clock.advance(hours=3, minutes=1)

    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "You were signed out because your session ended." in client.get(
        "/login").get_data(as_text=True)
    assert not signed_in(client)


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(app, client, build, clock):
    build.user("person@example.org")
    log_in(client, "person@example.org", PASSWORD)
    thief = copy_of_session(app, client)

    for _ in range(5):
        clock.advance(hours=2, minutes=20)
        assert signed_in(client)
    clock.advance(hours=1)  # 12h40m after sign-in, 1 hour after the last request

    assert not signed_in(client)
    assert not signed_in(thief)


def test_a_remember_me_cookie_does_not_sign_anyone_in(app, build):
    user = build.user("person@example.org")
    browser = app.test_client()
    with app.test_request_context():
        browser.set_cookie("remember_token", encode_cookie(user.get_id()))

    assert not signed_in(browser)


# Per-account sign-in throttle -------------------------------------------------------------------

def _attempt(app, email: str, password: str, address: str):
    return submit_form(app.test_client(), "/login", {"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_an_account_attacked_from_many_addresses_is_throttled_then_released(
    app, build, clock
):
    build.user("target@example.org")
    build.user("bystander@example.org")

    for n in range(10):
        assert _attempt(app, "Target@example.org", f"guess {n}", f"198.51.100.{n}"
                        ).status_code == 200
    # Even the right password from a new address waits: otherwise guessing would go on.
    response = _attempt(app, "target@example.org", PASSWORD, "203.0.113.50")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert THROTTLED in html and "Wait 15 minutes, then try again, or reset your password" in html
    assert SERVICE_HEADER in html
    # Other accounts are not held back.
    assert _attempt(app, "bystander@example.org", PASSWORD, "198.51.100.1").status_code == 302

    clock.advance(minutes=15, seconds=1)
    assert _attempt(app, "target@example.org", PASSWORD, "203.0.113.50").status_code == 302


def test_the_throttle_looks_the_same_for_an_address_with_no_account(app, build):
    for n in range(10):
        _attempt(app, "nobody@example.org", f"guess {n}", f"198.51.100.{n}")
    response = _attempt(app, "nobody@example.org", "guess 11", "203.0.113.50")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)


def test_a_password_reset_lets_the_owner_back_in_at_once(app, build, smtp):
    build.user("target@example.org")
    for n in range(10):
        _attempt(app, "target@example.org", f"guess {n}", f"198.51.100.{n}")

    submit_form(app.test_client(), "/account/reset", {"email": "target@example.org"})
    [message] = smtp.wait_for(1)
    link = smtp.links(message)[0].replace("http://localhost", "")
    new_password = "a new passphrase for the owner"
    submit_form(app.test_client(), link,
                {"password": new_password, "password_confirm": new_password})

    assert _attempt(app, "target@example.org", new_password, "203.0.113.50").status_code == 302


# Addresses behind proxies -----------------------------------------------------------------------

def _login_attempts(client, forwarded_for):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return [
        client.post("/login", data={"csrf_token": token, "email": f"someone{n}@example.org",
                                    "password": "a wrong password"},
                    headers={"X-Forwarded-For": forwarded_for(n)}).status_code
        for n in range(11)
    ]


def test_a_forged_x_forwarded_for_does_not_escape_the_rate_limit(client):
    assert app_trusts_no_proxy(client.application)
    codes = _login_attempts(client, lambda n: f"10.0.0.{n}")
    assert codes == [200] * 10 + [429]


def app_trusts_no_proxy(app) -> bool:
    return app.config["TRUSTED_PROXY_COUNT"] == 0


def test_behind_one_trusted_proxy_the_address_it_saw_is_counted(another_app):
    app = another_app(TRUSTED_PROXY_COUNT=1)
    client = app.test_client()
    # The client forges the first value; our proxy appends the address it really saw.
    codes = _login_attempts(client, lambda n: f"10.0.0.{n}, 203.0.113.9")
    assert codes == [200] * 10 + [429]

    other = app.test_client()
    assert _login_attempts(other, lambda n: "203.0.113.10")[0] == 200


# Caching ---------------------------------------------------------------------------------------

def test_signed_in_and_staff_pages_are_never_stored(app, client, build):
    assert "no-store" not in client.get("/directory").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")

    staff = build.staff()
    log_in(client, staff.email, PASSWORD)
    for page in ("/staff/", "/account", "/directory", "/"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.headers["Cache-Control"] == "no-store", page


# The database down -----------------------------------------------------------------------------

def test_error_pages_render_in_the_service_design_with_the_database_down(
    app, client, build, another_app
):
    build.user("person@example.org")
    log_in(client, "person@example.org", PASSWORD)
    dead = another_app(SQLALCHEMY_DATABASE_URI=(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone?connect_timeout=2"))
    browser = dead.test_client()
    browser.set_cookie("session", client.get_cookie("session").value)

    for page in ("/account", "/staff/", "/"):
        response = browser.get(page)
        assert response.status_code == 503, page
        html = response.get_data(as_text=True)
        assert "Sorry, the service is unavailable" in html
        assert SERVICE_HEADER in html
        assert "Content-Security-Policy" in response.headers
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_render_when_the_sqlite_file_cannot_be_opened(
    app, client, build, another_app, tmp_path
):
    build.user("person@example.org")
    log_in(client, "person@example.org", PASSWORD)
    dead = another_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    browser = dead.test_client()
    browser.set_cookie("session", client.get_cookie("session").value)

    response = browser.get("/account")
    assert response.status_code == 503
    assert SERVICE_HEADER in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers
