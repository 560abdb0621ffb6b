"""Staff operate the outbox: find messages, read one as it was (or will be) sent, and put a
failed one back in the queue. Services only flush; the request commits."""

import math
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import defer

from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.notifications.delivery import message_id, unsubscribe_headers
from charter_app.notifications.models import RECIPIENT_MAX_LENGTH, OutboxMessage, OutboxStatus
from charter_app.presentation import page_numbers
from charter_app.timeutil import utcnow

STATUSES = (OutboxStatus.QUEUED, OutboxStatus.SENT, OutboxStatus.FAILED)
KIND_MAX_LENGTH = OutboxMessage.template.property.columns[0].type.length
# RFC 8058: the one value a mail program POSTs to the List-Unsubscribe URL.


@dataclass(frozen=True)
class OutboxQuery:
    """What a staff member asked the list for: each part optional."""

    status: str = ""
    recipient: str = ""
    kind: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "OutboxQuery":
        status = args.get("status", "")
        try:
            page = max(1, min(int(args.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        return cls(
            status=status if status in STATUSES else "",
            recipient=_one_line(args.get("recipient", ""))[:RECIPIENT_MAX_LENGTH],
            kind=_one_line(args.get("kind", ""))[:KIND_MAX_LENGTH],
            page=page,
        )

    def params(self, **changes) -> dict[str, str | int]:
        """Query-string values for a link to this list, with `changes`; defaults left out."""
        values = {"status": self.status, "recipient": self.recipient, "kind": self.kind,
                  "page": self.page, **changes}
        if values["page"] == 1:
            del values["page"]
        return {key: value for key, value in values.items() if value}


def _one_line(text: str) -> str:
    # Control characters mean nothing in an address or a template name, and PostgreSQL
    # refuses NUL in a parameter.
    return " ".join("".join(ch for ch in str(text) if ch.isprintable()).split())


@dataclass
class OutboxPage:
    items: list[OutboxMessage]
    page: int
    pages: int
    total: int

    def numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)


def find_messages(query: OutboxQuery, per_page: int = 50) -> OutboxPage:
    """Messages matching the query, newest first: one statement for the count, one for the page
    (without the bodies and attachments, which the list never shows)."""
    statement = select(OutboxMessage)
    if query.status:
        statement = statement.where(OutboxMessage.status == query.status)
    if query.recipient:
        statement = statement.where(
            func.lower(OutboxMessage.recipient).contains(query.recipient.lower(), autoescape=True))
    if query.kind:
        statement = statement.where(OutboxMessage.template == query.kind)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(query.page, pages))
    items = list(db.session.scalars(
        statement.options(defer(OutboxMessage.body_text), defer(OutboxMessage.body_html),
                          defer(OutboxMessage.attachment_body))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return OutboxPage(items=items, page=page, pages=pages, total=total)


def count_by_status() -> dict[str, int]:
    """How many messages are queued, sent and failed (zero for a status with none)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status.value: 0 for status in STATUSES} | dict(rows.all())


def count_failed() -> int:
    """Failed messages, for the staff home."""
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)) or 0


def kinds_present() -> list[str]:
    """The kinds (template names) of the messages in the outbox, for the search's choices."""
    return list(db.session.scalars(
        select(OutboxMessage.template).distinct().order_by(OutboxMessage.template)))


def headers(message: OutboxMessage) -> list[tuple[str, str]]:
    """The message's headers as the worker sends them."""
    shown = [
        ("From", current_app.config["MAIL_DEFAULT_SENDER"]),
        ("To", message.recipient),
        ("Subject", message.subject),
        ("Message-ID", message_id(message)),
    ]
    if message.reply_to:
        shown.append(("Reply-To", message.reply_to))
    # The same function the worker uses, so the page cannot drift from what is sent.
    return shown + list(unsubscribe_headers(message).items())


def retry(message_id_: int, by, now: datetime | None = None) -> None:
    """Put a failed message back in the queue, due now, with its attempts counted afresh; the
    worker then sends it as any other. A compare-and-set on the status, so a double click or
    two staff at once re-queue it once: the others are refused, told what it is now.

    Its last error is kept, so the page still says why it failed until it is sent.
    """
    now = now or utcnow()
    requeued = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id_, OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not requeued:
        current = db.session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.id == message_id_))
        raise StateChangeRefused(current, OutboxStatus.QUEUED)
    current_app.logger.info("outbox message %s re-queued by %s (user %s)", message_id_,
                            by.email, by.id)
