"""/staff/audit: what staff, administrators and operators changed, searchable and as CSV.

Administrators only: they manage the staff accounts whose actions this oversees."""

from flask import Blueprint, Response, render_template, request

from charter_app.access import admin_required
from charter_app.audit import services
from charter_app.csv_export import csv_text
from charter_app.timeutil import utcnow

bp = Blueprint("audit_staff", __name__)

PER_PAGE = 50


@bp.route("/staff/audit")
@admin_required
def index():
    search = services.AuditSearch.from_args(request.args)
    page = services.find_entries(search, PER_PAGE)
    status = 400 if search.errors else 200
    return render_template("audit/index.html", title="Audit log", search=search, page=page,
                           changed_fields=services.changed_fields), status


@bp.route("/staff/audit.csv")
@admin_required
def export_csv():
    search = services.AuditSearch.from_args(request.args)
    if search.errors:
        page = services.find_entries(search, PER_PAGE)
        return render_template("audit/index.html", title="Audit log", search=search, page=page,
                               changed_fields=services.changed_fields), 400
    filename = f"audit-log-{utcnow():%Y-%m-%d}.csv"
    return Response(csv_text(services.CSV_HEADER, services.csv_rows(search)),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
