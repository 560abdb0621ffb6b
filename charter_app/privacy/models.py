"""What the retention jobs did: one row per rule per UK day, kept so staff can show what was
deleted and when (the privacy notice's promises, kept and seen to be kept)."""

from datetime import date, datetime

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow

DETAIL_MAX_LENGTH = 500


class RetentionRun(db.Model):
    __tablename__ = "retention_runs"
    # The day's claim: the scheduler ticks every minute, and a rule runs once per UK day.
    __table_args__ = (UniqueConstraint("rule", "day", name="uq_retention_runs_rule_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date, index=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Rows deleted or, for email bodies, emptied.
    affected: Mapped[int] = mapped_column(default=0)
    # Counts only (never names or addresses: this log outlives what it deleted).
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX_LENGTH), default="")
