"""Time: UTC in the database, Europe/London on screen and in email."""

from datetime import UTC, date, datetime
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
