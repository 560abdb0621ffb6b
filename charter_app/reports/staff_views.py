"""Staff draft, preview and publish the collective quarterly report, and start corrections."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import publishing
from charter_app.reports.figures import as_snapshot, previous_quarter, report_figures
from charter_app.reports.forms import DraftForm, PublishForm
from charter_app.reports.views import QUARTER, page_context, quarter_or_404
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("reports_staff", __name__, url_prefix="/staff")

RECENT_QUARTERS = 8


def _recent(today) -> list[FinancialQuarter]:
    quarter, found = FinancialQuarter.containing(today), []
    for _ in range(RECENT_QUARTERS):
        found.append(quarter)
        quarter = previous_quarter(quarter)
    return found


def _page(quarter: FinancialQuarter):
    return url_for("reports_staff.quarter", financial_year=quarter.financial_year,
                   number=quarter.number)


@bp.route("/collective-reports")
@staff_required
def index():
    today = london_date(utcnow())
    rows = [(quarter, publishing.is_closed(quarter, today), publishing.versions(quarter))
            for quarter in _recent(today)]
    return render_template("reports/staff_index.html", title="Quarterly progress reports",
                           rows=rows)


@bp.route("/collective-reports" + QUARTER.removeprefix("/reports"), methods=["GET", "POST"])
@staff_required
def quarter(financial_year: str, number: int):
    found = quarter_or_404(financial_year, number)
    today = london_date(utcnow())
    draft = publishing.draft_of(found)
    form = DraftForm(obj=draft)
    if request.method == "POST" and form.validate_on_submit():
        try:
            draft = draft or publishing.start_draft(found, today)
            publishing.save_draft(draft, form.commentary.data or "", form.highlights.data or "",
                                  form.change_note.data)
        except publishing.PublishingRefused as refused:
            flash(str(refused), "info")
            return redirect(_page(found))
        flash("The draft is saved. Read the preview below, then publish.", "success")
        return redirect(_page(found))
    preview = None
    if draft is not None:
        preview = page_context(draft, as_snapshot(report_figures(found)))
    return render_template("reports/staff_quarter.html", title=f"Progress report {found.label}",
                           quarter=found, draft=draft, form=form, publish_form=PublishForm(),
                           closed=publishing.is_closed(found, today),
                           versions=publishing.versions(found), preview=preview)


@bp.route("/collective-reports" + QUARTER.removeprefix("/reports") + "/publish",
          methods=["POST"])
@staff_required
def publish(financial_year: str, number: int):
    found = quarter_or_404(financial_year, number)
    form = PublishForm()
    draft = publishing.draft_of(found)
    if not form.validate_on_submit() or draft is None:
        flash("Nothing was published: there is no draft of this report to publish.", "info")
        return redirect(_page(found))
    try:
        report = publishing.publish(draft, current_user, utcnow())
    except publishing.PublishingRefused as refused:
        flash(str(refused), "info")
        return redirect(_page(found))
    flash(f"Version {report.version} of the {found.label} report is published.", "success")
    return redirect(url_for("reports.report", financial_year=found.financial_year,
                            number=found.number))
