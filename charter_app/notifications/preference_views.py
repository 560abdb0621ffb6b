"""A person's email settings (signed in), and the one-click unsubscribe in optional emails.

The unsubscribe URL answers a GET with a confirmation page that changes nothing (link scanners
and previews follow links), and a POST by turning that kind of email off. The POST is exempt
from CSRF by design (RFC 8058): a mail program sends it with no session and no form token; the
signed token in the URL, naming the person and the kind, is what authorises it.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import SelectMultipleField
from wtforms.validators import StopValidation

from charter_app.access import login_required, public
from charter_app.extensions import csrf
from charter_app.notifications import preferences
from charter_app.notifications.preferences import KINDS, OptionalEmail
from charter_app.tokens import InvalidToken

bp = Blueprint("email_preferences", __name__)


class ChoicesField(SelectMultipleField):
    """Checkboxes whose refusal of a value never offered says so in words."""

    def pre_validate(self, form):
        offered = {value for value, _label in self.choices}
        if any(value not in offered for value in self.data or []):
            raise StopValidation("Select only the emails listed")


class PreferencesForm(FlaskForm):
    wanted = ChoicesField("Which emails do you want?", widget=GovCheckboxesInput())


def _form_for(user) -> PreferencesForm:
    form = PreferencesForm()
    form.wanted.choices = [(str(kind), KINDS[kind].label) for kind in preferences.kinds_for(user)]
    if not form.is_submitted():
        form.wanted.data = [str(kind) for kind in preferences.kinds_for(user)
                            if preferences.wants(user, kind)]
    return form


@bp.route("/account/emails", methods=["GET", "POST"])
@login_required
def settings():
    form = _form_for(current_user)
    if form.validate_on_submit():
        wanted = {OptionalEmail(value) for value in form.wanted.data or []}
        preferences.set_choices(current_user, wanted)
        flash("Your email settings are saved.", "success")
        return redirect(url_for("email_preferences.settings"))
    kinds = preferences.kinds_for(current_user)
    return render_template("notifications/preferences.html", title="Your email settings",
                           form=form,
                           item_hints=[{"hint": {"text": KINDS[kind].hint}} for kind in kinds])


@bp.route("/email/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    try:
        user, kind = preferences.read_unsubscribe_token(token)
    except InvalidToken:
        return render_template("notifications/link_invalid.html",
                               title="This link is not valid"), 404
    about = KINDS[kind]
    if request.method == "POST":
        preferences.set_wanted(user, kind, False)
        return render_template("notifications/unsubscribed.html",
                               title=f"You will not get {about.plural}", about=about)
    return render_template("notifications/unsubscribe.html", title=f"Stop {about.plural}",
                           about=about, already_off=not preferences.wants(user, kind))
