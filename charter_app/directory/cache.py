"""A whole-response cache for the public directory's pages, for visitors who are not signed in.

Each web worker keeps the pages it has rendered, keyed by address and by whether htmx asked for
the results fragment. A cached page is used only while the directory's content version (one
indexed row) is unchanged. A model declares the public content it feeds in a class attribute,
`feeds_public_content` (for example `("directory",)`), and, if only some of its rows are public,
an `is_published()` method. A flush that changes a published row bumps the version in the same
transaction, so a newly approved signatory shows at once on every worker, while a draft's save
writes nothing here (and never queues on the one hot row).
Pages for signed-in people, pages carrying a message, and anything that sets a cookie are never
cached.

With Redis (REDIS_URL) the entries live there instead, under the same key and the content
version, so a page one node rendered is served by every node. Redis failing is a cache miss:
the page is rendered and not stored (charter_app/shared_state.py keeps a down Redis out of the
way and logs the outage once).
"""

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from itertools import chain

from flask import Response, current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from charter_app import shared_state
from charter_app.directory.models import ContentVersion
from charter_app.extensions import db
from charter_app.timeutil import london_date, utcnow

DIRECTORY = "directory"
MAX_ENTRIES = 512
MAX_BODY_BYTES = 512 * 1024
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Vary")


@dataclass(frozen=True)
class _Entry:
    version: int
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


class ResponseCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, version: int) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.version != version:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = ResponseCache()
REDIS_USE = "page_cache"
REDIS_PREFIX = "charter:page:"


def _redis_key(key: tuple, version: int) -> str:
    return f"{REDIS_PREFIX}{version}:{hashlib.sha256(repr(key).encode()).hexdigest()}"


def _redis_get(client, key: tuple, version: int) -> _Entry | None:
    fields = client.hgetall(_redis_key(key, version))
    try:
        headers = tuple((name, value) for name, value in json.loads(fields[b"headers"]))
        return _Entry(version, int(fields[b"status"]), fields[b"body"], headers)
    except (KeyError, ValueError, TypeError):
        return None  # absent, or not an entry this code wrote: render afresh


def _redis_put(client, key: tuple, entry: _Entry) -> None:
    name = _redis_key(key, entry.version)
    pipeline = client.pipeline(transaction=False)
    pipeline.hset(name, mapping={"status": entry.status, "body": entry.body,
                                 "headers": json.dumps(entry.headers)})
    pipeline.expire(name, current_app.config["PUBLIC_PAGE_CACHE_SECONDS"])
    pipeline.execute()


def _lookup(key: tuple, version: int) -> _Entry | None:
    shared = shared_state.current()
    if shared is None:
        return _cache.get(key, version)
    return shared.run(REDIS_USE, lambda client: _redis_get(client, key, version), None)


def _store(key: tuple, entry: _Entry) -> None:
    shared = shared_state.current()
    if shared is None:
        _cache.put(key, entry)
    else:
        shared.run(REDIS_USE, lambda client: _redis_put(client, key, entry), None)


def current_version() -> int:
    return db.session.scalar(
        select(ContentVersion.version).where(ContentVersion.name == DIRECTORY)
    ) or 0


def _cacheable_request() -> bool:
    return (
        current_app.config.get("PUBLIC_PAGE_CACHE", True)
        and request.method == "GET"
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def _key() -> tuple:
    htmx_headers = tuple(
        request.headers.get(name, "")
        for name in ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")
    )
    # The day too: published social value covers the last four complete quarters, so a page
    # may change when a quarter ends though nothing in the database did.
    return request.path, request.query_string, htmx_headers, london_date(utcnow())


def cached_for_visitors(view: Callable) -> Callable:
    """Serve this public GET view from the cache while the directory is unchanged."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _cacheable_request():
            return view(*args, **kwargs)
        # Read the version before rendering: a change landing meanwhile makes the entry stale.
        version, key = current_version(), _key()
        entry = _lookup(key, version)
        if entry is not None:
            return Response(entry.body, status=entry.status, headers=list(entry.headers))
        response = make_response(view(*args, **kwargs))
        body = response.get_data()
        if (response.status_code == 200 and not session.modified
                and "Set-Cookie" not in response.headers and len(body) <= MAX_BODY_BYTES):
            headers = tuple((name, response.headers[name]) for name in KEPT_HEADERS
                            if name in response.headers)
            _store(key, _Entry(version, response.status_code, body, headers))
        return response

    return wrapped


def _feeds_directory(obj, session: Session) -> bool:
    if DIRECTORY not in getattr(type(obj), "feeds_public_content", ()):
        return False
    # Loaded and flushed with nothing changed (session.dirty is generous): no new content.
    if obj in session.dirty and not session.is_modified(obj):
        return False
    is_published = getattr(obj, "is_published", None)
    return is_published is None or is_published()


@event.listens_for(Session, "after_flush")
def _bump_version_on_change(session: Session, flush_context) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if any(_feeds_directory(obj, session) for obj in changed):
        session.connection().execute(
            update(ContentVersion)
            .where(ContentVersion.name == DIRECTORY)
            .values(version=ContentVersion.version + 1)
        )
