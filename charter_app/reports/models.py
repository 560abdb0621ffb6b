"""The collective quarterly progress report, as staff publish it: one row per version of a
quarter's report. A draft holds staff's commentary and highlights while they preview the live
figures; publishing freezes the figures into `snapshot` for good. A correction is a new version
with a note of what changed; the earlier versions stay public."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import UTCDateTime, utcnow

COMMENTARY_MAX_LENGTH = 4000
HIGHLIGHTS_MAX_LENGTH = 4000
CHANGE_NOTE_MAX_LENGTH = 500


class CollectiveReportStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class CollectiveReport(db.Model):
    __tablename__ = "collective_reports"
    __table_args__ = (
        Index("uq_collective_reports_quarter_version", "financial_year", "quarter", "version",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int]
    quarter: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default=CollectiveReportStatus.DRAFT)
    commentary: Mapped[str] = mapped_column(Text, default="")
    highlights: Mapped[str] = mapped_column(Text, default="")
    change_note: Mapped[str | None] = mapped_column(String(CHANGE_NOTE_MAX_LENGTH))
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    published_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def financial_quarter(self) -> FinancialQuarter:
        return FinancialQuarter(self.financial_year, self.quarter)

    @property
    def is_published(self) -> bool:
        return self.status == CollectiveReportStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<CollectiveReport {self.financial_quarter.label} v{self.version} {self.status}>"
