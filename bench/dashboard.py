"""`make bench`, the signatory's dashboard: one signatory with two financial years of reports
(filed through the reporting services by the demo's report seeding), a member signed in through
POST /login with its CSRF token, and `/organisations/<id>/dashboard` under wrk beside /livez.

Until the dashboard exists the URL answers 404, and the bench says so and skips it.
"""

import http.client
import random
import re
import secrets
from datetime import UTC, datetime, time, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

EMAIL = "bench-member@example.org"
PASSWORD = secrets.token_urlsafe(16)
CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def prepare(app) -> tuple[str, int]:
    """Give the middle approved signatory two years of reports and a member to sign in as;
    the dashboard's path, and how many reports it has."""
    from sqlalchemy import func, select

    from charter_app.accounts.models import MemberRole, Membership, User
    from charter_app.accounts.services import hash_password
    from charter_app.demo import organisations, pledges, reports
    from charter_app.extensions import db
    from charter_app.organisations.models import ApplicationStatus, Organisation
    from charter_app.reporting.models import QuarterlyReport

    now = datetime.now(UTC)
    with app.app_context():
        approved = select(Organisation).where(Organisation.status == ApplicationStatus.APPROVED)
        total = db.session.scalar(select(func.count()).select_from(approved.subquery()))
        organisation = db.session.scalar(
            approved.order_by(Organisation.id).offset(total // 2).limit(1))
        # Signed early in the financial year before last, like most demo signatories.
        organisation.approved_at = datetime.combine(
            organisations.reporting_start(now).starts_on + timedelta(days=20), time(10), UTC)
        pledges.date_first_period(organisation)
        user = User(email=EMAIL, password_hash=hash_password(PASSWORD), email_confirmed_at=now)
        organisation.memberships.append(Membership(user=user, role=MemberRole.MEMBER))
        db.session.flush()
        reports.seed(random.Random(7), organisation, [], None, now)
        db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(QuarterlyReport).where(
            QuarterlyReport.organisation_id == organisation.id))
        path = f"/organisations/{organisation.id}/dashboard"
        db.session.remove()
    return path, count


def _request(base: str, method: str, path: str, cookies: SimpleCookie,
             form: dict | None = None) -> tuple[int, str]:
    """One request without following redirects, keeping the cookies it sets."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    headers = {"Cookie": cookie_header(cookies)} if cookies else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def cookie_header(cookies: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


def sign_in(base: str, email: str = EMAIL, password: str = PASSWORD) -> str:
    """Sign in over HTTP (as the bench member unless told), as a browser does; the Cookie
    header to send."""
    cookies = SimpleCookie()
    status, html = _request(base, "GET", "/login", cookies)
    match = CSRF_INPUT.search(html)
    if status != 200 or not match:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    status, _ = _request(base, "POST", "/login", cookies, form={
        "csrf_token": match.group(1), "email": email, "password": password})
    if status != 302:
        raise RuntimeError(f"signing in answered {status}, not a redirect")
    return cookie_header(cookies)


def status_of(base: str, path: str, cookie: str) -> int:
    cookies = SimpleCookie()
    cookies.load(cookie)
    return _request(base, "GET", path, cookies)[0]


def statements(app, path: str, email: str = EMAIL, password: str = PASSWORD) -> int | None:
    """SQL statements for one signed-in request (after a warm-up), counted in process; None
    when the page answers 404."""
    from sqlalchemy import event

    from charter_app.extensions import db

    client = app.test_client()
    html = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    # Secure cookies need https; over https Flask-WTF also wants a same-site Referer.
    response = client.post("/login", base_url="https://localhost", data={
        "csrf_token": CSRF_INPUT.search(html).group(1), "email": email, "password": password},
        headers={"Referer": "https://localhost/login"})
    assert response.status_code == 302, f"signing in answered {response.status_code}"
    if client.get(path, base_url="https://localhost").status_code == 404:
        return None
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path, base_url="https://localhost")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return len(seen)
