from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow


class Measure(db.Model):
    """A County Durham Pound measure, tagged with the National TOMs code it corresponds to."""

    __tablename__ = "measures"
    # Every profile names its measures, so any change is public (see directory/cache.py).
    feeds_public_content = ("directory",)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    theme: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(60))
    guidance: Mapped[str] = mapped_column(Text)
    plausible_max: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    national_toms_code: Mapped[str | None] = mapped_column(String(12))
    national_toms_edition: Mapped[str | None] = mapped_column(String(60))
    catalogue_version: Mapped[int] = mapped_column(default=1)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # SROI deflators (percentages) an entry starts from; the signatory may change them, with
    # a reason. 0 until an administrator sets them: no figure for them was found to source.
    default_deadweight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    default_attribution: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    default_displacement: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))

    proxy_values: Mapped[list["ProxyValue"]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="ProxyValue.financial_year"
    )


class ProxyValue(db.Model):
    """Pounds per unit of a measure in one UK financial year (April to March), with its source."""

    __tablename__ = "proxy_values"
    __table_args__ = (UniqueConstraint("measure_id", "financial_year"),)
    feeds_public_content = ("directory",)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    # The year the financial year starts in: 2026 means April 2026 to March 2027.
    financial_year: Mapped[int]
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    source: Mapped[str] = mapped_column(Text)
    edition: Mapped[str | None] = mapped_column(String(60))
    is_example: Mapped[bool] = mapped_column(default=True)

    measure: Mapped[Measure] = relationship(back_populates="proxy_values")


class PledgePeriod(db.Model):
    """One year of a signatory's pledges: from approval to the first anniversary, then year by
    year. A draft's pledges belong to period 1, whose dates are fixed when it is approved.

    Periods and their pledges are never deleted, so what was promised in any year stays on
    record for reporting against it.
    """

    __tablename__ = "pledge_periods"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)
    # The directory shows an approved signatory's current period (see directory/cache.py).
    feeds_public_content = ("directory",)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # 1 for the year from approval, 2 for the year after the first anniversary, and so on.
    number: Mapped[int]
    # Both in UK dates, inclusive; None until the organisation is approved.
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped["Organisation"] = relationship(  # noqa: F821
        back_populates="pledge_periods", foreign_keys=[organisation_id]
    )
    pledges: Mapped[list["Pledge"]] = relationship(
        back_populates="period", cascade="all, delete-orphan", order_by="Pledge.id"
    )

    def is_published(self) -> bool:
        return self.organisation is not None and self.organisation.is_published()

    def __repr__(self) -> str:
        return f"<PledgePeriod {self.organisation_id} #{self.number} {self.starts_on}>"


class Pledge(db.Model):
    """A signatory's 12-month target for one measure, in one pledge period."""

    __tablename__ = "pledges"
    __table_args__ = (UniqueConstraint("period_id", "measure_id"),)
    feeds_public_content = ("directory",)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("pledge_periods.id", ondelete="CASCADE"), index=True
    )
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    target: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    period: Mapped[PledgePeriod] = relationship(back_populates="pledges")
    measure: Mapped[Measure] = relationship()

    def is_published(self) -> bool:
        return self.period is not None and self.period.is_published()
