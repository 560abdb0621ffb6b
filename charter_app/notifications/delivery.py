"""Delivering the outbox: the worker's side (the scheduler process, or `charter run-jobs`).

Each message is claimed with a lease before it is sent, so any number of workers can run at
once and each message goes out once: on PostgreSQL the claim skips rows another worker is
claiming (`FOR UPDATE SKIP LOCKED`); on SQLite it is one conditional UPDATE whose row count says
who won. A worker that dies mid-send leaves a claim that runs out, and the message is sent later.

Outcomes are told apart:
- the mail server cannot be reached: the message stays queued for a retry with back-off, and the
  run stops (the rest wait for the next run);
- this one message cannot be sent (a header that cannot be built, a recipient the server
  refuses for good, any error while building it): it is marked failed with the reason and the
  run carries on with the next;
- a temporary refusal or a dropped connection: retried later with back-off.
"""

import contextlib
import hashlib
import logging
import smtplib
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError

from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage, OutboxStatus
from charter_app.timeutil import utcnow

log = logging.getLogger(__name__)


class _TimedConnection(Connection):
    """Flask-Mail's SMTP connection with a timeout, so a mail server that does not answer cannot
    hold the worker for minutes (Flask-Mail sets none)."""

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


class ServerUnreachable(Exception):
    """No connection to the mail server: stop this run, retry later."""


def message_id(message: OutboxMessage) -> str:
    # A stable Message-ID lets mail servers drop a duplicate if a retry races a slow send
    # (make_msgid would add the time and a random number, so each attempt would differ).
    key = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:16]
    return f"<outbox-{message.id}.{key}@countydurhampound.example>"


def unsubscribe_headers(message: OutboxMessage) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, for optional emails: a mail program offers "Unsubscribe"
    and POSTs to the URL itself. The mail relay must DKIM-sign both headers (see the README)."""
    if not message.unsubscribe_url:
        return {}
    return {"List-Unsubscribe": f"<{message.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _mail_message(message: OutboxMessage) -> Message:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
        extra_headers=unsubscribe_headers(message) or None,
        reply_to=message.reply_to,
    )
    mail_message.msgId = message_id(message)
    if message.attachment_body is not None:
        mail_message.attach(filename=message.attachment_name,
                            content_type=message.attachment_type,
                            data=message.attachment_body.encode())
    return mail_message


def _is_permanent(error: Exception) -> bool:
    """True when sending this message again cannot work (as opposed to the server being down)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    # Anything else that is not a network error was raised building this one message.
    return not isinstance(error, OSError | smtplib.SMTPException)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 12 * 60))


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _record_retry(message: OutboxMessage, error: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = _reason(error)
    message.claimed_until = None
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        log.error("gave up on outbox message %s: %s", message.id, error)
    else:
        message.next_attempt_at = now + _retry_delay(message.attempts)
        log.warning("outbox message %s not sent, will retry: %s", message.id, error)


def _record_failed(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.status = OutboxStatus.FAILED
    message.last_error = _reason(error)
    message.claimed_until = None
    log.error("outbox message %s cannot be sent: %s", message.id, message.last_error,
              exc_info=error)


# How long a worker keeps trying to record a message the mail server has accepted: should the
# database restart at that moment, giving up would send the message again once its claim ran
# out. Shorter than any claim (OUTBOX_CLAIM_SECONDS), so nobody else sends it meanwhile.
RECORD_SENT_SECONDS = 20


def _record_sent(message_id: int, now: datetime) -> None:
    """Mark a message sent and commit, trying again while the database is unreachable."""
    deadline = time.monotonic() + RECORD_SENT_SECONDS
    while True:
        try:
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.QUEUED)
                .values(status=OutboxStatus.SENT, sent_at=now, claimed_until=None,
                        attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False))
            db.session.commit()
            return
        except OperationalError:
            db.session.rollback()
            if time.monotonic() > deadline:
                raise
            log.warning("outbox message %s was sent but the database did not answer; "
                        "recording it again", message_id)
            time.sleep(0.5)


class _Sender:
    """One SMTP connection for a run of messages, opened when first needed.

    Each outcome is recorded and committed straight after its send, so a crash never resends
    what went out and a message that fails never holds back the ones behind it.
    """

    def __init__(self):
        self.connection: _TimedConnection | None = None
        self.unreachable = False

    def _connect(self) -> _TimedConnection:
        if self.connection is None:
            try:
                self.connection = _TimedConnection(current_app.extensions["mail"]).__enter__()
            except (OSError, smtplib.SMTPException) as error:
                raise ServerUnreachable(_reason(error)) from error
        return self.connection

    def send(self, message: OutboxMessage, now: datetime) -> bool:
        try:
            mail_message = _mail_message(message)
            self._connect().send(mail_message)
        except ServerUnreachable as error:
            self.unreachable = True
            _record_retry(message, error.__cause__ or error, now)
            db.session.commit()
            return False
        except Exception as error:  # noqa: BLE001 - one message's failure must not stop the run
            self.close()  # a later message starts afresh on a new connection
            if _is_permanent(error):
                _record_failed(message, error)
            else:
                _record_retry(message, error, now)
            db.session.commit()
            return False
        _record_sent(message.id, now)
        return True

    def close(self) -> None:
        if self.connection is not None and self.connection.host is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.host.quit()
        self.connection = None


def deliver(messages: list[OutboxMessage], now: datetime | None = None) -> int:
    """Send these messages, whatever their state or claim. Returns how many went out."""
    sender, sent = _Sender(), 0
    try:
        for message in messages:
            if sender.unreachable:
                break
            sent += sender.send(message, now or utcnow())
    finally:
        sender.close()
    return sent


def _claimable(now: datetime):
    return (
        OutboxMessage.status == OutboxStatus.QUEUED,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def _claim_next(now: datetime, lease_until: datetime) -> OutboxMessage | None:
    """Claim the oldest due message nobody holds, and commit the claim. None when none is left."""
    if db.session.get_bind().dialect.name == "postgresql":
        message = db.session.scalar(
            select(OutboxMessage).where(*_claimable(now)).order_by(OutboxMessage.id).limit(1)
            .with_for_update(skip_locked=True)
        )
        if message is not None:
            message.claimed_until = lease_until
        db.session.commit()
        return message
    # SQLite has no row locks: a conditional UPDATE is atomic, and its row count says whether
    # this worker won the message or another got there first.
    while True:
        candidate = db.session.scalar(
            select(OutboxMessage.id).where(*_claimable(now)).order_by(OutboxMessage.id).limit(1)
        )
        if candidate is None:
            db.session.commit()
            return None
        won = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, *_claimable(now))
            .values(claimed_until=lease_until)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if won:
            return db.session.get(OutboxMessage, candidate, populate_existing=True)


def claimed_messages(now: datetime | None = None) -> Iterator[OutboxMessage]:
    """Due messages, each claimed for this worker with a lease, until none is left.

    Reused by any worker that sends from the outbox (the reminders issue).
    """
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    while (message := _claim_next(now, now + lease)) is not None:
        yield message


def deliver_due(now: datetime | None = None) -> int:
    """Send every queued message that is due. Returns how many were sent."""
    now = now or utcnow()
    sender, sent = _Sender(), 0
    try:
        for message in claimed_messages(now):
            sent += sender.send(message, now)
            if sender.unreachable:
                break
    finally:
        sender.close()
    return sent
