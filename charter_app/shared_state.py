"""Redis, for what every web node must see alike: rate-limit counters and cached public pages.

Only when `REDIS_URL` is set; without it each process keeps its own (one node, as before).
Redis is a help, never a dependency: every use goes through `SharedState.run`, which answers
a default when Redis fails, so a page is rendered afresh and a rate limit lets the request
through. After a failure Redis is left alone for `REDIS_RETRY_SECONDS` (a down Redis must not
add a timeout to every request); then one request probes it with a PING. An outage is logged
once when it starts and once when it ends, and every failed command is counted (the callback
the factory passes, a Prometheus counter).
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from flask import Flask, current_app, has_app_context
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from charter_app.extensions import limiter

log = logging.getLogger(__name__)
EXTENSION = "shared_state"
T = TypeVar("T")


class SharedState:
    """A Redis client behind a circuit breaker; safe to share between a process's threads."""

    def __init__(self, url: str, *, socket_timeout: float = 0.5, retry_seconds: float = 2.0,
                 on_error: Callable[[str], None] | None = None):
        # One retry, at once: a pooled connection Redis dropped (a restart) is replaced
        # without failing the command, while a Redis that is down costs only one more attempt.
        self.client = redis.Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 1))
        self.retry_seconds = retry_seconds
        self.on_error = on_error
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    def usable(self) -> bool:
        """False while a recent failure stands; after the pause, one caller probes Redis."""
        if self._down_since is None:
            return True
        with self._lock:
            if self._down_since is None:
                return True
            if time.monotonic() < self._retry_at:
                return False
            # This caller probes; the others keep going without Redis until it has answered.
            self._retry_at = time.monotonic() + self.retry_seconds
        try:
            self.client.ping()
        except RedisError as error:
            self.failed(error, "probe")
            return False
        self._recovered()
        return True

    def run(self, use: str, operation: Callable[[redis.Redis], T], default: T) -> T:
        """`operation(client)`, or `default` when Redis is down or the command fails."""
        if not self.usable():
            return default
        try:
            return operation(self.client)
        except RedisError as error:
            self.failed(error, use)
            return default

    def failed(self, error: Exception, use: str) -> None:
        if self.on_error is not None:
            self.on_error(use)
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            starting = self._down_since is None
            if starting:
                self._down_since = time.monotonic()
        if starting:
            log.warning("Redis is unavailable (%s: %s): pages are rendered without the shared "
                        "cache and rate limits are not enforced until it returns",
                        type(error).__name__, error)

    def _recovered(self) -> None:
        with self._lock:
            down_since, self._down_since = self._down_since, None
        if down_since is not None:
            log.warning("Redis is available again after %.1f s: shared cache and rate limits "
                        "are back", time.monotonic() - down_since)

    def health(self) -> str:
        """"ok" or "unavailable" (a PING, unless a recent failure says it is down)."""
        ok = self.run("health", lambda client: bool(client.ping()), False)
        return "ok" if ok else "unavailable"

    def close(self) -> None:
        self.client.close()
        self.client.connection_pool.disconnect()


def init_app(app: Flask, on_error: Callable[[str], None] | None = None) -> None:
    """Build the app's SharedState when REDIS_URL is set, and point Flask-Limiter at Redis
    (with fail-open) unless RATELIMIT_STORAGE_URI names a storage of its own. Before
    `limiter.init_app`."""
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION] = None
    if not url:
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        return
    state = SharedState(url, socket_timeout=float(app.config["REDIS_SOCKET_TIMEOUT"]),
                        retry_seconds=float(app.config["REDIS_RETRY_SECONDS"]), on_error=on_error)
    app.extensions[EXTENSION] = state
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = url
        # The limiter's counters go through the same pool, with the same short timeouts.
        options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
        options["connection_pool"] = state.client.connection_pool
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options


def current() -> SharedState | None:
    """The current app's SharedState, or None when Redis is not configured."""
    if not has_app_context():
        return None
    return current_app.extensions.get(EXTENSION)


def _limits_unavailable() -> bool:
    # A request filter: True exempts the request from every limit. While Redis is down the
    # limits are not checked at all (fail open) rather than waiting on Redis for each request.
    state = current()
    return state is not None and _limits_share_redis() and not state.usable()


def _limits_share_redis() -> bool:
    return current_app.config.get("RATELIMIT_STORAGE_URI") == current_app.config.get("REDIS_URL")


class _LimiterStorageErrors(logging.Filter):
    """Flask-Limiter logs a traceback for each swallowed storage error (RATELIMIT_SWALLOW_ERRORS):
    hand a Redis error to the breaker instead, which warns once per outage."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        state = current()
        if not isinstance(error, RedisError) or state is None or not _limits_share_redis():
            return True
        state.failed(error, "ratelimit")
        return False


limiter.request_filter(_limits_unavailable)
logging.getLogger("flask-limiter").addFilter(_LimiterStorageErrors())
