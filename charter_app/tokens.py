"""Signed, expiring tokens for the links we email (confirmation, reset, invitation)."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


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
