"""Filing a quarterly report: start it, add entries through the quarter, submit, correct.

A report's entries belong to a revision. The draft revision is edited; submitting it freezes
each entry's proxy value, source, edition and figures, and makes it the revision that counts.
A correction copies the counted revision into a new draft, which replaces it when submitted;
every earlier revision stays. Services flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from charter_app.extensions import db
from charter_app.locking import StateChangeRefused, insert_unless_taken, lock_for_update
from charter_app.organisations.data_postcodes import AREAS
from charter_app.organisations.eligibility import locate, normalise_postcode
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.catalogue import active_measures
from charter_app.pledges.models import Measure, PledgePeriod, ProxyValue
from charter_app.reporting import summary  # noqa: F401  (keeps counted_totals in step)
from charter_app.reporting.calculations import Deflators, SocialValue, entry_value
from charter_app.reporting.models import (
    EvidenceFile,
    QuarterlyReport,
    ReportEntry,
    ReportRevision,
    ReportStatus,
    exact_pounds,
)
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.signals import evidence_changed
from charter_app.timeutil import london_date, utcnow

# Signatories in these states report; a suspended or withdrawn one cannot.
REPORTING_STATUSES = frozenset({ApplicationStatus.APPROVED, ApplicationStatus.LAPSED})
DEFLATOR_NAMES = ("deadweight", "attribution", "displacement")


class ReportRefused(Exception):
    """A change the rules do not allow; the message is for the person who tried it."""


class EntryInvalid(ReportRefused):
    """One field of an entry is wrong; the message goes beside that field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class ReportExists(ReportRefused):
    def __init__(self, report: QuarterlyReport):
        super().__init__(f"There is already a report for {report.financial_quarter.label}.")
        self.report = report


def _today(today: date | None) -> date:
    return today or london_date(utcnow())


def first_quarter(organisation: Organisation) -> FinancialQuarter | None:
    """The quarter the signatory was approved in: the first it reports for."""
    if organisation.approved_at is None:
        return None
    return FinancialQuarter.containing(london_date(organisation.approved_at))


def reportable_quarters(organisation: Organisation,
                        today: date | None = None) -> list[FinancialQuarter]:
    """Every quarter from the one approval fell in to the one running today, oldest first."""
    quarter, last = first_quarter(organisation), FinancialQuarter.containing(_today(today))
    quarters = []
    while quarter is not None and quarter <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def period_holding(organisation: Organisation, quarter: FinancialQuarter) -> PledgePeriod | None:
    """The pledge period a quarter counts towards: the one that holds its last day."""
    for period in organisation.pledge_periods:
        if period.starts_on and period.starts_on <= quarter.ends_on <= period.ends_on:
            return period
    return None


def find_report(organisation: Organisation, quarter: FinancialQuarter) -> QuarterlyReport | None:
    return db.session.scalar(select(QuarterlyReport).where(
        QuarterlyReport.organisation_id == organisation.id,
        QuarterlyReport.financial_year == quarter.year,
        QuarterlyReport.quarter == quarter.number,
    ))


def reports_by_quarter(organisation: Organisation) -> dict[FinancialQuarter, QuarterlyReport]:
    reports = db.session.scalars(select(QuarterlyReport).where(
        QuarterlyReport.organisation_id == organisation.id))
    return {report.financial_quarter: report for report in reports}


def refusal_to_start(organisation: Organisation, quarter: FinancialQuarter,
                     today: date | None = None) -> str | None:
    """Why a report for the quarter cannot be started today, in words for the page (None: it
    can). The pages ask before offering a "Start report" button; start_report asks again."""
    if organisation.status not in REPORTING_STATUSES:
        return "Only a signatory of the Charter can report social value."
    if _today(today) < quarter.starts_on:
        return f"{quarter.label} has not started yet: you can report from its first day."
    first = first_quarter(organisation)
    if first is not None and quarter < first:
        return f"{quarter.label} is before you signed the Charter."
    return None


def start_report(organisation: Organisation, quarter: FinancialQuarter, actor,
                 today: date | None = None) -> QuarterlyReport:
    """A new draft report for the quarter, from its first day. ReportExists when another
    request (or an earlier visit) started it first."""
    refusal = refusal_to_start(organisation, quarter, today)
    if refusal:
        raise ReportRefused(refusal)
    period = period_holding(organisation, quarter)
    report = insert_unless_taken(
        QuarterlyReport, ("organisation_id", "financial_year", "quarter"),
        organisation_id=organisation.id, financial_year=quarter.year, quarter=quarter.number,
        pledge_period_id=period.id if period else None, status=ReportStatus.DRAFT,
        created_at=utcnow(), updated_at=utcnow(),
    )
    if report is None:
        raise ReportExists(find_report(organisation, quarter))
    _new_revision(report, actor)
    return report


def _new_revision(report: QuarterlyReport, actor) -> ReportRevision:
    number = 1 + max((revision.number for revision in report.revisions), default=0)
    revision = ReportRevision(number=number, created_by=actor)
    report.revisions.append(revision)
    db.session.flush()
    report.draft_revision = revision
    db.session.flush()
    return revision


def measures_for(report: QuarterlyReport) -> tuple[list[Measure], list[Measure]]:
    """The measures pledged in the quarter's pledge year, then every other active one."""
    pledged = [pledge.measure for pledge in report.pledge_period.pledges] \
        if report.pledge_period else []
    pledged_ids = {measure.id for measure in pledged}
    others = [measure for measure in active_measures() if measure.id not in pledged_ids]
    return pledged, others


def proxy_for(measure: Measure, financial_year: int) -> ProxyValue | None:
    """The measure's proxy value for a financial year, if one has been set."""
    for proxy in measure.proxy_values:
        if proxy.financial_year == financial_year and proxy.value is not None:
            return proxy
    return None


def default_deflators(measure: Measure) -> Deflators:
    return Deflators(Decimal(measure.default_deadweight), Decimal(measure.default_attribution),
                     Decimal(measure.default_displacement))


def preview_value(measure: Measure, financial_year: int, quantity: Decimal,
                  deflators: Deflators) -> SocialValue | None:
    """What an entry would be worth now: the same sum submit freezes (None: no proxy yet)."""
    proxy = proxy_for(measure, financial_year)
    if proxy is None:
        return None
    return entry_value(quantity, Decimal(proxy.value), deflators)


@dataclass
class EntryInput:
    measure_id: int
    quantity: Decimal
    description: str
    location: str | None = None
    evidence_url: str | None = None
    deadweight: Decimal | None = None  # None: the measure's default
    attribution: Decimal | None = None
    displacement: Decimal | None = None
    deflator_reason: str | None = None


def locate_in_county(location: str | None) -> str | None:
    """The County Durham area a postcode or area name points to (None when it does not)."""
    if not location:
        return None
    for area in AREAS:
        if location.strip().casefold() == area.casefold():
            return area
    postcode = normalise_postcode(location)
    return locate(postcode).area if postcode else None


def _draft_of(report: QuarterlyReport) -> ReportRevision:
    lock_for_update(QuarterlyReport, report.id)
    if report.draft_revision is None:
        raise StateChangeRefused(ReportStatus(report.status), ReportStatus.DRAFT)
    return report.draft_revision


def save_entry(report: QuarterlyReport, data: EntryInput, actor) -> ReportEntry:
    """Add or replace the draft's entry for one measure. EntryInvalid names the bad field."""
    revision = _draft_of(report)
    measure = db.session.get(Measure, data.measure_id)
    if measure is None:
        raise EntryInvalid("measure_id", "Choose a measure from the list")
    existing = next((entry for entry in revision.entries
                     if entry.measure_id == measure.id), None)
    if not measure.active and existing is None:
        raise EntryInvalid("measure_id", f"{measure.name} is no longer reported")
    quantity = data.quantity
    if quantity is None or not quantity.is_finite() or quantity < 0:
        raise EntryInvalid("quantity", "Enter a quantity of 0 or more")
    if quantity > measure.plausible_max:
        raise EntryInvalid(
            "quantity", f"Enter a quantity no more than {measure.plausible_max:,f}, the most "
            f"this measure allows in a quarter; if yours is right, contact Business Durham")
    defaults = default_deflators(measure)
    chosen = {name: getattr(data, name) if getattr(data, name) is not None
              else getattr(defaults, name) for name in DEFLATOR_NAMES}
    for name, value in chosen.items():
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise EntryInvalid(name, f"Enter {name} as a percentage from 0 to 100")
    changed = any(chosen[name] != getattr(defaults, name) for name in DEFLATOR_NAMES)
    reason = (data.deflator_reason or "").strip() or None
    if changed and not reason:
        raise EntryInvalid("deflator_reason",
                           "Say in a line why you changed the suggested percentages")
    entry = existing or ReportEntry(measure=measure)
    entry.quantity = quantity
    entry.description = data.description
    entry.location = data.location or None
    entry.area = locate_in_county(data.location)
    entry.evidence_url = data.evidence_url or None
    entry.deadweight, entry.attribution, entry.displacement = (
        chosen["deadweight"], chosen["attribution"], chosen["displacement"])
    entry.deflator_reason = reason if changed else None
    _follow_catalogue(entry, measure, report.financial_year)
    if existing is None:
        revision.entries.append(entry)
    db.session.flush()
    return entry


def _follow_catalogue(entry: ReportEntry, measure: Measure, financial_year: int) -> None:
    """A draft entry shows today's proxy value; its figures are left to be worked out live."""
    proxy = proxy_for(measure, financial_year)
    entry.proxy_value = proxy.value if proxy else None
    entry.proxy_source = proxy.source if proxy else None
    entry.proxy_edition = proxy.edition if proxy else None
    entry.national_toms_code = measure.national_toms_code
    entry.national_toms_edition = measure.national_toms_edition
    entry.gross = entry.net = None


def remove_entry(report: QuarterlyReport, entry_id: int) -> None:
    revision = _draft_of(report)
    for entry in revision.entries:
        if entry.id == entry_id:
            revision.entries.remove(entry)
            db.session.flush()
            return
    raise ReportRefused("That entry is not in this draft (perhaps it was removed already).")


def submit_report(report: QuarterlyReport, actor, change_note: str | None = None) -> ReportRevision:
    """Lock the draft: freeze every entry's proxy value and figures, and make it count."""
    revision = _draft_of(report)
    if report.submitted_revision is not None and not (change_note or "").strip():
        raise EntryInvalid("change_note", "Say briefly what this correction changes")
    for entry in revision.entries:
        _follow_catalogue(entry, entry.measure, report.financial_year)
        # A measure with no proxy value for the year (local spend awaits a local multiplier)
        # is still reported, and counts towards its target, but is given no value in pounds.
        if entry.proxy_value is not None:
            value = entry_value(Decimal(entry.quantity), Decimal(entry.proxy_value),
                                entry.deflators)
            entry.gross, entry.net = exact_pounds(value.gross), exact_pounds(value.net)
    now = utcnow()
    revision.submitted_at, revision.submitted_by = now, actor
    revision.change_note = (change_note or "").strip() or None
    report.submitted_revision = revision
    report.draft_revision = None
    report.status = ReportStatus.SUBMITTED
    report.first_submitted_at = report.first_submitted_at or now
    db.session.flush()
    evidence_changed.send(report.organisation_id, now=now)
    return revision


def start_correction(report: QuarterlyReport, actor) -> ReportRevision:
    """A new draft revision copied from the one that counts; it replaces it when submitted."""
    lock_for_update(QuarterlyReport, report.id)
    if report.draft_revision is not None:
        return report.draft_revision
    if report.submitted_revision is None:
        raise StateChangeRefused(ReportStatus(report.status), ReportStatus.SUBMITTED)
    counted = report.submitted_revision
    revision = _new_revision(report, actor)
    for entry in counted.entries:
        copy = ReportEntry(
            measure=entry.measure, quantity=entry.quantity, description=entry.description,
            location=entry.location, area=entry.area, evidence_url=entry.evidence_url,
            deadweight=entry.deadweight, attribution=entry.attribution,
            displacement=entry.displacement, deflator_reason=entry.deflator_reason,
        )
        _follow_catalogue(copy, entry.measure, report.financial_year)
        # The same stored bytes: evidence already given stays with the corrected entry.
        copy.evidence_files = [
            EvidenceFile(stored_name=file.stored_name, original_name=file.original_name,
                         content_type=file.content_type, size_bytes=file.size_bytes,
                         sha256=file.sha256, uploaded_by_id=file.uploaded_by_id,
                         created_at=file.created_at)
            for file in entry.evidence_files
        ]
        revision.entries.append(copy)
    db.session.flush()
    return revision


def discard_draft(report: QuarterlyReport) -> None:
    """Throw away a correction under way; a report never submitted keeps its draft."""
    revision = _draft_of(report)
    if report.submitted_revision is None:
        raise ReportRefused("A report that was never submitted keeps its draft.")
    report.draft_revision = None
    db.session.flush()
    report.revisions.remove(revision)
    db.session.flush()


@dataclass(frozen=True)
class FieldChange:
    measure: Measure
    field: str
    before: object
    after: object


REVISION_FIELDS = ("quantity", "description", "location", "evidence_url", "deadweight",
                   "attribution", "displacement", "deflator_reason", "proxy_value", "gross",
                   "net")


def revision_changes(before: ReportRevision, after: ReportRevision) -> list[FieldChange]:
    """What a correction changed, entry by entry (an added or removed entry shows as such)."""
    old = {entry.measure_id: entry for entry in before.entries}
    new = {entry.measure_id: entry for entry in after.entries}
    changes = []
    for measure_id in sorted(old.keys() | new.keys()):
        was, now = old.get(measure_id), new.get(measure_id)
        measure = (now or was).measure
        if was is None or now is None:
            changes.append(FieldChange(measure, "entry", "none" if was is None else "reported",
                                       "removed" if now is None else "added"))
            continue
        for field in REVISION_FIELDS:
            if getattr(was, field) != getattr(now, field):
                changes.append(FieldChange(measure, field, getattr(was, field),
                                           getattr(now, field)))
    return changes
