"""Staff insights: one page of charts and tables for a financial year and an area, and each
section as CSV with the same filters."""

from flask import Blueprint, Response, render_template, request

from charter_app.access import staff_required
from charter_app.csv_export import csv_text
from charter_app.organisations.data_postcodes import AREAS
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import insights, insights_tables
from charter_app.timeutil import REVIEW_PROMISE_WORKING_DAYS, london_date, utcnow

bp = Blueprint("insights_staff", __name__, url_prefix="/staff")

SECTION = "<any(" + ", ".join(insights_tables.SECTIONS) + "):section>"


class FilterRefused(ValueError):
    """A filter value the page cannot use; the message says what to do instead."""


def year_choices(current: int) -> list[str]:
    """Every financial year from the first application's to the one running, newest first."""
    first = min(insights.earliest_year() or current, current)
    return [FinancialQuarter(year, 1).financial_year for year in range(current, first - 1, -1)]


def _filters(args, choices: list[str], current: int) -> insights.Filters:
    """The filters from the query string: the running year and the whole county by default."""
    financial_year = (args.get("year") or "").strip()
    area = (args.get("area") or "").strip()
    if financial_year and financial_year not in choices:
        raise FilterRefused(f"Choose a financial year from the list, from {choices[-1]} to "
                            f"{choices[0]}.")
    if area and area not in AREAS:
        raise FilterRefused("Choose an area of County Durham from the list, or all areas.")
    year = FinancialQuarter.parse(financial_year, 1).year if financial_year else current
    return insights.Filters(year=year, area=area or None)


def _current_year() -> int:
    return FinancialQuarter.containing(london_date(utcnow())).year


@bp.route("/insights")
@staff_required
def page():
    current = _current_year()
    choices = year_choices(current)
    context = dict(title="Staff insights", year_choices=choices, areas=AREAS,
                   chosen_year=request.args.get("year", ""),
                   chosen_area=request.args.get("area", ""),
                   promise=REVIEW_PROMISE_WORKING_DAYS)
    try:
        filters = _filters(request.args, choices, current)
    except FilterRefused as refused:
        return render_template("reports/insights.html", error=str(refused),
                               **{**context, "title": "Error: " + context["title"]}), 400
    found = insights.insights(filters, utcnow())
    return render_template("reports/insights.html", filters=filters, found=found,
                           sections=insights_tables.sections(found),
                           **{**context, "chosen_year": filters.financial_year,
                              "chosen_area": filters.area or ""})


@bp.route(f"/insights/{SECTION}.csv")
@staff_required
def section_csv(section: str):
    current = _current_year()
    try:
        filters = _filters(request.args, year_choices(current), current)
    except FilterRefused as refused:
        return Response(str(refused), status=400, mimetype="text/plain")
    found = insights.insights(filters, utcnow())
    chosen = next(item for item in insights_tables.sections(found) if item.key == section)
    header, rows = chosen.csv()
    # Only known words go into the name: the section, the year, and an area from AREAS.
    area = "-" + filters.area.lower().replace(" ", "-") if filters.area else ""
    filename = f"insights-{section}-{filters.financial_year}{area}.csv"
    return Response(csv_text(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
