"""Shared fixtures: one app per session on a real, throwaway database built by the migrations,
rows cleaned after each test, a real SMTP server, builders for users and organisations."""

import os
import re
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import delete, event, select
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from charter_app import create_app
from charter_app.extensions import db, limiter
from tests.builders import Builders

KEEP_TABLES = {"measures", "proxy_values", "content_versions", "alembic_version"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pytest_addoption(parser):
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="Rewrite tests/snapshots/ from what the code renders now, instead of comparing.",
    )
    parser.addoption(
        "--db",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="Database to run on; postgres needs TEST_DATABASE_URL.",
    )


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


def _postgres_url(base: str, name: str) -> str:
    return make_url(base).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )


def _admin_dsn(base: str) -> str:
    url = make_url(base).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'charter-test.sqlite3'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.exit("--db postgres needs TEST_DATABASE_URL", returncode=2)
    name = f"charter_test_{secrets.token_hex(4)}"
    with psycopg.connect(_admin_dsn(base), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _postgres_url(base, name)
    with psycopg.connect(_admin_dsn(base), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class SeparateRequestClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Without this, a request made while a test holds an app context reuses it, so `g` (and the
    signed-in user Flask-Login caches there) would leak from one request, or client, to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url,
                     EVIDENCE_DIR=str(tmp_path_factory.mktemp("evidence")),
                     UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
                     PDF_CACHE_DIR=str(tmp_path_factory.mktemp("pdf-cache")))
    app.test_client_class = SeparateRequestClient
    with app.app_context():
        upgrade()
        app.config["CATALOGUE_AS_MIGRATED"] = _catalogue_rows()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


CATALOGUE_TABLES = ("measures", "proxy_values")


def _catalogue_rows() -> dict[str, list]:
    tables = db.metadata.tables
    return {name: [tuple(row) for row in db.session.execute(
        select(tables[name]).order_by(tables[name].c.id))] for name in CATALOGUE_TABLES}


def _restore_catalogue(as_migrated: dict[str, list]) -> None:
    """Put back the catalogue as the migrations loaded it, if a test changed it."""
    if _catalogue_rows() == as_migrated:
        return
    tables = db.metadata.tables
    for name in reversed(CATALOGUE_TABLES):
        db.session.execute(delete(tables[name]))
    for name in CATALOGUE_TABLES:
        columns = [column.name for column in tables[name].columns]
        rows = [dict(zip(columns, row, strict=True)) for row in as_migrated[name]]
        if rows:
            db.session.execute(tables[name].insert(), rows)


@pytest.fixture(autouse=True)
def _clean(request):
    """Each test starts from the migrated schema with only the measure catalogue in it."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                db.session.execute(delete(table))
        _restore_catalogue(app.config["CATALOGUE_AS_MIGRATED"])
        db.session.commit()
        db.session.remove()
        limiter.reset()


@pytest.fixture
def another_app(database_url, app):
    """Build a second app (other config) on the test database; its connections are closed after."""
    made = []

    def make(config_name: str = "testing", **overrides):
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", database_url)
        new_app = create_app(config_name, **overrides)
        made.append(new_app)
        return new_app

    yield make
    for new_app in made:
        with new_app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def build(app_ctx):
    """Builders for users and organisations; each call commits so the web sees the data."""
    return Builders()


CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@contextmanager
def counting_statements(app):
    """Every statement sent to the database while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def submit_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """GET the page (or `page`), take its CSRF token, POST the form as a browser would."""
    response = client.get(page or url)
    assert response.status_code == 200, f"GET {page or url} answered {response.status_code}"
    payload = {"csrf_token": csrf_token_from(response.get_data(as_text=True)), **data}
    return client.post(url, data=payload, **kwargs)


def log_in(client, email: str, password: str):
    response = submit_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, "sign-in failed"
    return response


class KeepingHandler:
    """aiosmtpd handler that keeps each message it accepts."""

    received: list

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(message)
        return "250 OK"


BADGE_EMAIL_SUBJECTS = ("You have earned", "Your badges")


def besides_badge_emails(messages) -> list:
    return [message for message in messages
            if not message["Subject"].startswith(BADGE_EMAIL_SUBJECTS)]


class SMTPInbox:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives.

    Web requests only queue email; the worker delivers it. Reading `messages` (or `wait_for`)
    first runs the outbox delivery once, as the worker would within seconds.
    """

    def __init__(self, app=None, handler=None):
        from aiosmtpd.controller import Controller

        self.app = app
        self.received = []
        self.port = free_port()
        # aiosmtpd inspects every member of its handler, so the handler is a separate object.
        self.handler = handler or KeepingHandler()
        self.handler.received = self.received
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def deliver_outbox(self) -> int:
        """Run the outbox delivery as the worker does: its own app context, its own commits."""
        if self.app is None:
            return 0
        return run_outbox_worker(self.app)

    @property
    def messages(self):
        self.deliver_outbox()
        return self.received

    def wait_for(self, count: int, timeout: float = 5.0, *, besides_badges: bool = False):
        """The messages received once there are `count`; with besides_badges, not counting or
        returning the badge emails that approvals, reports and renewals also cause
        (badges/hooks.py), for tests about the other emails."""
        self.deliver_outbox()
        kept = besides_badge_emails if besides_badges else list
        deadline = time.monotonic() + timeout
        while len(kept(self.received)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        received = kept(self.received)
        assert len(received) >= count, f"expected {count} emails, got {len(received)}"
        return received

    def to(self, address: str):
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def links(self, message) -> list[str]:
        return re.findall(r"https?://\S+", self.text(message))


def free_port() -> int:
    """A loopback port nothing listens on (until a test starts something there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_outbox_worker(app) -> int:
    """One pass of the worker that drains the outbox (what the scheduler runs every few seconds)."""
    from charter_app.notifications.tasks import deliver_outbox
    from charter_app.timeutil import utcnow

    with app.app_context():
        try:
            return deliver_outbox(utcnow())
        finally:
            db.session.remove()


@pytest.fixture
def smtp(app):
    inbox = SMTPInbox(app)
    inbox.controller.start()
    previous = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = inbox.port
    # Flask-Mail reads its settings once, at init: point its state at the test server too.
    app.extensions["mail"].port = inbox.port
    try:
        yield inbox
    finally:
        app.config["MAIL_PORT"] = previous
        app.extensions["mail"].port = previous
        inbox.controller.stop()


def link_path(link: str) -> str:
    """The path of an emailed link, to follow it with the test client (BASE_URL is not served)."""
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP on loopback, for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def links_to_live_server(app, live_server, monkeypatch):
    """Emailed and published links point at the live server, for this test only."""
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    return live_server


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
