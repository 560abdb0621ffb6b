"""Signed-in sessions: started at sign-in, ended by sign-out on the server, and expired when idle
or too old, so a copied cookie stops working.

The session id in the cookie names the user's session generation (see `User.get_id`): signing out,
a new password or deactivation bumps it, and every cookie issued before is refused. The cookie also
carries when the session started and when it was last used; both are checked on every request.
"""

from flask import current_app, flash, request, session
from flask_login import login_user, logout_user
from sqlalchemy import update

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.timeutil import utcnow

STARTED = "signed_in_at"
SEEN = "seen_at"


def _now() -> int:
    return int(utcnow().timestamp())


def start_session(user: User) -> bool:
    """Sign the browser in as `user` (never with a remember-me cookie). False if deactivated."""
    if not login_user(user):
        return False
    session[STARTED] = session[SEEN] = _now()
    return True


def end_every_session(user: User) -> None:
    """Make every session and remember-me cookie issued to `user` so far stop working.

    One atomic UPDATE, so two sign-outs at once both count and neither is lost.
    """
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)


def sign_out(user: User) -> None:
    end_every_session(user)
    logout_user()


def check_session() -> None:
    """Run before each request: end a session that is idle or past its lifetime."""
    if request.endpoint == "static":
        # Static files are the same for everyone: no session work, so no `Vary: Cookie` and no
        # Set-Cookie on a response that caches keep for a year.
        return
    config = current_app.config
    remember_cookie = config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" not in session:
        if remember_cookie in request.cookies:
            # We never issue remember-me cookies; one we did not issue is not honoured (and
            # Flask-Login deletes it on this response).
            session["_remember"] = "clear"
        return
    now = _now()
    started, seen = session.get(STARTED), session.get(SEEN)
    expired = (
        not isinstance(started, int) or not isinstance(seen, int)
        or now - seen > config["SESSION_IDLE_TIMEOUT"]
        or now - started > config["SESSION_ABSOLUTE_LIFETIME"]
    )
    if expired:
        # Not logout_user(): it would load the user from the database first, for nothing.
        for key in ("_user_id", "_fresh", "_id", STARTED, SEEN):
            session.pop(key, None)
        flash("You were signed out because your session ended. Sign in again to continue.", "info")
        return
    # Rewriting the cookie on every request is wasteful; once a minute is precise enough.
    if now - seen >= 60:
        session[SEEN] = now
