"""Case studies: social value delivered in County Durham, told by a signatory or a partner.

A case study belongs to exactly one organisation: a signatory (`organisation_id`) or a partner
(`partner_id`), never both, never neither (a check constraint says so). Its state moves
draft -> submitted -> published | changes_requested | rejected, and changes_requested ->
submitted again; `version` is the compare-and-set token every change and decision names, so two
staff deciding at once never both win.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow

SLUG_LENGTH = 80
TITLE_LENGTH = 150
SUMMARY_LENGTH = 300
BODY_LENGTH = 20_000
MESSAGE_LENGTH = 1_000
AREA_LENGTH = 40
ALT_LENGTH = 250
CAPTION_LENGTH = 300
URL_LENGTH = 300
VIDEO_TITLE_LENGTH = 150
MAX_IMAGES = 6
MAX_VIDEOS = 3


class CaseStudyStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"


STATUS_LABELS = {
    CaseStudyStatus.DRAFT: "Draft",
    CaseStudyStatus.SUBMITTED: "Waiting for review",
    CaseStudyStatus.CHANGES_REQUESTED: "Changes requested",
    CaseStudyStatus.PUBLISHED: "Published",
    CaseStudyStatus.REJECTED: "Rejected",
}


class CaseStudy(db.Model):
    __tablename__ = "case_studies"
    __table_args__ = (
        CheckConstraint("(organisation_id IS NULL) <> (partner_id IS NULL)",
                        name="one_organisation"),
        Index("ix_case_studies_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(String(AREA_LENGTH), index=True)
    summary: Mapped[str] = mapped_column(String(SUMMARY_LENGTH))
    body: Mapped[str] = mapped_column(Text)  # Markdown, sanitised when shown
    status: Mapped[str] = mapped_column(String(20), default=CaseStudyStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    # Written by staff (who may publish it without submitting it to themselves).
    by_staff: Mapped[bool] = mapped_column(default=False)
    # Staff's last word: the changes asked for, or why it was rejected.
    decision_message: Mapped[str | None] = mapped_column(String(MESSAGE_LENGTH))

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    partner: Mapped["Partner | None"] = relationship()  # noqa: F821
    submitted_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[submitted_by_id])
    themes: Mapped[list["CaseStudyTheme"]] = relationship(
        cascade="all, delete-orphan", order_by="CaseStudyTheme.theme")
    measures: Mapped[list["CaseStudyMeasure"]] = relationship(
        cascade="all, delete-orphan", order_by="CaseStudyMeasure.measure_id")
    images: Mapped[list["CaseStudyImage"]] = relationship(
        cascade="all, delete-orphan", order_by="CaseStudyImage.id")
    videos: Mapped[list["CaseStudyVideo"]] = relationship(
        cascade="all, delete-orphan", order_by="CaseStudyVideo.position")

    # Every UPDATE says "WHERE version = <the version read>" (compare-and-set): see
    # hub/case_studies.py.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    # A signatory's public profile lists its published case studies (see directory/cache.py).
    feeds_public_content = ("directory",)

    def is_published(self) -> bool:
        """Public now, or until this change (an edit that takes it back to a draft)."""
        if self.status == CaseStudyStatus.PUBLISHED:
            return True
        history = inspect(self).attrs.status.history
        return CaseStudyStatus.PUBLISHED in (history.deleted or ())

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[CaseStudyStatus(self.status)]

    @property
    def owner_name(self) -> str:
        owner = self.organisation or self.partner
        return owner.name if owner else ""

    @property
    def theme_codes(self) -> list[str]:
        return [row.theme for row in self.themes]

    def __repr__(self) -> str:
        return f"<CaseStudy {self.slug} {self.status}>"


class CaseStudyTheme(db.Model):
    __tablename__ = "case_study_themes"

    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)


class CaseStudyMeasure(db.Model):
    __tablename__ = "case_study_measures"

    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)

    measure: Mapped["Measure"] = relationship()  # noqa: F821


class CaseStudyImage(db.Model):
    """One picture, stored at each of `widths` as <stored_name>-<width>.<ext> in UPLOAD_DIR."""

    __tablename__ = "case_study_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(32), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    widths: Mapped[str] = mapped_column(String(40))  # "480,960,1600"
    size_bytes: Mapped[int]
    alt: Mapped[str] = mapped_column(String(ALT_LENGTH))
    caption: Mapped[str | None] = mapped_column(String(CAPTION_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def width_list(self) -> list[int]:
        return [int(width) for width in self.widths.split(",")]


class CaseStudyVideo(db.Model):
    """A link to a video elsewhere, never embedded, with where to read its words."""

    __tablename__ = "case_study_videos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(VIDEO_TITLE_LENGTH))
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    transcript_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
