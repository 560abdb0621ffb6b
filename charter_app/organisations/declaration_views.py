"""A signatory's quality marks and carbon reduction plan, which its owners and members keep up
to date from the dashboard; the bid statement shows them."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from charter_app.access import get_membership_for, login_required
from charter_app.organisations import declarations
from charter_app.organisations.declaration_forms import CarbonPlanForm, QualityMarkForm
from charter_app.organisations.declarations import CarbonPlanInput, QualityMarkInput
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("organisation_declarations", __name__)

BASE = "/organisations/<int:organisation_id>"


def _signatory(organisation_id: int):
    """A member's organisation once approved; before that, its application (404 for anyone
    who is not a member)."""
    organisation = get_membership_for(organisation_id).organisation
    if organisation.approved_at is None:
        flash("You can add quality marks once your application is approved.", "info")
        return organisation, redirect(url_for("organisations.application_for",
                                              organisation_id=organisation_id))
    return organisation, None


def _overview(organisation_id: int):
    return redirect(url_for("organisation_declarations.overview",
                            organisation_id=organisation_id))


def _mark_input(form: QualityMarkForm) -> QualityMarkInput:
    return QualityMarkInput(name=form.name.data, certificate_number=form.certificate_number.data,
                            url=form.url.data, expires_on=form.expires_on.data)


@bp.route(f"{BASE}/quality-marks")
@login_required
def overview(organisation_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    return render_template(
        "organisations/declarations/overview.html",
        title="Quality marks and carbon reduction plan", organisation=organisation,
        marks=declarations.quality_marks(organisation.id),
        plan=declarations.carbon_plan(organisation.id), today=london_date(utcnow()),
        limit=declarations.MAX_QUALITY_MARKS)


@bp.route(f"{BASE}/quality-marks/new", methods=["GET", "POST"])
@login_required
def add_mark(organisation_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    form = QualityMarkForm()
    if form.validate_on_submit():
        try:
            mark = declarations.add_quality_mark(organisation, current_user, _mark_input(form))
        except declarations.TooManyQualityMarks:
            flash(f"You can keep up to {declarations.MAX_QUALITY_MARKS} quality marks. Remove "
                  "one you no longer hold to add another.", "info")
        else:
            flash(f"{mark.name} is added. Your next statement for bids will show it.",
                  "success")
        return _overview(organisation.id)
    return render_template("organisations/declarations/mark.html", title="Add a quality mark",
                           organisation=organisation, form=form, mark=None)


@bp.route(f"{BASE}/quality-marks/<int:mark_id>", methods=["GET", "POST"])
@login_required
def edit_mark(organisation_id: int, mark_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    mark = declarations.quality_mark_of(organisation.id, mark_id)
    if mark is None:
        abort(404)
    form = QualityMarkForm(obj=mark if request.method == "GET" else None)
    if form.validate_on_submit():
        declarations.update_quality_mark(mark, current_user, _mark_input(form))
        flash(f"{mark.name} is updated.", "success")
        return _overview(organisation.id)
    return render_template("organisations/declarations/mark.html",
                           title=f"Change {mark.name}", organisation=organisation, form=form,
                           mark=mark)


@bp.route(f"{BASE}/quality-marks/<int:mark_id>/remove", methods=["GET", "POST"])
@login_required
def remove_mark(organisation_id: int, mark_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    mark = declarations.quality_mark_of(organisation.id, mark_id)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if declarations.remove_quality_mark(organisation, mark_id):
            flash("The quality mark is removed. Statements you made before keep it.", "success")
        else:
            flash("That quality mark had already been removed. Nothing has changed.", "info")
        return _overview(organisation.id)
    if mark is None:
        abort(404)
    return render_template("organisations/declarations/remove.html",
                           title=f"Remove {mark.name}", organisation=organisation, mark=mark)


@bp.route(f"{BASE}/carbon-reduction-plan", methods=["GET", "POST"])
@login_required
def carbon_plan(organisation_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    plan = declarations.carbon_plan(organisation.id)
    form = CarbonPlanForm(obj=plan if request.method == "GET" else None)
    if form.validate_on_submit():
        declarations.save_carbon_plan(organisation, current_user, CarbonPlanInput(
            url=form.url.data, published_on=form.published_on.data,
            review_on=form.review_on.data))
        flash("Your carbon reduction plan is saved. Your next statement for bids will show it.",
              "success")
        return _overview(organisation.id)
    return render_template("organisations/declarations/carbon_plan.html",
                           title="Your carbon reduction plan", organisation=organisation,
                           form=form, plan=plan)


@bp.route(f"{BASE}/carbon-reduction-plan/remove", methods=["POST"])
@login_required
def remove_carbon_plan(organisation_id: int):
    organisation, elsewhere = _signatory(organisation_id)
    if elsewhere:
        return elsewhere
    if not FlaskForm().validate_on_submit():
        abort(400)
    if declarations.remove_carbon_plan(organisation):
        flash("Your carbon reduction plan is removed.", "success")
    else:
        flash("There was no carbon reduction plan to remove. Nothing has changed.", "info")
    return _overview(organisation.id)
