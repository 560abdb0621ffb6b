"""Which optional emails a person gets, and the one-click unsubscribe link in each (RFC 8058).

Optional emails come in kinds a person turns on or off: event announcements, partnership news
and, for staff, the weekly digest. Everything else (account and registration messages, the
Charter's obligations such as the annual update and report reminders) always arrives.

Each optional email carries an unsubscribe link whose signed token names the person and the
kind, so a mail program can turn that one kind off with a POST, without a session or a CSRF
token. The token does not expire: an unsubscribe link must work for as long as the email is kept.
Anyone holding it can only turn off that person's emails of that kind.

Services flush, never commit: the request (or job) commits.
"""

from dataclasses import dataclass
from enum import StrEnum

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.tokens import InvalidToken, make_lasting_token, read_lasting_token
from charter_app.urls import external_url

UNSUBSCRIBE_PURPOSE = "email-unsubscribe"


class OptionalEmail(StrEnum):
    """A kind of optional email; the value is the category named in unsubscribe tokens."""

    EVENT_ANNOUNCEMENTS = "event_announcements"
    NEWS = "news"
    STAFF_DIGEST = "staff_digest"


@dataclass(frozen=True)
class Kind:
    attribute: str  # the User column holding the choice
    label: str  # as a person chooses it
    hint: str
    plural: str  # "emails about new events": what stops on unsubscribing
    staff_only: bool = False


KINDS: dict[OptionalEmail, Kind] = {
    OptionalEmail.EVENT_ANNOUNCEMENTS: Kind(
        "wants_event_announcements", "New events",
        "An email when a meet-the-buyer day, webinar or workshop is announced.",
        "emails about new events"),
    OptionalEmail.NEWS: Kind(
        "wants_news", "Partnership news",
        "News from the County Durham Pound partnership, a few times a year.",
        "partnership news"),
    OptionalEmail.STAFF_DIGEST: Kind(
        "wants_staff_digest", "Weekly staff digest",
        "Once a week: applications waiting, reports to check, overdue and lapsed "
        "signatories, and the next events with places left.",
        "the weekly staff digest", staff_only=True),
}


def kinds_for(user: User) -> list[OptionalEmail]:
    """The kinds this person may choose (the staff digest is for staff only)."""
    return [kind for kind, about in KINDS.items() if user.is_staff or not about.staff_only]


def wants(user: User, kind: OptionalEmail) -> bool:
    return bool(getattr(user, KINDS[kind].attribute))


def set_wanted(user: User, kind: OptionalEmail, wanted: bool) -> bool:
    """Turn one kind on or off; True when that changed anything."""
    if wants(user, kind) == wanted:
        return False
    setattr(user, KINDS[kind].attribute, wanted)
    db.session.flush()
    return True


def set_choices(user: User, wanted: set[OptionalEmail]) -> list[OptionalEmail]:
    """Save the page's choices: each kind this person may choose is on when in `wanted`, off
    otherwise (kinds they may not choose are left as they are). Returns the kinds changed."""
    return [kind for kind in kinds_for(user) if set_wanted(user, kind, kind in wanted)]


def unsubscribe_token(user: User, kind: OptionalEmail) -> str:
    return make_lasting_token(UNSUBSCRIBE_PURPOSE, {"user": user.id, "category": str(kind)})


def unsubscribe_url(user: User, kind: OptionalEmail) -> str:
    """The absolute one-click unsubscribe URL (from BASE_URL) for this person and kind."""
    return external_url("email_preferences.unsubscribe", token=unsubscribe_token(user, kind))


def read_unsubscribe_token(token: str) -> tuple[User, OptionalEmail]:
    """The person and kind an unsubscribe link names; InvalidToken when it is malformed,
    tampered with, signed for another purpose or names nobody."""
    payload = read_lasting_token(UNSUBSCRIBE_PURPOSE, token)
    if not isinstance(payload, dict):
        raise InvalidToken("invalid")
    user_id, category = payload.get("user"), payload.get("category")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**31:
        raise InvalidToken("invalid")
    if category not in set(OptionalEmail):
        raise InvalidToken("invalid")
    user = db.session.get(User, user_id)
    if user is None:
        raise InvalidToken("invalid")
    return user, OptionalEmail(category)
