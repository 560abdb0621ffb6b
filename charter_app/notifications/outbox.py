"""The email outbox: queue inside the transaction that causes the email; the worker delivers.

`queue_email` only adds a row; nothing leaves the building until the request (or job) commits,
and no web request ever talks to the mail server: the scheduler process drains the outbox every
few seconds (see notifications/delivery.py and notifications/tasks.py).

Each email the service sends is one typed function in its domain's `emails.py`, which calls
`queue_email` with its template pair, subject, idempotency key and category.
"""

import re
from dataclasses import dataclass

from flask import current_app, render_template
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.locking import insert_unless_taken
from charter_app.notifications.models import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    RECIPIENT_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    EmailCategory,
    OutboxMessage,
)
from charter_app.urls import external_url

# Line breaks, tabs and other control or separator characters a name could smuggle into a
# header (CR/LF would start a new header) or a one-line text.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
UNSUBSCRIBE_URL_MAX_LENGTH = OutboxMessage.__table__.c.unsubscribe_url.type.length


def single_line(text: str, max_length: int | None = None) -> str:
    """Text made safe for one line: breaks and control characters become spaces, runs of spaces
    become one, and it is cut (ending "...") to at most max_length characters.

    The ellipsis is ASCII so that a cut English name keeps the subject plain ASCII, which mail
    programs fold and unfold cleanly (an encoded subject can come back with stray spaces).
    """
    cleaned = _SPACES.sub(" ", _LINE_BREAKING.sub(" ", str(text))).strip()
    if max_length is not None and len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 3].rstrip() + "..."
    return cleaned


def render_email(template: str, subject: str, **context) -> tuple[str, str]:
    """(text, html) from email_templates/<template>.txt and .html."""
    context.setdefault("base_url", current_app.config["BASE_URL"].rstrip("/"))
    text = render_template(f"email/{template}.txt", subject=subject, **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    return text, html


@dataclass(frozen=True)
class Attachment:
    """One file sent with an email, such as a calendar entry (text/calendar; method=REQUEST)."""

    filename: str
    content_type: str
    body: str


def queue_email(*, template: str, subject: str, recipient: str, idempotency_key: str,
                category: EmailCategory, attachment: Attachment | None = None,
                unsubscribe_url: str | None = None, reply_to: str | None = None,
                **context) -> OutboxMessage:
    """Write an email to the outbox. A key already queued returns the existing message.

    The subject is cleaned to one bounded line here, whatever the caller passes, so a header
    can never be broken or overflow its column.

    An optional email must name its one-click unsubscribe URL (notifications/preferences.py
    `unsubscribe_url`): it is sent as List-Unsubscribe, and the templates get it with
    `preferences_url`. Other emails always arrive, so they may not have one.

    `reply_to`, an address for the Reply-To header, is cleaned to one line like the recipient.
    """
    if (category == EmailCategory.OPTIONAL) != (unsubscribe_url is not None):
        raise ValueError("an optional email, and only an optional email, has an unsubscribe URL")
    if unsubscribe_url is not None:
        unsubscribe_url = single_line(unsubscribe_url)
        if len(unsubscribe_url) > UNSUBSCRIBE_URL_MAX_LENGTH:
            raise ValueError(f"unsubscribe URL longer than {UNSUBSCRIBE_URL_MAX_LENGTH} characters")
        context["unsubscribe_url"] = unsubscribe_url
        context.setdefault("preferences_url", external_url("email_preferences.settings"))
    recipient = single_line(recipient)
    reply_to = single_line(reply_to) if reply_to else None
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValueError(f"idempotency key longer than {IDEMPOTENCY_KEY_MAX_LENGTH} characters")
    if max(len(recipient), len(reply_to or "")) > RECIPIENT_MAX_LENGTH:
        raise ValueError(f"address longer than {RECIPIENT_MAX_LENGTH} characters")
    existing = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    subject = single_line(subject, SUBJECT_MAX_LENGTH)
    text, html = render_email(template, subject, **context)
    values = {"idempotency_key": idempotency_key, "template": template, "category": category,
              "recipient": recipient, "subject": subject, "body_text": text, "body_html": html,
              "unsubscribe_url": unsubscribe_url, "reply_to": reply_to}
    if attachment is not None:
        values.update(attachment_name=single_line(attachment.filename, 100),
                      attachment_type=attachment.content_type, attachment_body=attachment.body)
    # INSERT ... ON CONFLICT DO NOTHING: two jobs queuing the same email at the same moment
    # (two schedulers, or run-jobs beside the scheduler) write it once, and neither fails.
    message = insert_unless_taken(OutboxMessage, "idempotency_key", **values)
    if message is None:
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key))
    return message
