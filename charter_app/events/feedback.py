"""After an event: thanking those who came, their feedback, and the results staff read.

The thank-you email carries a signed token naming the registration, so an attendee answers
without signing in. One answer per attendee: the unique `registration_id` decides, through
`insert_unless_taken`, so a second submission (or two at once) is told it was already given.

Services flush, never commit: the request or the job commits.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, cast, exists, func, literal, select

from charter_app.events import feedback_emails
from charter_app.events.models import Event, EventStatus, Feedback, Registration
from charter_app.extensions import db
from charter_app.locking import insert_unless_taken
from charter_app.notifications.models import OutboxMessage
from charter_app.timeutil import utcnow
from charter_app.tokens import InvalidToken, make_token, read_token

RATINGS = (1, 2, 3, 4, 5)
RATING_WORDS = {1: "Very poor", 2: "Poor", 3: "Average", 4: "Good", 5: "Very good"}
COMMENT_MAX_LENGTH = 2000
# Nobody is thanked for an event that ended longer ago than this (a scheduler down for weeks
# catches up on recent events only: a thank-you two months late reads as a mistake).
THANK_YOU_WINDOW = timedelta(days=30)
LINK_PURPOSE = "event-feedback"
# The link in the email keeps working this long after it was sent.
LINK_MAX_AGE = int(timedelta(days=90).total_seconds())


class FeedbackRefused(ValueError):
    """The answer cannot be kept; `field` names the detail at fault, `message` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- the link ----------------------------------------------------------------------------------

def feedback_token(registration: Registration) -> str:
    return make_token(LINK_PURPOSE, {"registration": registration.id})


def registration_for_token(token: str) -> Registration:
    """The attendee a feedback link names; InvalidToken when it is bad, tampered with, expired
    or names nobody (any longer)."""
    payload = read_token(LINK_PURPOSE, token, LINK_MAX_AGE)
    registration_id = payload.get("registration") if isinstance(payload, dict) else None
    if not isinstance(registration_id, int) or isinstance(registration_id, bool):
        raise InvalidToken("invalid")
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.checked_in_at is None:
        raise InvalidToken("invalid")
    return registration


# --- thanking those who came (a job) -----------------------------------------------------------

def attendees_to_thank(now: datetime) -> list[Registration]:
    """Attendees checked in at published events that ended in the last 30 days and who have not
    been thanked yet (no thank-you in the outbox under their key)."""
    key = literal("event-thank-you:") + cast(Registration.id, String)
    already = exists().where(OutboxMessage.idempotency_key == key)
    return list(db.session.scalars(
        select(Registration).join(Event, Event.id == Registration.event_id)
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at <= now,
               Event.ends_at > now - THANK_YOU_WINDOW,
               Registration.checked_in_at.is_not(None), ~already)
        .order_by(Registration.event_id, Registration.id)))


def thank_attendees(now: datetime | None = None) -> int:
    """Queue one thank-you email, with its feedback link, to each attendee of each event that has
    ended; how many were queued. Safe to run twice: the outbox key is the last word."""
    now = now or utcnow()
    thanked = 0
    for registration in attendees_to_thank(now):
        feedback_emails.event_thank_you(registration, feedback_token(registration))
        thanked += 1
    return thanked


# --- the answer --------------------------------------------------------------------------------

def has_feedback(registration: Registration) -> bool:
    return db.session.scalar(
        select(Feedback.id).where(Feedback.registration_id == registration.id)) is not None


def clean_comment(comment: str | None) -> str | None:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise FeedbackRefused(
            "comment", f"Your comment must be {COMMENT_MAX_LENGTH:,} characters or fewer")
    return comment or None


def give_feedback(registration: Registration, rating: int, comment: str | None,
                  now: datetime | None = None) -> Feedback | None:
    """Keep an attendee's rating (1 to 5) and comment; None when they have already answered
    (a second submission, or two at once), and nothing changes."""
    if rating not in RATINGS:
        raise FeedbackRefused("rating", "Select a rating from 1 to 5")
    comment = clean_comment(comment)
    return insert_unless_taken(
        Feedback, "registration_id", registration_id=registration.id,
        event_id=registration.event_id, rating=rating, comment=comment,
        created_at=now or utcnow())


# --- the results staff read --------------------------------------------------------------------

@dataclass(frozen=True)
class Comment:
    rating: int
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class FeedbackResults:
    answers: int
    attended: int
    distribution: dict[int, int]  # rating -> how many gave it, for every rating 1..5
    comments: list[Comment] = field(default_factory=list)

    @property
    def average(self) -> Decimal | None:
        """The mean rating to one decimal place (4.25 shows as 4.3); None with no answers."""
        if not self.answers:
            return None
        total = sum(rating * count for rating, count in self.distribution.items())
        return (Decimal(total) / Decimal(self.answers)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    def share(self, rating: int) -> int:
        """Whole percent of the answers that gave this rating (for the bar beside it)."""
        if not self.answers:
            return 0
        return round(100 * self.distribution[rating] / self.answers)


def results_for(event_id: int) -> FeedbackResults:
    """An event's feedback in three statements, however many answered."""
    counts = dict(db.session.execute(
        select(Feedback.rating, func.count(Feedback.id)).where(Feedback.event_id == event_id)
        .group_by(Feedback.rating)).tuples().all())
    attended = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id, Registration.checked_in_at.is_not(None))) or 0
    comments = [Comment(rating, comment, created_at) for rating, comment, created_at in
                db.session.execute(
                    select(Feedback.rating, Feedback.comment, Feedback.created_at)
                    .where(Feedback.event_id == event_id, Feedback.comment.is_not(None))
                    .order_by(Feedback.created_at, Feedback.id)).tuples()]
    distribution = {rating: counts.get(rating, 0) for rating in RATINGS}
    return FeedbackResults(answers=sum(distribution.values()), attended=attended,
                           distribution=distribution, comments=comments)
