from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.extensions import db
from charter_app.organisations import services
from charter_app.organisations.models import Organisation
from charter_app.staff.forms import ApproveForm, RejectForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _application(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.status == "draft":
        abort(404)
    return organisation


@bp.route("/")
@staff_required
def queue():
    return render_template("staff/queue.html", title="Applications to review",
                           applications=services.review_queue(),
                           counts=services.count_by_status())


@bp.route("/applications/<int:organisation_id>")
@staff_required
def application(organisation_id: int):
    organisation = _application(organisation_id)
    return render_template("staff/application.html", title=f"Application: {organisation.name}",
                           organisation=organisation, flags=services.flags_for_staff(organisation),
                           approve_form=ApproveForm(), commitments=services.COMMITMENTS)


@bp.route("/applications/<int:organisation_id>/approve", methods=["POST"])
@staff_required
def approve(organisation_id: int):
    organisation = _application(organisation_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.approve_application(organisation, current_user)
    except services.TransitionNotAllowed as refused:
        # Someone (perhaps this same person, clicking twice) got there first: say so plainly.
        if refused.already_done:
            flash(f"{organisation.name} is already approved. Nothing has changed.", "info")
        else:
            flash(f"{organisation.name} is {refused.current}: it cannot be approved now.", "info")
        return redirect(url_for("staff.application", organisation_id=organisation.id))
    flash(f"{organisation.name} is approved and now listed in the directory.", "success")
    return redirect(url_for("staff.queue"))


@bp.route("/applications/<int:organisation_id>/reject", methods=["GET", "POST"])
@staff_required
def reject(organisation_id: int):
    organisation = _application(organisation_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject_application(organisation, current_user, form.reason.data)
        except services.TransitionNotAllowed as refused:
            if refused.already_done:
                flash(f"{organisation.name} is already rejected. Nothing has changed.", "info")
            else:
                flash(f"{organisation.name} is {refused.current}: it cannot be rejected now.",
                      "info")
            return redirect(url_for("staff.application", organisation_id=organisation.id))
        flash(f"{organisation.name} was rejected. We have emailed them the reason.", "success")
        return redirect(url_for("staff.queue"))
    return render_template("staff/reject.html", title=f"Reject {organisation.name}", form=form,
                           organisation=organisation)
