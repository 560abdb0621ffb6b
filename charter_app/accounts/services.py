"""Accounts: registration, confirmation, sign-in, password reset, invitations, email change.

Services flush and never commit: the request or command that calls them commits once.
"""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from charter_app.accounts import emails
from charter_app.accounts.models import Invitation, MemberRole, Membership, User
from charter_app.extensions import db
from charter_app.timeutil import utcnow
from charter_app.tokens import InvalidToken, make_token, read_token

_hasher = PasswordHasher()
# Verified against when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerificationError, InvalidHashError):
        return False


def load_user(session_id: str) -> User | None:
    """The user a session cookie names, if their password has not changed since it was set."""
    user_id, _, fingerprint = session_id.partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not secrets.compare_digest(fingerprint, user.password_fingerprint):
        return None
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register_user(email: str, password: str) -> User | None:
    """Create an account and send its confirmation link.

    When the address already has an account we create nothing and email that address instead,
    so the form never reveals who is registered. Returns the new user, or None.
    """
    email = normalise_email(email)
    existing = find_user(email)
    if existing is not None:
        hash_password(password)  # the same work as a new account, so timing reveals nothing
        emails.account_exists(existing)
        return None
    user = User(email=email, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    token = make_token("confirm-email", {"user": user.id, "email": user.email})
    emails.confirm_email(user, token)


def confirm_email(token: str) -> User:
    data = read_token("confirm-email", token, current_app.config["CONFIRM_EMAIL_MAX_AGE"])
    user = db.session.get(User, data["user"])
    if user is None or user.email != data["email"]:
        raise InvalidToken("invalid")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if not password_matches(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an account; say nothing either way."""
    user = find_user(email)
    if user is None:
        return
    token = make_token("reset-password", {"user": user.id, "fp": user.password_fingerprint})
    emails.reset_password(user, token)


def user_for_reset_token(token: str) -> User:
    data = read_token("reset-password", token, current_app.config["RESET_PASSWORD_MAX_AGE"])
    user = db.session.get(User, data["user"])
    if user is None or data["fp"] != user.password_fingerprint:
        raise InvalidToken("used")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    user.password_hash = hash_password(new_password)
    # Following the emailed link proves the address is theirs.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


def invite_colleague(organisation, email: str, role: MemberRole, invited_by: User) -> Invitation:
    invitation = Invitation(
        organisation=organisation, email=normalise_email(email), role=role, invited_by=invited_by
    )
    db.session.add(invitation)
    db.session.flush()
    token = make_token("invitation", {"invitation": invitation.id})
    emails.invitation(invitation, organisation.name, invited_by, token)
    return invitation


def invitation_for_token(token: str) -> Invitation:
    data = read_token("invitation", token, current_app.config["INVITATION_MAX_AGE"])
    invitation = db.session.get(Invitation, data["invitation"])
    if invitation is None or invitation.accepted_at is not None:
        raise InvalidToken("used")
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Join the organisation. The invited address must be the user's own."""
    if normalise_email(user.email) != invitation.email:
        raise PermissionError("This invitation was sent to a different email address.")
    invitation.accepted_at = utcnow()
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == invitation.organisation_id
        )
    )
    if membership is None:
        membership = Membership(
            user=user, organisation_id=invitation.organisation_id, role=invitation.role
        )
        db.session.add(membership)
    db.session.flush()
    return membership


def create_invited_user(invitation: Invitation, password: str) -> User:
    user = User(email=invitation.email, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    accept_invitation(invitation, user)
    return user


def request_email_change(user: User, new_email: str) -> bool:
    """Send a link to the new address; the change happens when it is followed.

    Returns False when the address belongs to another account (the caller says so
    only to the signed-in user, who already proved who they are).
    """
    new_email = normalise_email(new_email)
    if find_user(new_email) is not None:
        return False
    user.pending_email = new_email
    token = make_token("change-email", {"user": user.id, "email": new_email})
    emails.change_email(user, new_email, token)
    return True


def confirm_email_change(token: str) -> User:
    data = read_token("change-email", token, current_app.config["CONFIRM_EMAIL_MAX_AGE"])
    user = db.session.get(User, data["user"])
    if user is None or user.pending_email != data["email"]:
        raise InvalidToken("used")
    if find_user(data["email"]) is not None:
        raise InvalidToken("taken")
    old_email = user.email
    user.email = data["email"]
    user.pending_email = None
    user.email_confirmed_at = utcnow()
    emails.email_changed(user, old_email)
    return user


def create_staff(email: str, password: str) -> User:
    user = find_user(email)
    if user is None:
        user = User(email=normalise_email(email), password_hash=hash_password(password))
        db.session.add(user)
    else:
        user.password_hash = hash_password(password)
    user.is_staff = True
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.flush()
    return user


def membership_of(organisation_id: int, user_id: int) -> Membership | None:
    """The access checks' membership loader (registered in the app factory)."""
    return db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user_id
        )
    )


def current_membership(user: User) -> Membership | None:
    """The organisation a signatory user works for (the first they joined)."""
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id).limit(1)
    )


def members_of(organisation_id: int) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.organisation_id == organisation_id)
            .join(Membership.user)
            .order_by(User.email)
        )
    )
