"""A signatory's own profile pages, after approval: edit the public profile (owners and members),
ask staff to change the legal details, and withdraw from the Charter (owners only)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import get_membership_for, login_required
from charter_app.organisations import change_requests, profile, standing
from charter_app.organisations.applications import TransitionNotAllowed
from charter_app.organisations.change_requests import LegalDetails
from charter_app.organisations.models import ApplicationStatus
from charter_app.organisations.profile import PublicProfile
from charter_app.organisations.profile_forms import LegalDetailsForm, PublicProfileForm
from charter_app.organisations.standing_forms import REASON_LENGTH, WithdrawForm

bp = Blueprint("organisation_profile", __name__)


def _signatory(organisation_id: int, *, owner: bool = False):
    """The membership, or a redirect to the application while it is not listed."""
    membership = get_membership_for(organisation_id, owner=owner)
    if not membership.organisation.is_listed:
        flash("You can edit your public profile once your application is approved.", "info")
        return membership, redirect(url_for("organisations.application_for",
                                            organisation_id=organisation_id))
    return membership, None


@bp.route("/organisations/<int:organisation_id>/profile", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    membership, refusal = _signatory(organisation_id)
    if refusal:
        return refusal
    organisation = membership.organisation
    form = PublicProfileForm(obj=organisation)
    if form.validate_on_submit():
        try:
            edits = profile.update_public_profile(organisation, current_user, PublicProfile(
                description=form.description.data, website=form.website.data,
                contact_email=form.contact_email.data, contact_phone=form.contact_phone.data))
        except profile.NotASignatory:
            flash("Your organisation is no longer listed, so its profile cannot be changed now.",
                  "info")
            return redirect(url_for("organisations.application_for",
                                    organisation_id=organisation.id))
        if edits:
            flash("Your public profile is updated. The directory shows the change now.",
                  "success")
        else:
            flash("Nothing has changed: your profile already said that.", "info")
        return redirect(url_for("organisation_profile.edit", organisation_id=organisation.id))
    return render_template(
        "organisations/profile/edit.html", title="Your public profile", form=form,
        organisation=organisation, membership=membership,
        pending=change_requests.pending_request(organisation),
        history=profile.profile_history(organisation) if membership.is_owner else None,
        changes=change_requests.changes_for(organisation) if membership.is_owner else None,
        labels=profile.FIELD_LABELS)


@bp.route("/organisations/<int:organisation_id>/profile/legal", methods=["GET", "POST"])
@login_required
def legal_change(organisation_id: int):
    membership, refusal = _signatory(organisation_id, owner=True)  # a member gets 403
    if refusal:
        return refusal
    organisation = membership.organisation
    back = redirect(url_for("organisation_profile.edit", organisation_id=organisation.id))
    if change_requests.pending_request(organisation) is not None:
        flash("Business Durham is already reviewing a change to your legal details. You can ask "
              "for another once they have decided.", "info")
        return back
    form = LegalDetailsForm(obj=organisation if request.method == "GET" else None)
    if form.validate_on_submit():
        details = LegalDetails(name=form.name.data, legal_form=form.legal_form.data,
                               company_number=form.company_number.data,
                               charity_number=form.charity_number.data)
        try:
            change_requests.request_legal_change(organisation, current_user, details)
        except change_requests.NothingToChange:
            form.name.errors = [*form.name.errors,
                                "Change at least one detail, or go back to your profile"]
        except change_requests.ChangeAlreadyPending:
            flash("Business Durham is already reviewing a change to your legal details.", "info")
            return back
        except profile.NotASignatory:
            flash("Your organisation is no longer listed, so its details cannot be changed now.",
                  "info")
            return back
        else:
            flash("We have sent your change to Business Durham. Your profile shows the current "
                  "details until they approve it; we will email you their decision.", "success")
            return back
    return render_template("organisations/profile/legal.html",
                           title="Change your legal details", form=form,
                           organisation=organisation)


@bp.route("/organisations/<int:organisation_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(organisation_id: int):
    """Leave the Charter: a page that says what happens, then one deliberate button."""
    organisation = get_membership_for(organisation_id, owner=True).organisation  # member: 403
    back = redirect(url_for("organisations.application_for", organisation_id=organisation.id))
    if not organisation.is_listed:
        return _cannot_withdraw(organisation.status, back)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            standing.withdraw(organisation, current_user, form.reason.data)
        except TransitionNotAllowed as refused:  # a second click, or another owner, got there first
            return _cannot_withdraw(refused.current, back)
        else:
            flash(f"{organisation.name} has withdrawn from the Charter. It is no longer listed "
                  "in the directory. We have emailed everyone in your organisation.", "success")
        return back
    return render_template("organisations/profile/withdraw.html",
                           title=f"Withdraw {organisation.name} from the Charter", form=form,
                           organisation=organisation, reason_length=REASON_LENGTH)


def _cannot_withdraw(status: str, back):
    if status == ApplicationStatus.WITHDRAWN:
        flash("Your organisation has already withdrawn from the Charter. Nothing has changed.",
              "info")
    else:
        flash(f"Your organisation's signature is {status}, so it cannot withdraw now.", "info")
    return back
