"""Static files under content-hashed names, so browsers may keep them for a year.

`url_for('static', filename='css/app.css')` gives `/static/css/app.3f2a9b1c4d5e.css`: the first
12 hex digits of the file's SHA-256, inserted before its last extension. A deploy that changes a
file changes its address, so no page meets a stale copy, while an unchanged file keeps its address
and stays in every cache. No template changes: a `url_defaults` hook rewrites every static URL.

In production nginx serves /static/ itself, mapping `^/static/(.+)\\.[0-9a-f]{12}\\.([A-Za-z0-9]+)$`
to the file `$1.$2`. The app's own static route (`make run`, tests) maps names the same way.
"""

import hashlib
import os
import re
import stat
import threading
from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from charter_app.access import public

ENDPOINT = "static"
DIGEST_LENGTH = 12
# The same pattern nginx rewrites with: any 12 lowercase hex digits before the last extension.
HASHED_NAME = re.compile(
    r"^(?P<stem>.*[^/])\.(?P<digest>[0-9a-f]{12})\.(?P<extension>[A-Za-z0-9]+)$")
PLAIN_NAME = re.compile(r"^(?P<stem>.*[^/])\.(?P<extension>[A-Za-z0-9]+)$")
IMMUTABLE_MAX_AGE = 365 * 24 * 3600


class ContentDigests:
    """The digest of each static file, computed on first use and kept.

    Following edits, each use first compares the file's modification time and size (one stat),
    so an edited stylesheet shows at the next page load without a restart. Otherwise a digest,
    and the hashed name built from it, are kept for the life of the process: only a deploy
    changes the files, and a deploy restarts the workers, so a static link then costs one dict
    lookup and no file system call.
    """

    def __init__(self, follow_edits: bool):
        self.follow_edits = follow_edits
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def digest(self, path: str) -> str | None:
        """The file's digest, or None when there is no such regular file (not remembered, so a
        file added later is found)."""
        known = self._known.get(path)
        if known is not None and not self.follow_edits:
            return known[1]
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        signature = (status.st_mtime_ns, status.st_size)
        if known is not None and known[0] == signature:
            return known[1]
        with self._lock:
            known = self._known.get(path)
            if known is None or known[0] != signature:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:DIGEST_LENGTH]
                known = self._known[path] = (signature, digest)
            return known[1]

    def hashed_name(self, folder: str, filename: str) -> str:
        """`css/app.css` -> `css/app.<digest>.css`; a file that does not exist, has no
        extension or lies outside `folder` keeps its plain name (its link then answers 404 as it
        always did)."""
        kept = self._names.get((folder, filename))
        if kept is not None:
            return kept
        name = PLAIN_NAME.match(filename)
        path = safe_join(folder, filename) if name else None
        digest = self.digest(path) if path else None
        if digest is None:
            return filename
        hashed = f"{name['stem']}.{digest}.{name['extension']}"
        if not self.follow_edits:
            self._names[(folder, filename)] = hashed
        return hashed


def _digests(app: Flask) -> ContentDigests:
    return app.extensions["static_content_digests"]


def _static_path(app: Flask, filename: str) -> str | None:
    """The file under the static folder that `filename` names; None for a name that would leave
    the folder."""
    if not app.static_folder:
        return None
    return safe_join(app.static_folder, filename)


def hashed_filename(app: Flask, filename: str) -> str:
    if not app.static_folder:
        return filename
    return _digests(app).hashed_name(app.static_folder, filename)


def plain_filename(filename: str) -> str:
    """The file a static name stands for: the hash, if any, removed (whatever its value, as
    nginx does)."""
    name = HASHED_NAME.match(filename)
    return f"{name['stem']}.{name['extension']}" if name else filename


def add_content_hash(endpoint: str, values: dict) -> None:
    if endpoint == ENDPOINT and isinstance(values.get("filename"), str):
        values["filename"] = hashed_filename(current_app, values["filename"])


@public
def serve_static_file(filename: str) -> Response:
    """A static file by its hashed or plain name. Under the current hash it may be kept for a
    year; under a plain name, or a hash that is no longer current (a page from before a deploy),
    the current file is sent with Flask's usual revalidation, so no cache keeps the old address
    pointing at new content for a year."""
    app = current_app
    plain = plain_filename(filename)
    path = _static_path(app, plain)
    if plain == filename or path is None:
        return app.send_static_file(filename)
    current = _digests(app).digest(path)
    if current is None:
        raise NotFound()
    if HASHED_NAME.match(filename)["digest"] != current:
        return app.send_static_file(plain)
    response = send_from_directory(app.static_folder, plain, max_age=IMMUTABLE_MAX_AGE)
    response.cache_control.immutable = True
    return response


def register(app: Flask, follow_edits: bool) -> None:
    """Hash every `url_for('static', ...)` and serve the hashed names."""
    app.extensions["static_content_digests"] = ContentDigests(follow_edits)
    app.url_defaults(add_content_hash)
    if ENDPOINT in app.view_functions:
        app.view_functions[ENDPOINT] = serve_static_file
