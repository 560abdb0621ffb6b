"""Business Durham staff accounts: two roles, invited and deactivated by administrators.

A deactivated account is never deleted, so what its holder did keeps their name; it can no
longer sign in, and any session it has open stops at its next request.
Services flush and never commit.
"""

import secrets

from flask import current_app
from sqlalchemy import select

from charter_app.accounts import emails
from charter_app.accounts.models import User
from charter_app.accounts.services import find_user, hash_password, normalise_email
from charter_app.accounts.sessions import end_every_session
from charter_app.extensions import db
from charter_app.locking import insert_unless_taken
from charter_app.timeutil import utcnow
from charter_app.tokens import InvalidToken, make_token, read_token


class StaffChangeRefused(Exception):
    """A change an administrator may not make; the message says why, for the page."""


def _unusable_password() -> str:
    # Nobody knows it: the invited person chooses their own through the emailed link.
    return hash_password(secrets.token_urlsafe(32))


def create_staff(email: str, password: str, *, admin: bool = False) -> User:
    """Create, promote or reactivate a staff account (the operator's command)."""
    user = find_user(email)
    if user is None:
        user = User(email=normalise_email(email), password_hash=hash_password(password))
        db.session.add(user)
    else:
        user.password_hash = hash_password(password)
        user.deactivated_at = None
    user.is_staff = True
    user.is_admin = admin
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.flush()
    return user


def staff_people() -> list[User]:
    """Every staff account, active first, then by email address."""
    return list(db.session.scalars(
        select(User).where(User.is_staff)
        .order_by(User.deactivated_at.is_not(None), User.email)
    ))


def invite_staff(email: str, *, admin: bool, invited_by: User) -> User:
    """Give someone a staff account and email them a link to choose their password.

    Inviting a deactivated staff account again brings it back, with the role chosen now.
    """
    user = find_user(email)
    if user is not None and not user.is_staff:
        raise StaffChangeRefused(
            "This email address already has a signatory account: use another address for the "
            "staff account")
    if user is not None and user.is_active:
        raise StaffChangeRefused(f"{user.email} already has a staff account")
    if user is None:
        # Two administrators inviting the same address at once: the second is told, not 500.
        user = insert_unless_taken(User, "email", email=normalise_email(email),
                                   password_hash=_unusable_password(), is_staff=True)
        if user is None:
            raise StaffChangeRefused(f"{normalise_email(email)} already has an account")
    else:
        user.password_hash = _unusable_password()
        user.deactivated_at = None
    user.is_admin = admin
    db.session.flush()
    end_every_session(user)
    token = make_token("staff-invitation", {"user": user.id, "fp": user.password_fingerprint})
    emails.staff_invitation(user, invited_by, token)
    return user


def user_for_staff_invitation(token: str) -> User:
    """The invited account, while the link is unused (its password not yet chosen)."""
    data = read_token("staff-invitation", token, current_app.config["INVITATION_MAX_AGE"])
    user = db.session.get(User, data["user"])
    if (user is None or not user.is_staff or not user.is_active
            or not secrets.compare_digest(data["fp"], user.password_fingerprint)):
        raise InvalidToken("used")
    return user


def accept_staff_invitation(token: str, password: str) -> User:
    user = user_for_staff_invitation(token)
    user.password_hash = hash_password(password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.flush()
    end_every_session(user)
    return user


def deactivate_staff(person_id: int, *, by: User) -> User:
    """Take away a staff account's access at once. Refuses the last administrator and oneself.

    Active administrators are locked first, always in the same order, so two administrators
    deactivating each other at the same moment cannot both succeed (nor deadlock).
    """
    active_admins = list(db.session.scalars(
        select(User).where(User.is_staff, User.is_admin, User.deactivated_at.is_(None))
        .order_by(User.id).with_for_update()
    ))
    person = db.session.get(User, person_id, with_for_update=True)
    if person is None or not person.is_staff:
        raise LookupError(person_id)
    if person.id == by.id:
        raise StaffChangeRefused(
            "You cannot deactivate your own account: ask another administrator")
    if not person.is_active:
        raise StaffChangeRefused(f"{person.email} is already deactivated")
    if person.is_admin and len(active_admins) <= 1:
        raise StaffChangeRefused(
            f"{person.email} is the last administrator: make someone else an administrator "
            "first")
    person.deactivated_at = utcnow()
    db.session.flush()
    end_every_session(person)
    return person

