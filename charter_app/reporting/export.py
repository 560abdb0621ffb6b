"""Every submitted entry, one row each, for the collective quarterly report: as CSV for staff
and as JSON through the staff API.

Only the revision that counts is exported (a report's submitted revision; a correction under way
is not, nor any earlier revision), the same entries the published totals add up.

Figures are exact decimal strings, never floats and never rounded to pennies, so a column adds
up to the published total to the penny: gross and net to the millionth of a pound as stored
(gross is exact; net is rounded half up at the sixth place, see models.MicroPounds), written
with at least two decimal places ("178.92", "0.047", "12.345678"); the proxy value as frozen at
submission, at least two places; quantities and percentages without trailing zeros ("4",
"2.5", "25"). Round to pennies (half up) only when showing a figure, as the pages do.
An entry with no proxy value for its year (reported, not valued) has empty proxy value, gross
and net.

Rows are read from the database in batches (yield_per), so the CSV streams in bounded memory
however many entries there are.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, func, select

from charter_app.csv_export import csv_safe
from charter_app.extensions import db
from charter_app.organisations.eligibility import org_id
from charter_app.organisations.models import Organisation
from charter_app.pledges.models import Measure
from charter_app.reporting.models import (
    QuarterlyReport,
    ReportEntry,
    ReportRevision,
    ReportStatus,
)
from charter_app.reporting.quarters import FinancialQuarter

BATCH = 500
TWO_PLACES = Decimal("0.01")
COLUMNS = [
    "organisation", "org_id", "financial_year", "quarter", "revision", "measure_code",
    "measure_name", "national_toms_code", "national_toms_edition", "area", "quantity", "unit",
    "proxy_value", "proxy_source", "proxy_edition", "gross", "deadweight", "attribution",
    "displacement", "net", "checked",
]


def money_text(amount: Decimal | None) -> str | None:
    """An exact amount with at least two decimal places: 178.92, 0.047, 12.345678."""
    if amount is None:
        return None
    value = Decimal(amount)
    normalised = value.normalize()
    if normalised.as_tuple().exponent > -2:
        normalised = value.quantize(TWO_PLACES)
    return f"{normalised:f}"


def number_text(value: Decimal | None) -> str | None:
    """A quantity or percentage without trailing zeros: 4, 2.5, 25."""
    if value is None:
        return None
    return f"{Decimal(value).normalize():f}"


@dataclass(frozen=True)
class QuarterRange:
    """Optional first and last quarters, both included."""

    first: FinancialQuarter | None = None
    last: FinancialQuarter | None = None

    def where(self, statement: Select) -> Select:
        index = QuarterlyReport.financial_year * 4 + QuarterlyReport.quarter
        if self.first is not None:
            statement = statement.where(index >= self.first.year * 4 + self.first.number)
        if self.last is not None:
            statement = statement.where(index <= self.last.year * 4 + self.last.number)
        return statement


def _entries() -> Select:
    return (
        select(
            ReportEntry.id.label("entry_id"),
            Organisation.name.label("organisation"), Organisation.sector,
            Organisation.company_number, Organisation.charity_number,
            QuarterlyReport.financial_year, QuarterlyReport.quarter, QuarterlyReport.status,
            ReportRevision.number.label("revision"),
            Measure.code.label("measure_code"), Measure.name.label("measure_name"),
            Measure.unit,
            ReportEntry.national_toms_code, ReportEntry.national_toms_edition, ReportEntry.area,
            ReportEntry.quantity, ReportEntry.proxy_value, ReportEntry.proxy_source,
            ReportEntry.proxy_edition, ReportEntry.gross, ReportEntry.deadweight,
            ReportEntry.attribution, ReportEntry.displacement, ReportEntry.net,
        )
        .select_from(ReportEntry)
        .join(ReportRevision, ReportEntry.revision_id == ReportRevision.id)
        .join(QuarterlyReport, QuarterlyReport.submitted_revision_id == ReportRevision.id)
        .join(Organisation, QuarterlyReport.organisation_id == Organisation.id)
        .join(Measure, ReportEntry.measure_id == Measure.id)
    )


def _ordered(statement: Select) -> Select:
    return statement.order_by(QuarterlyReport.financial_year, QuarterlyReport.quarter,
                              Organisation.name, QuarterlyReport.id, ReportEntry.id)


def _as_item(row) -> dict:
    """One entry as the API gives it: amounts as exact decimal strings, checked as a boolean."""
    return {
        "organisation": row.organisation,
        "org_id": org_id(row.sector, row.company_number, row.charity_number),
        "financial_year": FinancialQuarter(row.financial_year, row.quarter).financial_year,
        "quarter": row.quarter,
        "revision": row.revision,
        "measure_code": row.measure_code,
        "measure_name": row.measure_name,
        "national_toms_code": row.national_toms_code,
        "national_toms_edition": row.national_toms_edition,
        "area": row.area,
        "quantity": number_text(row.quantity),
        "unit": row.unit,
        "proxy_value": money_text(row.proxy_value),
        "proxy_source": row.proxy_source,
        "proxy_edition": row.proxy_edition,
        "gross": money_text(row.gross),
        "deadweight": number_text(row.deadweight),
        "attribution": number_text(row.attribution),
        "displacement": number_text(row.displacement),
        "net": money_text(row.net),
        "checked": row.status == ReportStatus.CHECKED,
    }


def entry_items(quarters: QuarterRange = QuarterRange()) -> Iterator[dict]:  # noqa: B008
    """Every counted entry in the range, read in batches of BATCH rows."""
    statement = _ordered(quarters.where(_entries())).execution_options(yield_per=BATCH)
    for row in db.session.execute(statement):
        yield _as_item(row)


def count_entries(quarters: QuarterRange = QuarterRange()) -> int:  # noqa: B008
    ids = quarters.where(_entries()).with_only_columns(ReportEntry.id)
    return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def entry_page(quarters: QuarterRange, page: int, per_page: int) -> list[dict]:
    statement = _ordered(quarters.where(_entries())).limit(per_page).offset(
        (page - 1) * per_page)
    return [_as_item(row) for row in db.session.execute(statement)]


def _csv_cell(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return csv_safe(value)


def csv_lines(quarters: QuarterRange = QuarterRange()) -> Iterator[str]:  # noqa: B008
    """The CSV document line by line: the header, then one row per entry, every cell made safe
    from formula injection (csv_export.csv_safe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line([csv_safe(name) for name in COLUMNS])
    for item in entry_items(quarters):
        yield line([_csv_cell(item[name]) for name in COLUMNS])
