"""Emails announcing new events: a person's choice to get them (signed in), the one-click
unsubscribe from an announcement (no sign-in: the link's signed token names them), and staff
announcing a published, upcoming event once, after a confirmation page."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from charter_app.access import login_required, public, staff_required
from charter_app.events import announcements
from charter_app.events.forms import ChoiceRadios, ConfirmForm
from charter_app.events.models import Event
from charter_app.events.staff_views import event_helpers
from charter_app.extensions import db
from charter_app.timeutil import utcnow
from charter_app.tokens import InvalidToken

bp = Blueprint("event_announcements", __name__)
bp.context_processor(event_helpers)  # the staff event pages' labels, for the confirmation page

YES, NO = "yes", "no"


class PreferenceForm(FlaskForm):
    wanted = ChoiceRadios(
        "Do you want an email when a new event is announced?",
        "Select yes if you want an email when a new event is announced",
        description="Meet-the-buyer days, webinars and workshops for local businesses and "
                    "voluntary organisations. Every email has a link to stop them.",
        choices=[(YES, "Yes, email me about new events"), (NO, "No")])


@bp.route("/account/event-announcements", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferenceForm()
    if not form.is_submitted():
        form.wanted.data = YES if current_user.wants_event_announcements else NO
    if form.validate_on_submit():
        wanted = form.wanted.data == YES
        announcements.set_wants_announcements(current_user, wanted)
        flash("We will email you when a new event is announced." if wanted
              else "We will not email you about new events.", "success")
        return redirect(url_for("accounts.account"))
    return render_template("events/announcements/preferences.html",
                           title="Emails about new events", form=form)


@bp.route("/events/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    try:
        user = announcements.user_for_unsubscribe(token)
    except InvalidToken:
        return render_template("events/announcements/link_invalid.html",
                               title="This unsubscribe link is not valid"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        announcements.set_wants_announcements(user, False)
        return render_template("events/announcements/unsubscribed.html",
                               title="You will not get emails about new events")
    return render_template("events/announcements/unsubscribe.html",
                           title="Stop emails about new events", form=form,
                           already_off=not user.wants_event_announcements)


@bp.route("/staff/events/<int:event_id>/announce", methods=["GET", "POST"])
@staff_required
def announce(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    back = redirect(url_for("events_staff.event", event_id=event.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            sent = announcements.announce_event(event.id)
        except announcements.AnnouncementRefused as refused:
            db.session.rollback()
            flash(f"{refused} Nothing was sent.", "info")
            return back
        flash(f"‘{event.title}’ is announced: {sent} "
              f"{'person gets' if sent == 1 else 'people get'} an email.", "success")
        return back
    refusal = announcements.refusal(event, utcnow())
    if refusal:
        flash(refusal, "info")
        return back
    return render_template("events/announcements/announce.html",
                           title=f"Announce {event.title}", event=event, form=form,
                           recipients=announcements.recipient_count())
