"""Which of our awards an uploaded badge image carries, or why we cannot say.

The image's baked payload (badges/baking.py) is one of:
- an Open Badges 2.0 assertion, as JSON whose `id` is the hosted assertion's URL, or that URL
  alone (the legacy tEXt form, or an SVG assertion without a body). Verification is "hosted"
  (OB 2.0, Verification): what we hold for that address is the answer, not the image's copy;
- an Open Badges 3.0 credential as a VC-JWT (OB 3.0, "JSON Web Token Proof Format"): its
  signature must verify against our published keys before its `id` is looked up.

Every refusal is a VerificationRefused whose message is for the person who uploaded the file.
"""

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from charter_app.badges import baking, credentials, signing
from charter_app.badges.models import BadgeAward
from charter_app.extensions import db

MAX_UPLOAD_BYTES = baking.DEFAULT_MAX_UPLOAD_BYTES
# The pages whose address names an award: any of them in an image points at that award.
AWARD_ENDPOINTS = {"badges.assertion", "badges.award", "badges.award_svg", "badges.award_png"}
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_MAX_URL_LENGTH = 2000

TOO_LARGE = "The selected file must be 2 MB or smaller"
NOT_AN_IMAGE = "The selected file must be a PNG or SVG image"
DAMAGED = "The selected image is damaged or unsafe to read: upload the badge image as you got it"
NO_BADGE = ("The selected image has no badge data in it. Upload the image you downloaded from "
            "your badge page, or follow the link next to the badge")
NOT_OURS = "The badge in this image was not issued by the County Durham Pound Charter"
TAMPERED = ("The badge credential in this image has been changed since we signed it, or we did "
            "not sign it: its signature does not verify. Do not rely on this badge")


class VerificationRefused(ValueError):
    """The image does not show one of our awards; the message says why, in plain words."""


def award_in_image(data: bytes) -> BadgeAward:
    """The award the image's baked badge names, after checking a credential's signature.

    Raises VerificationRefused for a file too large, not a PNG or SVG, damaged, without a
    badge, with a badge we did not issue, or with a credential whose signature fails; and
    signing.SigningKeyMissing when a credential cannot be checked for want of our keys.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise VerificationRefused(TOO_LARGE)
    if not _looks_like_png_or_svg(data):
        raise VerificationRefused(NOT_AN_IMAGE)
    try:
        found = baking.unbake(data, MAX_UPLOAD_BYTES)
    except ValueError:
        raise VerificationRefused(DAMAGED) from None
    if found is None or not found[1].strip():
        raise VerificationRefused(NO_BADGE)
    payload = found[1].strip()
    if _COMPACT_JWS.match(payload):
        return _award_for_credential(payload)
    if payload.startswith("{"):
        try:
            assertion = json.loads(payload)
        except ValueError:
            raise VerificationRefused(NOT_OURS) from None
        address = assertion.get("id") if isinstance(assertion, dict) else None
        return _award_at(address)
    return _award_at(payload)


def _looks_like_png_or_svg(data: bytes) -> bool:
    if data.startswith(baking.PNG_SIGNATURE):
        return True
    # Told apart by content, as unbake does: XML (perhaps after a byte-order mark) may be SVG.
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _award_at(address: object) -> BadgeAward:
    """The award an OB 2.0 assertion's address names, if the address is one of ours."""
    if not isinstance(address, str) or len(address) > _MAX_URL_LENGTH:
        raise VerificationRefused(NOT_OURS)
    ours = urlsplit(current_app.config["BASE_URL"])
    try:
        theirs = urlsplit(address)
    except ValueError:
        raise VerificationRefused(NOT_OURS) from None
    prefix = ours.path.rstrip("/")
    if (theirs.netloc.lower() != ours.netloc.lower()
            or not theirs.path.startswith(prefix + "/")):
        raise VerificationRefused(NOT_OURS)
    adapter = current_app.url_map.bind(ours.netloc, script_name=prefix or "/")
    try:
        endpoint, values = adapter.match(theirs.path[len(prefix):], method="GET")
    except HTTPException:
        raise VerificationRefused(NOT_OURS) from None
    if endpoint not in AWARD_ENDPOINTS:
        raise VerificationRefused(NOT_OURS)
    return _find(BadgeAward.public_id, values["award_id"])


def _award_for_credential(token: str) -> BadgeAward:
    jwks = signing.public_jwks()
    try:
        payload = credentials.verify_credential(token, jwks)
    except credentials.InvalidCredential:
        # A credential out of its dates may still be ours: its signature is checked at its own
        # validFrom, and the award's page then says expired or revoked, and why.
        payload = _verified_at_its_start(token, jwks)
    return _find(BadgeAward.credential_id, payload.get("id"))


def _verified_at_its_start(token: str, jwks: dict) -> dict:
    try:
        body = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        start = datetime.fromtimestamp(claims["nbf"], UTC)
        return credentials.verify_credential(token, jwks, now=start)
    except (ValueError, binascii.Error, KeyError, TypeError, OverflowError, OSError):
        # InvalidCredential is a ValueError: a signature that fails lands here too.
        raise VerificationRefused(TAMPERED) from None


def _find(column, value: object) -> BadgeAward:
    # Printable and short before any query: PostgreSQL refuses a NUL byte in text.
    if not isinstance(value, str) or not value or len(value) > 64 or not value.isprintable():
        raise VerificationRefused(NOT_OURS)
    award = db.session.scalar(select(BadgeAward).where(column == value))
    if award is None:
        raise VerificationRefused(NOT_OURS)
    return award
