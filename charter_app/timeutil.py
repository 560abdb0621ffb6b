"""Time: UTC in the database, Europe/London on screen and in email; working days."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and always hands back an aware UTC datetime, on SQLite as on PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime: use an aware UTC one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def to_london(value: datetime) -> datetime:
    return value.astimezone(LONDON)


def format_london(value: datetime | None, with_time: bool = True) -> str:
    """'3 March 2026, 2:05pm' in UK time, as GOV.UK style writes dates."""
    if value is None:
        return ""
    local = to_london(value)
    day = f"{local.day} {local:%B %Y}"
    if not with_time:
        return day
    hour = local.hour % 12 or 12
    return f"{day}, {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def london_date(value: datetime) -> date:
    return to_london(value).date()


# --- working days ----------------------------------------------------------------------------
# Staff promise to review an application within this many working days of its submission.
REVIEW_PROMISE_WORKING_DAYS = 10


@lru_cache(maxsize=32)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in a year, substitute days included.

    Source: the `holidays` package (pinned in pyproject.toml), whose United Kingdom calendar
    for England (the same days as Wales) follows the list GOV.UK publishes at
    gov.uk/bank-holidays, one-off holidays included. Update the pin to pick up new ones.
    """
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start`, up to and including `end`: a Friday submission has waited
    one working day on Monday. 0 when `end` is not after `start`."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


def add_working_days(start: date, count: int) -> date:
    """The `count`th working day after `start`."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= is_working_day(day)
    return day


@dataclass(frozen=True)
class ReviewClock:
    """How long an application has waited against the review promise, in UK dates."""

    waiting: int  # working days since the day it was submitted
    due: date  # the last working day of the promise

    @property
    def overdue(self) -> bool:
        return self.waiting > REVIEW_PROMISE_WORKING_DAYS

    @property
    def days_over(self) -> int:
        return max(0, self.waiting - REVIEW_PROMISE_WORKING_DAYS)


def review_clock(submitted_at: datetime, now: datetime | None = None) -> ReviewClock:
    submitted = london_date(submitted_at)
    today = london_date(now or utcnow())
    return ReviewClock(
        waiting=working_days_between(submitted, today),
        due=add_working_days(submitted, REVIEW_PROMISE_WORKING_DAYS),
    )
