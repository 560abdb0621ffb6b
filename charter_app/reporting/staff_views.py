"""Staff pages for quarterly reports, under /staff/reports: the submitted reports with filters,
one report with its entries, revisions and checks, the check and query decisions, and the
export of every submitted entry (CSV here, JSON through /api/v1/staff/report-entries)."""

import math

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from charter_app.access import staff_api_required, staff_required
from charter_app.locking import StateChangeRefused
from charter_app.reporting import checks, export
from charter_app.reporting.calculations import total
from charter_app.reporting.models import QuarterlyReport, ReportStatus
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.staff_forms import CheckForm, QueryForm
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("reporting_staff", __name__)

API_PER_PAGE = 100
API_MAX_PER_PAGE = 500


def _report_or_404(report_id: int) -> QuarterlyReport:
    report = checks.report_for_staff(report_id)
    if report is None:
        abort(404)
    return report


def _page_links(page: checks.ReportPage) -> list[tuple[int | None, str | None, bool]]:
    """The first and last pages and those within two of this one; None marks a gap."""
    shown = sorted(n for n in {1, page.pages, *range(page.page - 2, page.page + 3)}
                   if 1 <= n <= page.pages)
    links, previous = [], 0
    for number in shown:
        if number - previous > 1:
            links.append((None, None, False))
        links.append((number, url_for("reporting_staff.reports",
                                      **page.report_filter.params(page=number)),
                      number == page.page))
        previous = number
    return links


@bp.route("/staff/reports")
@staff_required
def reports():
    report_filter = checks.ReportFilter.from_args(request.args)
    page = checks.submitted_reports(report_filter)
    return render_template(
        "reporting/staff/reports.html",
        title="Search results: quarterly reports" if report_filter.is_filtered
        else "Quarterly reports",
        page=page, report_filter=report_filter, links=_page_links(page),
        period_choices=checks.period_choices(), status_choices=checks.STATUS_FILTERS)


def _report_page(report: QuarterlyReport, query_form: QueryForm | None = None):
    counted = report.submitted_revision
    valued = [entry.value for entry in counted.entries if entry.value is not None]
    return render_template(
        "reporting/staff/report.html",
        title=f"{report.organisation.name}: {report.financial_quarter.label} report",
        report=report, counted=counted, value=total(valued),
        not_valued=len(counted.entries) - len(valued),
        history=checks.revision_history(report),
        check_form=CheckForm(revision_id=counted.id, formdata=None),
        statuses=ReportStatus)


@bp.route("/staff/reports/<int:report_id>")
@staff_required
def report(report_id: int):
    return _report_page(_report_or_404(report_id))


def _replaced_message(report: QuarterlyReport, replaced: checks.RevisionReplaced) -> str:
    counted = replaced.counted
    if counted is None:
        return "This report changed while you were reading it. Nothing was saved."
    return (f"{report.organisation.name} submitted a correction while you were reading: "
            f"revision {counted.number} now counts. Nothing was saved. Read the correction "
            "below before you decide.")


def _already_message(refused: StateChangeRefused) -> str:
    words = {ReportStatus.CHECKED: "marked as checked", ReportStatus.QUERIED: "queried"}
    return (f"This revision was already {words.get(refused.wanted, refused.wanted)}, perhaps by "
            "someone else a moment ago. Nothing has changed.")


@bp.route("/staff/reports/<int:report_id>/check", methods=["POST"])
@staff_required
def check(report_id: int):
    report = _report_or_404(report_id)
    form = CheckForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        checks.check_report(report, form.revision_id.data, current_user)
    except checks.RevisionReplaced as replaced:
        flash(_replaced_message(report, replaced), "info")
        return redirect(url_for("reporting_staff.report", report_id=report.id))
    except StateChangeRefused as refused:
        flash(_already_message(refused), "info")
        return redirect(url_for("reporting_staff.report", report_id=report.id))
    flash(f"{report.organisation.name}'s {report.financial_quarter.label} report is marked as "
          "checked.", "success")
    return redirect(url_for("reporting_staff.reports"))


@bp.route("/staff/reports/<int:report_id>/query", methods=["GET", "POST"])
@staff_required
def query(report_id: int):
    report = _report_or_404(report_id)
    counted = report.submitted_revision
    form = QueryForm(revision_id=counted.id)
    notice, status = None, 200
    if form.validate_on_submit():
        try:
            query_check = checks.query_report(report, form.revision_id.data, current_user,
                                              form.message.data)
        except checks.RevisionReplaced as replaced:
            # What was typed stays in the box; the form now points at the revision that counts.
            notice, status = _replaced_message(report, replaced), 409
            report = _report_or_404(report_id)
            form.revision_id.data = report.submitted_revision_id
        except StateChangeRefused as refused:
            notice, status = _already_message(refused), 409
        else:
            recipients = len(checks.members_of(report.organisation_id))
            flash(f"Your question about {report.organisation.name}'s "
                  f"{report.financial_quarter.label} report is sent to "
                  f"{recipients} {'person' if recipients == 1 else 'people'} in the "
                  f"organisation (revision {query_check.revision.number}).", "success")
            return redirect(url_for("reporting_staff.reports"))
    return render_template(
        "reporting/staff/query.html",
        title=f"Query {report.organisation.name}'s {report.financial_quarter.label} report",
        report=report, counted=report.submitted_revision, form=form, notice=notice), status


def _quarter_range() -> export.QuarterRange:
    """From the query string: from=2026-27 or 2026-27-q2, to=... (both optional); a value that
    is not a financial year or quarter is refused rather than silently widening the export."""
    bounds = []
    for name in ("from", "to"):
        text = request.args.get(name, "").strip().lower()
        if not text:
            bounds.append(None)
            continue
        period = checks.parse_period(text)
        if period is None:
            abort(400)
        year, number = period
        bounds.append(FinancialQuarter(year, number or (1 if name == "from" else 4)))
    return export.QuarterRange(*bounds)


@bp.route("/staff/reports/export.csv")
@staff_required
def export_csv():
    quarters = _quarter_range()
    filename = f"county-durham-pound-report-entries-{london_date(utcnow()).isoformat()}.csv"
    return Response(
        stream_with_context(export.csv_lines(quarters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.route("/api/v1/staff/report-entries")
@staff_api_required
def api_entries():
    quarters = _quarter_range()
    try:
        per_page = max(1, min(int(request.args.get("per_page", API_PER_PAGE)),
                              API_MAX_PER_PAGE))
        page = max(1, min(int(request.args.get("page", 1)), 1_000_000))
    except ValueError:
        per_page, page = API_PER_PAGE, 1
    total_entries = export.count_entries(quarters)
    pages = max(1, math.ceil(total_entries / per_page))
    return jsonify(items=export.entry_page(quarters, page, per_page), page=page, pages=pages,
                   total=total_entries, per_page=per_page)
