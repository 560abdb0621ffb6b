"""Messages from the public: the spam checks, accepting a message, and staff handling and
answering it. Services flush and never commit: the request commits, or rolls back what it
refused (so a refused submission stores nothing, not even a count).

Spam protection needs no third-party service:
- a honeypot field people never see (forms.py);
- a signed time stamp saying when the form was served: a submission under MIN_SECONDS after
  it, or with a stamp that is missing, forged or older than the form's life, is refused;
- a limit on accepted messages per connection and per email address in a window, counted in
  the database so every worker shares it (charter_app/throttling.py).
"""

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select, update

from charter_app.contact import emails
from charter_app.contact.models import (
    ContactMessage,
    ContactReply,
    ContactThrottle,
    MessageStatus,
    Topic,
)
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused, insert_unless_taken
from charter_app.presentation import page_numbers
from charter_app.throttling import WindowCounter
from charter_app.timeutil import utcnow
from charter_app.tokens import InvalidToken, make_lasting_token, read_lasting_token

# A person reads the form and types a message; a script posts it at once.
MIN_SECONDS = 3
STAMP_PURPOSE = "contact-form-stamp"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ACCEPTED = WindowCounter(ContactThrottle.key, ContactThrottle.messages,
                          ContactThrottle.window_started_at)


class SpamRefused(Exception):
    """The submission looks automated; `reason` says which check refused it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TooManyMessages(Exception):
    """The connection (`per="address"`) or the email address (`per="email"`) has sent as many
    messages as the window allows."""

    def __init__(self, per: str, limit: int, window: timedelta):
        super().__init__(per)
        self.per = per
        self.limit = limit
        self.window = window


# --- the time stamp --------------------------------------------------------------------------


def form_stamp(now: datetime | None = None) -> str:
    """A signed record of when the form was served, to the millisecond (rounded down, so the
    3 seconds are never cut short by rounding)."""
    return make_lasting_token(STAMP_PURPOSE, {"served_ms": _epoch_ms(now or utcnow())})


def _epoch_ms(moment: datetime) -> int:
    # Whole milliseconds, in integers: no float rounding moves the 3-second line.
    return (moment - EPOCH) // timedelta(milliseconds=1)


def check_form_stamp(stamp: str | None, now: datetime | None = None) -> None:
    """Refuse a stamp that is missing, forged, expired, or younger than MIN_SECONDS."""
    if not stamp:
        raise SpamRefused("missing")
    try:
        payload = read_lasting_token(STAMP_PURPOSE, stamp)
    except InvalidToken as error:
        raise SpamRefused("forged") from error
    served_ms = payload.get("served_ms") if isinstance(payload, dict) else None
    if not isinstance(served_ms, int):
        raise SpamRefused("forged")
    age_ms = _epoch_ms(now or utcnow()) - served_ms
    if age_ms > current_app.config["CONTACT_FORM_MAX_AGE"] * 1000:
        raise SpamRefused("expired")
    if age_ms < MIN_SECONDS * 1000:
        raise SpamRefused("too-quick")


def stamp_to_keep(stamp: str | None, now: datetime | None = None) -> str:
    """The stamp a refused form is shown again with: its own while it is still good, so a person
    who only had a typo is not made to wait again; a fresh one otherwise."""
    try:
        check_form_stamp(stamp, now)
    except SpamRefused as refusal:
        if refusal.reason != "too-quick":
            return form_stamp(now)
    return stamp or form_stamp(now)


# --- accepting a message ---------------------------------------------------------------------


@dataclass(frozen=True)
class MessageInput:
    name: str
    email: str
    organisation: str | None
    topic: str
    body: str


def _throttle_key(kind: str, value: str) -> str:
    # Keyed with the app's secret: the table never holds an address anyone could reverse.
    secret = current_app.config["SECRET_KEY"].encode()
    return f"{kind}:" + hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _count_against_limits(client_address: str, email: str, now: datetime) -> None:
    config = current_app.config
    window = timedelta(seconds=config["CONTACT_LIMIT_WINDOW"])
    for per, value, limit in (
        ("address", client_address, config["CONTACT_MESSAGES_PER_ADDRESS"]),
        ("email", email.strip().lower(), config["CONTACT_MESSAGES_PER_EMAIL"]),
    ):
        if _ACCEPTED.add(_throttle_key(per, value), window=window, now=now) > limit:
            raise TooManyMessages(per, limit, window)


def receive_message(details: MessageInput, *, client_address: str, honeypot: str | None,
                    stamp: str | None, now: datetime | None = None) -> ContactMessage:
    """Accept a message from the contact form, tell staff and thank the sender.

    Raises SpamRefused (before anything is written) or TooManyMessages (after counting: the
    caller rolls back, so a refused message is not counted either).
    """
    now = now or utcnow()
    if honeypot:
        raise SpamRefused("honeypot")
    check_form_stamp(stamp, now)
    _count_against_limits(client_address or "unknown", details.email, now)
    if details.topic not in set(Topic):
        raise ValueError(f"unknown topic {details.topic!r}")
    message = ContactMessage(name=details.name, email=details.email,
                             organisation=details.organisation or None, topic=details.topic,
                             body=details.body, received_at=now)
    db.session.add(message)
    db.session.flush()
    emails.message_received(message, current_app.config["CONTACT_STAFF_EMAIL"])
    emails.message_acknowledged(message)
    return message


# --- staff: finding, handling and answering messages -----------------------------------------


@dataclass(frozen=True)
class MessageQuery:
    """What a staff member asked the list for: a topic, a status, a page (each optional)."""

    topic: str = ""
    status: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "MessageQuery":
        topic, status, page = args.get("topic", ""), args.get("status", ""), args.get("page", "")
        return cls(topic=topic if topic in set(Topic) else "",
                   status=status if status in set(MessageStatus) else "",
                   page=min(int(page), 100_000) if page.isascii() and page.isdigit() else 1)

    def params(self, **changes) -> dict[str, str | int]:
        """Query-string values for a link to this list with `changes`, defaults left out."""
        values = {"topic": self.topic, "status": self.status, "page": self.page, **changes}
        return {key: value for key, value in values.items() if value and value != 1}


@dataclass
class MessagePage:
    items: list[ContactMessage]
    page: int
    pages: int
    total: int

    def numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)


def find_messages(query: MessageQuery, per_page: int = 50) -> MessagePage:
    """Messages matching the query: new ones first, then the newest first."""
    statement = select(ContactMessage)
    if query.topic:
        statement = statement.where(ContactMessage.topic == query.topic)
    if query.status:
        statement = statement.where(ContactMessage.status == query.status)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(query.page, pages))
    new_first = case((ContactMessage.status == MessageStatus.NEW, 0), else_=1)
    items = list(db.session.scalars(
        statement.order_by(new_first, ContactMessage.received_at.desc(),
                           ContactMessage.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return MessagePage(items=items, page=page, pages=pages, total=total)


def count_new() -> int:
    """Messages no member of staff has marked handled yet, for the staff home."""
    return db.session.scalar(select(func.count()).select_from(ContactMessage).where(
        ContactMessage.status == MessageStatus.NEW)) or 0


def mark_handled(message_id: int, by, now: datetime | None = None) -> None:
    """Mark a new message handled, recording who and when. A compare-and-set on the status:
    of two staff at once (or a double click) one succeeds, the other is refused and told."""
    changed = db.session.execute(
        update(ContactMessage)
        .where(ContactMessage.id == message_id, ContactMessage.status == MessageStatus.NEW)
        .values(status=MessageStatus.HANDLED, handled_by_id=by.id, handled_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        current = db.session.scalar(
            select(ContactMessage.status).where(ContactMessage.id == message_id))
        raise StateChangeRefused(current, MessageStatus.HANDLED)


def new_reply_key() -> str:
    return secrets.token_hex(16)


def send_reply(message: ContactMessage, *, subject: str, body: str, by, form_key: str,
               now: datetime | None = None) -> ContactReply | None:
    """Record a staff reply and email it to the sender, Reply-To the staff mailbox.

    None when this form (its key) has already sent its reply: a double click sends one.
    """
    reply = insert_unless_taken(ContactReply, "form_key", form_key=form_key,
                                message_id=message.id, subject=subject, body=body,
                                sent_at=now or utcnow(), sent_by_id=by.id)
    if reply is None:
        return None
    emails.reply_sent(reply, message, current_app.config["CONTACT_STAFF_EMAIL"])
    db.session.refresh(message, ["replies"])
    return reply
