"""Staff checks of submitted quarterly reports: find them, read them, mark one checked or query
it with a message to the organisation.

A check is about the revision that counts when staff read it. The form carries that revision's
id; if a correction replaced it meanwhile, or another member of staff decided first, the change
is refused with a message that says so (never a 500). Each decision is a ReportCheck row: who,
when, which revision, what outcome and message, which is the audit log of staff checks. The
organisation answers a query by correcting its report: submitting the correction sets the
report back to submitted (services.submit_report), ready to be checked again.
Services flush; the caller commits.
"""

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, func, select, type_coerce
from sqlalchemy.orm import joinedload, selectinload

from charter_app.accounts.models import Membership, User
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused, StateConflict, lock_for_update
from charter_app.organisations.models import Organisation
from charter_app.presentation import money, number
from charter_app.reporting import emails
from charter_app.reporting.calculations import SocialValue
from charter_app.reporting.models import (
    CheckOutcome,
    MicroPounds,
    QuarterlyReport,
    ReportCheck,
    ReportEntry,
    ReportRevision,
    ReportStatus,
)
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.services import FieldChange, revision_changes
from charter_app.signals import evidence_changed
from charter_app.timeutil import utcnow

PER_PAGE = 25
MAX_SEARCH_LENGTH = 100
MESSAGE_MAX_LENGTH = 2000
# The status filter: the report's own statuses, plus a correction under way (any status).
CORRECTING = "correcting"
STATUS_FILTERS = {
    ReportStatus.SUBMITTED.value: "Waiting to be checked",
    ReportStatus.QUERIED.value: "Queried",
    ReportStatus.CHECKED.value: "Checked",
    CORRECTING: "Correction under way",
}
# "2026-27" (a whole financial year) or "2026-27-q2" (one quarter).
_PERIOD = re.compile(r"(\d{4}-\d{2})(?:-q([1-4]))?\Z", re.IGNORECASE)


class RevisionReplaced(StateConflict):
    """The revision on the page no longer counts: a correction was submitted meanwhile."""

    def __init__(self, counted: ReportRevision | None):
        super().__init__("revision replaced")
        self.counted = counted


def parse_period(text: str) -> tuple[int, int | None] | None:
    """(financial year, quarter or None for the whole year) from "2026-27" or "2026-27-q2"."""
    match = _PERIOD.match((text or "").strip())
    if not match:
        return None
    try:
        quarter = FinancialQuarter.parse(match[1], int(match[2] or 1))
    except ValueError:
        return None
    return quarter.year, int(match[2]) if match[2] else None


def period_value(year: int, quarter: int | None = None) -> str:
    financial_year = FinancialQuarter(year, 1).financial_year
    return f"{financial_year}-q{quarter}" if quarter else financial_year


@dataclass(frozen=True)
class ReportFilter:
    """The staff list's filters, read from the query string; values not offered are ignored."""

    period: str = ""  # "", "2026-27" or "2026-27-q2"
    status: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "ReportFilter":
        period = args.get("period", "").strip().lower()
        status = args.get("status", "").strip()
        try:
            page = max(1, min(int(args.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        # Control characters mean nothing in a search, and PostgreSQL refuses NUL outright.
        q = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", args.get("q", "")).split())
        return cls(period=period if parse_period(period) else "",
                   status=status if status in STATUS_FILTERS else "",
                   q=q[:MAX_SEARCH_LENGTH], page=page)

    @property
    def is_filtered(self) -> bool:
        return bool(self.period or self.status or self.q)

    def params(self, **changes) -> dict:
        values = {"period": self.period, "status": self.status, "q": self.q,
                  "page": self.page if self.page > 1 else None, **changes}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class ReportRow:
    report: QuarterlyReport
    organisation: Organisation
    revision: ReportRevision
    value: SocialValue

    @property
    def correcting(self) -> bool:
        return self.report.draft_revision_id is not None


@dataclass
class ReportPage:
    rows: list[ReportRow]
    page: int
    pages: int
    total: int
    report_filter: ReportFilter = field(default_factory=ReportFilter)


def _revision_sums():
    """Gross and net of each revision, added up by the database (one row per revision)."""
    return (
        select(ReportEntry.revision_id,
               func.coalesce(func.sum(ReportEntry.gross), 0).label("gross"),
               func.coalesce(func.sum(ReportEntry.net), 0).label("net"))
        .group_by(ReportEntry.revision_id)
        .subquery()
    )


def _filtered(report_filter: ReportFilter) -> Select:
    statement = (
        select(QuarterlyReport.id)
        .join(Organisation, QuarterlyReport.organisation_id == Organisation.id)
        .join(ReportRevision, QuarterlyReport.submitted_revision_id == ReportRevision.id)
    )
    period = parse_period(report_filter.period)
    if period is not None:
        year, quarter = period
        statement = statement.where(QuarterlyReport.financial_year == year)
        if quarter is not None:
            statement = statement.where(QuarterlyReport.quarter == quarter)
    if report_filter.status == CORRECTING:
        statement = statement.where(QuarterlyReport.draft_revision_id.is_not(None))
    elif report_filter.status:
        statement = statement.where(QuarterlyReport.status == report_filter.status)
    for word in report_filter.q.lower().split()[:8]:
        statement = statement.where(
            func.lower(Organisation.name).contains(word, autoescape=True))
    return statement


def submitted_reports(report_filter: ReportFilter, per_page: int = PER_PAGE) -> ReportPage:
    """Submitted reports, newest submission first, with each one's gross and net: three
    statements whatever the page size (count, rows with sums, nothing loaded lazily)."""
    ids = _filtered(report_filter)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(report_filter.page, pages)
    sums = _revision_sums()
    statement = (
        ids.with_only_columns(QuarterlyReport, Organisation, ReportRevision,
                              type_coerce(func.coalesce(sums.c.gross, 0), MicroPounds()),
                              type_coerce(func.coalesce(sums.c.net, 0), MicroPounds()))
        .outerjoin(sums, sums.c.revision_id == ReportRevision.id)
        .order_by(ReportRevision.submitted_at.desc(), QuarterlyReport.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    rows = [
        ReportRow(report, organisation, revision, SocialValue(gross, net))
        for report, organisation, revision, gross, net in db.session.execute(statement)
    ]
    return ReportPage(rows, page, pages, total, report_filter)


def period_choices() -> list[tuple[str, str]]:
    """The financial years and quarters that have submitted reports, newest first."""
    quarters = db.session.execute(
        select(QuarterlyReport.financial_year, QuarterlyReport.quarter).distinct()
        .where(QuarterlyReport.submitted_revision_id.is_not(None))
        .order_by(QuarterlyReport.financial_year.desc(), QuarterlyReport.quarter.desc())
    ).all()
    choices: list[tuple[str, str]] = []
    years_listed: set[int] = set()
    for year, quarter in quarters:
        if year not in years_listed:
            years_listed.add(year)
            choices.append((period_value(year),
                            f"{FinancialQuarter(year, 1).financial_year}, whole year"))
        choices.append((period_value(year, quarter), FinancialQuarter(year, quarter).label))
    return choices


def report_for_staff(report_id: int) -> QuarterlyReport | None:
    """A submitted report with what its staff page shows, loaded in a few statements."""
    return db.session.scalar(
        select(QuarterlyReport)
        .where(QuarterlyReport.id == report_id,
               QuarterlyReport.submitted_revision_id.is_not(None))
        .options(
            joinedload(QuarterlyReport.organisation),
            selectinload(QuarterlyReport.revisions).options(
                joinedload(ReportRevision.submitted_by),
                selectinload(ReportRevision.entries).options(
                    joinedload(ReportEntry.measure),
                    selectinload(ReportEntry.evidence_files),
                ),
            ),
            selectinload(QuarterlyReport.checks).options(
                joinedload(ReportCheck.actor), joinedload(ReportCheck.revision)),
        )
    )


@dataclass(frozen=True)
class HistoryItem:
    revision: ReportRevision
    changes: list["ChangeText"]  # from the revision before it (empty for the first)
    counted: bool


def revision_history(report: QuarterlyReport) -> list[HistoryItem]:
    """Every submitted revision, newest first, with what each changed from the one before."""
    submitted = [revision for revision in report.revisions if revision.is_submitted]
    history = []
    for before, after in zip([None, *submitted], submitted, strict=False):
        changes = ([change_text(change) for change in revision_changes(before, after)]
                   if before is not None else [])
        history.append(HistoryItem(after, changes,
                                   after.id == report.submitted_revision_id))
    return history[::-1]


def _locked_counted(report: QuarterlyReport, revision_id: int,
                    wanted: ReportStatus) -> ReportRevision:
    """Lock the report; refuse if the revision on the page is no longer the one that counts,
    or if the report already has the wanted outcome for it."""
    locked = lock_for_update(QuarterlyReport, report.id)
    if locked is None or locked.submitted_revision_id is None:
        raise RevisionReplaced(None)
    # By id: the report row was re-read under the lock, its relationships may be older.
    counted = db.session.get(ReportRevision, locked.submitted_revision_id)
    if counted.id != revision_id:
        raise RevisionReplaced(counted)
    if locked.status == wanted:
        raise StateChangeRefused(ReportStatus(locked.status), wanted)
    return counted


def check_report(report: QuarterlyReport, revision_id: int, actor: User) -> ReportCheck:
    """Staff read the counted revision and its evidence and found it right."""
    revision = _locked_counted(report, revision_id, ReportStatus.CHECKED)
    check = ReportCheck(revision=revision, outcome=CheckOutcome.CHECKED, actor=actor,
                        created_at=utcnow())
    report.checks.append(check)
    report.status = ReportStatus.CHECKED
    db.session.flush()
    evidence_changed.send(report.organisation_id, now=check.created_at)
    return check


def query_report(report: QuarterlyReport, revision_id: int, actor: User,
                 message: str) -> ReportCheck:
    """Staff ask the organisation about the counted revision; every member is emailed the
    message with a link to the report, and answers by correcting it."""
    message = (message or "").strip()
    if not message:
        raise ValueError("A query needs a message for the organisation")
    revision = _locked_counted(report, revision_id, ReportStatus.QUERIED)
    check = ReportCheck(revision=revision, outcome=CheckOutcome.QUERIED, message=message,
                        actor=actor, created_at=utcnow())
    report.checks.append(check)
    report.status = ReportStatus.QUERIED
    db.session.flush()
    evidence_changed.send(report.organisation_id, now=check.created_at)
    for member in members_of(report.organisation_id):
        emails.report_queried(report, check, member)
    return check


def members_of(organisation_id: int) -> list[User]:
    """Everyone who can act for the organisation, with an account still in use."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.deactivated_at.is_(None))
        .order_by(User.id)
    ))


# What each field of revision_changes is called on the page, and how its values are shown.
CHANGE_LABELS = {
    "entry": "Entry",
    "quantity": "Quantity",
    "description": "What was done",
    "location": "Where",
    "evidence_url": "Evidence link",
    "deadweight": "Deadweight (%)",
    "attribution": "Attribution (%)",
    "displacement": "Displacement (%)",
    "deflator_reason": "Reason for the percentages",
    "proxy_value": "Proxy value (£ per unit)",
    "gross": "Gross (£)",
    "net": "Net (£)",
}


@dataclass(frozen=True)
class ChangeText:
    measure_code: str
    label: str
    before: str
    after: str


def _value_text(field_name: str, value) -> str:
    if value is None or value == "":
        return "none"
    if field_name in ("gross", "net"):
        return money(value)  # to the penny, as every page shows figures
    if field_name == "proxy_value":
        return money(value, 4 if Decimal(value) * 100 % 1 else 2)
    if isinstance(value, Decimal):
        return number(value)
    return str(value)


def change_text(change: FieldChange) -> ChangeText:
    """A change between revisions in words: 'Quantity: 4 -> 6'; an entry 'added' or 'removed'."""
    label = CHANGE_LABELS.get(change.field, change.field)
    if change.field == "entry":
        return ChangeText(change.measure.code, label, "", str(change.after))
    return ChangeText(change.measure.code, label, _value_text(change.field, change.before),
                      _value_text(change.field, change.after))
