from flask import current_app


def absolute_url(path: str) -> str:
    """A full link on the public address (BASE_URL), for emails, badges and open data."""
    return current_app.config["BASE_URL"].rstrip("/") + path
