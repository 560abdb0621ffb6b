"""Absolute links on the public address (BASE_URL), with or without a request.

Emails, badges and open data are read away from the page that made them, and jobs run with no
request at all, so their links never come from the request's Host header: they are built from
BASE_URL with the app's own URL map.
"""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint on BASE_URL, from a request, a CLI command or a job."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
