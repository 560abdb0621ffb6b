"""A signatory's quarterly reports: the list of quarters, a report's entries with their live
value, evidence files, check your answers and submit, corrections and their history.

Only members of the organisation reach these pages (anyone else gets 404); staff may also read
the revision history and download evidence. Views are thin: the rules are in services.py and
evidence.py, which flush; the request commits.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from sqlalchemy import select

from charter_app.access import get_membership_for, login_required
from charter_app.extensions import db, htmx
from charter_app.locking import StateChangeRefused
from charter_app.organisations.models import Organisation
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting import evidence, services
from charter_app.reporting.calculations import SocialValue, pennies, total
from charter_app.reporting.forms import (
    BANDS,
    DEFLATOR_HELP,
    OTHER,
    ConfirmForm,
    EntryForm,
    SubmitForm,
)
from charter_app.reporting.models import (
    EvidenceFile,
    QuarterlyReport,
    ReportEntry,
    ReportRevision,
    ReportStatus,
)
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("reporting", __name__)

REPORTS = "/organisations/<int:organisation_id>/reports"
QUARTER = REPORTS + "/<financial_year>/q<int:number>"
ENTRY = QUARTER + "/entries/<int:measure_id>"
EVIDENCE = "/organisations/<int:organisation_id>/evidence/<int:file_id>"


class UploadForm(ConfirmForm):
    file = FileField("Upload a file", widget=GovFileInput(),
                     description="A PDF, PNG or JPEG, 5 MB or smaller. Up to 5 files an entry.")


# --- finding things, or 404 ----------------------------------------------------------------------


def _today():
    return london_date(utcnow())


def _quarter(financial_year: str, number: int) -> FinancialQuarter:
    try:
        return FinancialQuarter.parse(financial_year, number)
    except ValueError:
        abort(404)


def _organisation(organisation_id: int, *, staff_may_read: bool = False) -> Organisation:
    """The organisation for one of its members (or, for reading, staff); 404 for anyone else."""
    if staff_may_read and current_user.is_staff:
        return db.get_or_404(Organisation, organisation_id)
    return get_membership_for(organisation_id).organisation


def _report(organisation_id, financial_year, number, *, staff_may_read=False):
    organisation = _organisation(organisation_id, staff_may_read=staff_may_read)
    quarter = _quarter(financial_year, number)
    return organisation, quarter, services.find_report(organisation, quarter)


def _report_url(report: QuarterlyReport, endpoint: str = "reporting.report", **values) -> str:
    quarter = report.financial_quarter
    return url_for(endpoint, organisation_id=report.organisation_id,
                   financial_year=quarter.financial_year, number=quarter.number, **values)


def _draft_or_redirect(organisation_id, financial_year, number):
    """The report and its draft, or a redirect to the report page saying why there is none."""
    organisation, quarter, report = _report(organisation_id, financial_year, number)
    if report is None or report.draft_revision is None:
        if report is not None:
            flash("This report is submitted. Start a correction to change it.", "info")
        return None, redirect(url_for("reporting.report", organisation_id=organisation.id,
                                      financial_year=quarter.financial_year,
                                      number=quarter.number))
    return report, None


def _already_changed(report: QuarterlyReport):
    flash("This report changed meanwhile (perhaps in another tab): here it is as it is now.",
          "info")
    return redirect(_report_url(report))


# --- the list of quarters ------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterRow:
    quarter: FinancialQuarter
    state: str
    report: QuarterlyReport | None


def quarter_state(quarter: FinancialQuarter, report: QuarterlyReport | None, today) -> str:
    """open, due, late, missing or submitted; checked or queried once staff have looked."""
    if report is not None and report.status in (ReportStatus.CHECKED, ReportStatus.QUERIED):
        return str(report.status)
    return str(quarter.state_on(today, submitted=report is not None and report.is_submitted))


@bp.route(REPORTS)
@login_required
def reports(organisation_id: int):
    organisation = _organisation(organisation_id)
    today = _today()
    by_quarter = services.reports_by_quarter(organisation)
    rows = [QuarterRow(quarter, quarter_state(quarter, by_quarter.get(quarter), today),
                       by_quarter.get(quarter))
            for quarter in reversed(services.reportable_quarters(organisation, today))]
    return render_template("reporting/list.html", title="Your quarterly reports",
                           organisation=organisation, rows=rows, confirm=ConfirmForm())


@bp.route(QUARTER + "/start", methods=["POST"])
@login_required
def start(organisation_id: int, financial_year: str, number: int):
    organisation = _organisation(organisation_id)
    quarter = _quarter(financial_year, number)
    if ConfirmForm().validate_on_submit():
        try:
            services.start_report(organisation, quarter, current_user, today=_today())
        except services.ReportExists:
            pass  # a double click, or another tab: the same report, no error
        except services.ReportRefused as refused:
            flash(str(refused), "info")
            return redirect(url_for("reporting.reports", organisation_id=organisation.id))
    return redirect(url_for("reporting.report", organisation_id=organisation.id,
                            financial_year=quarter.financial_year, number=quarter.number))


# --- a report ------------------------------------------------------------------------------------


def _entry_rows(report: QuarterlyReport, revision: ReportRevision | None):
    """Pledged measures first (with their entry, if any), then the other measures entered."""
    pledged, others = services.measures_for(report)
    entries = {entry.measure_id: entry for entry in (revision.entries if revision else [])}
    rows = [(measure, entries.pop(measure.id, None), True) for measure in pledged]
    rows += [(entry.measure, entry, False) for entry in entries.values()]
    entered = {measure.id for measure, entry, _ in rows if entry is not None}
    addable = [measure for measure in others if measure.id not in entered]
    return rows, addable


def _totals(revision: ReportRevision | None) -> SocialValue:
    return total(entry.value for entry in (revision.entries if revision else [])
                 if entry.value is not None)


@bp.route(QUARTER)
@login_required
def report(organisation_id: int, financial_year: str, number: int):
    organisation, quarter, report = _report(organisation_id, financial_year, number)
    today = _today()
    if report is None:
        return render_template(
            "reporting/not_started.html", title=f"Report for {quarter.label}",
            organisation=organisation, quarter=quarter, confirm=ConfirmForm(),
            refusal=services.refusal_to_start(organisation, quarter, today))
    revision = report.draft_revision or report.submitted_revision
    rows, addable = _entry_rows(report, revision)
    return render_template(
        "reporting/report.html", title=f"Report for {quarter.label}", organisation=organisation,
        quarter=quarter, report=report, revision=revision, rows=rows, addable=addable,
        totals=_totals(revision), state=quarter_state(quarter, report, today),
        query=next((check for check in reversed(report.checks)
                    if check.outcome == ReportStatus.QUERIED), None),
        confirm=ConfirmForm())


@bp.route(QUARTER + "/entries/choose")
@login_required
def choose_measure(organisation_id: int, financial_year: str, number: int):
    report, refusal = _draft_or_redirect(organisation_id, financial_year, number)
    if refusal:
        return refusal
    measure_id = request.args.get("measure", "")
    if not measure_id.isdigit() or db.session.get(Measure, int(measure_id)) is None:
        flash("Choose a measure to add from the list.", "info")
        return redirect(_report_url(report))
    return redirect(_report_url(report, "reporting.entry", measure_id=int(measure_id)))


# --- an entry, and its live value -----------------------------------------------------------------


def _entry_measure(report: QuarterlyReport, measure_id: int) -> tuple[Measure, ReportEntry | None]:
    entry = next((entry for entry in report.draft_revision.entries
                  if entry.measure_id == measure_id), None)
    measure = db.session.get(Measure, measure_id)
    if measure is None or (entry is None and not measure.active):
        abort(404)
    return measure, entry


@dataclass(frozen=True)
class LiveValue:
    """What the live value region says: a value, no proxy for the year, or what is missing."""

    measure: Measure
    financial_year: str
    proxy: ProxyValue | None
    value: SocialValue | None = None
    missing: str | None = None


def live_value(form: EntryForm, report: QuarterlyReport) -> LiveValue:
    """The entry's value as typed, from services.preview_value: the sum submit freezes."""
    measure = form.measure
    proxy = services.proxy_for(measure, report.financial_year)
    live = LiveValue(measure, report.financial_quarter.financial_year, proxy)
    if proxy is None:
        return live
    quantity = form.quantity_value()
    if quantity is None or quantity > measure.plausible_max:
        return replace(live, missing="Enter a quantity to see its value.")
    if any(form.deflator(name) is None for name in services.DEFLATOR_NAMES):
        return replace(live, missing="Enter each percentage from 0 to 100 to see the value.")
    value = services.preview_value(measure, report.financial_year, quantity,
                                   form.deflators_or_defaults())
    return replace(live, value=value)


def _render_entry(report, measure, entry, entry_form, upload_form=None, status=200):
    upload_form = upload_form or UploadForm()
    pledged, _ = services.measures_for(report)
    return render_template(
        "reporting/entry.html", title=f"{measure.name}: {report.financial_quarter.label}",
        report=report, organisation=report.organisation, quarter=report.financial_quarter,
        measure=measure, entry=entry, entry_form=entry_form, upload_form=upload_form,
        form=upload_form if upload_form.errors else entry_form,
        pledged=measure in pledged, live=live_value(entry_form, report), bands=BANDS,
        other=OTHER, deflator_help=DEFLATOR_HELP, confirm=ConfirmForm(),
        max_files=evidence.MAX_FILES_PER_ENTRY), status


@bp.route(ENTRY, methods=["GET", "POST"])
@login_required
def entry(organisation_id: int, financial_year: str, number: int, measure_id: int):
    report, refusal = _draft_or_redirect(organisation_id, financial_year, number)
    if refusal:
        return refusal
    measure, existing = _entry_measure(report, measure_id)
    if request.method == "GET":
        return _render_entry(report, measure, existing, EntryForm.prefilled(measure, existing))
    form = EntryForm(measure)
    if request.form.get("action") == "preview":  # "Update value" without JavaScript
        return _render_entry(report, measure, existing, form)
    if form.validate_on_submit():
        try:
            services.save_entry(report, form.entry_input(), current_user)
        except services.EntryInvalid as invalid:
            field = getattr(form, invalid.field, form.quantity)
            field.errors = [*field.errors, str(invalid)]
        except StateChangeRefused:
            return _already_changed(report)
        else:
            flash(f"Saved: {measure.name}. You can add evidence files below, or go back to the "
                  "report.", "success")
            return redirect(_report_url(report, "reporting.entry", measure_id=measure.id,
                                        _anchor="evidence"))
    return _render_entry(report, measure, existing, form)


@bp.route(ENTRY + "/value", methods=["POST"])
@login_required
def entry_value(organisation_id: int, financial_year: str, number: int, measure_id: int):
    """The live value region alone, for htmx as the quantity and percentages are typed."""
    organisation, _, report = _report(organisation_id, financial_year, number)
    if report is None or report.draft_revision is None:
        abort(404)
    measure, _ = _entry_measure(report, measure_id)
    live = live_value(EntryForm(measure, meta={"csrf": False}), report)
    if htmx:
        return render_template("reporting/_live_value.html", live=live)
    return redirect(_report_url(report, "reporting.entry", measure_id=measure.id))


@bp.route(ENTRY + "/remove", methods=["POST"])
@login_required
def remove_entry(organisation_id: int, financial_year: str, number: int, measure_id: int):
    report, refusal = _draft_or_redirect(organisation_id, financial_year, number)
    if refusal:
        return refusal
    measure, existing = _entry_measure(report, measure_id)
    if ConfirmForm().validate_on_submit() and existing is not None:
        names = evidence.stored_names([existing])
        try:
            services.remove_entry(report, existing.id)
        except (services.ReportRefused, StateChangeRefused):
            return _already_changed(report)
        evidence.forget_unused(names)
        flash(f"Removed: {measure.name}.", "success")
    return redirect(_report_url(report))


# --- evidence files ------------------------------------------------------------------------------


@bp.route(ENTRY + "/evidence", methods=["POST"])
@login_required
def upload_evidence(organisation_id: int, financial_year: str, number: int, measure_id: int):
    report, refusal = _draft_or_redirect(organisation_id, financial_year, number)
    if refusal:
        return refusal
    measure, existing = _entry_measure(report, measure_id)
    if existing is None:
        flash("Save the entry first, then add its evidence files.", "info")
        return redirect(_report_url(report, "reporting.entry", measure_id=measure.id))
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            form.file.errors = ["Select a file to upload"]
        else:
            try:
                checked = evidence.check_upload(upload.filename, upload.stream)
                evidence.add_evidence(existing, checked, current_user)
            except evidence.EvidenceRefused as refused:
                form.file.errors = [str(refused)]
            else:
                flash(f"Uploaded {checked.name}.", "success")
                return redirect(_report_url(report, "reporting.entry", measure_id=measure.id,
                                            _anchor="evidence"))
    return _render_entry(report, measure, existing, EntryForm.prefilled(measure, existing),
                         upload_form=form)


@bp.errorhandler(413)
def upload_too_large(error):
    """A body over MAX_CONTENT_LENGTH (refused before the view runs): say so beside the
    upload, not as a bare error page."""
    arguments = request.view_args or {}
    if "measure_id" not in arguments:
        return render_template("errors/error.html", title="The file is too large",
                               heading="The file is too large",
                               advice="Files must be 5 MB or smaller.", status=413), 413
    flash("The selected file must be 5 MB or smaller. Nothing was uploaded.", "info")
    return redirect(url_for("reporting.entry", **arguments, _anchor="evidence"))


def _evidence_file(organisation_id: int, file_id: int, *, staff_may_read: bool):
    organisation = _organisation(organisation_id, staff_may_read=staff_may_read)
    file = db.session.scalar(
        select(EvidenceFile)
        .join(ReportEntry, EvidenceFile.entry_id == ReportEntry.id)
        .join(ReportRevision, ReportEntry.revision_id == ReportRevision.id)
        .join(QuarterlyReport, ReportRevision.report_id == QuarterlyReport.id)
        .where(EvidenceFile.id == file_id, QuarterlyReport.organisation_id == organisation.id))
    if file is None:
        abort(404)
    return file


@bp.route(EVIDENCE)
@login_required
def evidence_file(organisation_id: int, file_id: int):
    """Download one evidence file: the organisation's members and staff only, never inline."""
    file = _evidence_file(organisation_id, file_id, staff_may_read=True)
    try:
        # At most 5 MB: read whole, so no open file outlives the request.
        content = evidence.path_of(file).read_bytes()
    except FileNotFoundError:
        abort(404)
    return Response(content, content_type=file.content_type, headers={
        "Content-Disposition": evidence.content_disposition(file.original_name),
        "X-Content-Type-Options": "nosniff",
    })


@bp.route(EVIDENCE + "/remove", methods=["POST"])
@login_required
def remove_evidence(organisation_id: int, file_id: int):
    file = _evidence_file(organisation_id, file_id, staff_may_read=False)
    report, measure = file.entry.revision.report, file.entry.measure
    back = redirect(_report_url(report, "reporting.entry", measure_id=measure.id,
                                _anchor="evidence"))
    if ConfirmForm().validate_on_submit():
        try:
            name = file.original_name
            evidence.remove_evidence(file)
        except evidence.EvidenceRefused as refused:
            flash(str(refused), "info")
            return redirect(_report_url(report))
        flash(f"Removed {name}.", "success")
    return back


# --- check, submit, correct ----------------------------------------------------------------------


@bp.route(QUARTER + "/check", methods=["GET", "POST"])
@login_required
def check(organisation_id: int, financial_year: str, number: int):
    report, refusal = _draft_or_redirect(organisation_id, financial_year, number)
    if refusal:
        return refusal
    correcting = report.submitted_revision is not None
    form = SubmitForm()
    if form.validate_on_submit():
        if correcting and not form.change_note.data:
            form.change_note.errors = [*form.change_note.errors,
                                       "Say briefly what this correction changes"]
        else:
            try:
                services.submit_report(report, current_user, change_note=form.change_note.data)
            except services.EntryInvalid as invalid:
                form.change_note.errors = [*form.change_note.errors, str(invalid)]
            except StateChangeRefused:
                return _already_changed(report)
            else:
                flash(f"Your report for {report.financial_quarter.label} is submitted. "
                      "Business Durham will check it.", "success")
                return redirect(_report_url(report))
    revision = report.draft_revision
    rows, _ = _entry_rows(report, revision)
    return render_template(
        "reporting/check.html", title="Check your report before submitting",
        organisation=report.organisation, quarter=report.financial_quarter, report=report,
        revision=revision, rows=rows, totals=_totals(revision), form=form,
        correcting=correcting)


@bp.route(QUARTER + "/correct", methods=["POST"])
@login_required
def correct(organisation_id: int, financial_year: str, number: int):
    organisation, quarter, report = _report(organisation_id, financial_year, number)
    if report is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.start_correction(report, current_user)
        except StateChangeRefused:
            return _already_changed(report)
        flash("You are correcting this report. The submitted figures count until you submit "
              "the correction.", "info")
    return redirect(_report_url(report))


@bp.route(QUARTER + "/discard", methods=["POST"])
@login_required
def discard(organisation_id: int, financial_year: str, number: int):
    report, refusal = _draft_or_redirect(organisation_id, financial_year, number)
    if refusal:
        return refusal
    if ConfirmForm().validate_on_submit():
        names = evidence.stored_names(report.draft_revision.entries)
        try:
            services.discard_draft(report)
        except services.ReportRefused as refused:
            flash(str(refused), "info")
            return redirect(_report_url(report))
        except StateChangeRefused:
            return _already_changed(report)
        evidence.forget_unused(names)
        flash("Correction discarded: the submitted report stands as it was.", "success")
    return redirect(_report_url(report))


# --- revision history (members and staff) --------------------------------------------------------


def changes_since_previous(revision: ReportRevision):
    """What a submitted revision changed from the one submitted before it (None: the first)."""
    earlier = [other for other in revision.report.revisions
               if other.is_submitted and other.number < revision.number]
    return services.revision_changes(earlier[-1], revision) if earlier else None


@bp.app_template_global("reporting_revision_changes")
def _revision_changes_global(revision: ReportRevision):
    return changes_since_previous(revision)


REVISION_FIELD_LABELS = {
    "entry": "Entry", "quantity": "Quantity", "description": "What was done",
    "location": "Where", "evidence_url": "Link to evidence", "deadweight": "Deadweight (%)",
    "attribution": "Attribution (%)", "displacement": "Displacement (%)",
    "deflator_reason": "Reason for the percentages", "proxy_value": "Value of one unit",
    "gross": "Gross value", "net": "Net value",
}


@bp.app_template_global("reporting_field_label")
def _field_label(field: str) -> str:
    return REVISION_FIELD_LABELS.get(field, field)


@bp.app_template_filter("report_figure")
def _report_figure(value, field: str = "") -> str:
    """A value in the revision history: money in pounds, numbers plainly, 'none' for nothing."""
    if value is None or value == "":
        return "none"
    if isinstance(value, Decimal):
        if field in ("gross", "net", "proxy_value"):
            return f"£{pennies(value):,}"
        return f"{value.normalize():,f}"
    return str(value)


@bp.app_template_filter("unit_price")
def _unit_price(value) -> str:
    """A proxy value per unit: pennies, or the exact figure when it is finer (£0.047)."""
    value = Decimal(value).normalize()
    if value.as_tuple().exponent >= -2:
        return f"£{pennies(value):,}"
    return f"£{value:,f}"


@bp.route(QUARTER + "/revisions")
@login_required
def revisions(organisation_id: int, financial_year: str, number: int):
    organisation, quarter, report = _report(organisation_id, financial_year, number,
                                            staff_may_read=True)
    if report is None:
        abort(404)
    submitted = [revision for revision in reversed(report.revisions) if revision.is_submitted]
    return render_template("reporting/revisions.html", title=f"History of {quarter.label}",
                           organisation=organisation, quarter=quarter, report=report,
                           submitted=submitted)
