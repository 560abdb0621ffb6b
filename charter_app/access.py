"""Who may reach what. Every view declares its access; a test fails on any view that does not.

Object access is checked in one helper per kind, which aborts 404 or 403.
"""

import hmac
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, jsonify, make_response, redirect, request, url_for
from flask_login import current_user


def public(view: Callable) -> Callable:
    """Anyone may see this, signed in or not."""
    view.access = "public"
    return view


def _to_login():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def login_required(view: Callable) -> Callable:
    """A signed-in user whose email address is confirmed."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _to_login()
        if not current_user.email_confirmed:
            return redirect(url_for("accounts.confirm_pending"))
        return view(*args, **kwargs)

    wrapped.access = "login"
    return wrapped


def signed_in(view: Callable) -> Callable:
    """A signed-in user, confirmed or not (for the pages that lead to confirmation)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _to_login()
        return view(*args, **kwargs)

    wrapped.access = "signed-in"
    return wrapped


def staff_required(view: Callable) -> Callable:
    """Business Durham staff only; anybody else gets 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _to_login()
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    wrapped.access = "staff"
    return wrapped


def admin_required(view: Callable) -> Callable:
    """Administrators only (staff who also manage staff accounts, measures and settings)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _to_login()
        if not (current_user.is_staff and current_user.is_admin):
            abort(403)
        return view(*args, **kwargs)

    wrapped.access = "admin"
    return wrapped


def development_only(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_app.config.get("MAIL_CATCHER_DIR"):
            abort(404)
        return view(*args, **kwargs)

    wrapped.access = "development"
    return wrapped


# Finds a user's membership of an organisation: (organisation_id, user_id) -> membership or None.
# The accounts domain registers it at start-up, so this shared module never imports a domain.
_membership_loader: Callable | None = None


def membership_loader(loader: Callable) -> Callable:
    """Register the function that finds a membership (as Flask-Login's user_loader does)."""
    global _membership_loader
    _membership_loader = loader
    return loader


def get_membership_for(organisation_id: int, *, owner: bool = False):
    """The current user's membership of an organisation, or 404 (never reveal it exists).

    With owner=True a plain member gets 403: they may see, not manage.
    """
    if _membership_loader is None:
        raise RuntimeError("No membership loader: the accounts domain registers one.")
    membership = _membership_loader(organisation_id, current_user.id)
    if membership is None:
        abort(404)
    if owner and not membership.is_owner:
        abort(403)
    return membership


def get_organisation_for_member(organisation_id: int, *, owner: bool = False):
    return get_membership_for(organisation_id, owner=owner).organisation


def staff_api_required(view: Callable) -> Callable:
    """Staff only, for JSON endpoints: 401 JSON to a visitor who has not signed in (an API
    client cannot follow a sign-in page), 403 JSON to anyone else (see pages/errors.py)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            response = jsonify(error="Sign in as Business Durham staff to use this API",
                               status=401)
            response.status_code = 401
            return response
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    wrapped.access = "staff"
    return wrapped


def metrics_token_required(view: Callable) -> Callable:
    """For monitoring, not people: `Authorization: Bearer <METRICS_TOKEN>`. With no token
    configured the page does not exist (404); a wrong or missing token gets 401 and nothing else."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        expected = current_app.config.get("METRICS_TOKEN") or ""
        if not expected:
            abort(404)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        # Compared in constant time, so the answer's timing does not give the token away.
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), expected.encode()):
            response = make_response("Unauthorized\n", 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            response.headers["Content-Type"] = "text/plain; charset=utf-8"
            response.headers["Cache-Control"] = "no-store"
            return response
        return view(*args, **kwargs)

    wrapped.access = "token"
    return wrapped
