"""Staff and an event's people: the registrations page (places, the waiting list, the rest;
giving a place by hand, cancelling for someone), check-in at the door (a phone, one tap, a code
typed or scanned, walk-ins) and the CSV exports.

htmx enhances the check-in page only: every hx-post is also a plain form POST that redirects
back to the list, keeping the search.
"""

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.events import checkin, display, exports
from charter_app.events.attendee_forms import CancelRegistrationForm, WalkInForm
from charter_app.events.forms import ConfirmForm
from charter_app.events.models import Event, Registration
from charter_app.events.registrations import Attendee, RegistrationRefused, places_left
from charter_app.extensions import db, htmx
from charter_app.forms import clean_text
from charter_app.locking import StateChangeRefused
from charter_app.timeutil import format_london, to_london

bp = Blueprint("event_attendees", __name__, url_prefix="/staff/events")

SEARCH_MAX_LENGTH = checkin.SEARCH_MAX_LENGTH
STATUS_WORDS = exports.STATUS_WORDS


@bp.context_processor
def attendee_helpers():
    return {"london": format_london, "charter_words": exports.charter_words,
            "status_words": lambda status: STATUS_WORDS.get(status, status),
            "clock": clock, "kind_label": display.kind_label}


def clock(value) -> str:
    """'10:42', UK time: what a check-in shows at the door."""
    return f"{to_london(value):%H:%M}" if value else ""




def _registration(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _search() -> str:
    return " ".join(clean_text(request.values.get("q") or "").split())[:SEARCH_MAX_LENGTH]


# --- the registrations page --------------------------------------------------------------------

@bp.route("/<int:event_id>/registrations")
@staff_required
def registrations(event_id: int):
    event = db.get_or_404(Event, event_id)
    lists = checkin.registration_lists(event.id)
    return render_template(
        "events/staff/registrations.html", title=f"Registrations: {event.title}", event=event,
        lists=lists, places_left=max(event.capacity - len(lists.confirmed), 0),
        has_bookings=exports.has_bookings(event.id))


def _to_registrations(event: Event):
    return redirect(url_for("event_attendees.registrations", event_id=event.id), code=303)


def _not_changed(event: Event, registration: Registration, refusal: Exception):
    """A double click, two staff at once, or a change no longer possible: say so plainly."""
    db.session.rollback()
    if isinstance(refusal, RegistrationRefused):
        flash(f"{refusal.message}. Nothing has changed.", "info")
    else:
        db.session.refresh(registration)
        flash(f"{registration.attendee_name}'s registration is now "
              f"‘{STATUS_WORDS.get(registration.status, registration.status)}’, so it cannot "
              "be changed that way. Nothing has changed.", "info")
    return _to_registrations(event)


@bp.route("/<int:event_id>/registrations/<int:registration_id>/give-a-place",
          methods=["GET", "POST"])
@staff_required
def give_place(event_id: int, registration_id: int):
    event = db.get_or_404(Event, event_id)
    registration = _registration(event, registration_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            checkin.give_place(registration.id, by=current_user)
        except (StateChangeRefused, RegistrationRefused) as refusal:
            return _not_changed(event, registration, refusal)
        flash(f"{registration.attendee_name} has a place and is emailed to say so.", "success")
        return _to_registrations(event)
    if not registration.is_waiting:
        return _not_changed(event, registration, StateChangeRefused(
            registration.status, "confirmed"))
    return render_template("events/staff/give_place.html", title="Give a place", event=event,
                           registration=registration, form=form, left=places_left(event))


@bp.route("/<int:event_id>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel_registration(event_id: int, registration_id: int):
    event = db.get_or_404(Event, event_id)
    registration = _registration(event, registration_id)
    form = CancelRegistrationForm()
    if form.validate_on_submit():
        try:
            checkin.cancel_on_behalf(registration.id, by=current_user, reason=form.reason.data)
        except (StateChangeRefused, RegistrationRefused) as refusal:
            return _not_changed(event, registration, refusal)
        flash(f"{registration.attendee_name}'s registration is cancelled and they are emailed "
              "to say so.", "success")
        return _to_registrations(event)
    if request.method == "GET" and registration.status not in ("confirmed", "waiting"):
        return _not_changed(event, registration, StateChangeRefused(
            registration.status, "cancelled"))
    return render_template("events/staff/cancel_registration.html",
                           title="Cancel a registration", event=event,
                           registration=registration, form=form,
                           reason_length=checkin.CANCELLATION_REASON_MAX_LENGTH)


# --- check-in at the door ----------------------------------------------------------------------

def _checkin_page(event: Event, *, walk_in: WalkInForm | None = None, code: str = "",
                  code_error: str | None = None, status: int = 200):
    search = _search()
    rows = checkin.checkin_list(event.id, search)
    walk_in = walk_in or WalkInForm(formdata=None)
    # The base template says "Error: " for the walk-in form's errors; the code box's here.
    title = "Error: Check in" if code_error else "Check in"
    return render_template(
        "events/staff/checkin.html", title=title, event=event, rows=rows, search=search,
        counts=checkin.counts(event.id), form=walk_in, code=code, code_error=code_error,
        organisations=checkin.walk_in_organisations(event.id)), status


def _to_checkin(event: Event, registration_id: int | None = None, search: str | None = None):
    search = _search() if search is None else search
    query = f"?{urlencode({'q': search})}" if search else ""
    anchor = f"#attendee-{registration_id}" if registration_id else ""
    return redirect(url_for("event_attendees.check_in_page", event_id=event.id) + query + anchor,
                    code=303)


@bp.route("/<int:event_id>/check-in")
@staff_required
def check_in_page(event_id: int):
    event = db.get_or_404(Event, event_id)
    # The live search swaps only the list; a plain request (or htmx's history restore) gets
    # the whole page.
    if htmx and htmx.target == "checkin-list" and not htmx.history_restore_request:
        search = _search()
        return render_template("events/staff/_checkin_list.html", event=event,
                               rows=checkin.checkin_list(event.id, search), search=search)
    return _checkin_page(event)


def _row_response(event: Event, registration_id: int, *, message: str | None = None,
                  status: int = 200):
    row = checkin.row_for(registration_id)
    return render_template("events/staff/_checkin_row.html", event=event, row=row,
                           search=_search(), message=message,
                           counts=checkin.counts(event.id), oob=True), status


def _already_words(conflict: checkin.AlreadyCheckedIn) -> str:
    who = f" by {conflict.by_email}" if conflict.by_email else ""
    return (f"{conflict.registration.attendee_name} was already checked in at "
            f"{clock(conflict.registration.checked_in_at)}{who}.")


@bp.route("/<int:event_id>/check-in/<int:registration_id>", methods=["POST"])
@staff_required
def check_in(event_id: int, registration_id: int):
    event = db.get_or_404(Event, event_id)
    registration = _registration(event, registration_id)
    try:
        checkin.check_in(event.id, registration.id, by=current_user)
    except checkin.AlreadyCheckedIn as conflict:
        db.session.rollback()
        message = _already_words(conflict)
        if htmx:
            return _row_response(event, registration.id, message=message, status=409)
        flash(message, "info")
        return _to_checkin(event, registration.id)
    except checkin.CheckInRefused as refusal:
        db.session.rollback()
        if htmx:
            return _row_response(event, registration.id, message=refusal.message, status=409)
        flash(refusal.message, "info")
        return _to_checkin(event, registration.id)
    if htmx:
        return _row_response(event, registration.id)
    flash(f"{registration.attendee_name} is checked in.", "success")
    return _to_checkin(event, registration.id)


@bp.route("/<int:event_id>/check-in/<int:registration_id>/undo", methods=["POST"])
@staff_required
def undo_check_in(event_id: int, registration_id: int):
    event = db.get_or_404(Event, event_id)
    registration = _registration(event, registration_id)
    try:
        checkin.undo_check_in(event.id, registration.id, by=current_user)
    except (checkin.NotCheckedIn, checkin.CheckInRefused) as conflict:
        db.session.rollback()
        message = (conflict.message if isinstance(conflict, checkin.CheckInRefused) else
                   f"{registration.attendee_name}'s check-in was already undone.")
        if htmx:
            return _row_response(event, registration.id, message=message, status=409)
        flash(message, "info")
        return _to_checkin(event, registration.id)
    message = f"{registration.attendee_name} is no longer checked in."
    if htmx:
        return _row_response(event, registration.id, message=message)
    flash(message, "success")
    return _to_checkin(event, registration.id)


@bp.route("/<int:event_id>/check-in/code", methods=["POST"])
@staff_required
def check_in_by_code(event_id: int):
    event = db.get_or_404(Event, event_id)
    code = clean_text(request.form.get("code") or "")[:40]
    if not code:
        return _checkin_page(event, code_error="Enter the check-in code, or scan it")
    try:
        registration = checkin.check_in_by_code(event.id, code, by=current_user)
    except checkin.AlreadyCheckedIn as conflict:
        db.session.rollback()
        return _checkin_page(event, code=code, code_error=_already_words(conflict))
    except checkin.CheckInRefused as refusal:
        db.session.rollback()
        return _checkin_page(event, code=code, code_error=refusal.message)
    organisation = (f" ({registration.organisation.name})"
                    if registration.organisation else "")
    flash(f"{registration.attendee_name}{organisation} is checked in.", "success")
    return _to_checkin(event, search="")


@bp.route("/<int:event_id>/check-in/walk-in", methods=["POST"])
@staff_required
def walk_in(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            registration = checkin.add_walk_in(
                event.id, by=current_user,
                attendee=Attendee(name=form.name.data or "", email=form.email.data or ""),
                organisation_id=form.chosen_organisation_id(),
                organisation_name=form.organisation_name.data)
        except RegistrationRefused as refusal:
            db.session.rollback()
            form.show_refusal(refusal)
        else:
            flash(f"{registration.attendee_name} is added as a walk-in and checked in.",
                  "success")
            return _to_checkin(event, registration.id, search="")
    return _checkin_page(event, walk_in=form)


# --- CSV exports -------------------------------------------------------------------------------

EXPORTS = {
    "registrations": exports.registrations_csv,
    "waiting-list": exports.waiting_list_csv,
    "attendance": exports.attendance_csv,
    "bookings": exports.bookings_csv,
}


@bp.route("/<int:event_id>/<any(registrations, 'waiting-list', attendance, bookings):what>.csv")
@staff_required
def export_csv(event_id: int, what: str):
    event = db.get_or_404(Event, event_id)
    return Response(EXPORTS[what](event), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(event, what)}"'})
