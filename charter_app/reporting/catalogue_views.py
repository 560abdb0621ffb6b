"""Administrators manage the measure catalogue under /staff/catalogue: measures, one year's
proxy value, a CSV import with a preview and a confirmation, and the audit log."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user

from charter_app.access import admin_required
from charter_app.extensions import db, htmx
from charter_app.reporting import catalogue_admin as catalogue
from charter_app.reporting import catalogue_import as imports
from charter_app.reporting.catalogue_forms import (
    ConfirmImportForm,
    MeasureForm,
    ProxyValueForm,
    UploadForm,
)
from charter_app.reporting.quarters import FinancialQuarter

bp = Blueprint("reporting_catalogue", __name__, url_prefix="/staff/catalogue")

CONFLICT_MESSAGE = ("Someone else changed this while you were editing it, so nothing was saved. "
                    "Reload the page to see their change, then make yours again.")
_BATCH = re.compile(r"[0-9a-f]{32}\Z")


def _measure(code: str):
    measure = catalogue.measure_by_code(code)
    if measure is None:
        abort(404)
    return measure


def _year_label(year: int) -> str:
    return FinancialQuarter(year, 1).financial_year


@bp.context_processor
def catalogue_helpers():
    return {"year_label": _year_label}


@bp.route("")
@admin_required
def index():
    return render_template("reporting/catalogue/index.html", title="Measure catalogue",
                           grouped=catalogue.catalogue_by_theme())


@bp.route("/measures/<code>", methods=["GET", "POST"])
@admin_required
def measure(code: str):
    measure = _measure(code)
    form = MeasureForm(obj=measure)
    conflict = None
    if request.method == "GET":
        form.version.data = catalogue.measure_version(measure)
    elif form.validate_on_submit():
        details = catalogue.MeasureDetails(**{name: getattr(form, name).data
                                              for name in catalogue.MEASURE_FIELDS})
        try:
            change = catalogue.edit_measure(code, details, seen_version=form.version.data or "",
                                            actor=current_user)
        except LookupError:
            abort(404)
        except catalogue.CatalogueConflict:
            conflict = CONFLICT_MESSAGE
        else:
            flash(f"{measure.code} is saved." if change else "Nothing has changed.",
                  "success" if change else "info")
            return redirect(url_for("reporting_catalogue.measure", code=measure.code))
    page = render_template("reporting/catalogue/measure.html", title=f"Measure {measure.code}",
                           measure=measure, form=form, conflict=conflict)
    return page, (409 if conflict else 200)


def _value_page(measure, year: int | None, form: ProxyValueForm, *, proxy=None, conflict=None,
                status: int = 200):
    used_by = 0
    if year is not None:
        used_by = catalogue.submitted_usage([(measure.id, year)]).get((measure.id, year), 0)
    heading = (f"{measure.code}: proxy value for {_year_label(year)}" if year is not None
               else f"{measure.code}: proxy value for another year")
    return render_template("reporting/catalogue/value.html", title=heading, heading=heading,
                           measure=measure, year=year, form=form, proxy=proxy,
                           used_by=used_by, conflict=conflict), status


def _save_value(measure, year: int, form: ProxyValueForm, proxy):
    """The form's value for the year, or the page again with the reason it was refused."""
    details = catalogue.ProxyDetails(form.value.data, form.source.data,
                                     form.edition.data or None)
    try:
        change = catalogue.set_proxy_value(measure.code, year, details,
                                           seen_version=form.version.data or "",
                                           reason=form.reason.data, actor=current_user)
    except LookupError:
        abort(404)
    except catalogue.CatalogueConflict:
        return _value_page(measure, year, form, proxy=proxy, conflict=CONFLICT_MESSAGE,
                           status=409)
    except catalogue.ReasonRequired as refusal:
        form.reason.errors = [
            f"Give a reason: {refusal.entry_count} submitted report "
            f"{'entry' if refusal.entry_count == 1 else 'entries'} used the "
            f"{_year_label(year)} value. They keep the value they used."]
        return _value_page(measure, year, form, proxy=proxy)
    flash(f"The {_year_label(year)} proxy value of {measure.code} is saved." if change
          else "Nothing has changed.", "success" if change else "info")
    return redirect(url_for("reporting_catalogue.measure", code=measure.code))


@bp.route("/measures/<code>/values/<int:year>", methods=["GET", "POST"])
@admin_required
def value(code: str, year: int):
    measure = _measure(code)
    if not imports.EARLIEST_YEAR <= year <= imports.LATEST_YEAR:
        abort(404)
    proxy = catalogue.proxy_value_for(measure, year)
    form = ProxyValueForm(data={"value": proxy.value, "source": proxy.source,
                                "edition": proxy.edition} if proxy is not None else None)
    if request.method == "GET":
        form.version.data = catalogue.proxy_version(proxy)
    elif form.validate_on_submit():
        return _save_value(measure, year, form, proxy)
    return _value_page(measure, year, form, proxy=proxy)


@bp.route("/measures/<code>/values/new", methods=["GET", "POST"])
@admin_required
def new_value(code: str):
    measure = _measure(code)
    form = ProxyValueForm(new_year=True)
    if request.method == "GET":
        form.version.data = catalogue.proxy_version(None)
    elif form.validate_on_submit():
        if catalogue.proxy_value_for(measure, form.year) is not None:
            form.financial_year.errors = [
                f"{measure.code} already has a value for {_year_label(form.year)}: change it "
                "from the measure’s page"]
        else:
            return _save_value(measure, form.year, form, None)
    return _value_page(measure, None, form)


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        chosen = form.file.data
        if not getattr(chosen, "filename", None):
            form.file.errors = ["Select a CSV file"]
        else:
            # Read one byte past the limit: enough to know the file is too big.
            data = chosen.stream.read(imports.MAX_FILE_BYTES + 1)
            try:
                pending = imports.start_import(chosen.filename, data, current_user)
            except imports.ImportFileRefused as refusal:
                form.file.errors = [str(refusal)]
            else:
                return redirect(url_for("reporting_catalogue.preview", key=pending.key))
    return render_template("reporting/catalogue/upload.html", title="Import proxy values",
                           form=form)


def _pending(key: str):
    pending = imports.import_by_key(key)
    if pending is None:
        abort(404)
    return pending


def _preview_page(pending, form: ConfirmImportForm | None = None):
    shown = imports.preview(pending)
    if form is None:
        form = ConfirmImportForm(version=shown.version)
    else:
        form.version.data = shown.version
    return render_template("reporting/catalogue/preview.html",
                           title=f"Check the import of {pending.filename}", pending=pending,
                           preview=shown, form=form)


@bp.route("/imports/<key>")
@admin_required
def preview(key: str):
    pending = _pending(key)
    if pending.is_applied:
        return render_template("reporting/catalogue/imported.html",
                               title=f"Imported {pending.filename}", pending=pending)
    return _preview_page(pending)


def _to_preview(key: str):
    target = url_for("reporting_catalogue.preview", key=key)
    # htmx follows a redirect inside its request; HX-Redirect moves the whole page instead.
    return htmx_response(redirect=target) if htmx else redirect(target, code=303)


@bp.route("/imports/<key>/confirm", methods=["POST"])
@admin_required
def confirm(key: str):
    pending = _pending(key)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        return _preview_page(pending, form)
    try:
        applied = imports.apply_import(key, seen_version=form.version.data or "",
                                       reason=form.reason.data, actor=current_user)
    except LookupError:
        abort(404)
    except imports.ImportAlreadyApplied:
        flash("This file was imported already. Nothing has changed.", "info")
        return _to_preview(key)
    except catalogue.CatalogueConflict:
        db.session.rollback()
        flash("The catalogue changed after you opened this preview, so nothing was imported. "
              "Check the rows below again, then confirm.", "info")
        return _to_preview(key)
    except imports.ImportNotReady as refusal:
        if not refusal.reason_needed:
            flash(str(refusal), "info")
            return _to_preview(key)
        form.reason.errors = [str(refusal)]
        return _preview_page(pending, form)
    counts = applied.counts
    flash(f"Imported {pending.filename}: {counts['new']} new, {counts['changed']} changed, "
          f"{counts['unchanged']} unchanged.", "success")
    return _to_preview(key)


def _page_links(page, batch: str | None) -> list[tuple[int | None, str | None, bool]]:
    shown = sorted(n for n in {1, page.pages, *range(page.page - 2, page.page + 3)}
                   if 1 <= n <= page.pages)
    links: list[tuple[int | None, str | None, bool]] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            links.append((None, None, False))
        links.append((number, url_for("reporting_catalogue.changes", page=number, batch=batch),
                      number == page.page))
        previous = number
    return links


@bp.route("/changes")
@admin_required
def changes():
    batch = request.args.get("batch", "")
    batch = batch if _BATCH.match(batch) else None
    page = catalogue.catalogue_changes(request.args.get("page", 1, type=int) or 1, batch=batch)
    names = catalogue.measure_names(change.measure_code for change in page.items)

    def page_url(number):
        return url_for("reporting_catalogue.changes", page=number, batch=batch)

    return render_template(
        "reporting/catalogue/changes.html", title="Catalogue changes", page=page, batch=batch,
        names=names, labels=catalogue.FIELD_LABELS,
        links=_page_links(page, batch),
        previous_href=page_url(page.page - 1) if page.page > 1 else None,
        next_href=page_url(page.page + 1) if page.page < page.pages else None)
