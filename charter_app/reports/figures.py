"""Every figure of the collective quarterly progress report, from one place: the report page,
its CSV, JSON and PDF, and (later) the staff insights and the bid statement read these.

Sums come from the database by SQL grouping (reporting/totals.py: exact, in whole millionths of
a pound), a fixed number of statements whatever the number of signatories or entries. A
snapshot (`as_snapshot`) is plain JSON, amounts as decimal strings, so a published report is
frozen exactly as it was published.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, select

from charter_app.events.models import Event, EventStatus, Registration
from charter_app.extensions import db
from charter_app.organisations.models import LISTED_STATUSES, Organisation
from charter_app.pledges.models import Measure, Pledge
from charter_app.reporting.models import QuarterlyReport, ReportEntry
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.totals import Figures, ProxyUsed, proxies_used, totals_by
from charter_app.reports import local_needs
from charter_app.timeutil import LONDON

UNALLOCATED = "unallocated"  # entries with no County Durham area
GROUPS = ("theme", "measure", "area")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LONDON)


def previous_quarter(quarter: FinancialQuarter) -> FinancialQuarter:
    if quarter.number == 1:
        return FinancialQuarter(quarter.year - 1, 4)
    return FinancialQuarter(quarter.year, quarter.number - 1)


@dataclass(frozen=True)
class TargetProgress:
    """All signatories' targets for one measure, in its unit, against what they reported."""

    measure_code: str
    pledges: int
    target: Decimal
    reported: Decimal
    met: int  # pledges whose reported quantity reached the target


@dataclass(frozen=True)
class ReportFigures:
    quarter: FinancialQuarter
    signatories: int  # listed (approved or lapsed) and approved by the quarter's end
    new_signatories: int  # approved during the quarter
    reports_received: int  # reports for the quarter, submitted
    organisations_at_events: int  # signatories with someone checked in at an event that quarter
    # Figures by theme, measure code and area, for the quarter, the year to date, and the quarter
    # before (the change); each dict's None key is the total.
    quarter_figures: dict[str, dict]
    year_to_date: dict[str, dict]
    previous: dict[str, dict]
    targets: list[TargetProgress]
    # Value by local need (reports/local_needs.py), for the quarter ("quarter_figures") and the
    # year to date ("year_to_date"): band (or "unallocated") -> Figures, None: the total.
    by_band: dict[str, dict] = field(default_factory=dict)
    # The data the bands come from: edition and sources (None before any import).
    local_needs_data: dict | None = None
    # Value by small area (LSOA code -> (decile, Figures)), per period as by_band: the map.
    by_small_area: dict[str, dict] = field(default_factory=dict)

    @property
    def total(self) -> Figures:
        return self.quarter_figures["theme"].get(None, Figures())

    @property
    def checked_share(self) -> Decimal | None:
        """The share of the quarter's gross value from reports staff checked (0 to 1)."""
        total = self.total
        return None if not total.gross else total.checked_gross / total.gross


def _grouped(first: FinancialQuarter, last: FinancialQuarter,
             organisation_id: int | None = None) -> dict[str, dict]:
    """By theme, measure code and area (None key: the total), three statements; every
    signatory's, or one organisation's."""
    codes = dict(db.session.execute(select(Measure.id, Measure.code)).tuples().all())
    result = {}
    for group in GROUPS:
        rows = totals_by(group, organisation_id=organisation_id, first=first, last=last)
        if group == "measure":
            rows = {codes[measure_id]: figures for measure_id, figures in rows.items()}
        if group == "area":
            rows = {(area or UNALLOCATED): figures for area, figures in rows.items()}
        rows[None] = sum(rows.values(), Figures())
        result[group] = rows
    return result


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def _targets(quarter: FinancialQuarter) -> list[TargetProgress]:
    """Each measure's pledges in signatories' current pledge years, against what was reported
    for those years in quarters up to this one: two statements."""
    listed = (Organisation.status.in_(LISTED_STATUSES),
              Organisation.approved_at < _start_of(quarter.ends_on + timedelta(days=1)))
    pledges = db.session.execute(
        select(Pledge.period_id, Measure.code, Pledge.measure_id, Pledge.target)
        .join(Measure, Measure.id == Pledge.measure_id)
        .join(Organisation, Organisation.current_pledge_period_id == Pledge.period_id)
        .where(*listed)).all()
    index = QuarterlyReport.financial_year * 4 + QuarterlyReport.quarter
    # Driven from the listed signatories' current pledge periods (one each), so it reads only
    # their reports for those years, not every entry.
    current_periods = select(Organisation.current_pledge_period_id).where(
        *listed, Organisation.current_pledge_period_id.is_not(None))
    reported = {
        (row.pledge_period_id, row.measure_id): Decimal(str(row.quantity))
        for row in db.session.execute(
            select(QuarterlyReport.pledge_period_id, ReportEntry.measure_id,
                   func.sum(ReportEntry.quantity).label("quantity"))
            .select_from(QuarterlyReport)
            .join(ReportEntry, ReportEntry.revision_id == QuarterlyReport.submitted_revision_id)
            .where(QuarterlyReport.pledge_period_id.in_(current_periods),
                   index <= quarter.year * 4 + quarter.number)
            .group_by(QuarterlyReport.pledge_period_id, ReportEntry.measure_id))}
    by_measure: dict[str, list] = {}
    for pledge in pledges:
        done = reported.get((pledge.period_id, pledge.measure_id), Decimal(0))
        # SQLite sums NUMERIC as binary floats: quantities have two places, so round to them.
        done = done.quantize(Decimal("0.01"))
        entry = by_measure.setdefault(pledge.code, [0, Decimal(0), Decimal(0), 0])
        entry[0] += 1
        entry[1] += Decimal(pledge.target)
        entry[2] += done
        entry[3] += done >= Decimal(pledge.target)
    return [TargetProgress(code, *values) for code, values in sorted(by_measure.items())]


def report_figures(quarter: FinancialQuarter) -> ReportFigures:
    starts, ends = _start_of(quarter.starts_on), _start_of(quarter.ends_on + timedelta(days=1))
    listed = Organisation.status.in_(LISTED_STATUSES)
    return ReportFigures(
        quarter=quarter,
        signatories=_count(select(func.count(Organisation.id)).where(
            listed, Organisation.approved_at < ends)),
        new_signatories=_count(select(func.count(Organisation.id)).where(
            listed, Organisation.approved_at >= starts, Organisation.approved_at < ends)),
        reports_received=_count(select(func.count(QuarterlyReport.id)).where(
            QuarterlyReport.financial_year == quarter.year,
            QuarterlyReport.quarter == quarter.number,
            QuarterlyReport.submitted_revision_id.is_not(None))),
        organisations_at_events=_count(
            select(func.count(func.distinct(Registration.organisation_id)))
            .join(Event, Event.id == Registration.event_id)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .where(and_(listed, Registration.checked_in_at.is_not(None),
                        Event.status == EventStatus.PUBLISHED,
                        Event.starts_at >= starts, Event.starts_at < ends))),
        quarter_figures=_grouped(quarter, quarter),
        year_to_date=_grouped(FinancialQuarter(quarter.year, 1), quarter),
        previous=_grouped(previous_quarter(quarter), previous_quarter(quarter)),
        targets=_targets(quarter),
        **_local_needs(quarter),
    )


def _local_needs(quarter: FinancialQuarter) -> dict:
    """Value by band and by small area for the quarter and the year to date, and the data it
    was banded with: two statements."""
    deciles, postcodes = local_needs.imports_in_use()
    totals = local_needs.totals_by_need(quarter, deciles and deciles.edition)
    return {"by_band": totals.by_band, "by_small_area": totals.by_area,
            "local_needs_data": local_needs.data_in_use(deciles, postcodes)}


@dataclass(frozen=True)
class OrganisationFigures:
    """One signatory's social value over a run of quarters (its bid statement)."""

    first: FinancialQuarter
    last: FinancialQuarter
    grouped: dict[str, dict]  # as ReportFigures.quarter_figures, for this organisation only
    proxies: list[ProxyUsed]  # the proxy values its counted entries were valued at

    @property
    def total(self) -> Figures:
        return self.grouped["theme"].get(None, Figures())


def organisation_figures(organisation_id: int, first: FinancialQuarter,
                         last: FinancialQuarter) -> OrganisationFigures:
    """The same grouping as the collective report, filtered to one organisation: five
    statements, whatever the number of quarters or entries."""
    return OrganisationFigures(
        first=first, last=last,
        grouped=_grouped(first, last, organisation_id=organisation_id),
        proxies=proxies_used(organisation_id, first=first, last=last))


# --- the frozen form -------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def _figures_json(figures: Figures) -> dict:
    return {"gross": _money(figures.gross), "net": _money(figures.net),
            "checked_gross": _money(figures.checked_gross)}


def _groups_json(grouped: dict[str, dict]) -> dict:
    return {group: {("total" if key is None else key): _figures_json(figures)
                    for key, figures in rows.items()}
            for group, rows in grouped.items()}


def _measure_labels() -> dict[str, dict]:
    """Each measure's name, unit and theme as they stand, frozen with the figures."""
    return {row.code: {"name": row.name, "unit": row.unit, "theme": row.theme}
            for row in db.session.execute(select(Measure.code, Measure.name, Measure.unit,
                                                 Measure.theme))}


def as_snapshot(figures: ReportFigures) -> dict:
    """Every figure as plain JSON (amounts as strings to the penny), as published."""
    share = figures.checked_share
    return {
        "measures": _measure_labels(),
        "quarter": {"financial_year": figures.quarter.financial_year,
                    "number": figures.quarter.number,
                    "from": figures.quarter.starts_on.isoformat(),
                    "to": figures.quarter.ends_on.isoformat()},
        "signatories": figures.signatories,
        "new_signatories": figures.new_signatories,
        "reports_received": figures.reports_received,
        "organisations_at_events": figures.organisations_at_events,
        "checked_share": None if share is None else f"{share.quantize(Decimal('0.0001'))}",
        "quarter_figures": _groups_json(figures.quarter_figures),
        "year_to_date": _groups_json(figures.year_to_date),
        "previous_quarter": _groups_json(figures.previous),
        "targets": [{"measure_code": target.measure_code, "pledges": target.pledges,
                     "target": f"{target.target}", "reported": f"{target.reported}",
                     "met": target.met} for target in figures.targets],
        "by_band": {"data": figures.local_needs_data,
                    **{period: {("total" if key is None else key): _figures_json(value)
                                for key, value in rows.items()}
                       for period, rows in figures.by_band.items()}},
        "by_small_area": _small_areas_json(figures),
    }


def _small_areas_json(figures: ReportFigures) -> dict:
    """Value by small area as published, for the map: each area's decile and figures, so the
    map of a published report never changes when a new edition or lookup is imported."""
    data = figures.local_needs_data
    return {"edition": data and data["edition"],
            **{period: {code: {"decile": decile, **_figures_json(value)}
                        for code, (decile, value) in sorted(rows.items())}
               for period, rows in figures.by_small_area.items()}}
