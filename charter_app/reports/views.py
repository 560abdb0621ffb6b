"""The collective quarterly progress report in public: the list, each quarter's report (its
latest version, and every earlier one), and its figures as CSV and JSON. Published reports are
frozen: these pages read only the snapshot taken when staff published."""

import json

from flask import Blueprint, Response, abort, render_template, url_for

from charter_app.access import public
from charter_app.csv_export import csv_text
from charter_app.pdf import pdf_response
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import area_map, presenting, publishing
from charter_app.reports.models import CollectiveReport
from charter_app.timeutil import format_london

bp = Blueprint("reports", __name__)

QUARTER = "/reports/<financial_year>/q<int(min=1, max=4):number>"


def quarter_or_404(financial_year: str, number: int) -> FinancialQuarter:
    try:
        return FinancialQuarter.parse(financial_year[:7], number)
    except ValueError:
        abort(404)


def _published_or_404(financial_year: str, number: int,
                      version: int | None = None) -> CollectiveReport:
    report = publishing.latest_published(quarter_or_404(financial_year, number), version)
    if report is None:
        abort(404)
    return report


def page_context(report: CollectiveReport, snapshot: dict) -> dict:
    """What templates/reports/report.html needs, for a published report or a staff preview."""
    quarter = report.financial_quarter
    return dict(
        report=report, quarter=quarter, snapshot=snapshot,
        themes=presenting.rows(snapshot, "theme"), measures=presenting.rows(snapshot, "measure"),
        areas=presenting.rows(snapshot, "area"), targets=presenting.targets(snapshot),
        total=presenting.total(snapshot), year_total=presenting.total(snapshot, "year_to_date"),
        previous_total=presenting.total(snapshot, "previous_quarter"),
        theme_chart=presenting.chart(snapshot, "theme", "chart-themes",
                                     f"Social value by theme, {quarter.label}"),
        area_chart=presenting.chart(snapshot, "area", "chart-areas",
                                    f"Social value by area, {quarter.label}"),
        bands=presenting.band_rows(snapshot),
        band_chart=(presenting.chart(snapshot, "band", "chart-bands",
                                     f"Social value by local need, {quarter.label}")
                    if snapshot.get("by_band") else None),
        local_needs_data=presenting.local_needs_data(snapshot),
        map_section=(area_map.published_map_section((report.id, report.version,
                                                     report.published_at), snapshot,
                                                    quarter.label)
                     if report.published_at is not None
                     else area_map.map_section(snapshot, quarter.label)),
        highlights=[line for line in report.highlights.splitlines() if line.strip()])


def as_json(report: CollectiveReport) -> dict:
    quarter = report.financial_quarter
    return {
        "quarter": quarter.label, "version": report.version,
        "published_at": report.published_at.isoformat() if report.published_at else None,
        "url": url_for("reports.report", financial_year=quarter.financial_year,
                       number=quarter.number, _external=True),
        "commentary": report.commentary, "highlights": report.highlights,
        "change_note": report.change_note, "currency": "GBP", "figures": report.snapshot,
    }


@bp.route("/reports")
@public
def index():
    return render_template("reports/index.html", title="Quarterly progress reports",
                           reports=publishing.published_reports())


@bp.route(QUARTER)
@public
def report(financial_year: str, number: int):
    found = _published_or_404(financial_year, number)
    return render_template("reports/report.html",
                           title=f"Progress report {found.financial_quarter.label}",
                           versions=publishing.versions(found.financial_quarter),
                           **page_context(found, found.snapshot))


@bp.route(QUARTER + "/v<int(min=1):version>")
@public
def version(financial_year: str, number: int, version: int):
    found = _published_or_404(financial_year, number, version)
    return render_template(
        "reports/report.html",
        title=f"Progress report {found.financial_quarter.label}, version {found.version}",
        versions=publishing.versions(found.financial_quarter),
        **page_context(found, found.snapshot))


@bp.route(QUARTER + ".csv")
@public
def report_csv(financial_year: str, number: int):
    found = _published_or_404(financial_year, number)
    quarter = found.financial_quarter
    body = csv_text(presenting.CSV_HEADER, presenting.csv_rows(found.snapshot))
    filename = f"county-durham-pound-report-{quarter.financial_year}-q{quarter.number}" \
               f"-v{found.version}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route(QUARTER + ".pdf")
@bp.route(QUARTER + "/v<int(min=1):version>.pdf")
@public
def report_pdf(financial_year: str, number: int, version: int | None = None):
    """The report laid out for a committee paper: A4, numbered pages, tagged for screen readers."""
    found = _published_or_404(financial_year, number, version)
    quarter = found.financial_quarter
    title = f"County Durham Pound Charter progress report {quarter.label}, version {found.version}"
    page_url = url_for("reports.version", financial_year=quarter.financial_year,
                       number=quarter.number, version=found.version, _external=True)
    return pdf_response(
        "reports/report_pdf.html",
        f"county-durham-pound-report-{quarter.financial_year}-q{quarter.number}-v{found.version}",
        document_title=title, page_url=page_url,
        document_footer=f"{title}, published {format_london(found.published_at, with_time=False)}",
        **page_context(found, found.snapshot))


@bp.route(QUARTER + ".json")
@public
def report_json(financial_year: str, number: int):
    found = _published_or_404(financial_year, number)
    response = Response(json.dumps(as_json(found), ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- open data --------------------------------------------------------------------------------


def _index_item(report: CollectiveReport) -> dict:
    quarter = report.financial_quarter
    values = {"financial_year": quarter.financial_year, "number": quarter.number}
    return {"quarter": quarter.label, **values, "version": report.version,
            "published_at": report.published_at.isoformat(),
            "url": url_for("reports.report", **values, _external=True),
            "api_url": url_for("reports.api_report", **values, _external=True)}


def _json_response(document: dict) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/api/v1/reports")
@public
def api_index():
    return _json_response({"items": [_index_item(report)
                                     for report in publishing.published_reports()]})


@bp.route("/api/v1/reports/<financial_year>/q<int(min=1, max=4):number>")
@public
def api_report(financial_year: str, number: int):
    """The latest published version's figures (errors under /api/ answer in JSON)."""
    return _json_response(as_json(_published_or_404(financial_year, number)))
