"""Feedback after an event: the form an attendee reaches from the thank-you email (no sign-in:
the link's signed token names them), and the results staff read per event."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import TextAreaField
from wtforms.validators import Length

from charter_app.access import public, staff_required
from charter_app.events import feedback
from charter_app.events.forms import ChoiceRadios
from charter_app.events.models import Event
from charter_app.extensions import db
from charter_app.forms import clean_text
from charter_app.tokens import InvalidToken

bp = Blueprint("event_feedback", __name__)

ALREADY_GIVEN = "We already have your feedback, thank you"


class FeedbackForm(FlaskForm):
    rating = ChoiceRadios(
        "How would you rate the event?", "Select a rating from 1 to 5",
        description="1 is very poor and 5 is very good.",
        choices=[(str(rating), f"{rating} – {feedback.RATING_WORDS[rating]}")
                 for rating in feedback.RATINGS])
    comment = TextAreaField(
        "Anything you would like to tell us? (optional)",
        description="What worked, what did not, and what you would like at the next event.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=feedback.COMMENT_MAX_LENGTH,
                           message=f"Your comment must be {feedback.COMMENT_MAX_LENGTH:,} "
                                   "characters or fewer")])


def _registration_or_invalid(token: str):
    try:
        return feedback.registration_for_token(token), None
    except InvalidToken:
        return None, (render_template("events/feedback/link_invalid.html",
                                      title="This feedback link is not valid"), 404)


def _already_given(registration):
    return render_template("events/feedback/done.html", title=ALREADY_GIVEN, heading=ALREADY_GIVEN,
                           event=registration.event)


@bp.route("/events/feedback/<token>", methods=["GET", "POST"])
@public
def give(token: str):
    registration, invalid = _registration_or_invalid(token)
    if invalid:
        return invalid
    if feedback.has_feedback(registration):
        return _already_given(registration)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            given = feedback.give_feedback(registration, int(form.rating.data),
                                           form.comment.data)
        except feedback.FeedbackRefused as refused:
            getattr(form, refused.field).errors = [refused.message]
        else:
            if given is None:  # another submission got there first
                return _already_given(registration)
            return redirect(url_for("event_feedback.thanks", token=token))
    return render_template("events/feedback/form.html", title="Tell us how the event went",
                           form=form, event=registration.event,
                           comment_length=feedback.COMMENT_MAX_LENGTH)


@bp.route("/events/feedback/<token>/thanks")
@public
def thanks(token: str):
    registration, invalid = _registration_or_invalid(token)
    if invalid:
        return invalid
    if not feedback.has_feedback(registration):
        return redirect(url_for("event_feedback.give", token=token))
    return render_template("events/feedback/done.html", title="Thank you for your feedback",
                           heading="Thank you for your feedback", event=registration.event)


@bp.route("/staff/events/<int:event_id>/feedback")
@staff_required
def results(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return render_template("events/feedback/results.html", title=f"Feedback: {event.title}",
                           event=event, results=feedback.results_for(event.id),
                           rating_words=feedback.RATING_WORDS)
