"""Staff pages for applications, under /staff: the review queue, one application, the decision."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.extensions import db
from charter_app.organisations import applications, duplicates, review
from charter_app.organisations.commitments import COMMITMENTS
from charter_app.organisations.models import Organisation
from charter_app.organisations.staff_forms import ApproveForm, RejectForm

bp = Blueprint("organisations_staff", __name__, url_prefix="/staff")


def _application(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.status == "draft":
        abort(404)
    return organisation


def _already_decided(organisation: Organisation, refused: applications.TransitionNotAllowed,
                     action: str):
    """Someone (perhaps this same person, clicking twice) decided first: say so, never fail."""
    if refused.already_done:
        flash(f"{organisation.name} is already {action}. Nothing has changed.", "info")
    else:
        flash(f"This application is {refused.current}, so it cannot be {action} now.", "info")
    return redirect(url_for("organisations_staff.application", organisation_id=organisation.id))


@bp.route("/applications")
@staff_required
def queue():
    return render_template("staff/queue.html", title="Applications to review",
                           applications=review.review_queue(),
                           counts=review.count_by_status())


@bp.route("/applications/<int:organisation_id>")
@staff_required
def application(organisation_id: int):
    organisation = _application(organisation_id)
    return render_template("staff/application.html", title=f"Application: {organisation.name}",
                           organisation=organisation,
                           flags=duplicates.flags_for_staff(organisation),
                           approve_form=ApproveForm(), commitments=COMMITMENTS)


@bp.route("/applications/<int:organisation_id>/approve", methods=["POST"])
@staff_required
def approve(organisation_id: int):
    organisation = _application(organisation_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        review.approve_application(organisation, current_user)
    except applications.TransitionNotAllowed as refused:
        return _already_decided(organisation, refused, "approved")
    flash(f"{organisation.name} is approved and now listed in the directory.", "success")
    return redirect(url_for("organisations_staff.queue"))


@bp.route("/applications/<int:organisation_id>/reject", methods=["GET", "POST"])
@staff_required
def reject(organisation_id: int):
    organisation = _application(organisation_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            review.reject_application(organisation, current_user, form.reason.data)
        except applications.TransitionNotAllowed as refused:
            return _already_decided(organisation, refused, "rejected")
        flash(f"{organisation.name} was rejected. We have emailed them the reason.", "success")
        return redirect(url_for("organisations_staff.queue"))
    return render_template("staff/reject.html", title=f"Reject {organisation.name}", form=form,
                           organisation=organisation)
