"""Signed-in people and events: registering attendees, "Your events" with cancelling and
leaving the waiting list, each attendee's page with its check-in code, and the private
calendar feed (the one page here that needs no sign-in: calendar applications cannot)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from charter_app.access import get_membership_for, login_required, public
from charter_app.events import feeds, queries, registrations, tickets
from charter_app.events.forms import ConfirmForm
from charter_app.events.member_forms import NEEDS_HINT, RegisterForm
from charter_app.events.models import ACTIVE_STATUSES, Eligibility, Event, Registration
from charter_app.events.registrations import Attendee, RegistrationRefused
from charter_app.events.views import published_event_or_404
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.organisations import applications
from charter_app.organisations.models import LISTED_STATUSES
from charter_app.timeutil import utcnow
from charter_app.urls import external_url

bp = Blueprint("event_registrations", __name__)

ALREADY_CANCELLED = "This registration was already cancelled. Nothing has changed."




def _own_registration(registration_id: int) -> Registration:
    """A registration of one of the user's organisations; 404 for anyone else's."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.organisation_id is None:
        abort(404)
    get_membership_for(registration.organisation_id)
    return registration


def _to_event(event: Event):
    return redirect(url_for("events.event", event_id=event.id))


def eligible_organisations(event: Event, organisations: list) -> list:
    if event.eligibility == Eligibility.SIGNATORIES:
        return [o for o in organisations if o.status in LISTED_STATUSES]
    return organisations


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@login_required
def register(event_id: int):
    event = published_event_or_404(event_id)
    if current_user.is_staff:
        flash("Staff add people at the door from the event's check-in list.", "info")
        return _to_event(event)
    organisations = queries.users_organisations(current_user.id)
    eligible = eligible_organisations(event, organisations)
    if event.eligibility == Eligibility.SIGNATORIES and not eligible:
        return render_template("events/signatories_only.html", title="For Charter signatories",
                               event=event, organisations=organisations)
    form = RegisterForm()
    if len(eligible) > 1:
        form.organisation.choices = [(str(o.id), o.name) for o in eligible]
    else:
        del form.organisation
    if eligible:
        del form.organisation_name
    top_error = None
    if (not form.is_submitted()
            and not registrations.registration_is_open(event, utcnow())):
        return _to_event(event)  # the event's page says when registration opens or closed
    if form.validate_on_submit():
        if len(eligible) > 1:
            organisation = next(o for o in eligible if str(o.id) == form.organisation.data)
        elif eligible:
            organisation = eligible[0]
        else:
            # A business that has not signed: its application starts here, with its name.
            organisation = applications.start_draft(current_user, form.organisation_name.data)
        attendee = Attendee(name=form.name.data or "", email=form.email.data or "",
                            needs=form.needs.data)
        try:
            registration = registrations.register(event.id, organisation=organisation,
                                                  attendee=attendee, by=current_user)
        except RegistrationRefused as refused:
            db.session.rollback()  # nothing is kept, not even a new organisation
            if not form.show_refusal(refused.field, refused.message):
                top_error = refused.message
        else:
            return redirect(url_for(".registration", registration_id=registration.id))
    return render_template("events/register.html",
                           title=f"{'Error: ' if top_error else ''}Register for {event.title}",
                           event=event, form=form, top_error=top_error, needs_hint=NEEDS_HINT)


@bp.route("/events/registrations/<int:registration_id>")
@login_required
def registration(registration_id: int):
    registration = _own_registration(registration_id)
    code = tickets.checkin_code(registration.id) if registration.is_confirmed else None
    organisation = registration.organisation
    return render_template(
        "events/registration.html", title=registration.event.title,
        registration=registration, event=registration.event,
        position=registrations.waiting_position(registration),
        code=code, qr=tickets.qr_svg(code) if code else None,
        has_started=registration.event.starts_at <= utcnow(),
        invite_to_sign=organisation.status not in LISTED_STATUSES)


@bp.route("/events/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(registration_id: int):
    registration = _own_registration(registration_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            cancelled = registrations.cancel_registration(registration.id, by=current_user)
        except StateChangeRefused:
            db.session.rollback()  # a double click, or someone else cancelled it first
            flash(ALREADY_CANCELLED, "info")
            return redirect(url_for(".mine"))
        except RegistrationRefused as refused:
            db.session.rollback()
            flash(refused.message, "info")
            return redirect(url_for(".registration", registration_id=registration_id))
        flash(f"{cancelled.attendee_name}'s place is cancelled." if cancelled.status == "cancelled"
              else f"{cancelled.attendee_name} has left the waiting list.", "success")
        return redirect(url_for(".mine"))
    if registration.status not in ACTIVE_STATUSES:
        flash(ALREADY_CANCELLED, "info")
        return redirect(url_for(".mine"))
    return render_template("events/cancel_registration.html",
                           title=("Cancel this place" if registration.is_confirmed
                                  else "Leave the waiting list"),
                           registration=registration, event=registration.event, form=form)


@bp.route("/events/mine")
@login_required
def mine():
    now = utcnow()
    token = current_user.calendar_token
    return render_template(
        "events/mine.html", title="Your events", events=queries.your_events(current_user.id, now),
        now=now, form=ConfirmForm(),
        feed_url=external_url("event_registrations.feed", token=token) if token else None)


@bp.route("/events/mine/calendar-feed", methods=["POST"])
@login_required
def calendar_feed():
    """The first feed link, or a new one (the old link then stops working)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        reset = current_user.calendar_token is not None
        feeds.new_token(current_user)
        flash("Your calendar feed has a new link: the old link no longer works. Give the new "
              "one to your calendar." if reset else
              "Your calendar feed link is ready: add it to your calendar.", "success")
    return redirect(url_for(".mine") + "#calendar-feed")


@bp.route("/calendar/<token>.ics")
@public
def feed(token: str):
    user = feeds.user_for(token)
    if user is None:
        abort(404)
    body = feeds.feed(user, stamp=utcnow())
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="events.ics"'
    # The link is a secret: no shared cache keeps a copy, no search engine lists it.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
