"""State changes made by many requests at once: each happens exactly once.

The requests go over real HTTP to the threaded live server, each on its own connection, so each
runs in its own thread with its own database connection, as under gunicorn.
"""

import http.client
import re
import threading
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import Organisation, StatusChange
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, link_path

CONCURRENT_REQUESTS = 50


class HttpSession:
    """A browser-like session against the live server: keeps the cookie, follows no redirects."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            headers = {**({"Cookie": self.cookie} if self.cookie else {}), **(headers or {})}
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            html = response.read().decode()
            cookie = response.getheader("Set-Cookie")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
            return response.status, response.getheader("Location"), html
        finally:
            connection.close()

    def sign_in(self, email: str) -> None:
        status, _location, html = self.request("GET", "/login")
        assert status == 200
        status, _location, _html = self.request(
            "POST", "/login",
            {"csrf_token": csrf_token_from(html), "email": email, "password": PASSWORD})
        assert status == 302, "sign-in failed"


def _all_at_once(send, count: int = CONCURRENT_REQUESTS) -> list[int]:
    """Call `send()` from `count` threads released together; the statuses they got."""
    start = threading.Barrier(count)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def worker():
        start.wait()
        try:
            statuses.append(send())
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


def _changes(organisation_id: int, to_status: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(StatusChange).where(
            StatusChange.organisation_id == organisation_id, StatusChange.to_status == to_status))


def _emails(template: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))


def test_fifty_approvals_at_once_approve_once_send_one_email_and_keep_the_slug(
        app, build, live_server, links_to_live_server, smtp):
    staff = build.staff()
    owner = build.user()
    organisation = build.organisation(owner, status="submitted", name="Brancepeth Bakery Ltd")
    session = HttpSession(live_server)
    session.sign_in(staff.email)
    page = f"/staff/applications/{organisation.id}"
    status, _location, html = session.request("GET", page)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html)}

    statuses = _all_at_once(lambda: session.request("POST", f"{page}/approve", form)[0])

    assert set(statuses) == {302}, statuses  # every request answered; none failed
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.status == "approved"
    assert _changes(organisation.id, "approved") == 1
    emails = _emails("application_approved")
    assert len(emails) == 1
    assert organisation.slug == "brancepeth-bakery-ltd"
    # The one email's link leads to the profile: the slug did not move after it was sent.
    [message] = smtp.wait_for(1, besides_badges=True)
    profile = link_path(smtp.links(message)[0])
    assert profile == "/signatories/brancepeth-bakery-ltd"
    assert session.request("GET", profile)[0] == 200


def test_a_second_approval_says_already_approved_and_changes_nothing(app, build, client):
    from tests.conftest import log_in, submit_form

    staff = build.staff()
    organisation = build.organisation(build.user(), status="submitted", name="Esh Ales Ltd")
    log_in(client, staff.email, PASSWORD)
    page = f"/staff/applications/{organisation.id}"
    assert submit_form(client, f"{page}/approve", {}, page=page).status_code == 302
    slug = db.session.scalar(select(Organisation.slug).where(Organisation.id == organisation.id))

    # Approving again, from a page opened before the first approval (the same token still works).
    response = submit_form(client, f"{page}/approve", {}, page=page, follow_redirects=True)
    assert response.status_code == 200
    assert "Esh Ales Ltd is already approved. Nothing has changed." in response.get_data(
        as_text=True)
    assert _changes(organisation.id, "approved") == 1
    assert len(_emails("application_approved")) == 1
    assert db.session.scalar(
        select(Organisation.slug).where(Organisation.id == organisation.id)) == slug


def test_fifty_submissions_at_once_submit_once_and_send_one_email(app, build, live_server):
    owner = build.user()
    organisation = build.organisation(owner, status="draft", name="Consett Cobblers Ltd")
    session = HttpSession(live_server)
    session.sign_in(owner.email)
    page = f"/organisations/{organisation.id}/submit"
    status, _location, html = session.request("GET", page)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html)}

    statuses = _all_at_once(lambda: session.request("POST", page, form)[0])

    assert set(statuses) == {302}, statuses
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).status == "submitted"
    assert _changes(organisation.id, "submitted") == 1
    assert len(_emails("application_submitted")) == 1


def test_a_second_submission_is_told_it_was_already_submitted(app, build, client):
    from tests.conftest import log_in

    owner = build.user()
    organisation = build.organisation(owner, status="draft")
    log_in(client, owner.email, PASSWORD)
    page = f"/organisations/{organisation.id}/submit"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    assert client.post(page, data={"csrf_token": token}).status_code == 302
    html = client.post(page, data={"csrf_token": token}, follow_redirects=True).get_data(
        as_text=True)
    assert re.search(r"already been submitted|cannot be changed now", html)
    assert _changes(organisation.id, "submitted") == 1
    assert len(_emails("application_submitted")) == 1


def test_ten_sign_ups_for_one_address_at_once_make_one_account_and_never_fail(
        app, live_server, monkeypatch):
    from charter_app.accounts.models import User
    from charter_app.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)  # ten sign-ups a second would meet the limit
    sessions, forms = [], []
    for _ in range(10):
        session = HttpSession(live_server)
        status, _location, html = session.request("GET", "/account/create")
        assert status == 200
        sessions.append(session)
        forms.append({"csrf_token": csrf_token_from(html), "email": "Same.Person@example.org",
                      "password": "a long and unusual password 7",
                      "password_confirm": "a long and unusual password 7"})
    pending = iter(zip(sessions, forms, strict=True))
    lock = threading.Lock()

    def send():
        with lock:
            session, form = next(pending)
        status, _location, html = session.request("POST", "/account/create", form)
        assert "Check your email" in html
        return status

    assert _all_at_once(send, count=10) == [200] * 10
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        templates = list(db.session.scalars(select(OutboxMessage.template)))
    assert templates.count("confirm_email") == 1
    assert templates.count("account_exists") == 9
