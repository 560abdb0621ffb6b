"""Staff pages for applications, under /staff: the review queue, one application, the decision
(approval after a confirmation page), and signatories' requests to change their legal details."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.extensions import db
from charter_app.organisations import applications, change_requests, duplicates, profile, review
from charter_app.organisations.commitments import COMMITMENTS
from charter_app.organisations.models import LegalChangeRequest, Organisation
from charter_app.organisations.profile_forms import RejectChangeForm
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
                           commitments=COMMITMENTS,
                           changes=change_requests.changes_for(organisation),
                           history=profile.profile_history(organisation),
                           labels=profile.FIELD_LABELS)


# Its own address: a GET rule on the approval's address would turn a bad id's POST into a 405.
@bp.route("/applications/<int:organisation_id>/confirm-approval")
@staff_required
def confirm_approve(organisation_id: int):
    """Are you sure? Approving publishes and emails, so it takes a second, deliberate click."""
    organisation = _application(organisation_id)
    if organisation.status != applications.S.SUBMITTED:
        flash(f"This application is {organisation.status}, so it cannot be approved now.",
              "info")
        return redirect(url_for("organisations_staff.application",
                                organisation_id=organisation.id))
    return render_template("staff/confirm_approve.html", title=f"Approve {organisation.name}",
                           organisation=organisation,
                           owner_count=len(applications.owners_of(organisation)),
                           flags=duplicates.flags_for_staff(organisation))


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


def _change_request(change_id: int) -> LegalChangeRequest:
    change = db.session.get(LegalChangeRequest, change_id)
    if change is None:
        abort(404)
    return change


def _change_already_decided(change: LegalChangeRequest,
                            refused: change_requests.ChangeAlreadyDecided):
    if refused.already_done:
        flash(f"This change is already {refused.current}. Nothing has changed.", "info")
    else:
        flash(f"This change was already {refused.current}, so it cannot be {refused.wanted} now.",
              "info")
    return redirect(url_for("organisations_staff.change", change_id=change.id))


@bp.route("/changes")
@staff_required
def changes():
    return render_template("staff/changes.html", title="Changes to legal details",
                           changes=change_requests.pending_changes(), labels=profile.FIELD_LABELS)


@bp.route("/changes/<int:change_id>")
@staff_required
def change(change_id: int):
    change = _change_request(change_id)
    return render_template("staff/change.html", title=f"Change to {change.old_name}",
                           change=change, flags=change_requests.flags_for_change(change),
                           labels=profile.FIELD_LABELS)


@bp.route("/changes/<int:change_id>/approve", methods=["POST"])
@staff_required
def approve_change(change_id: int):
    change = _change_request(change_id)
    if not ApproveForm().validate_on_submit():
        abort(400)
    try:
        change_requests.approve_change(change, current_user)
    except change_requests.ChangeAlreadyDecided as refused:
        return _change_already_decided(change, refused)
    flash(f"The change is approved: the profile now shows {change.new_name}. We have emailed "
          "the owners.", "success")
    return redirect(url_for("organisations_staff.changes"))


@bp.route("/changes/<int:change_id>/reject", methods=["GET", "POST"])
@staff_required
def reject_change(change_id: int):
    change = _change_request(change_id)
    form = RejectChangeForm()
    if form.validate_on_submit():
        try:
            change_requests.reject_change(change, current_user, form.reason.data)
        except change_requests.ChangeAlreadyDecided as refused:
            return _change_already_decided(change, refused)
        flash("The change is rejected. We have emailed the owners the reason.", "success")
        return redirect(url_for("organisations_staff.changes"))
    return render_template("staff/reject_change.html", title=f"Reject the change to "
                           f"{change.old_name}", form=form, change=change)
