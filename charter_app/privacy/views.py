"""A signed-in person downloads everything held about them, or deletes their account, from
their account page."""

from flask import Blueprint, Response, flash, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

from charter_app.access import login_required
from charter_app.accounts.services import password_matches
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.privacy import erasure, export
from charter_app.privacy.forms import DeleteAccountForm, DownloadDataForm
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("privacy", __name__)


@bp.route("/account/data.zip", methods=["POST"])
@login_required
def download_data():
    DownloadDataForm()  # CSRF is checked for every POST by the app; nothing else to read
    body = export.export_zip(current_user)
    name = f"county-durham-pound-charter-data-{london_date(utcnow()).isoformat()}.zip"
    return Response(body, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not password_matches(current_user, form.password.data):
            form.password.errors.append("The password is not right")
        else:
            try:
                erasure.delete_account(current_user, utcnow())
            except StateChangeRefused as refusal:
                db.session.rollback()
                flash(str(refusal), "error")
                return redirect(url_for("accounts.account"))
            db.session.commit()
            logout_user()
            session.clear()
            flash("Your account has been deleted, with the personal data it held.", "success")
            return redirect(url_for("pages.home"))
    return render_template("privacy/delete_account.html", title="Delete your account",
                           form=form, is_staff=current_user.is_staff)
