"""Totals of submitted social value, added up by the database.

Only the revision that counts (a report's `submitted_revision`) is added; a correction under
way is not, and nor is any earlier revision. Gross and net are stored in whole millionths of a
pound (models.MicroPounds), so the database's SUM is exact on SQLite and PostgreSQL alike, and
a total equals the sum of its entries. Each function is one statement, whatever the number of
signatories, quarters or entries.

Totals over every signatory read the summary kept in step with the reports
(reporting/summary.py, `counted_totals`), whose size follows the quarters, measures and places
rather than the entries; one organisation's totals read its entries.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select, type_coerce

from charter_app.extensions import db
from charter_app.pledges.models import Measure
from charter_app.reporting.calculations import SocialValue
from charter_app.reporting.models import (
    CountedTotal,
    MicroPounds,
    QuarterlyReport,
    ReportEntry,
    ReportRevision,
    ReportStatus,
)
from charter_app.reporting.quarters import FinancialQuarter


@dataclass(frozen=True)
class Figures:
    """Gross and net, and how much of the gross comes from reports staff checked."""

    gross: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    checked_gross: Decimal = Decimal(0)

    @property
    def value(self) -> SocialValue:
        return SocialValue(self.gross, self.net)

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(self.gross + other.gross, self.net + other.net,
                       self.checked_gross + other.checked_gross)


def _money_sum(column):
    return type_coerce(func.coalesce(func.sum(column), 0), MicroPounds())


def _counted():
    """Entries of the revision that counts, with their report, as a FROM clause."""
    return (
        select()
        .select_from(ReportEntry)
        .join(ReportRevision, ReportEntry.revision_id == ReportRevision.id)
        .join(QuarterlyReport, QuarterlyReport.submitted_revision_id == ReportRevision.id)
    )


def _figure_columns():
    checked = case((QuarterlyReport.status == ReportStatus.CHECKED, ReportEntry.gross), else_=0)
    return (_money_sum(ReportEntry.gross).label("gross"),
            _money_sum(ReportEntry.net).label("net"),
            _money_sum(checked).label("checked_gross"))


def _quarter_index(quarter: FinancialQuarter) -> int:
    return quarter.year * 4 + quarter.number


def _between(first: FinancialQuarter | None, last: FinancialQuarter | None, table=QuarterlyReport):
    index = table.financial_year * 4 + table.quarter
    conditions = []
    if first is not None:
        conditions.append(index >= _quarter_index(first))
    if last is not None:
        conditions.append(index <= _quarter_index(last))
    return and_(True, *conditions)


def totals_by(group: str, *, organisation_id: int | None = None,
              first: FinancialQuarter | None = None,
              last: FinancialQuarter | None = None) -> dict:
    """Figures grouped by "theme", "quarter", "area", "measure", "organisation" or "all".

    Keys: a theme, a FinancialQuarter, an area (None for entries with no County Durham area),
    a measure id, an organisation id, or None for "all".
    """
    if organisation_id is None and group != "organisation":
        return _summary_totals_by(group, first, last)
    keys = {
        "theme": (Measure.theme,),
        "quarter": (QuarterlyReport.financial_year, QuarterlyReport.quarter),
        "area": (ReportEntry.area,),
        "measure": (ReportEntry.measure_id,),
        "organisation": (QuarterlyReport.organisation_id,),
        "all": (),
    }[group]
    statement = _counted().add_columns(*keys, *_figure_columns()).where(_between(first, last))
    if group == "theme":
        statement = statement.join(Measure, ReportEntry.measure_id == Measure.id)
    if organisation_id is not None:
        statement = statement.where(QuarterlyReport.organisation_id == organisation_id)
    if keys:
        statement = statement.group_by(*keys)
    return _figures_by_key(statement, group)


def _figures_by_key(statement, group: str) -> dict:
    """Each row's Figures under its key: a FinancialQuarter, None for "all" and for entries
    with no County Durham area ('' in the summary), or the grouped value itself."""
    result = {}
    for row in db.session.execute(statement):
        if group == "quarter":
            key = FinancialQuarter(row.financial_year, row.quarter)
        elif group == "all":
            key = None
        elif group == "area":
            key = row[0] or None
        else:
            key = row[0]
        result[key] = Figures(row.gross, row.net, row.checked_gross)
    return result


def summary_figure_columns():
    """Gross, net and checked gross summed over `counted_totals` rows."""
    checked = case((CountedTotal.checked, CountedTotal.gross), else_=0)
    return (_money_sum(CountedTotal.gross).label("gross"),
            _money_sum(CountedTotal.net).label("net"),
            _money_sum(checked).label("checked_gross"))


def _summary_totals_by(group: str, first: FinancialQuarter | None,
                       last: FinancialQuarter | None) -> dict:
    keys = {
        "theme": (Measure.theme,),
        "quarter": (CountedTotal.financial_year, CountedTotal.quarter),
        "area": (CountedTotal.area,),
        "measure": (CountedTotal.measure_id,),
        "all": (),
    }[group]
    statement = (select(*keys, *summary_figure_columns())
                 .where(_between(first, last, CountedTotal), CountedTotal.entries > 0))
    if group == "theme":
        statement = statement.join(Measure, CountedTotal.measure_id == Measure.id)
    if keys:
        statement = statement.group_by(*keys)
    return _figures_by_key(statement, group)


def grand_total(**filters) -> Figures:
    return totals_by("all", **filters).get(None, Figures())


def quantities_by_measure(organisation_id: int, pledge_period_id: int) -> dict[int, Decimal]:
    """What a signatory reported for each measure in one pledge year (counted revisions)."""
    statement = (
        _counted()
        .add_columns(ReportEntry.measure_id, func.sum(ReportEntry.quantity).label("quantity"))
        .where(QuarterlyReport.organisation_id == organisation_id,
               QuarterlyReport.pledge_period_id == pledge_period_id)
        .group_by(ReportEntry.measure_id)
    )
    # SQLite adds NUMERIC as binary floats: quantities have two places, so round back to them.
    return {row.measure_id: Decimal(str(row.quantity)).quantize(Decimal("0.01"))
            for row in db.session.execute(statement)}


@dataclass(frozen=True)
class ProxyUsed:
    """A proxy value an organisation's counted entries were valued at, as frozen on them."""

    measure_id: int
    financial_year: int
    value: Decimal | None
    source: str | None
    edition: str | None
    national_toms_code: str | None
    national_toms_edition: str | None


def proxies_used(organisation_id: int, *, first: FinancialQuarter | None = None,
                 last: FinancialQuarter | None = None) -> list[ProxyUsed]:
    """Each distinct proxy value (with its source and edition) behind an organisation's
    figures, by measure and financial year: one statement."""
    statement = (
        _counted()
        .add_columns(ReportEntry.measure_id, QuarterlyReport.financial_year,
                     ReportEntry.proxy_value, ReportEntry.proxy_source,
                     ReportEntry.proxy_edition, ReportEntry.national_toms_code,
                     ReportEntry.national_toms_edition)
        .where(QuarterlyReport.organisation_id == organisation_id, _between(first, last))
        .distinct()
    )
    rows = [ProxyUsed(*row) for row in db.session.execute(statement).tuples()]
    return sorted(rows, key=lambda row: (row.measure_id, row.financial_year,
                                         row.edition or "", row.source or ""))


def last_complete_quarters(today: date, count: int = 4) -> list[FinancialQuarter]:
    """The `count` quarters that ended before today, oldest first."""
    quarter = FinancialQuarter.containing(today)
    quarters = []
    while len(quarters) < count:
        quarter = _previous(quarter)
        quarters.append(quarter)
    return quarters[::-1]


def _previous(quarter: FinancialQuarter) -> FinancialQuarter:
    if quarter.number == 1:
        return FinancialQuarter(quarter.year - 1, 4)
    return FinancialQuarter(quarter.year, quarter.number - 1)


def by_financial_year(organisation_id: int) -> dict[int, dict[str, Figures]]:
    """A signatory's figures by financial year, then by theme (years oldest first)."""
    statement = (
        _counted()
        .add_columns(QuarterlyReport.financial_year, Measure.theme, *_figure_columns())
        .join(Measure, ReportEntry.measure_id == Measure.id)
        .where(QuarterlyReport.organisation_id == organisation_id)
        .group_by(QuarterlyReport.financial_year, Measure.theme)
        .order_by(QuarterlyReport.financial_year)
    )
    years: dict[int, dict[str, Figures]] = defaultdict(dict)
    for row in db.session.execute(statement):
        years[row.financial_year][row.theme] = Figures(row.gross, row.net, row.checked_gross)
    return dict(years)
