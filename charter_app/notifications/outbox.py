"""The email outbox: queue inside the transaction that causes the email, deliver after commit.

`queue_email` only adds a row; nothing leaves the building until the request (or job) commits.
`deliver_due` sends what is due with Flask-Mail and backs off on failure, so a mail server that is
down loses nothing: `charter run-jobs` or the scheduler picks the messages up again.
"""

import contextlib
import hashlib
import logging
import smtplib
from datetime import datetime, timedelta

from flask import current_app, g, render_template
from flask_mail import Connection, Message
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.timeutil import utcnow

log = logging.getLogger(__name__)


def render_email(template: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) from email_templates/<template>.txt and .html.

    The plain-text template's first line is 'Subject: ...'.
    """
    context.setdefault("base_url", current_app.config["BASE_URL"].rstrip("/"))
    text = render_template(f"email/{template}.txt", **context)
    first_line, _, body = text.partition("\n")
    if not first_line.startswith("Subject: "):
        raise ValueError(f"email_templates/{template}.txt must start with 'Subject: '")
    subject = first_line.removeprefix("Subject: ").strip()
    html = render_template(f"email/{template}.html", subject=subject, **context)
    return subject, body.lstrip("\n"), html


def queue_email(template: str, recipient: str, idempotency_key: str, **context) -> OutboxMessage:
    """Write an email to the outbox. A key already queued returns the existing message."""
    existing = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    subject, text, html = render_email(template, **context)
    message = OutboxMessage(
        idempotency_key=idempotency_key,
        template=template,
        recipient=recipient,
        subject=subject,
        body_text=text,
        body_html=html,
    )
    db.session.add(message)
    db.session.flush()
    g.setdefault("queued_outbox_ids", []).append(message.id)
    return message


class _TimedConnection(Connection):
    """Flask-Mail's SMTP connection with a timeout, so a mail server that does not answer cannot
    hold a web request or the scheduler for minutes (Flask-Mail sets none)."""

    def configure_host(self) -> smtplib.SMTP:
        settings = self.mail
        timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
        smtp_class = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
        host = smtp_class(settings.server, settings.port, timeout=timeout)
        if settings.use_tls:
            host.starttls()
        if settings.username and settings.password:
            host.login(settings.username, settings.password)
        return host


def _mail_message(message: OutboxMessage) -> Message:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
    )
    # A stable Message-ID lets mail servers drop a duplicate if a retry races a slow send
    # (make_msgid would add the time and a random number, so each attempt would differ).
    key = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:16]
    mail_message.msgId = f"<outbox-{message.id}.{key}@countydurhampound.example>"
    return mail_message


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 12 * 60))


def _record_failure(message: OutboxMessage, error: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        log.error("gave up on outbox message %s: %s", message.id, error)
    else:
        message.next_attempt_at = now + _retry_delay(message.attempts)
        log.warning("outbox message %s not sent, will retry: %s", message.id, error)


class _Sender:
    """One SMTP connection for a run of messages, opened when first needed.

    Each outcome is recorded and committed straight after its send, so a crash never resends
    what went out. If the mail server cannot be reached at all, the run stops: the rest wait.
    """

    def __init__(self):
        self.connection: _TimedConnection | None = None
        self.unreachable = False

    def send(self, message: OutboxMessage, now: datetime) -> bool:
        try:
            if self.connection is None:
                self.connection = _TimedConnection(current_app.extensions["mail"]).__enter__()
            self.connection.send(_mail_message(message))
        except (OSError, smtplib.SMTPException) as error:
            self.unreachable = self.connection is None
            self.close()  # a later message starts afresh on a new connection
            _record_failure(message, error, now)
            db.session.commit()
            return False
        message.attempts += 1
        message.status = OutboxStatus.SENT
        message.sent_at = now
        db.session.commit()
        return True

    def close(self) -> None:
        if self.connection is not None and self.connection.host is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.host.quit()
        self.connection = None


def deliver(messages: list[OutboxMessage], now: datetime | None = None) -> int:
    """Send these messages, whatever their state. Returns how many went out."""
    sender, sent = _Sender(), 0
    try:
        for message in messages:
            if sender.unreachable:
                break
            sent += sender.send(message, now or utcnow())
    finally:
        sender.close()
    return sent


def _deliver_queued(message_ids: list[int], now: datetime) -> int:
    """Claim each message that is still queued and due, one at a time, and send it.

    On PostgreSQL the claim is a row lock that skips rows another worker holds, kept until the
    commit that records the outcome, so two workers never send the same message.
    """
    sender, sent = _Sender(), 0
    try:
        for message_id in message_ids:
            if sender.unreachable:
                break
            claim = select(OutboxMessage).where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.next_attempt_at <= now,
            )
            if db.session.get_bind().dialect.name == "postgresql":
                claim = claim.with_for_update(skip_locked=True)
            message = db.session.scalar(claim)
            if message is None:  # sent already, or another worker has it
                db.session.commit()
                continue
            sent += sender.send(message, now)
    finally:
        sender.close()
    return sent


def deliver_due(now: datetime | None = None) -> int:
    """Send every queued message that is due. Returns how many were sent."""
    now = now or utcnow()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
    )
    return _deliver_queued(list(due), now)


def deliver_after_commit() -> None:
    """Send what this request queued, now that it is committed (see the factory's commit hook)."""
    ids = g.pop("queued_outbox_ids", None)
    if ids and current_app.config["MAIL_DELIVER_AFTER_COMMIT"]:
        _deliver_queued(ids, utcnow())
