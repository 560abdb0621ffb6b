"""Riding out a PostgreSQL restart without answering 5xx. PostgreSQL only: SQLite is a file in
the app's own process and never restarts under it, so on SQLite none of this is installed.

Two parts, both bounded by DATABASE_WAIT_SECONDS:

- New connections wait for the database. While the server refuses connections, is shutting down
  or starting up, connecting is tried again with a short back-off, and one warning is logged per
  wait. A request arriving during a restart is answered a little later instead of failing.
- A request whose connection was lost mid-way (the server ended its session: a fast shutdown, a
  crash, pg_terminate_backend) is replayed once, from the start, by the WSGI middleware
  `ReplayAfterLostConnection`. The Flask side (pages/errors.py) rolls back, forgets the session
  and marks its answer with REPLAY_HEADER; the middleware sees the mark before any of the answer
  reaches the client, drops that answer and runs the request again with the same body. The
  replay's first connection waits for the database like any other. If the replay loses its
  connection too, the visitor gets the "busy" 503 page. The mark never leaves the server.

Why a replay is safe. A lost session takes its open transaction with it: the server rolls it back,
so the replay starts from what was there before the first attempt, emails queued in the outbox
included. The one exception is a COMMIT the server applied whose reply never arrived; the replay
then meets the change it already made, and the changes a restart is likely to catch are built to
meet themselves: a new account (unique email: the replay finds the account, emails "you already
have an account" and shows the same "Check your email" page), an event registration (one active
registration per event and email: the replay is told the person is already registered), a report
started (unique per organisation and quarter: the replay shows the same report), a report entry
(one per measure in the draft: saved again with the same figures) and a report submitted (the
replay finds no draft and shows the submitted report). Rate-limit counters, which live outside
the database, count the replay as a second try.
"""

import io
import logging
import time
from collections.abc import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from werkzeug.wsgi import get_content_length

log = logging.getLogger(__name__)

# Set by the Flask side on an answer that is to be replayed; the middleware strips it.
REPLAY_HEADER = "X-Charter-Replay-Request"
# In the WSGI environ of every request the middleware guards: whether a lost connection may
# still be replayed (FIRST) or must be answered with the busy page (LAST).
ATTEMPT = "charter.database_retry.attempt"
FIRST, LAST = "first", "last"

# What libpq says while the server is down, shutting down or starting. Errors on connecting
# carry no SQLSTATE, so the message is all there is; anything else (a wrong password, a missing
# database) fails at once.
SERVER_COMING_BACK = (
    "connection refused",
    "no such file or directory",  # the Unix socket is gone while the server is stopped
    "server closed the connection unexpectedly",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
)
# The server ended the session: an administrator command (a fast shutdown, pg_terminate_backend)
# or a crash of another backend. A lock or statement timeout is not among them: replaying it
# would only wait again.
SESSION_ENDED = {"57P01", "57P02"}
FIRST_PAUSE, LONGEST_PAUSE = 0.1, 1.0


def is_lost_connection(error: BaseException | None) -> bool:
    """The database connection broke under a statement or a commit: the server went away."""
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or getattr(error.orig, "sqlstate", None) in SESSION_ENDED


def guarded(environ: dict) -> bool:
    """The request runs under the middleware (on PostgreSQL)."""
    return ATTEMPT in environ


def may_replay(environ: dict) -> bool:
    return environ.get(ATTEMPT) == FIRST


def install(app) -> None:
    """Wait for the database on connecting, and replay requests that lose their connection:
    on PostgreSQL only."""
    from charter_app.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    wait_when_connecting(engine, lambda: float(app.config.get("DATABASE_WAIT_SECONDS") or 0))
    app.wsgi_app = ReplayAfterLostConnection(app.wsgi_app, app.config.get("MAX_CONTENT_LENGTH"))


def wait_when_connecting(engine: Engine, wait_seconds: Callable[[], float]) -> None:
    """Every new connection of `engine` waits up to wait_seconds() for a restarting server."""

    @event.listens_for(engine, "do_connect")
    def connect_waiting(dialect, connection_record, cargs, cparams):
        return connect_when_up(lambda: dialect.connect(*cargs, **cparams),
                               dialect.loaded_dbapi.OperationalError, wait_seconds())


def connect_when_up(connect: Callable, refused: type[Exception], wait_seconds: float):
    deadline = time.monotonic() + wait_seconds
    pause = FIRST_PAUSE
    waiting_since = None
    while True:
        try:
            connection = connect()
        except refused as error:
            left = deadline - time.monotonic()
            if left <= 0 or not server_coming_back(error):
                raise
            if waiting_since is None:
                waiting_since = time.monotonic()
                log.warning("The database is not answering (%s); waiting up to %g s for it",
                            first_line(error), wait_seconds)
            time.sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_PAUSE)
            continue
        if waiting_since is not None:
            log.info("The database answered after %.1f s", time.monotonic() - waiting_since)
        return connection


def server_coming_back(error: Exception) -> bool:
    message = str(error).lower()
    return any(sign in message for sign in SERVER_COMING_BACK)


def first_line(error: Exception) -> str:
    return str(error).strip().split("\n", 1)[0]


class ReplayAfterLostConnection:
    """WSGI middleware: run a request again, once, when its database connection was lost before
    any of its answer was sent (see the module's docstring for why that is safe)."""

    def __init__(self, wsgi_app, max_body: int | None):
        self.wsgi_app = wsgi_app
        self.max_body = max_body

    def __call__(self, environ: dict, start_response):
        body = self.read_body(environ)
        if body is None:  # too big to keep, or of no known length: guarded, never replayed
            environ[ATTEMPT] = LAST
            return self.wsgi_app(environ, start_response)
        as_received = dict(environ)  # before the app (ProxyFix, werkzeug) adds to it
        environ.update({"wsgi.input": io.BytesIO(body), ATTEMPT: FIRST})
        answer, request_id = self.attempt(environ, start_response)
        if answer is not None:
            return answer
        again = {**as_received, "wsgi.input": io.BytesIO(body), ATTEMPT: LAST}
        if request_id:  # one request id for both attempts' log lines
            again["HTTP_X_REQUEST_ID"] = request_id
        return self.attempt(again, start_response)[0]

    def read_body(self, environ: dict) -> bytes | None:
        """The whole body, to send again; None when it is bigger than the app accepts (it
        answers 413 without reading it) or unbounded."""
        stream = environ["wsgi.input"]
        length = get_content_length(environ)
        if length is not None:
            if self.max_body is not None and length > self.max_body:
                return None
            return read_up_to(stream, length)
        if "wsgi.input_terminated" not in environ:
            return b""  # no length and no terminated stream: werkzeug reads no body either
        if self.max_body is None:
            return None
        # One byte over the limit is kept, so the app still sees the body is too large (413).
        return read_up_to(stream, self.max_body + 1)

    def attempt(self, environ: dict, start_response) -> tuple[Iterable[bytes] | None, str | None]:
        """The app's answer; or (None, its request id) when it asks to be replayed."""
        replay = {"asked": False, "request_id": None}
        returned = False

        def start(status, headers, exc_info=None):
            marked = any(name.lower() == REPLAY_HEADER.lower() for name, _ in headers)
            if marked and may_replay(environ) and not returned:
                replay.update(asked=True, request_id=dict(headers).get("X-Request-ID"))
                return lambda data: None  # nothing of this answer is written
            kept = [(name, value) for name, value in headers
                    if name.lower() != REPLAY_HEADER.lower()]
            return start_response(status, kept, exc_info)

        answer = self.wsgi_app(environ, start)
        returned = True
        if not replay["asked"]:
            return answer, None
        close = getattr(answer, "close", None)
        if close is not None:
            close()
        return None, replay["request_id"]


def read_up_to(stream, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = stream.read(min(left, 64 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
