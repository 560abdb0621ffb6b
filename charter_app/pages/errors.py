from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import Forbidden

from charter_app import database_retry
from charter_app.extensions import db, login_manager

MESSAGES = {
    400: ("Sorry, there is a problem with that request",
          "Go back, reload the page and try again."),
    403: ("You do not have permission to see this page",
          "If you think you should, sign in with another account or contact Business Durham."),
    404: ("Page not found",
          "If you typed the web address, check it is correct. If you pasted it, check you "
          "copied the entire address."),
    405: ("Sorry, there is a problem with that request",
          "Go back and try again."),
    409: ("Someone else changed this at the same time",
          "Nothing you sent was saved. Go back, reload the page to see the latest, and try "
          "again."),
    429: ("Too many attempts",
          "You have tried too many times. Wait a minute, then try again."),
    500: ("Sorry, there is a problem with the service",
          "Try again later. What you had saved is safe."),
    503: ("Sorry, the service is unavailable",
          "Try again later. What you had saved is safe."),
}
# The database connection was lost twice in one request (a restart that outlasted the wait).
BUSY = ("The service is busy for a moment", "Please try again. What you had saved is safe.")
BUSY_RETRY_AFTER_SECONDS = 5


def _without_the_database_if_down() -> None:
    """Error pages must render even when the database is the problem: the page's navigation
    asks who is signed in, so settle that now and fall back to a visitor if it cannot be known."""
    try:
        db.session.rollback()
        current_user.is_authenticated  # noqa: B018 - loads (and caches) the user, or fails
    except SQLAlchemyError:
        g._login_user = login_manager.anonymous_user()


def _render(status: int, detail: str | None = None, message: tuple[str, str] | None = None):
    heading, advice = message or MESSAGES[status]
    _without_the_database_if_down()
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=heading, status=status), status
    return render_template("errors/error.html", title=heading, heading=heading, advice=advice,
                           detail=detail, status=status), status


def conflict_response():
    """409: the change clashed with one committed meanwhile; the caller has rolled back."""
    return make_response(_render(409))


def lost_connection_response(error: BaseException | None) -> Response | None:
    """The answer to a request whose database connection was lost mid-way (PostgreSQL went
    away), or None when the error is something else or the request is not guarded
    (database_retry.py): then the caller answers as it always has.

    The first time, an empty answer marked for the middleware, which drops it and replays the
    request; after the replay, the busy page."""
    if not (database_retry.guarded(request.environ) and database_retry.is_lost_connection(error)):
        return None
    db.session.rollback()
    db.session.remove()
    if database_retry.may_replay(request.environ):
        current_app.logger.warning("database connection lost (%s): replaying the request",
                                   database_retry.first_line(error.orig))
        return Response(status=503, headers={database_retry.REPLAY_HEADER: "1"})
    current_app.logger.error("database connection lost, not replayed again: answered busy (%s)",
                             database_retry.first_line(error.orig))
    # The page as a visitor sees it: a user loaded before the loss is detached from the
    # session now, and loading one would wait on the database again.
    g._login_user = login_manager.anonymous_user()
    response = make_response(_render(503, message=BUSY))
    response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(IntegrityError)
    def conflict(error):
        # A clash found while flushing, before the commit: the same answer as at commit.
        db.session.rollback()
        return conflict_response()

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "Your form had expired or was sent from another site.")

    @app.errorhandler(403)
    def forbidden(error):
        # A reason given with abort(403, description=...) is shown; the default one is not.
        detail = error.description if error.description != Forbidden.description else None
        return _render(403, detail)

    for status in (400, 404, 405, 409, 429):
        app.register_error_handler(status, lambda error, status=status: _render(status))

    @app.errorhandler(OperationalError)
    def database_unreachable(error):
        lost = lost_connection_response(error)
        if lost is not None:
            return lost
        # The database is down or unreachable: say so, in the service's own page.
        app.logger.error("database unreachable: %s", error.orig)
        return _render(503)

    @app.errorhandler(500)
    def server_error(error):
        # A connection lost outside the view (an after-request hook) arrives here.
        lost = lost_connection_response(getattr(error, "original_exception", None))
        if lost is not None:
            return lost
        return _render(500)
