"""A signatory's home: the dashboard, and the choice to publish its social value."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField

from charter_app.access import get_membership_for, login_required
from charter_app.badges.progress import progress_of
from charter_app.events.attendance import attended_events
from charter_app.reporting import public
from charter_app.reporting.dashboard import dashboard_for
from charter_app.reporting.services import REPORTING_STATUSES, ReportRefused
from charter_app.timeutil import utcnow

bp = Blueprint("reporting_dashboard", __name__)


class PublishingForm(FlaskForm):
    publish = BooleanField("Show our reported social value on our public profile",
                           widget=GovCheckboxInput())


def _signatory(organisation_id: int):
    """A member's organisation, once it has been approved (404 for anyone else)."""
    organisation = get_membership_for(organisation_id).organisation
    if organisation.approved_at is None:
        return organisation, redirect(url_for("organisations.application_for",
                                              organisation_id=organisation_id))
    return organisation, None


@bp.route("/organisations/<int:organisation_id>/dashboard")
@login_required
def dashboard(organisation_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    form = PublishingForm(publish=organisation.publishes_social_value)
    return render_template(
        "reporting/dashboard.html", title="Your dashboard", organisation=organisation,
        board=dashboard_for(organisation), form=form,
        events_attended=attended_events(organisation.id),
        badges=progress_of(organisation.id, utcnow()),
        can_publish=organisation.status in REPORTING_STATUSES)


@bp.route("/organisations/<int:organisation_id>/dashboard/publishing", methods=["POST"])
@login_required
def publishing(organisation_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    form = PublishingForm()
    back = redirect(url_for("reporting_dashboard.dashboard", organisation_id=organisation_id,
                            _anchor="publishing"))
    if not form.validate_on_submit():
        return back
    publish = bool(form.publish.data)
    try:
        changed = public.set_publishing(organisation, current_user, publish)
    except ReportRefused as refused:
        flash(str(refused), "info")
        return back
    if changed is None:
        flash("Nothing has changed: your public profile already "
              + ("shows" if publish else "does not show") + " your social value.", "info")
    elif publish:
        flash("Your public profile now shows the social value you have reported.", "success")
    else:
        flash("Your public profile no longer shows your social value.", "success")
    return back
