from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import get_organisation_for_member, login_required, public
from charter_app.accounts.services import current_membership
from charter_app.organisations import applications
from charter_app.organisations.applications import OrganisationDetails
from charter_app.organisations.commitments import COMMITMENTS
from charter_app.organisations.forms import CommitmentsForm, OrganisationDetailsForm, SignatoryForm
from charter_app.pledges import services as pledge_services
from charter_app.pledges.catalogue import THEMES, active_measures, measures_by_theme
from charter_app.pledges.forms import pledges_form_for

bp = Blueprint("organisations", __name__)

SECTION_ENDPOINTS = {
    "details": "organisations.details",
    "commitments": "organisations.commitments",
    "pledges": "organisations.pledges",
    "signatory": "organisations.signatory",
}


@bp.route("/signup")
@public
def start():
    return render_template("organisations/start.html", title="Sign the Charter")


@bp.route("/apply")
@login_required
def application():
    """The signed-in user's own application, or the first step of a new one."""
    if current_user.is_staff:
        return redirect(url_for("organisations_staff.queue"))
    membership = current_membership(current_user)
    if membership is None:
        return _task_list(None)
    return redirect(url_for("organisations.application_for",
                            organisation_id=membership.organisation_id))


@bp.route("/organisations/<int:organisation_id>/application")
@login_required
def application_for(organisation_id: int):
    return _task_list(get_organisation_for_member(organisation_id))


def _task_list(organisation):
    return render_template("organisations/task_list.html", title="Your application",
                           organisation=organisation,
                           sections=applications.section_status(organisation),
                           section_names=applications.SECTION_NAMES,
                           section_endpoints=SECTION_ENDPOINTS, commitments=COMMITMENTS,
                           latest_change=(organisation.status_changes[-1]
                                          if organisation and organisation.status_changes
                                          else None))


def _editable(organisation_id: int):
    organisation = get_organisation_for_member(organisation_id)
    if not organisation.is_editable:
        flash("This application has been submitted, so it cannot be changed now.", "info")
        return organisation, redirect(url_for("organisations.application_for",
                                              organisation_id=organisation.id))
    return organisation, None


def _details_from(form: OrganisationDetailsForm) -> OrganisationDetails:
    return OrganisationDetails(**{
        name: getattr(form, name).data for name in OrganisationDetails.__dataclass_fields__
    })


def _after_save(organisation, section: str):
    flash(f"{applications.SECTION_NAMES[section]}: saved.", "success")
    return redirect(url_for("organisations.application_for", organisation_id=organisation.id))


@bp.route("/apply/organisation", methods=["GET", "POST"])
@login_required
def new_details():
    """First section of a new application: creates the draft when it is saved."""
    if current_membership(current_user) is not None or current_user.is_staff:
        return redirect(url_for("organisations.application"))
    form = OrganisationDetailsForm()
    if form.validate_on_submit():
        organisation = applications.start_application(current_user, _details_from(form))
        return _after_save(organisation, "details")
    return render_template("organisations/details.html", title="Organisation details", form=form,
                           organisation=None)


@bp.route("/organisations/<int:organisation_id>/details", methods=["GET", "POST"])
@login_required
def details(organisation_id: int):
    organisation, refusal = _editable(organisation_id)
    if refusal:
        return refusal
    form = OrganisationDetailsForm(obj=organisation)
    if form.validate_on_submit():
        applications.update_details(organisation, _details_from(form))
        return _after_save(organisation, "details")
    return render_template("organisations/details.html", title="Organisation details", form=form,
                           organisation=organisation)


@bp.route("/organisations/<int:organisation_id>/commitments", methods=["GET", "POST"])
@login_required
def commitments(organisation_id: int):
    organisation, refusal = _editable(organisation_id)
    if refusal:
        return refusal
    agreed = [key for key, _t, _x in COMMITMENTS] if organisation.commitments_agreed_at else []
    form = CommitmentsForm(data={"commitments": agreed} if request.method == "GET" else None)
    if form.validate_on_submit():
        applications.agree_commitments(organisation)
        return _after_save(organisation, "commitments")
    return render_template("organisations/commitments.html", title="The six commitments",
                           form=form, organisation=organisation, commitments=COMMITMENTS)


@bp.route("/organisations/<int:organisation_id>/pledges", methods=["GET", "POST"])
@login_required
def pledges(organisation_id: int):
    organisation, refusal = _editable(organisation_id)
    if refusal:
        return refusal
    measures = active_measures()
    pledged = {pledge.measure_id: pledge.target for pledge in organisation.pledges}
    form = pledges_form_for(measures, pledged)
    if form.validate_on_submit():
        pledge_services.set_pledges(organisation, {
            field.measure.id: field.decimal
            for field in form.target_fields() if field.decimal is not None
        })
        return _after_save(organisation, "pledges")
    fields_by_code = {field.measure.code: field for field in form.target_fields()}
    return render_template("organisations/pledges.html", title="Pledges", form=form,
                           organisation=organisation, grouped=measures_by_theme(),
                           themes=THEMES, fields_by_code=fields_by_code)


@bp.route("/organisations/<int:organisation_id>/signatory", methods=["GET", "POST"])
@login_required
def signatory(organisation_id: int):
    organisation, refusal = _editable(organisation_id)
    if refusal:
        return refusal
    form = SignatoryForm(obj=organisation)
    if form.validate_on_submit():
        applications.set_signatory(organisation, form.signatory_name.data, form.signatory_role.data)
        return _after_save(organisation, "signatory")
    return render_template("organisations/signatory.html", title="Who is signing", form=form,
                           organisation=organisation)


@bp.route("/organisations/<int:organisation_id>/submit", methods=["GET", "POST"])
@login_required
def check_and_submit(organisation_id: int):
    organisation, refusal = _editable(organisation_id)
    if refusal:
        return refusal
    sections = applications.section_status(organisation)
    if request.method == "POST":
        try:
            applications.submit_application(organisation, current_user)
        except applications.TransitionNotAllowed:
            # A second submit (double click, two tabs) finds the first one already done.
            flash("This application has already been submitted.", "info")
            return redirect(url_for("organisations.application_for",
                                    organisation_id=organisation.id))
        except applications.ApplicationIncomplete as incomplete:
            flash("Complete every section before you submit: " + ", ".join(incomplete.missing),
                  "info")
            return redirect(url_for("organisations.application_for",
                                    organisation_id=organisation.id))
        # No flash: the application page now opens with the confirmation panel.
        return redirect(url_for("organisations.application_for", organisation_id=organisation.id))
    if not all(sections.values()):
        flash("Complete every section before you check and submit your application.", "info")
        return redirect(url_for("organisations.application_for", organisation_id=organisation.id))
    return render_template("organisations/check.html", title="Check your application",
                           organisation=organisation, commitments=COMMITMENTS)
