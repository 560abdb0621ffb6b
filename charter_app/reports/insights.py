"""Staff insights: the pipeline, signatories, reporting compliance, lapses and renewals, and
event attendance, for one financial year and (optionally) one area.

Every figure is counted by the database (GROUP BY, or sums of CASE over the year's quarters),
so `insights` sends the same number of statements whatever the number of signatories, reports
or registrations. Counts per quarter are sums of CASE columns rather than a GROUP BY on a
computed quarter, because PostgreSQL refuses bound parameters in a GROUP BY expression.

The rules are the ones the rest of the service uses: a report is due and missing by
reporting/quarters.py, a signatory is listed by organisations/models.LISTED_STATUSES and reports
from the quarter it was approved in (reporting/services.first_quarter), an annual update renews a
pledge year and its absence lapses it (reporting/annual.py), and an event counts attendance by
check-in at a published event (events/attendance.py). Dates are UK dates.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import and_, case, func, or_, select, true

from charter_app.events.models import Event, EventStatus, Registration, RegistrationStatus
from charter_app.extensions import db
from charter_app.organisations.models import (
    LISTED_STATUSES,
    ApplicationStatus,
    Organisation,
    StatusChange,
)
from charter_app.pledges.models import Measure, Pledge, PledgePeriod
from charter_app.reporting.models import AnnualUpdate, QuarterlyReport
from charter_app.reporting.quarters import FinancialQuarter, ReportState
from charter_app.reporting.services import REPORTING_STATUSES
from charter_app.timeutil import LONDON, london_date, working_days_between

S = ApplicationStatus
# The order the pipeline lists states in: the way an application moves.
PIPELINE_STATES = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.REJECTED, S.LAPSED, S.WITHDRAWN,
                   S.SUSPENDED)


def _midnight(day: date) -> datetime:
    """The start of a UK day, for comparing with the UTC times stored."""
    return datetime.combine(day, time(), tzinfo=LONDON)


def year_quarters(year: int) -> list[FinancialQuarter]:
    return [FinancialQuarter(year, number) for number in range(1, 5)]


@dataclass(frozen=True)
class Filters:
    year: int  # the calendar year the financial year starts in (2026: 2026-27)
    area: str | None  # one of data_postcodes.AREAS, or None for the whole county

    @property
    def financial_year(self) -> str:
        return FinancialQuarter(self.year, 1).financial_year

    @property
    def starts(self) -> datetime:
        return _midnight(FinancialQuarter(self.year, 1).starts_on)

    @property
    def ends(self) -> datetime:
        """The first moment after the year."""
        return _midnight(FinancialQuarter(self.year + 1, 1).starts_on)

    def in_area(self, column=Organisation.area):
        return true() if self.area is None else column == self.area


def _per_quarter(column, year: int, condition=None):
    """One SUM(CASE) column per quarter of the year: rows whose `column` (a UTC time) falls in
    it, and `condition` if given."""
    columns = []
    for quarter in year_quarters(year):
        within = and_(column >= _midnight(quarter.starts_on),
                      column < _midnight(quarter.ends_on + timedelta(days=1)))
        if condition is not None:
            within = and_(within, condition)
        columns.append(func.coalesce(func.sum(case((within, 1), else_=0)), 0))
    return columns


# --- the pipeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateRow:
    state: str
    now: int  # applications in this state today
    entered: int  # moves into the state during the year (drafts: applications started in it)


@dataclass(frozen=True)
class Waiting:
    """Applications submitted and waiting for staff today, in working days since submission."""

    count: int
    median: float | None
    longest: int | None


@dataclass(frozen=True)
class Pipeline:
    states: list[StateRow]
    waiting: Waiting

    @property
    def is_empty(self) -> bool:
        return not any(row.now or row.entered for row in self.states)


def _moves(filters: Filters) -> dict[tuple[str, str], list[int]]:
    """(from, to) -> moves in each quarter of the year: one statement."""
    rows = db.session.execute(
        select(StatusChange.from_status, StatusChange.to_status,
               *_per_quarter(StatusChange.created_at, filters.year))
        .join(Organisation, Organisation.id == StatusChange.organisation_id)
        .where(StatusChange.created_at >= filters.starts, StatusChange.created_at < filters.ends,
               filters.in_area())
        .group_by(StatusChange.from_status, StatusChange.to_status))
    return {(row[0], row[1]): [int(value) for value in row[2:]] for row in rows}


def pipeline(filters: Filters, moves: dict, today: date) -> Pipeline:
    """Applications by state now and moves into each state in the year (two statements), and
    the wait of those submitted (one): the same renewal (approved to approved) is not a move."""
    started_in_year = and_(Organisation.created_at >= filters.starts,
                           Organisation.created_at < filters.ends)
    counts = {row[0]: (row[1], int(row[2] or 0)) for row in db.session.execute(
        select(Organisation.status, func.count(Organisation.id),
               func.sum(case((started_in_year, 1), else_=0)))
        .where(filters.in_area()).group_by(Organisation.status))}
    entered = {state: 0 for state in PIPELINE_STATES}
    for (from_status, to_status), quarters in moves.items():
        if from_status != to_status and to_status in entered:
            entered[to_status] += sum(quarters)
    entered[S.DRAFT] = sum(started for _now, started in counts.values())
    states = [StateRow(state, counts.get(state, (0, 0))[0], entered[state])
              for state in PIPELINE_STATES]
    submitted = db.session.scalars(
        select(Organisation.submitted_at)
        .where(Organisation.status == S.SUBMITTED, Organisation.submitted_at.is_not(None),
               filters.in_area())).all()
    days = sorted(working_days_between(london_date(moment), today) for moment in submitted)
    waiting = Waiting(len(days), median(days) if days else None, days[-1] if days else None)
    return Pipeline(states, waiting)


# --- signatories -------------------------------------------------------------------------------


@dataclass
class Signatories:
    """Listed signatories approved by the end of the year (or today, for the year running), by
    sector, size band, area and the themes they pledge (a signatory counts once per theme)."""

    total: int = 0
    by_sector: dict[str | None, int] = field(default_factory=dict)
    by_size: dict[str | None, int] = field(default_factory=dict)
    by_area: dict[str | None, int] = field(default_factory=dict)
    by_theme: dict[str, int] = field(default_factory=dict)


def signatories(filters: Filters) -> Signatories:
    """Two statements: one grouped by sector, size and area, one by pledged theme."""
    listed = (Organisation.status.in_(LISTED_STATUSES), Organisation.approved_at < filters.ends,
              filters.in_area())
    found = Signatories()
    for sector, size, area, count in db.session.execute(
            select(Organisation.sector, Organisation.size_band, Organisation.area,
                   func.count(Organisation.id))
            .where(*listed)
            .group_by(Organisation.sector, Organisation.size_band, Organisation.area)):
        found.total += count
        for tally, key in ((found.by_sector, sector), (found.by_size, size),
                           (found.by_area, area)):
            tally[key] = tally.get(key, 0) + count
    found.by_theme = dict(db.session.execute(
        select(Measure.theme, func.count(func.distinct(Organisation.id)))
        .select_from(Organisation)
        .join(Pledge, Pledge.period_id == Organisation.current_pledge_period_id)
        .join(Measure, Measure.id == Pledge.measure_id)
        .where(*listed).group_by(Measure.theme)).tuples().all())
    return found


# --- reporting compliance ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterCompliance:
    """For one quarter whose reporting window has opened (its first day has come): signatories
    expected to report, and where their reports stand today."""

    quarter: FinancialQuarter
    state: ReportState  # of a report not yet in, today: open, due, late or missing
    expected: int
    on_time: int  # first submitted by the due date
    late: int  # first submitted after it

    @property
    def not_in(self) -> int:
        return self.expected - self.on_time - self.late

    @property
    def not_yet_due(self) -> int:
        return self.not_in if self.state in (ReportState.OPEN, ReportState.DUE) else 0

    @property
    def overdue(self) -> int:
        """Not in, past the due date, not yet missing."""
        return self.not_in if self.state == ReportState.LATE else 0

    @property
    def missing(self) -> int:
        return self.not_in if self.state == ReportState.MISSING else 0


def compliance(filters: Filters, today: date) -> list[QuarterCompliance]:
    """Two statements. A signatory (approved or lapsed today) is expected to report for every
    quarter from the one it was approved in: approved before the quarter's last UK day ended."""
    quarters = [quarter for quarter in year_quarters(filters.year)
                if quarter.starts_on <= today]
    if not quarters:
        return []
    reporting = (Organisation.status.in_(REPORTING_STATUSES), filters.in_area())

    def approved_by_end(quarter):
        return Organisation.approved_at < _midnight(quarter.ends_on + timedelta(days=1))

    expected = db.session.execute(
        select(*(func.coalesce(func.sum(case((approved_by_end(quarter), 1), else_=0)), 0)
                 for quarter in quarters))
        .where(*reporting)).one()
    on_time = case(*((and_(QuarterlyReport.quarter == quarter.number,
                           QuarterlyReport.first_submitted_at
                           < _midnight(quarter.due_on + timedelta(days=1))), 1)
                     for quarter in quarters), else_=0)
    submitted = {row[0]: (int(row[1]), int(row[2])) for row in db.session.execute(
        select(QuarterlyReport.quarter, func.count(QuarterlyReport.id), func.sum(on_time))
        .join(Organisation, Organisation.id == QuarterlyReport.organisation_id)
        .where(*reporting, QuarterlyReport.financial_year == filters.year,
               QuarterlyReport.submitted_revision_id.is_not(None),
               QuarterlyReport.first_submitted_at.is_not(None),
               or_(*(and_(QuarterlyReport.quarter == quarter.number, approved_by_end(quarter))
                     for quarter in quarters)))
        .group_by(QuarterlyReport.quarter))}
    found = []
    for quarter, count in zip(quarters, expected, strict=True):
        total, timely = submitted.get(quarter.number, (0, 0))
        found.append(QuarterCompliance(quarter, quarter.state_on(today), int(count), timely,
                                       total - timely))
    return found


# --- lapses and renewals -----------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalQuarter:
    quarter: FinancialQuarter
    due: int  # annual updates falling due (pledge years ending) in the quarter
    renewed: int  # annual updates received
    lapsed: int  # signatories lapsed for want of one
    reinstated: int  # lapsed signatories approved again by their update


def renewals(filters: Filters, moves: dict) -> list[RenewalQuarter]:
    """Per quarter of the year (two statements, and the status moves already counted)."""
    quarters = year_quarters(filters.year)
    # An update is due the day after its pledge year ends (reporting/annual.due_on).
    due_columns = []
    for quarter in quarters:
        ends_within = and_(PledgePeriod.ends_on >= quarter.starts_on - timedelta(days=1),
                           PledgePeriod.ends_on < quarter.ends_on)
        due_columns.append(func.coalesce(func.sum(case((ends_within, 1), else_=0)), 0))
    due = db.session.execute(
        select(*due_columns).join(Organisation, Organisation.id == PledgePeriod.organisation_id)
        .where(filters.in_area(), PledgePeriod.ends_on.is_not(None))).one()
    renewed = db.session.execute(
        select(*_per_quarter(AnnualUpdate.submitted_at, filters.year))
        .join(Organisation, Organisation.id == AnnualUpdate.organisation_id)
        .where(filters.in_area())).one()
    nothing = [0, 0, 0, 0]
    lapsed = moves.get((S.APPROVED, S.LAPSED), nothing)
    reinstated = moves.get((S.LAPSED, S.APPROVED), nothing)
    return [RenewalQuarter(quarter, int(due[index]), int(renewed[index]), lapsed[index],
                           reinstated[index])
            for index, quarter in enumerate(quarters)]


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventAttendance:
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    held: bool  # over by now: only then does a place not taken up count as a no-show
    registered: int  # places confirmed (walk-ins included)
    attended: int  # checked in

    @property
    def no_shows(self) -> int:
        return self.registered - self.attended if self.held else 0


def events(filters: Filters, now: datetime) -> list[EventAttendance]:
    """Published events starting in the year, with the places confirmed and checked in (of
    people from organisations in the area, when one is chosen): one statement."""
    confirmed = Registration.status == RegistrationStatus.CONFIRMED
    if filters.area is not None:
        confirmed = and_(confirmed, Registration.organisation_id.in_(
            select(Organisation.id).where(filters.in_area())))
    rows = db.session.execute(
        select(Event.id, Event.title, Event.kind, Event.starts_at, Event.ends_at,
               func.count(Registration.id), func.count(Registration.checked_in_at))
        .outerjoin(Registration, and_(Registration.event_id == Event.id, confirmed))
        .where(Event.status == EventStatus.PUBLISHED, Event.starts_at >= filters.starts,
               Event.starts_at < filters.ends)
        .group_by(Event.id, Event.title, Event.kind, Event.starts_at, Event.ends_at)
        .order_by(Event.starts_at, Event.id))
    return [EventAttendance(event_id, title, kind, starts_at, ends_at <= now, registered,
                            attended)
            for event_id, title, kind, starts_at, ends_at, registered, attended in rows]


# --- everything ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Insights:
    filters: Filters
    today: date
    pipeline: Pipeline
    signatories: Signatories
    compliance: list[QuarterCompliance]
    renewals: list[RenewalQuarter]
    events: list[EventAttendance]


def insights(filters: Filters, now: datetime) -> Insights:
    """Every section, in a fixed number of statements (ten)."""
    today = london_date(now)
    moves = _moves(filters)
    return Insights(filters=filters, today=today, pipeline=pipeline(filters, moves, today),
                    signatories=signatories(filters), compliance=compliance(filters, today),
                    renewals=renewals(filters, moves), events=events(filters, now))


def earliest_year() -> int | None:
    """The financial year of the first application or approval on record (one statement)."""
    found = [moment for moment in db.session.execute(
        select(func.min(Organisation.created_at), func.min(Organisation.approved_at))).one()
        if moment is not None]
    return FinancialQuarter.containing(london_date(min(found))).year if found else None
