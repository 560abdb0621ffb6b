"""A signatory's dashboard: progress against this pledge year's targets, social value by quarter
and by theme, and which reports are due, overdue or submitted.

Every figure is added up by the database (reporting/totals.py), so the page takes the same
number of statements however many reports the signatory has filed.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from charter_app.pledges.catalogue import THEME_ORDER, theme_label
from charter_app.pledges.models import Measure, Pledge, PledgePeriod
from charter_app.reporting import annual, charts, totals
from charter_app.reporting.charts import BarChart
from charter_app.reporting.models import QuarterlyReport, ReportStatus
from charter_app.reporting.quarters import FinancialQuarter, ReportState
from charter_app.reporting.services import (
    first_quarter,
    reportable_quarters,
    reports_by_quarter,
)
from charter_app.reporting.totals import Figures
from charter_app.timeutil import london_date, utcnow

CHART_QUARTERS = 8
RECENT_SUBMITTED = 8
HUNDRED = Decimal(100)


# Paths rather than url_for, so the dashboard is assembled without a request (the benchmark and
# the tests do); tests/test_dashboard.py checks they are the ones the report pages answer at.
def report_path(organisation_id: int, quarter: FinancialQuarter) -> str:
    """The report's page (reporting/views.py)."""
    return f"/organisations/{organisation_id}/reports/{quarter.financial_year}/q{quarter.number}"


def reports_path(organisation_id: int) -> str:
    return f"/organisations/{organisation_id}/reports"


def percentage(reported: Decimal, target: Decimal) -> int:
    """Whole percent of the target reported, rounded down: 99.6% shows as 99%, so a target
    never looks reached before it is. Over 100 when the target is exceeded."""
    if target <= 0:
        return 100 if reported > 0 else 0
    return int((reported / target * HUNDRED).to_integral_value(rounding=ROUND_DOWN))


@dataclass(frozen=True)
class MeasureProgress:
    measure: Measure
    target: Decimal
    reported: Decimal

    @property
    def percentage(self) -> int:
        return percentage(self.reported, self.target)

    @property
    def reached(self) -> bool:
        return self.reported >= self.target


@dataclass(frozen=True)
class ThemeProgress:
    """A theme's pledged measures and the value reported in it this pledge year.

    A theme has no target of its own: its percentage is the average of its measures', each
    counted up to 100%, so a target exceeded never hides another that is behind.
    """

    theme: str
    figures: Figures
    measures: tuple[MeasureProgress, ...]

    @property
    def label(self) -> str:
        return theme_label(self.theme)

    @property
    def percentage(self) -> int | None:
        if not self.measures:
            return None
        capped = sum(min(progress.percentage, 100) for progress in self.measures)
        return capped // len(self.measures)

    @property
    def targets_reached(self) -> int:
        return sum(progress.reached for progress in self.measures)


@dataclass(frozen=True)
class QuarterReport:
    """One quarter's report as the dashboard lists it: its state today and, once started,
    the report itself."""

    quarter: FinancialQuarter
    state: ReportState
    report: QuarterlyReport | None
    url: str

    @property
    def months(self) -> str:
        """"April to June 2026"."""
        return f"{self.quarter.starts_on:%B} to {self.quarter.ends_on:%B %Y}"

    @property
    def overdue(self) -> bool:
        return self.state in (ReportState.LATE, ReportState.MISSING)

    @property
    def started(self) -> bool:
        return self.report is not None

    @property
    def check_status(self) -> str | None:
        """submitted (waiting for staff), checked or queried; None before submission."""
        if self.report is None or not self.report.is_submitted:
            return None
        return self.report.status if self.report.status != ReportStatus.DRAFT else None

    @property
    def correction_under_way(self) -> bool:
        return (self.report is not None and self.report.is_submitted
                and self.report.draft_revision_id is not None)


@dataclass
class Dashboard:
    organisation: Organisation
    today: date
    period: PledgePeriod | None
    period_quarters: list[FinancialQuarter]
    themes: list[ThemeProgress]
    period_total: Figures
    quarter_rows: list[tuple[str, Figures]]  # ("2026-27 Q1", figures), oldest first
    theme_rows: list[tuple[str, Figures]]  # ("Jobs", figures), every theme
    chart_span: str  # "2025-26 Q4 to 2026-27 Q3"
    quarter_chart: BarChart
    theme_chart: BarChart
    to_do: list[QuarterReport] = field(default_factory=list)
    submitted: list[QuarterReport] = field(default_factory=list)
    submitted_count: int = 0
    reports_url: str = ""
    annual_update: annual.UpdateStatus | None = None

    @property
    def annual_update_lapses_on(self) -> date | None:
        due_on = self.annual_update.due_on if self.annual_update else None
        return annual.lapses_on(due_on) if due_on else None

    @property
    def annual_update_opens_on(self) -> date | None:
        due_on = self.annual_update.due_on if self.annual_update else None
        return annual.opens_on(due_on) if due_on else None

    @property
    def overdue(self) -> list[QuarterReport]:
        return [item for item in self.to_do if item.overdue]


def quarters_counting_towards(period: PledgePeriod) -> list[FinancialQuarter]:
    """The quarters whose last day falls in the pledge period (services.period_holding)."""
    if period.starts_on is None or period.ends_on is None:
        return []
    quarter = FinancialQuarter.containing(period.starts_on)
    quarters = []
    while quarter.ends_on <= period.ends_on:
        if quarter.ends_on >= period.starts_on:
            quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def _pledges(period: PledgePeriod) -> list[Pledge]:
    return list(db.session.scalars(
        select(Pledge).where(Pledge.period_id == period.id)
        .options(joinedload(Pledge.measure))
        .join(Measure, Pledge.measure_id == Measure.id)
        .order_by(Measure.sort_order, Measure.id)))


def _progress(organisation: Organisation, period: PledgePeriod | None,
              quarters: list[FinancialQuarter]) -> tuple[list[ThemeProgress], Figures]:
    if period is None:
        return [], Figures()
    pledges = _pledges(period)
    reported = totals.quantities_by_measure(organisation.id, period.id)
    values = totals.totals_by("theme", organisation_id=organisation.id, first=quarters[0],
                              last=quarters[-1]) if quarters else {}
    themes = []
    for theme in THEME_ORDER:
        measures = tuple(
            MeasureProgress(pledge.measure, Decimal(pledge.target),
                            reported.get(pledge.measure_id, Decimal(0)))
            for pledge in pledges if pledge.measure.theme == theme)
        if measures or theme in values:
            themes.append(ThemeProgress(theme, values.get(theme, Figures()), measures))
    total = sum(values.values(), Figures())
    return themes, total


def _chart_quarters(organisation: Organisation, today: date) -> list[FinancialQuarter]:
    """Up to eight quarters ending with the one running today, none before approval."""
    quarters = [FinancialQuarter.containing(today)]
    first = first_quarter(organisation)
    while len(quarters) < CHART_QUARTERS:
        previous = _previous(quarters[0])
        if first is not None and previous < first:
            break
        quarters.insert(0, previous)
    return quarters


def _previous(quarter: FinancialQuarter) -> FinancialQuarter:
    return (FinancialQuarter(quarter.year - 1, 4) if quarter.number == 1
            else FinancialQuarter(quarter.year, quarter.number - 1))


def _chart_rows(organisation: Organisation, today: date):
    """Figures for each of the chart's quarters and for each theme over them, as table rows."""
    quarters = _chart_quarters(organisation, today)
    first, last = quarters[0], quarters[-1]
    per_quarter = totals.totals_by("quarter", organisation_id=organisation.id, first=first,
                                   last=last)
    per_theme = totals.totals_by("theme", organisation_id=organisation.id, first=first,
                                 last=last)
    running = FinancialQuarter.containing(today)
    # The table says the running quarter is not over; the chart's labels keep to the quarter,
    # so they fit beside the bars on a phone.
    quarter_rows = [(quarter.label + (" (so far)" if quarter == running else ""),
                     per_quarter.get(quarter, Figures())) for quarter in quarters]
    chart_rows = [(quarter.label, figures) for quarter, (_label, figures)
                  in zip(quarters, quarter_rows, strict=True)]
    theme_rows = [(theme_label(theme), per_theme.get(theme, Figures())) for theme in THEME_ORDER]
    span = first.label if first == last else f"{first.label} to {last.label}"
    return quarter_rows, chart_rows, theme_rows, span


def _chart(chart_id: str, title: str, rows: list[tuple[str, Figures]], what: str) -> BarChart:
    values = [(label, figures.value) for label, figures in rows]
    return charts.gross_and_net_chart(chart_id, title, charts.describe(values, what), values)


# Most urgent first: what is missing, then late, due, and the quarter running now.
_URGENCY = {ReportState.MISSING: 0, ReportState.LATE: 1, ReportState.DUE: 2,
            ReportState.OPEN: 3}


def _reports(organisation: Organisation, today: date):
    reports = reports_by_quarter(organisation)
    to_do, submitted = [], []
    for quarter in reportable_quarters(organisation, today):
        report = reports.get(quarter)
        is_submitted = report is not None and report.is_submitted
        item = QuarterReport(quarter, quarter.state_on(today, submitted=is_submitted), report,
                             report_path(organisation.id, quarter))
        (submitted if is_submitted else to_do).append(item)
    to_do.sort(key=lambda item: (_URGENCY.get(item.state, 9), item.quarter))
    submitted.sort(key=lambda item: item.quarter, reverse=True)
    return to_do, submitted


def dashboard_for(organisation: Organisation, today: date | None = None) -> Dashboard:
    """Everything the dashboard shows, as of `today` (a UK date; default: today in London)."""
    today = today or london_date(utcnow())
    period = organisation.current_pledge_period
    quarters = quarters_counting_towards(period) if period is not None else []
    themes, period_total = _progress(organisation, period, quarters)
    quarter_rows, quarter_chart_rows, theme_rows, span = _chart_rows(organisation, today)
    to_do, submitted = _reports(organisation, today)
    return Dashboard(
        organisation=organisation, today=today, period=period, period_quarters=quarters,
        themes=themes, period_total=period_total, quarter_rows=quarter_rows,
        theme_rows=theme_rows, chart_span=span,
        quarter_chart=_chart("value-by-quarter", f"Social value by quarter, {span}",
                             quarter_chart_rows, "quarters"),
        theme_chart=_chart("value-by-theme", f"Social value by theme, {span}", theme_rows,
                           "themes"),
        to_do=to_do,
        submitted=submitted[:RECENT_SUBMITTED], submitted_count=len(submitted),
        reports_url=reports_path(organisation.id),
        annual_update=annual.annual_update_status(organisation, today),
    )
