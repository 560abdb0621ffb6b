"""Staff manage events under /staff/events: the list (drafts, upcoming, past), a new event,
changes, and publishing, cancelling and duplicating, each confirmed on its own page."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.events import display, services
from charter_app.events.forms import CancelForm, ConfirmForm, EventForm
from charter_app.events.models import Event, EventStatus
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.timeutil import format_london

bp = Blueprint("events_staff", __name__, url_prefix="/staff/events")

STATE_WORDS = {EventStatus.DRAFT: "a draft", EventStatus.PUBLISHED: "published",
               EventStatus.CANCELLED: "cancelled"}


@bp.context_processor
def event_helpers():
    return {"kind_label": lambda kind: display.KIND_LABELS.get(kind, kind),
            "eligibility_label": lambda value: services.ELIGIBILITY_LABELS.get(value, value),
            "london": format_london}


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def _to_event(event: Event):
    return redirect(url_for("events_staff.event", event_id=event.id))


def _refused(event: Event, refusal: StateChangeRefused, doing: str):
    """A double click or two people at once: say what the event is now, never a 500."""
    db.session.rollback()
    if refusal.already_done:
        flash(f"This event is {STATE_WORDS[refusal.current]} already. Nothing has changed.",
              "info")
    else:
        flash(f"This event is {STATE_WORDS.get(refusal.current, refusal.current)}, so it "
              f"cannot be {doing}. Nothing has changed.", "info")
    return _to_event(event)


@bp.route("")
@staff_required
def index():
    return render_template("events/staff/index.html", title="Events",
                           listing=services.staff_listing())


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.create_event(form.details(), by=current_user)
        except services.InvalidEvent as invalid:
            form.show_problems(invalid.problems)
        else:
            flash(f"‘{event.title}’ is saved as a draft. Publish it when it is ready.",
                  "success")
            return _to_event(event)
    return render_template("events/staff/form.html", title="New event", form=form, event=None)


@bp.route("/<int:event_id>")
@staff_required
def event(event_id: int):
    event = _event(event_id)
    return render_template("events/staff/event.html", title=event.title, event=event)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(event_id: int):
    event = _event(event_id)
    if event.status == EventStatus.CANCELLED:
        flash("This event is cancelled, so it cannot be changed.", "info")
        return _to_event(event)
    form = EventForm(obj=event)
    if form.validate_on_submit():
        try:
            services.update_event(event.id, form.details())
        except services.InvalidEvent as invalid:
            form.show_problems(invalid.problems)
        except StateChangeRefused as refusal:
            return _refused(event, refusal, "changed")
        else:
            flash("Your changes are saved.", "success")
            return _to_event(event)
    return render_template("events/staff/form.html", title=f"Change {event.title}", form=form,
                           event=event)


@bp.route("/<int:event_id>/publish", methods=["GET", "POST"])
@staff_required
def publish(event_id: int):
    event = _event(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.publish_event(event.id, by=current_user)
        except StateChangeRefused as refusal:
            return _refused(event, refusal, "published")
        flash(f"‘{event.title}’ is published.", "success")
        return _to_event(event)
    if event.status != EventStatus.DRAFT:
        return _refused(event, StateChangeRefused(event.status, EventStatus.PUBLISHED),
                        "published")
    return render_template("events/staff/publish.html", title=f"Publish {event.title}",
                           event=event, form=form)


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel(event_id: int):
    event = _event(event_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_event(event.id, form.reason.data, by=current_user)
        except StateChangeRefused as refusal:
            return _refused(event, refusal, "cancelled")
        flash(f"‘{event.title}’ is cancelled.", "success")
        return _to_event(event)
    if event.status == EventStatus.CANCELLED:
        return _refused(event, StateChangeRefused(event.status, EventStatus.CANCELLED),
                        "cancelled")
    return render_template("events/staff/cancel.html", title=f"Cancel {event.title}",
                           event=event, form=form,
                           reason_length=services.CANCELLATION_REASON_MAX_LENGTH)


@bp.route("/<int:event_id>/duplicate", methods=["GET", "POST"])
@staff_required
def duplicate(event_id: int):
    event = _event(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        copy = services.duplicate_event(event.id, by=current_user)
        flash(f"This is a copy of ‘{event.title}’: a draft, with every date and time a week "
              "later. Check them and change what you need before you publish it.", "success")
        return _to_event(copy)
    return render_template("events/staff/duplicate.html", title=f"Duplicate {event.title}",
                           event=event, form=form, a_week_later=services.a_week_later)
