"""The email outbox: queue inside the transaction that causes the email, deliver after commit.

`queue_email` only adds a row; nothing leaves the building until the request (or job) commits.
`deliver_due` sends what is due with Flask-Mail and backs off on failure, so a mail server that is
down loses nothing: `charter run-jobs` or the scheduler picks the messages up again.
"""

import hashlib
import logging
import smtplib
import socket
from datetime import datetime, timedelta

from flask import current_app, g, render_template
from flask_mail import Message
from sqlalchemy import select

from charter_app.extensions import db, mail
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


def _send(message: OutboxMessage) -> None:
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
    mail.send(mail_message)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 12 * 60))


def deliver(messages: list[OutboxMessage], now: datetime | None = None) -> int:
    """Try to send each message; commit after each so a crash never resends what went out."""
    sent = 0
    socket.setdefaulttimeout(current_app.config["MAIL_TIMEOUT_SECONDS"])
    try:
        for message in messages:
            now_ = now or utcnow()
            try:
                _send(message)
            except (OSError, smtplib.SMTPException) as error:
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
                    message.status = OutboxStatus.FAILED
                    log.error("gave up on outbox message %s: %s", message.id, error)
                else:
                    message.next_attempt_at = now_ + _retry_delay(message.attempts)
                    log.warning("outbox message %s not sent, will retry: %s", message.id, error)
            else:
                message.attempts += 1
                message.status = OutboxStatus.SENT
                message.sent_at = now_
                sent += 1
            db.session.commit()
    finally:
        socket.setdefaulttimeout(None)
    return sent


def _due_query(now: datetime):
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Two workers never pick the same message.
        query = query.with_for_update(skip_locked=True)
    return query


def deliver_due(now: datetime | None = None, batch_size: int = 100) -> int:
    """Send every queued message that is due. Returns how many were sent."""
    now = now or utcnow()
    total = 0
    while True:
        batch = list(db.session.scalars(_due_query(now).limit(batch_size)))
        if not batch:
            return total
        total += deliver(batch, now=now)
        if len(batch) < batch_size:
            return total


def deliver_after_commit() -> None:
    """Send what this request queued, now that it is committed (see the factory's commit hook)."""
    ids = g.pop("queued_outbox_ids", None)
    if not ids or not current_app.config["MAIL_DELIVER_AFTER_COMMIT"]:
        return
    messages = list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.QUEUED
            )
        )
    )
    deliver(messages)
