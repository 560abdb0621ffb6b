"""Administrators manage Business Durham staff accounts: list, invite, deactivate."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from charter_app.access import admin_required
from charter_app.accounts import staff
from charter_app.accounts.forms import ConfirmForm, InviteStaffForm
from charter_app.extensions import db

bp = Blueprint("staff_people", __name__, url_prefix="/staff/people")


@bp.route("")
@admin_required
def index():
    return render_template("staff_people/index.html", title="Staff accounts",
                           people=staff.staff_people())


@bp.route("/invite", methods=["GET", "POST"])
@admin_required
def invite():
    form = InviteStaffForm()
    if form.validate_on_submit():
        try:
            person = staff.invite_staff(form.email.data, admin=form.role.data == "administrator",
                                        invited_by=current_user)
        except staff.StaffChangeRefused as refusal:
            form.email.errors.append(str(refusal))
        else:
            flash(f"We have sent {person.email} a link to choose their password.", "success")
            return redirect(url_for("staff_people.index"))
    return render_template("staff_people/invite.html", title="Invite a member of staff",
                           form=form)


@bp.route("/<int:person_id>/deactivate", methods=["GET", "POST"])
@admin_required
def deactivate(person_id: int):
    person = db.session.get(staff.User, person_id)
    if person is None or not person.is_staff:
        abort(404)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            staff.deactivate_staff(person_id, by=current_user)
        except LookupError:
            abort(404)
        except staff.StaffChangeRefused as refusal:
            error = str(refusal)
        else:
            flash(f"{person.email} can no longer sign in.", "success")
            return redirect(url_for("staff_people.index"))
    return render_template("staff_people/deactivate.html", title="Deactivate a staff account",
                           person=person, form=form, error=error), (409 if error else 200)
