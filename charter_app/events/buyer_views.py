"""Staff keep the list of partners (/staff/partners) and the buyers at each meet-the-buyer event
(/staff/events/<id>/buyers): what each buys, its timetable of slots, and its appointments as a
printable page and a CSV."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from slugify import slugify
from sqlalchemy.exc import IntegrityError

from charter_app.access import staff_required
from charter_app.csv_export import csv_text
from charter_app.events import bookings, display
from charter_app.events import buyers as buyer_services
from charter_app.events.buyer_forms import BuyerForm, NewBuyerForm, PartnerForm, TimetableForm
from charter_app.events.forms import ConfirmForm
from charter_app.events.models import Event, EventBuyer, EventKind, Partner
from charter_app.extensions import db
from charter_app.timeutil import format_london, to_london

bp = Blueprint("event_buyers", __name__)

CSV_HEADER = ("Time (UK)", "Ends (UK)", "Supplier", "What the supplier offers", "Booked by",
              "Charter status")


@bp.context_processor
def helpers():
    return {"kind_label": display.kind_label, "london": format_london,
            "clock": lambda value: f"{to_london(value):%H:%M}"}


# --- partners ----------------------------------------------------------------------------------

def _partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    return partner


def _save_partner(form: PartnerForm, save) -> bool:
    """Run `save`, commit, and say so; False (the message beside the name) when refused."""
    try:
        save()
        db.session.commit()
    except buyer_services.BuyerRefused as refusal:
        db.session.rollback()
        form.show_refusal(refusal)
        return False
    except IntegrityError:  # renamed to a name another request saved a moment ago
        db.session.rollback()
        form.name.errors = [buyer_services.duplicate_name(form.name.data or "").message]
        return False
    return True


@bp.route("/staff/partners")
@staff_required
def partners():
    return render_template("events/buyers/partners.html", title="Partners",
                           partners=buyer_services.all_partners())


@bp.route("/staff/partners/new", methods=["GET", "POST"])
@staff_required
def new_partner():
    form = PartnerForm()
    if form.validate_on_submit() and _save_partner(
            form, lambda: buyer_services.add_partner(form.details())):
        flash(f"{form.name.data} is added to the partners.", "success")
        return redirect(url_for("event_buyers.partners"))
    return render_template("events/buyers/partner_form.html", title="Add a partner", form=form,
                           partner=None)


@bp.route("/staff/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_partner(partner_id: int):
    partner = _partner(partner_id)
    form = PartnerForm(obj=partner)
    if form.validate_on_submit() and _save_partner(
            form, lambda: buyer_services.update_partner(partner.id, form.details())):
        flash("Your changes are saved.", "success")
        return redirect(url_for("event_buyers.partners"))
    return render_template("events/buyers/partner_form.html", title=f"Change {partner.name}",
                           form=form, partner=partner)


# --- buyers at an event ------------------------------------------------------------------------

def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or event.kind != EventKind.MEET_THE_BUYER:
        abort(404)
    return event


def _buyer(event: Event, buyer_id: int) -> EventBuyer:
    buyer = db.session.get(EventBuyer, buyer_id)
    if buyer is None or buyer.event_id != event.id:
        abort(404)
    return buyer


def _to_buyers(event: Event):
    return redirect(url_for("event_buyers.buyers", event_id=event.id))


def _refused_on_page(event: Event, refusal: buyer_services.BuyerRefused):
    db.session.rollback()
    flash(refusal.message, "info")
    return _to_buyers(event)


@bp.route("/staff/events/<int:event_id>/buyers")
@staff_required
def buyers(event_id: int):
    event = _event(event_id)
    return render_template("events/buyers/buyers.html", title=f"Buyers at {event.title}",
                           event=event, buyers=buyer_services.buyers_of(event.id),
                           booked=bookings.booked_counts(event.id))


@bp.route("/staff/events/<int:event_id>/buyers/new", methods=["GET", "POST"])
@staff_required
def new_buyer(event_id: int):
    event = _event(event_id)
    choices = buyer_services.partners_not_at(event.id)
    form = NewBuyerForm()
    form.partner.choices = [(str(partner.id), partner.name) for partner in choices]
    if choices and form.validate_on_submit():
        try:
            buyer = buyer_services.add_buyer(event.id, int(form.partner.data), buys=form.buys.data,
                                            opportunities=form.opportunities.data)
            db.session.commit()
        except buyer_services.BuyerRefused as refusal:
            db.session.rollback()
            if not form.show_refusal(refusal):
                return _refused_on_page(event, refusal)
        else:
            flash(f"{buyer.partner.name} is a buyer at this event. Now give it a timetable.",
                  "success")
            return redirect(url_for("event_buyers.timetable", event_id=event.id,
                                    buyer_id=buyer.id))
    return render_template("events/buyers/buyer_form.html", title="Add a buyer", event=event,
                           form=form, buyer=None, has_choices=bool(choices))


@bp.route("/staff/events/<int:event_id>/buyers/<int:buyer_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_buyer(event_id: int, buyer_id: int):
    event = _event(event_id)
    buyer = _buyer(event, buyer_id)
    form = BuyerForm(obj=buyer)
    if form.validate_on_submit():
        try:
            buyer_services.update_buyer(buyer.id, buys=form.buys.data,
                                       opportunities=form.opportunities.data)
            db.session.commit()
        except buyer_services.BuyerRefused as refusal:
            db.session.rollback()
            if not form.show_refusal(refusal):
                return _refused_on_page(event, refusal)
        else:
            flash("Your changes are saved.", "success")
            return _to_buyers(event)
    return render_template("events/buyers/buyer_form.html", title=f"Change {buyer.partner.name}",
                           event=event, form=form, buyer=buyer, has_choices=True)


@bp.route("/staff/events/<int:event_id>/buyers/<int:buyer_id>/remove", methods=["GET", "POST"])
@staff_required
def remove_buyer(event_id: int, buyer_id: int):
    event = _event(event_id)
    buyer = _buyer(event, buyer_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = buyer.partner.name
        try:
            buyer_services.remove_buyer(buyer.id)
            db.session.commit()
        except buyer_services.BuyerRefused as refusal:
            return _refused_on_page(event, refusal)
        flash(f"{name} is no longer a buyer at this event.", "success")
        return _to_buyers(event)
    return render_template("events/buyers/remove.html", title=f"Remove {buyer.partner.name}",
                           event=event, buyer=buyer, form=form,
                           booked=buyer_services.booked_count(buyer.id))


@bp.route("/staff/events/<int:event_id>/buyers/<int:buyer_id>/timetable",
          methods=["GET", "POST"])
@staff_required
def timetable(event_id: int, buyer_id: int):
    event = _event(event_id)
    buyer = _buyer(event, buyer_id)
    plan = buyer_services.current_plan(buyer)
    form = TimetableForm(data=None if plan is None else {
        "slot_minutes": plan.slot_minutes, "starts": plan.starts, "ends": plan.ends,
        "breaks": ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in plan.breaks)})
    if form.validate_on_submit():
        try:
            slots = buyer_services.set_timetable(buyer.id, form.plan())
            db.session.commit()
        except buyer_services.BuyerRefused as refusal:
            db.session.rollback()
            if not form.show_refusal(refusal):
                return _refused_on_page(event, refusal)
        else:
            flash(f"{buyer.partner.name}'s timetable has {len(slots)} "
                  f"{'slot' if len(slots) == 1 else 'slots'}.", "success")
            return _to_buyers(event)
    return render_template("events/buyers/timetable.html",
                           title=f"Timetable for {buyer.partner.name}", event=event,
                           buyer=buyer, form=form, taken=bookings.taken_slot_ids(event.id))


@bp.route("/staff/events/<int:event_id>/buyers/<int:buyer_id>/appointments")
@staff_required
def appointments(event_id: int, buyer_id: int):
    event = _event(event_id)
    buyer = _buyer(event, buyer_id)
    return render_template("events/buyers/appointments.html",
                           title=f"Appointments with {buyer.partner.name}", event=event,
                           buyer=buyer, appointments=bookings.appointments_of(buyer.id))


@bp.route("/staff/events/<int:event_id>/buyers/<int:buyer_id>/appointments.csv")
@staff_required
def appointments_csv(event_id: int, buyer_id: int):
    event = _event(event_id)
    buyer = _buyer(event, buyer_id)
    rows = [(f"{to_london(item.starts_at):%Y-%m-%d %H:%M}", f"{to_london(item.ends_at):%H:%M}",
             item.supplier, item.offer, item.booked_by, item.charter_status)
            for item in bookings.appointments_of(buyer.id)]
    name = slugify(f"{buyer.partner.name} appointments {to_london(event.starts_at):%Y-%m-%d}",
                   max_length=80, word_boundary=True) or f"buyer-{buyer.id}-appointments"
    response = Response(csv_text(CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
