"""What a signatory declares about itself for bids: the quality marks it holds and its carbon
reduction plan (the forum slides ask for both at baseline; central government asks bidders for
a carbon reduction plan). Kept as declared, with dates; an expired one is shown as expired."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow


def expired_on(expires_on: date | None, today: date) -> bool:
    """Whether a declaration with this expiry date has expired by `today` (the UK day)."""
    return expires_on is not None and expires_on < today


class QualityMark(db.Model):
    """A quality mark or standard the organisation holds (ISO 9001, Investors in People...)."""

    __tablename__ = "quality_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    url: Mapped[str | None] = mapped_column(String(300))
    # None: the mark does not expire.
    expires_on: Mapped[date | None] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821

    def is_expired(self, today: date) -> bool:
        return expired_on(self.expires_on, today)


class CarbonReductionPlan(db.Model):
    """The organisation's published carbon reduction plan: one per organisation."""

    __tablename__ = "carbon_reduction_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[date] = mapped_column(Date)
    # When it is next reviewed, or stops applying: after this day it is shown as expired.
    review_on: Mapped[date] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821

    def is_expired(self, today: date) -> bool:
        return expired_on(self.review_on, today)
