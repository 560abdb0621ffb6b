"""Staff publish the collective quarterly report: a draft (commentary and highlights, the live
figures previewed), then publishing, which freezes the figures for good. A correction is a new
version of the quarter's report with a note of what changed. Services flush, never commit."""

from datetime import date, datetime

from sqlalchemy import func, select, update

from charter_app.extensions import db
from charter_app.locking import StateConflict, insert_unless_taken
from charter_app.presentation import uk_date
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports.figures import as_snapshot, report_figures
from charter_app.reports.models import (
    CHANGE_NOTE_MAX_LENGTH,
    COMMENTARY_MAX_LENGTH,
    HIGHLIGHTS_MAX_LENGTH,
    CollectiveReport,
    CollectiveReportStatus,
)

PUBLISHED = CollectiveReportStatus.PUBLISHED
DRAFT = CollectiveReportStatus.DRAFT


class PublishingRefused(StateConflict):
    """A clear reason shown to staff: nothing was changed."""


def is_closed(quarter: FinancialQuarter, today: date) -> bool:
    """The quarter's reporting window has closed: every report was due by its due day."""
    return today > quarter.due_on


def versions(quarter: FinancialQuarter) -> list[CollectiveReport]:
    """Every version of the quarter's report, the newest first."""
    return list(db.session.scalars(
        select(CollectiveReport).where(CollectiveReport.financial_year == quarter.year,
                                       CollectiveReport.quarter == quarter.number)
        .order_by(CollectiveReport.version.desc())))


def latest_published(quarter: FinancialQuarter,
                     version: int | None = None) -> CollectiveReport | None:
    statement = select(CollectiveReport).where(
        CollectiveReport.financial_year == quarter.year,
        CollectiveReport.quarter == quarter.number, CollectiveReport.status == PUBLISHED)
    if version is not None:
        statement = statement.where(CollectiveReport.version == version)
    return db.session.scalar(statement.order_by(CollectiveReport.version.desc()).limit(1))


def published_reports() -> list[CollectiveReport]:
    """The latest published version of each quarter's report, the newest quarter first."""
    latest = (select(CollectiveReport.financial_year, CollectiveReport.quarter,
                     func.max(CollectiveReport.version).label("version"))
              .where(CollectiveReport.status == PUBLISHED)
              .group_by(CollectiveReport.financial_year, CollectiveReport.quarter).subquery())
    return list(db.session.scalars(
        select(CollectiveReport).join(latest, (CollectiveReport.financial_year
                                               == latest.c.financial_year)
                                      & (CollectiveReport.quarter == latest.c.quarter)
                                      & (CollectiveReport.version == latest.c.version))
        .order_by(CollectiveReport.financial_year.desc(), CollectiveReport.quarter.desc())))


def draft_of(quarter: FinancialQuarter) -> CollectiveReport | None:
    return next((report for report in versions(quarter) if report.status == DRAFT), None)


def start_draft(quarter: FinancialQuarter, today: date) -> CollectiveReport:
    """The quarter's draft: the one under way, or a new version after the last published."""
    if not is_closed(quarter, today):
        raise PublishingRefused(
            f"The {quarter.label} report can be drafted once its reports are all due, after "
            f"{uk_date(quarter.due_on)}.")
    existing = draft_of(quarter)
    if existing is not None:
        return existing
    newest = versions(quarter)
    number = newest[0].version + 1 if newest else 1
    report = insert_unless_taken(
        CollectiveReport, ("financial_year", "quarter", "version"),
        financial_year=quarter.year, quarter=quarter.number, version=number, status=DRAFT,
        commentary="", highlights="")
    # Another member of staff started the same draft at the same moment: use theirs.
    return report or draft_of(quarter)


def save_draft(report: CollectiveReport, commentary: str, highlights: str,
               change_note: str | None) -> None:
    if report.status != DRAFT:
        raise PublishingRefused("This version is published and cannot change: start a "
                                "correction.")
    for text, limit, what in ((commentary, COMMENTARY_MAX_LENGTH, "The commentary"),
                              (highlights, HIGHLIGHTS_MAX_LENGTH, "The highlights"),
                              (change_note or "", CHANGE_NOTE_MAX_LENGTH, "The note")):
        if len(text) > limit:
            raise PublishingRefused(f"{what} must be {limit:,} characters or fewer.")
    report.commentary = commentary.strip()
    report.highlights = highlights.strip()
    report.change_note = (change_note or "").strip() or None
    db.session.flush()


def publish(report: CollectiveReport, actor, now: datetime) -> CollectiveReport:
    """Freeze the figures and publish, once: of two staff publishing at once, one does."""
    if report.version > 1 and not report.change_note:
        raise PublishingRefused("Say what this correction changes before publishing it.")
    snapshot = as_snapshot(report_figures(report.financial_quarter))
    published = db.session.execute(
        update(CollectiveReport)
        .where(CollectiveReport.id == report.id, CollectiveReport.status == DRAFT)
        .values(status=PUBLISHED, snapshot=snapshot, published_at=now,
                published_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(report)
    if not published:
        raise PublishingRefused(f"Version {report.version} of the {report.financial_quarter.label}"
                                f" report was already published. Nothing has changed.")
    return report
