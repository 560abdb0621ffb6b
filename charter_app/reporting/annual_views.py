"""The annual pledge update page, for the members of an approved or lapsed signatory."""

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import get_membership_for, login_required
from charter_app.pledges.catalogue import THEMES, active_measures, measures_by_theme
from charter_app.presentation import uk_date
from charter_app.reporting import annual
from charter_app.reporting.annual_forms import annual_update_form_for
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("reporting_annual", __name__)


def _today() -> date:
    return london_date(utcnow())


@bp.route("/organisations/<int:organisation_id>/annual-update", methods=["GET", "POST"])
@login_required
def annual_update(organisation_id: int):
    organisation = get_membership_for(organisation_id).organisation  # 404 for anyone else
    period = organisation.current_pledge_period
    if organisation.status not in annual.UPDATING_STATUSES or period is None \
            or period.starts_on is None:
        flash("Only a signatory of the Charter sends an annual update.", "info")
        return redirect(url_for("organisations.application_for", organisation_id=organisation.id))
    today = _today()
    due_on, state = annual.annual_update_status(organisation, today)
    here = redirect(url_for("reporting_annual.annual_update", organisation_id=organisation.id))
    themes = annual.themes_of(period)
    form = annual_update_form_for(
        themes, active_measures(),
        {pledge.measure_id: pledge.target for pledge in period.pledges})

    stale = request.method == "POST" and not (
        annual.can_update(state) and form.reviewed_period_id() == period.id)
    if stale or (annual.can_update(state) and form.validate_on_submit()):
        data = annual.UpdateInput(form.reviewed_period_id(), form.narratives(), form.targets())
        try:
            update = annual.submit_annual_update(organisation, data, current_user, today)
        except annual.UpdateRefused as refused:
            # A second tab, the back button, or a day that is not open: say why, change nothing.
            flash(str(refused), "info")
            return here
        flash(f"Annual update sent. Your next pledge year starts on "
              f"{uk_date(update.next_period.starts_on)}. "
              "We have emailed your organisation's members a confirmation.", "success")
        return here

    if not annual.can_update(state):
        latest = annual.latest_update(organisation)
        return render_template(
            "reporting/annual/status.html", title="Annual update", organisation=organisation,
            state=state, due_on=due_on, opens_on=annual.opens_on(due_on) if due_on else None,
            latest=latest, next_period=period)
    form.period_id.data = str(period.id)
    next_starts_on, next_ends_on = annual.next_year_dates(organisation)
    return render_template(
        "reporting/annual/update.html", title="Annual update", form=form,
        organisation=organisation, period=period, state=state, due_on=due_on,
        last_day_approved=annual.lapses_on(due_on) - timedelta(days=1),
        records=[review.as_record() for review in annual.year_in_review(organisation, period)],
        narrative_fields=form.narrative_fields(), narrative_max_length=annual.NARRATIVE_MAX_LENGTH,
        next_starts_on=next_starts_on, next_ends_on=next_ends_on,
        grouped=measures_by_theme(), themes=THEMES,
        fields_by_code={field.measure.code: field for field in form.target_fields()})
