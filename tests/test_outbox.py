"""The email outbox: nothing is sent for work that was rolled back, a mail server that is down
loses nothing, `charter run-jobs` delivers what is due exactly once, and emails render well."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest

from charter_app.accounts import services
from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.notifications.outbox import deliver, queue_email, render_email
from tests.builders import PASSWORD
from tests.conftest import free_port, submit_form

LINK = "http://localhost/account/confirm/eyJ1c2VyIjoxfQ.aBcDeF.sig-nature_123"


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

    # The person is not troubled by the mail server being down.
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    [message] = outbox()
    assert message.recipient == "patient@example.org"
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at > before + timedelta(minutes=1)
    assert "ConnectionRefusedError" in message.last_error


def test_a_run_that_cannot_reach_the_mail_server_stops_and_sends_the_rest_later(
    app, smtp, app_ctx, monkeypatch
):
    mail_state = app.extensions["mail"]
    for number in range(3):
        queue_email("confirm_email", f"reader{number}@example.org", f"batch:{number}",
                    confirm_url=LINK)
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
    first = queue_email("confirm_email", "once@example.org", "confirm-email:1:abc",
                        confirm_url=LINK)
    second = queue_email("confirm_email", "once@example.org", "confirm-email:1:abc",
                         confirm_url=LINK)
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
    message = queue_email("confirm_email", "twice@example.org", "confirm-email:9:abc",
                          confirm_url=LINK)
    other = queue_email("confirm_email", "twice@example.org", "confirm-email:9:def",
                        confirm_url=LINK)
    db.session.commit()
    deliver([message])
    deliver([message])
    deliver([other])

    first, resent, different = smtp.wait_for(3)
    assert first["Message-ID"].strip() == resent["Message-ID"].strip()
    assert different["Message-ID"].strip() != first["Message-ID"].strip()
    assert first["Message-ID"].strip().endswith("@countydurhampound.example>")


def test_confirmation_email_renders_subject_text_and_html_with_the_link(app_ctx):
    subject, text, html = render_email("confirm_email", confirm_url=LINK)

    assert subject == "Confirm your email address"
    lines = text.splitlines()
    assert lines[0] == ("Confirm your email address for the County Durham Pound Charter by "
                        "following this link:")
    assert LINK in lines  # on a line of its own, so mail programs make it clickable
    assert "The link works for 3 days. If you did not create an account, ignore this email." in (
        lines
    )
    assert not text.startswith("Subject:")

    assert f'<a href="{LINK}">Confirm your email address</a>' in html
    assert "<title>Confirm your email address</title>" in html
    assert "County Durham Pound Charter</div>" in html


@pytest.mark.parametrize("template, values", [
    ("confirm_email", {"confirm_url": LINK}),
    ("account_exists", {"login_url": LINK, "reset_url": LINK}),
    ("reset_password", {"reset_url": LINK, "minutes": 60}),
    ("change_email", {"confirm_url": LINK}),
    ("email_changed", {"new_email": "new@example.org"}),
    ("invitation", {"organisation_name": "Org", "inviter": "a@example.org", "role": "member",
                    "accept_url": LINK, "days": 14}),
])
def test_every_account_email_has_a_subject_and_both_bodies(app_ctx, template, values):
    subject, text, html = render_email(template, **values)
    assert subject
    assert text.strip()
    assert f"<title>{subject}</title>" in html
    for value in values.values():
        if isinstance(value, str) and value.startswith("http"):
            assert value in text
            assert f'href="{value}"' in html


def test_names_in_emails_are_escaped_in_html_and_kept_as_typed_in_text(app_ctx):
    subject, text, html = render_email(
        "invitation", organisation_name="Smith & <Sons>", inviter="a@example.org",
        role="owner", accept_url=LINK, days=14,
    )

    assert subject == "Join Smith & <Sons> on the County Durham Pound Charter"
    assert "join Smith & <Sons> on the County Durham Pound Charter as an owner" in text
    assert "Smith &amp; &lt;Sons&gt;" in html
    assert "<Sons>" not in html
