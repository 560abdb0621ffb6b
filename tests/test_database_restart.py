"""PostgreSQL restarting under the app: a request waits for the database instead of failing, and
one whose connection is lost mid-way is replayed once, body and all, so nobody sees a 5xx unless
the database stays away (then the busy page). The tests run a PostgreSQL server of their own
(tests/throwaway_postgres.py), which they stop, start and make end sessions."""

import hashlib
import io
import logging
import threading
import time
import urllib.parse

import pytest
from flask import Blueprint, jsonify, request
from flask_migrate import upgrade
from sqlalchemy import event, func, select, text

from charter_app import create_app
from charter_app.accounts.models import User
from charter_app.database_retry import REPLAY_HEADER
from charter_app.extensions import csrf, db, limiter
from charter_app.notifications.models import OutboxMessage
from tests.conftest import csrf_token_from, free_port
from tests.throwaway_postgres import ThrowawayPostgres, unavailable_reason

WAIT_SECONDS = 10
DOWN_SECONDS = 1.0


class Probe:
    """Views that end their own database session on the attempts a test names, and what each
    attempt received."""

    def __init__(self):
        self.server: ThrowawayPostgres | None = None
        self.reset()

    def reset(self) -> None:
        self.calls: list[dict] = []
        self.end_session_on: set[int] = set()
        self.restart_on: set[int] = set()
        self.threads: list[threading.Thread] = []

    def restart_in_background(self) -> None:
        """Stop the server now (ending every session) and start it again a moment later."""
        self.server.stop()

        def start_later():
            time.sleep(DOWN_SECONDS)
            self.server.start()

        thread = threading.Thread(target=start_later)
        thread.start()
        self.threads.append(thread)

    def blueprint(self) -> Blueprint:
        bp = Blueprint("restart_probe", __name__)
        csrf.exempt(bp)

        @bp.route("/probe/echo", methods=["GET", "POST"])
        def echo():
            upload = request.files.get("file")
            seen = {"form": request.form.to_dict(),
                    "file": hashlib.sha256(upload.read()).hexdigest() if upload else None}
            self.calls.append(seen)
            attempt = len(self.calls)
            backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
            if attempt in self.end_session_on:
                self.server.end_session(backend, database="charter")
            if attempt in self.restart_on:
                self.restart_in_background()
            db.session.execute(text("SELECT 1"))
            return jsonify(seen)

        @bp.route("/probe/conflict")
        def conflict():
            self.calls.append({})
            db.session.execute(text("CREATE TEMP TABLE probe_keys (k int PRIMARY KEY) "
                                    "ON COMMIT DROP"))
            for _ in range(2):
                db.session.execute(text("INSERT INTO probe_keys VALUES (1)"))
            return "saved twice"

        @bp.route("/probe/timeout")
        def timeout():
            self.calls.append({})
            db.session.execute(text("SET LOCAL statement_timeout = '50ms'"))
            db.session.execute(text("SELECT pg_sleep(2)"))
            return "slept"

        return bp


PROBE = Probe()


@pytest.fixture(scope="module")
def server(request):
    if request.config.getoption("--db") != "postgres":
        pytest.skip("restarts are a PostgreSQL matter: these run with --db postgres, on a "
                    "throwaway server of their own")
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = ThrowawayPostgres(free_port())
    try:
        server.start()
        server.create_database("charter")
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def restart_app(server, tmp_path_factory):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=server.url("charter"),
                     DATABASE_WAIT_SECONDS=WAIT_SECONDS,
                     EVIDENCE_DIR=str(tmp_path_factory.mktemp("evidence")),
                     UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
                     PDF_CACHE_DIR=str(tmp_path_factory.mktemp("pdf-cache")))
    PROBE.server = server
    app.register_blueprint(PROBE.blueprint())
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    limiter.reset()


@pytest.fixture
def probe(restart_app, server):
    PROBE.reset()
    yield PROBE
    for thread in PROBE.threads:
        thread.join(timeout=30)
    PROBE.reset()


def _warnings(caplog, text: str) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.levelno == logging.WARNING and text in record.getMessage()]


def test_a_request_made_while_the_database_is_down_waits_for_it(restart_app, server, caplog):
    client = restart_app.test_client()
    assert client.get("/directory").status_code == 200  # the pool now holds a connection
    server.stop()
    starter = threading.Timer(DOWN_SECONDS, server.start)
    starter.start()
    started = time.monotonic()
    try:
        response = client.get("/directory")
    finally:
        starter.join()
    assert response.status_code == 200
    assert time.monotonic() - started >= DOWN_SECONDS
    assert len(_warnings(caplog, "The database is not answering")) == 1


def test_a_request_caught_by_a_restart_is_replayed_once_the_database_is_back(restart_app, probe,
                                                                             caplog):
    probe.restart_on = {1}
    response = restart_app.test_client().post("/probe/echo", data={"note": "mid-restart"})
    assert response.status_code == 200
    assert response.json == {"form": {"note": "mid-restart"}, "file": None}
    assert len(probe.calls) == 2
    assert len(_warnings(caplog, "replaying the request")) == 1
    assert len(_warnings(caplog, "The database is not answering")) == 1


def test_a_post_whose_session_is_ended_is_replayed_with_its_body_intact(restart_app, probe):
    probe.end_session_on = {1}
    upload = bytes(range(256)) * 400
    response = restart_app.test_client().post(
        "/probe/echo", data={"note": "Café, £12.50 — ok", "file": (io.BytesIO(upload), "a.bin")})
    assert response.status_code == 200
    assert REPLAY_HEADER not in response.headers
    assert len(probe.calls) == 2
    first, replay = probe.calls
    assert replay == first == {"form": {"note": "Café, £12.50 — ok"},
                               "file": hashlib.sha256(upload).hexdigest()}


def test_a_sign_up_whose_commit_loses_the_connection_is_saved_once(restart_app, server):
    client = restart_app.test_client()
    page = client.get("/account/create")
    with restart_app.app_context():
        engine = db.engine
    ended = []

    def end_session_before_the_first_commit(connection):
        if not ended:
            ended.append(connection.connection.dbapi_connection.info.backend_pid)
            server.end_session(ended[0], database="charter")

    event.listen(engine, "commit", end_session_before_the_first_commit)
    try:
        response = client.post("/account/create", data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "email": "replayed@example.org", "password": "a replayed sign-up 4821",
            "password_confirm": "a replayed sign-up 4821"})
    finally:
        event.remove(engine, "commit", end_session_before_the_first_commit)
    assert ended, "the commit was never reached"
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    with restart_app.app_context():
        accounts = db.session.scalar(
            select(func.count(User.id)).where(User.email == "replayed@example.org"))
        emails = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.recipient == "replayed@example.org"))
        db.session.remove()
    assert (accounts, emails) == (1, 1)


def test_a_second_lost_connection_gets_the_busy_page(restart_app, probe):
    probe.end_session_on = {1, 2, 3}
    response = restart_app.test_client().post("/probe/echo", data={"note": "twice unlucky"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert REPLAY_HEADER not in response.headers
    page = response.get_data(as_text=True)
    assert "The service is busy for a moment" in page
    assert "Traceback" not in page
    assert len(probe.calls) == 2  # replayed once, never more


def test_a_conflict_or_a_timeout_is_answered_as_before_without_a_replay(restart_app, probe):
    client = restart_app.test_client()
    assert client.get("/probe/conflict").status_code == 409
    assert client.get("/probe/timeout").status_code == 503
    assert len(probe.calls) == 2  # one each


def test_a_body_over_the_limit_is_still_refused(restart_app, probe):
    too_big = b"x" * (restart_app.config["MAX_CONTENT_LENGTH"] + 1)
    response = restart_app.test_client().post("/probe/echo", data=too_big,
                                              content_type="application/octet-stream")
    assert response.status_code == 413
    assert probe.calls == []


def test_a_streamed_body_of_no_stated_length_is_replayed_intact(restart_app, probe):
    # As gunicorn passes a chunked upload on: no Content-Length, a stream that ends by itself.
    probe.end_session_on = {1}
    body = urllib.parse.urlencode({"note": "sent in chunks", "more": "ü" * 3000}).encode()
    response = restart_app.test_client().post(
        "/probe/echo", input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 200
    assert len(probe.calls) == 2
    assert probe.calls[1]["form"] == probe.calls[0]["form"] == {"note": "sent in chunks",
                                                                "more": "ü" * 3000}
