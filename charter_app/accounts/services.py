"""Accounts: registration, confirmation, sign-in, password reset, invitations, email change.

Services flush and never commit: the request or command that calls them commits once.
"""

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from charter_app.accounts import emails
from charter_app.accounts.models import Invitation, MemberRole, Membership, SignInThrottle, User
from charter_app.accounts.sessions import end_every_session
from charter_app.extensions import db
from charter_app.locking import insert_unless_taken
from charter_app.throttling import WindowCounter
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
    """The user a session cookie names, if that session is still theirs: same password, same
    session generation (not signed out since), and the account not deactivated."""
    user_id, _, rest = session_id.partition(".")
    fingerprint, _, generation = rest.partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    if not secrets.compare_digest(fingerprint, user.password_fingerprint):
        return None
    if not secrets.compare_digest(generation, str(user.session_generation)):
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
    # Two sign-ups for one address at the same moment: the second finds the first's account
    # taken, and is answered exactly as if it had been there all along.
    user = insert_unless_taken(User, "email", email=email, password_hash=hash_password(password))
    if user is None:
        emails.account_exists(find_user(email))
        return None
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    # Tied to the password like the reset link: a new password makes older links stop working.
    token = make_token("confirm-email", {"user": user.id, "email": user.email,
                                         "fp": user.password_fingerprint})
    emails.confirm_email(user, token)


def confirm_email(token: str) -> User:
    """Confirm the address a link was sent to. Each link works once, and only while the account
    keeps the email address and password it had when the link was sent."""
    data = read_token("confirm-email", token, current_app.config["CONFIRM_EMAIL_MAX_AGE"])
    user = db.session.get(User, data["user"], with_for_update=True)
    if user is None or user.email != data["email"]:
        raise InvalidToken("invalid")
    if user.email_confirmed_at is not None or data.get("fp") != user.password_fingerprint:
        raise InvalidToken("used")
    user.email_confirmed_at = utcnow()
    return user


# Failed sign-ins per account, in the database (charter_app/throttling.py).
_FAILED_SIGN_INS = WindowCounter(SignInThrottle.email_key, SignInThrottle.failures,
                                 SignInThrottle.window_started_at)


def _throttle_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def _sign_in_window() -> timedelta:
    return timedelta(seconds=current_app.config["SIGN_IN_ACCOUNT_WINDOW"])


def sign_in_throttled(email: str) -> bool:
    """Too many failed sign-ins to this account lately, from whatever addresses."""
    failures = _FAILED_SIGN_INS.count_within(_throttle_key(email), window=_sign_in_window(),
                                             now=utcnow())
    return failures >= current_app.config["SIGN_IN_ACCOUNT_FAILURES"]


def record_failed_sign_in(email: str) -> None:
    """Count a failure in the database, shared by every worker; atomic under concurrency."""
    _FAILED_SIGN_INS.add(_throttle_key(email), window=_sign_in_window(), now=utcnow())


def clear_failed_sign_ins(email: str) -> None:
    throttle = db.session.get(SignInThrottle, _throttle_key(email))
    if throttle is not None:
        db.session.delete(throttle)


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None (a failure is counted against the account)."""
    user = find_user(email)
    if not password_matches(user, password) or not user.is_active:
        record_failed_sign_in(email)
        return None
    clear_failed_sign_ins(email)
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
    # The owner is back in control: failed guesses by others no longer hold them out.
    clear_failed_sign_ins(user.email)
    db.session.flush()
    end_every_session(user)
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


def request_email_change(user: User, new_email: str) -> None:
    """Send a link to the new address; the change happens when it is followed.

    When the address already has an account we tell that account's holder instead, and the
    caller says the same thing either way, so the form never reveals who is registered.
    """
    new_email = normalise_email(new_email)
    holder = find_user(new_email)
    if holder is not None:
        emails.email_in_use(holder)
        return
    user.pending_email = new_email
    token = make_token("change-email", {"user": user.id, "email": new_email})
    emails.change_email(user, new_email, token)


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
