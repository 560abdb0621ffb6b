"""Emails announcing new events: the one-click unsubscribe from announcements sent before the
email settings page came (no sign-in: the link's signed token names them), and staff announcing
a published, upcoming event once, after a confirmation page. A person chooses whether to get
them on their email settings page (notifications/preference_views.py)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from charter_app.access import login_required, public, staff_required
from charter_app.events import announcements
from charter_app.events.forms import ConfirmForm
from charter_app.events.models import Event
from charter_app.events.staff_views import event_helpers
from charter_app.extensions import db
from charter_app.timeutil import utcnow
from charter_app.tokens import InvalidToken

bp = Blueprint("event_announcements", __name__)
bp.context_processor(event_helpers)  # the staff event pages' labels, for the confirmation page


@bp.route("/account/event-announcements")
@login_required
def preferences():
    # Moved: every optional email is chosen on one page now. Old links and bookmarks still work.
    return redirect(url_for("email_preferences.settings"), 301)


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
