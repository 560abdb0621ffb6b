"""Every email about a person's account: one function each, owning its template pair
(email_templates/<name>.txt and .html), its subject, its idempotency-key scheme and its category.

Links are built from BASE_URL (charter_app.urls), so each works from a request, a CLI command or
a job alike. Keys with a nonce are emails a person may ask for again (each request sends one).
"""

import secrets

from flask import current_app

from charter_app.accounts.models import Invitation, User
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.urls import external_url

TRANSACTIONAL = EmailCategory.TRANSACTIONAL
# Long enough for any real organisation name; the subject stays well inside its column.
NAME_IN_SUBJECT = 80


def _nonce() -> str:
    return secrets.token_hex(8)


def account_exists(user: User) -> OutboxMessage:
    """Someone tried to register with an address that already has an account."""
    return queue_email(
        template="account_exists",
        subject="You already have an account",
        recipient=user.email,
        idempotency_key=f"account-exists:{user.id}:{_nonce()}",
        category=TRANSACTIONAL,
        login_url=external_url("accounts.login"),
        reset_url=external_url("accounts.request_reset"),
    )


def confirm_email(user: User, token: str) -> OutboxMessage:
    return queue_email(
        template="confirm_email",
        subject="Confirm your email address",
        recipient=user.email,
        idempotency_key=f"confirm-email:{user.id}:{_nonce()}",
        category=TRANSACTIONAL,
        confirm_url=external_url("accounts.confirm_email", token=token),
    )


def reset_password(user: User, token: str) -> OutboxMessage:
    return queue_email(
        template="reset_password",
        subject="Reset your password",
        recipient=user.email,
        idempotency_key=f"reset-password:{user.id}:{_nonce()}",
        category=TRANSACTIONAL,
        reset_url=external_url("accounts.reset_password", token=token),
        minutes=current_app.config["RESET_PASSWORD_MAX_AGE"] // 60,
    )


def invitation(invitation: Invitation, organisation_name: str, inviter: User,
               token: str) -> OutboxMessage:
    name = single_line(organisation_name)
    return queue_email(
        template="invitation",
        subject=f"Join {single_line(name, NAME_IN_SUBJECT)} on the County Durham Pound Charter",
        recipient=invitation.email,
        idempotency_key=f"invitation:{invitation.id}",
        category=TRANSACTIONAL,
        organisation_name=name,
        inviter=inviter.email,
        role=invitation.role,
        accept_url=external_url("accounts.accept_invitation", token=token),
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )


def change_email(user: User, new_email: str, token: str) -> OutboxMessage:
    """Sent to the new address: following the link makes the change."""
    return queue_email(
        template="change_email",
        subject="Confirm your new email address",
        recipient=new_email,
        idempotency_key=f"change-email:{user.id}:{_nonce()}",
        category=TRANSACTIONAL,
        confirm_url=external_url("accounts.confirm_email_change", token=token),
    )


def email_changed(user: User, old_email: str) -> OutboxMessage:
    """Sent to the old address once the change is made, in case it was not them."""
    return queue_email(
        template="email_changed",
        subject="Your email address has changed",
        recipient=old_email,
        idempotency_key=f"email-changed:{user.id}:{_nonce()}",
        category=TRANSACTIONAL,
        new_email=user.email,
    )


def email_in_use(holder: User) -> OutboxMessage:
    """Someone asked to move another account to this holder's address; nothing changed."""
    return queue_email(
        template="email_in_use",
        subject="Someone tried to use your email address",
        recipient=holder.email,
        idempotency_key=f"email-in-use:{holder.id}:{_nonce()}",
        category=TRANSACTIONAL,
        login_url=external_url("accounts.login"),
    )


def staff_invitation(user: User, inviter: User, token: str) -> OutboxMessage:
    """A new (or returning) Business Durham staff account: the link chooses its password."""
    return queue_email(
        template="staff_invitation",
        subject="You have a Business Durham staff account for the County Durham Pound Charter",
        recipient=user.email,
        idempotency_key=f"staff-invitation:{user.id}:{_nonce()}",
        category=TRANSACTIONAL,
        inviter=inviter.email,
        role=user.staff_role,
        set_password_url=external_url("accounts.accept_staff_invitation", token=token),
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )
