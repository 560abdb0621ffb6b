"""The email outbox: nothing is sent for work that was rolled back, a web request never waits on
the mail server, a mail server that is down loses nothing, one bad message never blocks the
others, and `charter run-jobs` delivers what is due exactly once, even with workers racing."""

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest

from charter_app.accounts import services
from charter_app.accounts.emails import confirm_email
from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.notifications.delivery import deliver
from charter_app.notifications.models import EmailCategory, OutboxMessage, OutboxStatus
from charter_app.notifications.outbox import queue_email
from tests.builders import PASSWORD
from tests.conftest import (
    KeepingHandler,
    SMTPInbox,
    free_port,
    log_in,
    run_outbox_worker,
    submit_form,
)

ROOT = Path(__file__).resolve().parent.parent


def queue_confirmation(address: str, user_id: int = 1) -> OutboxMessage:
    return confirm_email(User(id=user_id, email=address), token="abc")


def register(client, email: str):
    return submit_form(client, "/account/create",
                       {"email": email, "password": PASSWORD, "password_confirm": PASSWORD})


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def run_jobs(app, now: datetime):
    result = app.test_cli_runner().invoke(args=["charter", "run-jobs", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("failure, status", [
    (RuntimeError("a bug later in the request"), 500),
    (BadRequest("a check later in the request refuses it"), 400),
])
def test_email_queued_by_a_request_that_fails_is_never_sent(app, client, smtp, app_ctx,
                                                             monkeypatch, failure, status):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    real_register = services.register_user

    def register_then_fail(email, password):
        real_register(email, password)  # writes the account and queues its confirmation
        raise failure

    monkeypatch.setattr(services, "register_user", register_then_fail)

    response = register(client, "ghost@example.org")
    assert response.status_code == status

    assert smtp.messages == []
    assert outbox() == []
    assert db.session.scalar(select(User).where(User.email == "ghost@example.org")) is None
    run_jobs(app, datetime.now(UTC) + timedelta(days=1))
    assert smtp.messages == []


def test_mail_server_down_keeps_the_email_queued_for_a_retry(app, client, smtp, app_ctx,
                                                            monkeypatch):
    monkeypatch.setattr(app.extensions["mail"], "port", free_port())
    before = datetime.now(UTC)

    response = register(client, "patient@example.org")

    # The person is not troubled by the mail server being down: the request only queued it.
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    [message] = outbox()
    assert message.recipient == "patient@example.org"
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 0

    assert run_outbox_worker(app) == 0
    [message] = outbox()
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at > before + timedelta(minutes=1)
    assert "ConnectionRefusedError" in message.last_error


def test_a_run_that_cannot_reach_the_mail_server_stops_and_sends_the_rest_later(
    app, smtp, app_ctx, monkeypatch
):
    mail_state = app.extensions["mail"]
    for number in range(3):
        queue_confirmation(f"reader{number}@example.org")
    db.session.commit()
    monkeypatch.setattr(mail_state, "port", free_port())
    now = datetime.now(UTC)
    run_jobs(app, now)
    db.session.expire_all()
    # One refused connection is enough: the others are not counted as failed attempts.
    assert [m.attempts for m in outbox()] == [1, 0, 0]

    monkeypatch.setattr(mail_state, "port", smtp.port)
    run_jobs(app, now + timedelta(minutes=3))
    assert sorted(m["To"] for m in smtp.wait_for(3)) == [
        "reader0@example.org", "reader1@example.org", "reader2@example.org"]


def test_run_jobs_delivers_a_retried_email_once_when_it_is_due(app, client, smtp, app_ctx,
                                                               monkeypatch):
    mail_state = app.extensions["mail"]
    monkeypatch.setattr(mail_state, "port", free_port())
    register(client, "patient@example.org")
    run_jobs(app, datetime.now(UTC))  # the mail server is down for this first attempt
    [queued] = outbox()
    retry_at = queued.next_attempt_at
    monkeypatch.setattr(mail_state, "port", smtp.port)  # the mail server is back

    assert "deliver_outbox: 0" in run_jobs(app, retry_at - timedelta(seconds=1))
    assert smtp.messages == []

    assert "deliver_outbox: 1" in run_jobs(app, retry_at)
    [delivered] = smtp.wait_for(1)
    assert delivered["To"] == "patient@example.org"
    assert delivered["Subject"] == "Confirm your email address"
    [message] = outbox()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2

    # Running the jobs again for the same time (or later) sends nothing new.
    assert "deliver_outbox: 0" in run_jobs(app, retry_at)
    assert "deliver_outbox: 0" in run_jobs(app, retry_at + timedelta(hours=1))
    assert len(smtp.messages) == 1


def test_an_email_that_keeps_failing_is_given_up_after_the_last_attempt(app, client, app_ctx,
                                                                       monkeypatch):
    monkeypatch.setattr(app.extensions["mail"], "port", free_port())
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    register(client, "unlucky@example.org")

    later = datetime.now(UTC)
    for _ in range(3):
        later += timedelta(days=1)
        run_jobs(app, later)

    [message] = outbox()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 3


def test_queueing_the_same_email_twice_keeps_one(app_ctx):
    def queue():
        return queue_email(template="email_changed", subject="Your email address has changed",
                           recipient="once@example.org", idempotency_key="email-changed:1:abc",
                           category=EmailCategory.TRANSACTIONAL, new_email="new@example.org")

    first = queue()
    second = queue()
    db.session.commit()

    assert second.id == first.id
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_delivered_email_has_a_plain_text_and_an_html_part(app_ctx, smtp, client):
    register(client, "reader@example.org")
    [message] = smtp.wait_for(1)

    assert "Confirm your email address" in smtp.text(message)
    assert "Confirm your email address" in (
        message.get_body(preferencelist=("html",)).get_content()
    )
    assert message["From"] == "County Durham Pound <charter@countydurhampound.example>"


def test_a_resent_email_keeps_its_message_id_so_mail_servers_can_drop_the_duplicate(
    app_ctx, smtp
):
    # As when a send went through but the worker died before recording it.
    message = queue_confirmation("twice@example.org")
    other = queue_confirmation("twice@example.org")
    db.session.commit()
    deliver([message])
    deliver([message])
    deliver([other])

    first, resent, different = smtp.wait_for(3)
    assert first["Message-ID"].strip() == resent["Message-ID"].strip()
    assert different["Message-ID"].strip() != first["Message-ID"].strip()
    assert first["Message-ID"].strip().endswith("@countydurhampound.example>")


class HangingMailServer:
    """A real socket that accepts connections and never answers, as a stuck mail server does."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                self.accepted.append(connection)

    def close(self):
        for connection in self.accepted:
            connection.close()
        self.listener.close()


@pytest.fixture
def hanging_mail_server(app, monkeypatch):
    server = HangingMailServer()
    monkeypatch.setattr(app.extensions["mail"], "port", server.port)
    yield server
    server.close()


def test_a_request_that_queues_email_never_waits_on_a_hanging_mail_server(
    app, client, app_ctx, hanging_mail_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 30)
    started = time.monotonic()
    response = register(client, "quick@example.org")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert elapsed < 10, f"the sign-up took {elapsed:.1f}s"
    assert hanging_mail_server.accepted == []  # the request never even connected
    [message] = outbox()
    assert (message.recipient, message.status, message.attempts) == (
        "quick@example.org", OutboxStatus.QUEUED, 0)


class RefusingHandler(KeepingHandler):
    """Refuses, for good, any recipient whose address starts with 'refused'."""

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_message_that_cannot_be_sent_is_failed_with_its_reason_and_the_rest_go_out(
    app, app_ctx, monkeypatch
):
    inbox = SMTPInbox(app, RefusingHandler())
    inbox.controller.start()
    monkeypatch.setattr(app.extensions["mail"], "port", inbox.port)
    try:
        # A row written with a header that cannot be sent (as before names were cleaned).
        db.session.add(OutboxMessage(
            idempotency_key="old:1", template="application_approved", recipient="a@example.org",
            subject="Acme\r\nBcc: everyone@example.org", body_text="x", body_html="<p>x</p>"))
        queue_confirmation("refused@example.org")
        queue_confirmation("after@example.org")
        db.session.commit()

        output = run_jobs(app, datetime.now(UTC))

        assert "deliver_outbox: 1" in output
        [delivered] = inbox.wait_for(1)
        assert delivered["To"] == "after@example.org"
        bad_header, refused, sent = outbox()
        assert bad_header.status == OutboxStatus.FAILED
        assert bad_header.last_error.startswith("BadHeaderError")
        assert refused.status == OutboxStatus.FAILED
        assert "550" in refused.last_error and "No such mailbox" in refused.last_error
        assert sent.status == OutboxStatus.SENT
        # Failed messages are not tried again.
        assert "deliver_outbox: 0" in run_jobs(app, datetime.now(UTC) + timedelta(days=1))
        assert len(inbox.received) == 1
    finally:
        inbox.controller.stop()


HOSTILE_NAME = ("Evil Ltd\r\nBcc: everyone@example.org\r\n\r\nSurprise " + "x" * 160)[:160]


def test_a_hostile_organisation_name_neither_breaks_approval_nor_blocks_the_queue(
    app, client, build, smtp
):
    staff = build.staff()
    owner = build.user("owner@hostile.example")
    organisation = build.organisation(owner, status="submitted", name=HOSTILE_NAME)
    log_in(client, staff.email, PASSWORD)
    page = f"/staff/applications/{organisation.id}"

    response = submit_form(client, f"{page}/approve", {}, page=page)

    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "approved"
    [approval] = smtp.wait_for(1, besides_badges=True)
    assert approval["To"] == "owner@hostile.example"
    assert approval["Bcc"] is None
    subject = approval["Subject"]
    assert "\r" not in subject and "\n" not in subject
    assert subject.startswith("Evil Ltd Bcc: everyone@example.org Surprise xxx")
    assert subject.endswith("... has signed the County Durham Pound Charter")
    assert len(subject) <= 200

    # A later email is not held up behind it.
    register(app.test_client(), "next@example.org")
    assert [m["To"] for m in smtp.wait_for(2, besides_badges=True)][1] == "next@example.org"


def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease_runs_out(
    app, smtp, app_ctx
):
    message = queue_confirmation("patient@example.org")
    now = datetime.now(UTC)
    # A worker claimed it, then died before sending or recording anything.
    message.claimed_until = now + timedelta(seconds=app.config["OUTBOX_CLAIM_SECONDS"])
    db.session.commit()

    assert "deliver_outbox: 0" in run_jobs(app, now + timedelta(seconds=30))
    assert smtp.received == []
    assert "deliver_outbox: 1" in run_jobs(
        app, now + timedelta(seconds=app.config["OUTBOX_CLAIM_SECONDS"] + 1))
    [delivered] = smtp.wait_for(1)
    assert delivered["To"] == "patient@example.org"
    [message] = outbox()
    assert (message.status, message.claimed_until) == (OutboxStatus.SENT, None)


def test_two_workers_at_once_deliver_every_message_exactly_once(
    app, app_ctx, smtp, database_url, tmp_path
):
    count = 40
    for number in range(count):
        queue_confirmation(f"reader{number:02d}@example.org")
    db.session.commit()
    environment = {
        **os.environ, "CHARTER_ENV": "development", "DATABASE_URL": database_url,
        "MAIL_PORT": str(smtp.port), "MAIL_CATCHER_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "charter", "run-jobs"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,  # noqa: S603
                         stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    smtp.wait_for(count)
    time.sleep(0.5)  # anything sent twice would have arrived by now
    assert sorted(m["To"] for m in smtp.received) == [
        f"reader{number:02d}@example.org" for number in range(count)]
    sent_by = [int(re.search(r"deliver_outbox: (\d+)", out).group(1)) for out in outputs]
    assert sum(sent_by) == count
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}


def test_mail_server_down_for_a_while_then_back_every_queued_email_arrives_exactly_once(
    app, app_ctx, monkeypatch
):
    # The real mail server's port, with nothing listening on it until it comes back.
    inbox = SMTPInbox(app)
    monkeypatch.setattr(app.extensions["mail"], "port", inbox.port)
    addresses = [f"reader{number}@example.org" for number in range(5)]
    for number, address in enumerate(addresses[:3]):
        queue_confirmation(address, user_id=number + 1)
    db.session.commit()

    now = datetime.now(UTC)
    for hours, address in enumerate([*addresses[3:], None]):
        # The scheduler runs every hour while the server is down; more email is queued.
        assert "deliver_outbox: 0" in run_jobs(app, now + timedelta(hours=hours))
        if address:
            queue_confirmation(address, user_id=4 + hours)
            db.session.commit()
    assert {m.status for m in outbox()} == {OutboxStatus.QUEUED}
    assert max(m.attempts for m in outbox()) >= 2  # it kept trying, waiting longer each time

    inbox.controller.start()  # the server is back
    try:
        back = now + timedelta(days=1)  # past every back-off
        assert "deliver_outbox: 5" in run_jobs(app, back)
        assert "deliver_outbox: 0" in run_jobs(app, back + timedelta(days=1))
        inbox.wait_for(5)
        time.sleep(0.3)  # anything sent twice would have arrived by now
        assert sorted(m["To"] for m in inbox.received) == addresses
        assert {m.status for m in outbox()} == {OutboxStatus.SENT}
    finally:
        inbox.controller.stop()
