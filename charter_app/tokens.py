"""Signed tokens for the links we email: expiring ones (confirmation, reset, invitation), and
lasting ones for links that must keep working as long as the email is kept (unsubscribe)."""

from flask import current_app
from itsdangerous import (
    BadData,
    BadSignature,
    SignatureExpired,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)


class InvalidToken(Exception):
    """The link is malformed, tampered with, expired or already used."""


def make_token(purpose: str, payload: dict) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)
    try:
        return serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise InvalidToken("expired") from error
    except BadSignature as error:
        raise InvalidToken("invalid") from error


def make_lasting_token(purpose: str, payload: dict) -> str:
    """A signed token that never expires: the same payload always gives the same token."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=purpose).dumps(payload)


def read_lasting_token(purpose: str, token: str) -> dict:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=purpose)
    try:
        return serializer.loads(token)
    except BadData as error:  # a bad signature, or a payload signed as something else
        raise InvalidToken("invalid") from error
