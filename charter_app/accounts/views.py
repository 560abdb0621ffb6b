from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import get_organisation_for_member, login_required, public, signed_in
from charter_app.accounts import services, staff
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
from charter_app.accounts.sessions import sign_out, start_session
from charter_app.extensions import limiter
from charter_app.tokens import InvalidToken

bp = Blueprint("accounts", __name__)


def _limit(config_key: str):
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"])


def _limit_per_account(config_key: str):
    """Per signed-in account, on top of the per-address limit: a new address does not help."""
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"],
                         key_func=lambda: f"account:{current_user.id}")


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
        # that account instead), so the form never reveals who is registered.
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
    # The link never signs anyone in: otherwise a link to someone else's account, sent to you,
    # would sign your browser into it.
    if current_user.is_authenticated and current_user.id == user.id:
        flash("Your email address is confirmed.", "success")
        return redirect(_home_for(user))
    flash("Your email address is confirmed. Sign in to continue.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@_limit("LOGIN_RATE_LIMIT")
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        if services.sign_in_throttled(form.email.data):
            minutes = current_app.config["SIGN_IN_ACCOUNT_WINDOW"] // 60
            form.email.errors.append(
                f"There have been too many attempts to sign in to this account. Wait {minutes} "
                "minutes, then try again, or reset your password")
            return render_template("accounts/login.html", title="Sign in", form=form), 429
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and start_session(user):
            return redirect(_safe_next(_home_for(user)))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("accounts/login.html", title="Sign in", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        # Ends this session on the server too: a copy of the cookie no longer works.
        sign_out(current_user)
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
        start_session(user)
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
@_limit("CHANGE_EMAIL_RATE_LIMIT")
@_limit_per_account("CHANGE_EMAIL_RATE_LIMIT")
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if services.normalise_email(form.email.data) == current_user.email:
            form.email.errors.append("This is already your email address")
        else:
            # The same answer whether or not the address has an account (its holder is told
            # instead), so this form cannot be used to find out who is registered.
            services.request_email_change(current_user, form.email.data)
            flash(f"We have sent a link to {form.email.data}. Follow it to finish the change.",
                  "success")
            return redirect(url_for("accounts.account"))
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
    flash(f"Your email address is now {user.email}.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("accounts.account"))
    return redirect(url_for("accounts.login"))


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
        start_session(user)
        flash(f"You have joined {invitation.organisation.name}.", "success")
        return redirect(url_for("organisations.application"))
    return render_template("accounts/accept_invitation.html", title="Join your colleagues",
                           invitation=invitation, form=form)


@bp.route("/account/welcome/<token>", methods=["GET", "POST"])
@public
@_limit("RESET_RATE_LIMIT")
def accept_staff_invitation(token: str):
    """An invited member of staff chooses their password."""
    try:
        staff.user_for_staff_invitation(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html", title="This link does not work",
                               what="staff invitation"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = staff.accept_staff_invitation(token, form.password.data)
        if current_user.is_authenticated:
            sign_out(current_user)
        start_session(user)
        flash("Your password is saved. Welcome to the staff pages.", "success")
        return redirect(_home_for(user))
    return render_template("accounts/reset_password.html", title="Choose your password",
                           form=form)
