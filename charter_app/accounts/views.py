from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from charter_app.access import get_organisation_for_member, login_required, public, signed_in
from charter_app.accounts import services
from charter_app.accounts.forms import (
    AcceptInvitationForm,
    ChangeEmailForm,
    InviteForm,
    LoginForm,
    RegisterForm,
    RequestResetForm,
    ResetPasswordForm,
)
from charter_app.accounts.models import MemberRole
from charter_app.extensions import limiter
from charter_app.tokens import InvalidToken

bp = Blueprint("accounts", __name__)


def _limit(config_key: str):
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"])


def _safe_next(default: str) -> str:
    target = request.args.get("next", "")
    parts = urlsplit(target)
    # Only same-site paths: never bounce a user to another host after sign-in.
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _home_for(user) -> str:
    if user.is_staff:
        return url_for("organisations_staff.queue")
    return url_for("organisations.application")


@bp.route("/account/create", methods=["GET", "POST"])
@public
@_limit("SIGNUP_RATE_LIMIT")
def register():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        # The same answer whether or not the address already has an account (the service emails
        # that account instead), so the form never reveals who is registered. The emailed link
        # signs the new user in.
        services.register_user(form.email.data, form.password.data)
        return render_template("accounts/check_email.html", title="Check your email",
                               email=form.email.data)
    return render_template("accounts/register.html", title="Create an account", form=form)


@bp.route("/account/confirm")
@signed_in
def confirm_pending():
    if current_user.email_confirmed:
        return redirect(_home_for(current_user))
    return render_template("accounts/confirm_pending.html", title="Confirm your email address")


@bp.route("/account/confirm/resend", methods=["POST"])
@signed_in
@_limit("RESET_RATE_LIMIT")
def resend_confirmation():
    if not current_user.email_confirmed:
        services.send_confirmation(current_user)
        flash(f"We have sent a new link to {current_user.email}.", "success")
    return redirect(url_for("accounts.confirm_pending"))


@bp.route("/account/confirm/<token>")
@public
def confirm_email(token: str):
    try:
        user = services.confirm_email(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html", title="This link does not work",
                               what="confirmation"), 400
    login_user(user)
    flash("Your email address is confirmed.", "success")
    return redirect(_home_for(user))


@bp.route("/login", methods=["GET", "POST"])
@public
@_limit("LOGIN_RATE_LIMIT")
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(_home_for(user)))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("accounts/login.html", title="Sign in", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("pages.home"))


@bp.route("/account/reset", methods=["GET", "POST"])
@public
@_limit("RESET_RATE_LIMIT")
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("accounts/check_email.html", title="Check your email",
                               email=form.email.data, reset=True)
    return render_template("accounts/request_reset.html", title="Reset your password", form=form)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
@_limit("RESET_RATE_LIMIT")
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html", title="This link does not work",
                               what="reset"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        login_user(user)
        flash("Your password has been changed.", "success")
        return redirect(_home_for(user))
    return render_template("accounts/reset_password.html", title="Choose a new password",
                           form=form)


@bp.route("/account")
@login_required
def account():
    membership = services.current_membership(current_user)
    members = services.members_of(membership.organisation_id) if membership else []
    return render_template("accounts/account.html", title="Your account",
                           membership=membership, members=members)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if services.normalise_email(form.email.data) == current_user.email:
            form.email.errors.append("This is already your email address")
        elif services.request_email_change(current_user, form.email.data):
            flash(f"We have sent a link to {form.email.data}. Follow it to finish the change.",
                  "success")
            return redirect(url_for("accounts.account"))
        else:
            form.email.errors.append("Another account uses this email address")
    return render_template("accounts/change_email.html", title="Change your email address",
                           form=form)


@bp.route("/account/email/confirm/<token>")
@public
def confirm_email_change(token: str):
    try:
        user = services.confirm_email_change(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html", title="This link does not work",
                               what="email change"), 400
    login_user(user)
    flash(f"Your email address is now {user.email}.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/organisation/<int:organisation_id>/invite", methods=["GET", "POST"])
@login_required
def invite(organisation_id: int):
    organisation = get_organisation_for_member(organisation_id, owner=True)
    form = InviteForm()
    if form.validate_on_submit():
        services.invite_colleague(organisation, form.email.data, MemberRole(form.role.data),
                                  current_user)
        flash(f"We have sent an invitation to {form.email.data}.", "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/invite.html", title="Invite a colleague", form=form,
                           organisation=organisation)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
@_limit("SIGNUP_RATE_LIMIT")
def accept_invitation(token: str):
    try:
        invitation = services.invitation_for_token(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html", title="This link does not work",
                               what="invitation"), 400
    if current_user.is_authenticated:
        if request.method == "POST":
            try:
                services.accept_invitation(invitation, current_user)
            except PermissionError as error:
                abort(403, description=str(error))
            flash(f"You have joined {invitation.organisation.name}.", "success")
            return redirect(url_for("organisations.application"))
        return render_template("accounts/accept_invitation.html", title="Join your colleagues",
                               invitation=invitation, form=None)
    if services.find_user(invitation.email) is not None:
        flash("You already have an account: sign in, then follow the link again.", "info")
        return redirect(url_for("accounts.login", next=request.path))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        user = services.create_invited_user(invitation, form.password.data)
        login_user(user)
        flash(f"You have joined {invitation.organisation.name}.", "success")
        return redirect(url_for("organisations.application"))
    return render_template("accounts/accept_invitation.html", title="Join your colleagues",
                           invitation=invitation, form=form)
