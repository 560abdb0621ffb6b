"""Quarterly reports, their revisions and entries, evidence files, staff checks, and the
annual pledge update.

A report holds one organisation's figures for one financial quarter. Its figures live in
revisions: the draft being edited, and every submitted one, kept for ever. The report points at
the revision that counts (`submitted_revision`) and at the draft under way (`draft_revision`),
so a correction is edited beside the figures it will replace and the public totals never show
half a correction.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from charter_app.extensions import db
from charter_app.reporting.calculations import Deflators, SocialValue, entry_value
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import UTCDateTime, utcnow

# Entry quantities and pledge targets share a precision (see Pledge.target).
QUANTITY = Numeric(16, 2)
PERCENTAGE = Numeric(5, 2)
MILLIONTH = Decimal("0.000001")


class MicroPounds(TypeDecorator):
    """Pounds as a whole number of millionths of a pound, returned as Decimal.

    Gross (a quantity to 2 places times a proxy value to 4) is exact at 6 places; net is
    rounded half up to 6 places, a ten-thousandth of a penny. Whole numbers make SUM exact on
    SQLite too, whose NUMERIC is a binary float; PostgreSQL sums them as numeric.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int(Decimal(value).quantize(MILLIONTH, rounding=ROUND_HALF_UP).scaleb(6))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(int(value)).scaleb(-6)


def exact_pounds(amount: Decimal) -> Decimal:
    """The figure as stored: to a millionth of a pound, halves up."""
    return amount.quantize(MILLIONTH, rounding=ROUND_HALF_UP)


class ReportStatus(StrEnum):
    DRAFT = "draft"  # never submitted
    SUBMITTED = "submitted"  # waiting for staff to check
    CHECKED = "checked"  # staff read it and its evidence
    QUERIED = "queried"  # staff asked a question; the organisation answers by correcting


class QuarterlyReport(db.Model):
    __tablename__ = "quarterly_reports"
    __table_args__ = (
        UniqueConstraint("organisation_id", "financial_year", "quarter"),
        Index("ix_quarterly_reports_period", "financial_year", "quarter", "status"),
        # The reports received for a quarter, counted from the index alone (the collective
        # report's count reads only that quarter's submitted reports, on both databases).
        Index("ix_quarterly_reports_counted", "financial_year", "quarter", "id",
              sqlite_where=text("submitted_revision_id IS NOT NULL"),
              postgresql_where=text("submitted_revision_id IS NOT NULL")),
    )
    # Published totals on the profile and in the API come from submitted revisions.
    feeds_public_content = ("directory",)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # The year the financial year starts in (2026 is 2026-27) and the quarter, 1 to 4.
    financial_year: Mapped[int]
    quarter: Mapped[int]
    # The pledge period that holds the quarter's last day (None before approval dates exist).
    pledge_period_id: Mapped[int | None] = mapped_column(
        ForeignKey("pledge_periods.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.DRAFT, index=True)
    submitted_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_revisions.id", ondelete="SET NULL", use_alter=True)
    )
    draft_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_revisions.id", ondelete="SET NULL", use_alter=True)
    )
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    pledge_period: Mapped["PledgePeriod | None"] = relationship()  # noqa: F821
    revisions: Mapped[list["ReportRevision"]] = relationship(
        back_populates="report", cascade="all, delete-orphan",
        order_by="ReportRevision.number", foreign_keys="ReportRevision.report_id",
    )
    submitted_revision: Mapped["ReportRevision | None"] = relationship(
        foreign_keys=[submitted_revision_id], post_update=True
    )
    draft_revision: Mapped["ReportRevision | None"] = relationship(
        foreign_keys=[draft_revision_id], post_update=True
    )
    checks: Mapped[list["ReportCheck"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportCheck.id"
    )

    @property
    def financial_quarter(self) -> FinancialQuarter:
        return FinancialQuarter(self.financial_year, self.quarter)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_revision_id is not None

    def is_published(self) -> bool:
        organisation = self.organisation
        return organisation is not None and organisation.is_published() and bool(
            organisation.publishes_social_value)

    def __repr__(self) -> str:
        return f"<QuarterlyReport {self.organisation_id} {self.financial_quarter.label}>"


class ReportRevision(db.Model):
    """One version of a report's entries: number 1 is the first submission; each correction
    is the next number. Submitted revisions are never changed again."""

    __tablename__ = "report_revisions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("quarterly_reports.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # What the organisation says it changed, for a correction.
    change_note: Mapped[str | None] = mapped_column(Text)

    report: Mapped[QuarterlyReport] = relationship(
        back_populates="revisions", foreign_keys=[report_id]
    )
    entries: Mapped[list["ReportEntry"]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="ReportEntry.id"
    )
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    submitted_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[submitted_by_id])

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ReportEntry(db.Model):
    """What was done for one measure in one revision, and the social value it is worth.

    The proxy value, its source and edition, and the gross and net figures are written when the
    revision is submitted and never again: a later catalogue change leaves them as they were.
    While the revision is a draft they follow the catalogue.
    """

    __tablename__ = "report_entries"
    __table_args__ = (UniqueConstraint("revision_id", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("report_revisions.id", ondelete="CASCADE"), index=True
    )
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    description: Mapped[str] = mapped_column(String(500))
    # A County Durham postcode or area name, as the organisation gave it (optional).
    location: Mapped[str | None] = mapped_column(String(60))
    # The County Durham area the location falls in, for totals by area (None when unknown).
    area: Mapped[str | None] = mapped_column(String(40), index=True)
    evidence_url: Mapped[str | None] = mapped_column(String(500))

    deadweight: Mapped[Decimal] = mapped_column(PERCENTAGE, default=Decimal(0))
    attribution: Mapped[Decimal] = mapped_column(PERCENTAGE, default=Decimal(0))
    displacement: Mapped[Decimal] = mapped_column(PERCENTAGE, default=Decimal(0))
    # Required when any deflator differs from the measure's default.
    deflator_reason: Mapped[str | None] = mapped_column(String(200))

    proxy_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    proxy_source: Mapped[str | None] = mapped_column(Text)
    proxy_edition: Mapped[str | None] = mapped_column(String(60))
    national_toms_code: Mapped[str | None] = mapped_column(String(12))
    national_toms_edition: Mapped[str | None] = mapped_column(String(60))
    gross: Mapped[Decimal | None] = mapped_column(MicroPounds())
    net: Mapped[Decimal | None] = mapped_column(MicroPounds())

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    revision: Mapped[ReportRevision] = relationship(back_populates="entries")
    measure: Mapped["Measure"] = relationship()  # noqa: F821
    evidence_files: Mapped[list["EvidenceFile"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EvidenceFile.id"
    )

    @property
    def deflators(self) -> Deflators:
        return Deflators(Decimal(self.deadweight), Decimal(self.attribution),
                         Decimal(self.displacement))

    @property
    def value(self) -> SocialValue | None:
        """The entry's figures: as frozen at submission, or as the catalogue gives them now."""
        if self.gross is not None and self.net is not None:
            return SocialValue(Decimal(self.gross), Decimal(self.net))
        if self.proxy_value is None:  # no proxy value for the year: reported, not valued
            return None
        return entry_value(Decimal(self.quantity), Decimal(self.proxy_value), self.deflators)


class CountedTotal(db.Model):
    """The counted entries' figures, summed by quarter, measure, area, typed location and
    whether staff checked the report: kept in step by reporting/summary.py. '' stands for no
    area or no location, so every key is a value the primary key can match on conflict."""

    __tablename__ = "counted_totals"

    financial_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True,
                                            autoincrement=False)
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    # As local needs match it: capitals, no spaces (reporting/summary.py `typed_location`).
    location: Mapped[str] = mapped_column(String(60), primary_key=True)
    checked: Mapped[bool] = mapped_column(primary_key=True)
    gross: Mapped[Decimal] = mapped_column(MicroPounds(), default=Decimal(0))
    net: Mapped[Decimal] = mapped_column(MicroPounds(), default=Decimal(0))
    entries: Mapped[int] = mapped_column(BigInteger, default=0)


class EvidenceFile(db.Model):
    """A PDF or image uploaded as evidence for an entry. The bytes live outside `static/`
    under `stored_name` (random); a correction's copy of an entry shares the same bytes."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("report_entries.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(64), index=True)
    # The name it was uploaded with, cleaned for a Content-Disposition header.
    original_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[ReportEntry] = relationship(back_populates="evidence_files")


class CheckOutcome(StrEnum):
    CHECKED = "checked"
    QUERIED = "queried"


class ReportCheck(db.Model):
    """A member of staff marked a revision checked, or queried it with a message."""

    __tablename__ = "report_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("quarterly_reports.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("report_revisions.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(10))
    message: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[QuarterlyReport] = relationship(back_populates="checks")
    revision: Mapped[ReportRevision] = relationship()
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class AnnualUpdate(db.Model):
    """The signatory's review of one pledge year, which renews it for the next.

    It keeps what was reported against each target when it was written, so the record reads
    the same after later corrections.
    """

    __tablename__ = "annual_updates"
    __table_args__ = (UniqueConstraint("organisation_id", "pledge_period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # The year reviewed, and the year it starts.
    pledge_period_id: Mapped[int] = mapped_column(
        ForeignKey("pledge_periods.id", ondelete="CASCADE"))
    next_period_id: Mapped[int | None] = mapped_column(
        ForeignKey("pledge_periods.id", ondelete="SET NULL"))
    # {"jobs": "What we did...", ...}: a short narrative per pledged theme.
    narratives: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"measure_code": ..., "target": "12", "reported": "10", "percent": "83"}, ...], strings.
    achieved: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    pledge_period: Mapped["PledgePeriod"] = relationship(  # noqa: F821
        foreign_keys=[pledge_period_id])
    next_period: Mapped["PledgePeriod | None"] = relationship(  # noqa: F821
        foreign_keys=[next_period_id])
    submitted_by: Mapped["User | None"] = relationship()  # noqa: F821


class CatalogueChange(db.Model):
    """Audit log of the measure catalogue: who changed what, when, from what to what, and why."""

    __tablename__ = "catalogue_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "measure" or "proxy_value", and what it is about (a measure code, plus a year).
    subject: Mapped[str] = mapped_column(String(20))
    measure_code: Mapped[str] = mapped_column(String(20), index=True)
    financial_year: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    # Changes made together (one CSV import) share a batch id.
    batch: Mapped[str | None] = mapped_column(String(32), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821
