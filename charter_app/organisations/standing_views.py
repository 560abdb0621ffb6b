"""Staff pages for signatories after approval, under /staff/organisations: find one by status and
name, read its status history, suspend it with a reason (checked, then confirmed) and lift the
suspension."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.extensions import db
from charter_app.forms import clean_text
from charter_app.organisations import standing
from charter_app.organisations.applications import S, TransitionNotAllowed
from charter_app.organisations.models import Organisation
from charter_app.organisations.standing_forms import (
    REASON_LENGTH,
    LiftSuspensionForm,
    SuspendForm,
)

bp = Blueprint("organisations_standing", __name__, url_prefix="/staff")

PER_PAGE = 25
STATUS_LABELS = {S.APPROVED: "Approved", S.LAPSED: "Lapsed", S.SUSPENDED: "Suspended",
                 S.WITHDRAWN: "Withdrawn"}


def _signatory(organisation_id: int) -> Organisation:
    """An organisation that has been approved at some time (drafts and applications: 404)."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.status not in standing.SIGNATORY_STATUSES:
        abort(404)
    return organisation


def _to_signatory(organisation: Organisation):
    return redirect(url_for("organisations_standing.signatory", organisation_id=organisation.id))


def _refused(organisation: Organisation, refused: TransitionNotAllowed, done: str, action: str):
    """Someone (perhaps this same person, clicking twice) changed it first: say so, never fail."""
    if refused.already_done:
        flash(f"{organisation.name} is already {done}. Nothing has changed.", "info")
    else:
        flash(f"{organisation.name} is {refused.current}, so it cannot be {action} now.", "info")
    return _to_signatory(organisation)


@bp.route("/organisations")
@staff_required
def signatories():
    status = request.args.get("status", S.APPROVED)
    if status not in standing.SIGNATORY_STATUSES:
        status = S.APPROVED
    # Without control characters: they mean nothing in a name, and PostgreSQL refuses NUL.
    search = " ".join(clean_text(request.args.get("q", "")).split())[:standing.MAX_SEARCH_LENGTH]
    try:
        page_number = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page_number = 1
    page = standing.find_signatories(status, search, page_number, PER_PAGE)
    return render_template("staff/signatories.html", title="Manage signatories", page=page,
                           status=status, search=search, labels=STATUS_LABELS,
                           counts=standing.count_signatories())


@bp.route("/organisations/<int:organisation_id>")
@staff_required
def signatory(organisation_id: int):
    organisation = _signatory(organisation_id)
    return render_template("staff/signatory.html", title=f"Signatory: {organisation.name}",
                           organisation=organisation, labels=STATUS_LABELS,
                           history=standing.status_history(organisation))


@bp.route("/organisations/<int:organisation_id>/suspend", methods=["GET", "POST"])
@staff_required
def suspend(organisation_id: int):
    """Two steps: the reason (checked), then a page that shows it and asks to confirm."""
    organisation = _signatory(organisation_id)
    if not organisation.is_listed:
        refused = TransitionNotAllowed(organisation.status, S.SUSPENDED)
        return _refused(organisation, refused, "suspended", "suspended")
    form = SuspendForm()
    if form.validate_on_submit() and not request.form.get("change"):
        if form.confirmed.data != "yes":
            return render_template("staff/confirm_suspend.html",
                                   title=f"Suspend {organisation.name}", form=form,
                                   organisation=organisation,
                                   member_count=len(standing.members_of(organisation)))
        try:
            standing.suspend(organisation, current_user, form.reason.data)
        except TransitionNotAllowed as refused:
            return _refused(organisation, refused, "suspended", "suspended")
        flash(f"{organisation.name} is suspended and no longer listed in the directory. We have "
              "emailed its members the reason.", "success")
        return _to_signatory(organisation)
    return render_template("staff/suspend.html", title=f"Suspend {organisation.name}", form=form,
                           organisation=organisation, reason_length=REASON_LENGTH)


@bp.route("/organisations/<int:organisation_id>/lift-suspension", methods=["GET", "POST"])
@staff_required
def lift_suspension(organisation_id: int):
    """Are you sure? Lifting lists the signatory again and emails its members."""
    organisation = _signatory(organisation_id)
    if organisation.status != S.SUSPENDED:
        refused = TransitionNotAllowed(organisation.status, S.APPROVED)
        return _refused(organisation, refused, "approved", "reinstated")
    form = LiftSuspensionForm()
    if form.validate_on_submit():
        try:
            standing.lift_suspension(organisation, current_user, form.note.data)
        except TransitionNotAllowed as refused:
            return _refused(organisation, refused, "approved", "reinstated")
        flash(f"The suspension is lifted: {organisation.name} is listed in the directory again. "
              "We have emailed its members.", "success")
        return _to_signatory(organisation)
    return render_template("staff/lift_suspension.html",
                           title=f"Lift the suspension of {organisation.name}", form=form,
                           organisation=organisation, reason_length=REASON_LENGTH)
