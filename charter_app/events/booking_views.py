"""Suppliers book appointments with buyers at /events/<id>/appointments: the buyers, what they
buy and their free times; booking one with two sentences on what the supplier offers; the
supplier's own timetable; cancelling until the event starts.

Any signed-in member of an organisation with a confirmed place books for it. A member of
several such organisations chooses which with `?organisation=<id>` (the page offers links).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import login_required
from charter_app.events import bookings, display, queries
from charter_app.events.buyer_forms import BookingForm
from charter_app.events.forms import ConfirmForm
from charter_app.events.models import Event, EventKind
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.organisations.models import Organisation
from charter_app.timeutil import to_london, utcnow

bp = Blueprint("event_bookings", __name__)


@bp.context_processor
def helpers():
    return {"clock": lambda value: f"{to_london(value):%H:%M}",
            "event_when": display.when, "event_where": display.where}


def _event(event_id: int) -> Event:
    event = queries.published_event(event_id)
    if event is None or event.kind != EventKind.MEET_THE_BUYER:
        abort(404)
    return event


def _supplier(event: Event) -> tuple[list[Organisation], Organisation | None]:
    """The user's organisations with a confirmed place, and the one chosen (or the first)."""
    organisations = bookings.supplier_organisations(current_user.id, event.id)
    wanted = request.values.get("organisation", "")
    chosen = next((organisation for organisation in organisations
                   if str(organisation.id) == wanted), None)
    if wanted and chosen is None and organisations:
        abort(404)  # not one of theirs: never say whether it exists
    return organisations, chosen or (organisations[0] if organisations else None)


def _to_appointments(event: Event, organisation: Organisation | None, several: bool):
    values = {"organisation": organisation.id} if organisation is not None and several else {}
    return redirect(url_for("event_bookings.appointments", event_id=event.id, **values))


@bp.route("/events/<int:event_id>/appointments")
@login_required
def appointments(event_id: int):
    event = _event(event_id)
    organisations, organisation = _supplier(event)
    mine = bookings.timetable_of(event.id, organisation.id) if organisation else []
    return render_template(
        "events/bookings/appointments.html", title=f"Appointments at {event.title}",
        event=event, organisations=organisations, organisation=organisation, mine=mine,
        buyers=bookings.buyers_with_slots(event.id), taken=bookings.taken_slot_ids(event.id),
        booked_buyers={booking.buyer_id for booking in mine},
        has_started=utcnow() >= event.starts_at)


@bp.route("/events/<int:event_id>/appointments/book/<int:slot_id>", methods=["GET", "POST"])
@login_required
def book(event_id: int, slot_id: int):
    event = _event(event_id)
    organisations, organisation = _supplier(event)
    several = len(organisations) > 1
    slot = bookings.slot_in_event(event.id, slot_id)
    if slot is None:
        abort(404)
    form = BookingForm()
    refusal_message = None
    if organisation is None:
        refusal_message = ("Only organisations with a confirmed place at this event can book "
                           "appointments. An organisation on the waiting list can book once it "
                           "has a place.")
    elif form.validate_on_submit():
        try:
            booking = bookings.book_slot(event.id, slot.id, organisation_id=organisation.id,
                                         by=current_user, offer=form.offer.data)
            db.session.commit()
        except bookings.BookingRefused as refusal:
            db.session.rollback()
            if refusal.field == "offer":
                form.show_refusal(refusal)
            else:
                refusal_message = refusal.message
        else:
            flash(f"Your appointment with {booking.buyer.partner.name} at "
                  f"{to_london(booking.slot.starts_at):%H:%M} is booked. We have emailed you "
                  "a calendar file.", "success")
            return _to_appointments(event, organisation, several)
    return render_template(
        "events/bookings/book.html",
        title=f"{'Error: ' if refusal_message else ''}Book {slot.buyer.partner.name}", event=event,
        slot=slot, form=form, organisation=organisation, several=several,
        refusal_message=refusal_message, taken=slot.id in bookings.taken_slot_ids(event.id))


@bp.route("/events/<int:event_id>/appointments/<int:booking_id>/cancel",
          methods=["GET", "POST"])
@login_required
def cancel(event_id: int, booking_id: int):
    event = _event(event_id)
    organisations, organisation = _supplier(event)
    several = len(organisations) > 1
    booking = (bookings.booking_of(event.id, organisation.id, booking_id)
               if organisation is not None else None)
    if booking is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            bookings.cancel_booking(booking.id, organisation_id=organisation.id)
            db.session.commit()
        except StateChangeRefused:
            db.session.rollback()
            flash("This appointment is cancelled already. Nothing has changed.", "info")
        except bookings.BookingRefused as refusal:
            db.session.rollback()
            flash(refusal.message, "info")
        else:
            flash(f"Your appointment with {booking.buyer.partner.name} is cancelled. We have "
                  "emailed you a calendar file that removes it.", "success")
        return _to_appointments(event, organisation, several)
    if booking.status != "booked":
        flash("This appointment is cancelled already. Nothing has changed.", "info")
        return _to_appointments(event, organisation, several)
    return render_template("events/bookings/cancel.html", title="Cancel an appointment",
                           event=event, booking=booking, form=form, organisation=organisation,
                           several=several)
