"""Check-in codes: a short signed code per registration, shown as text and as a QR code on the
attendee's page and in their confirmation email, which staff type or scan at the door.

The code is the registration's id and an HMAC of it ("1234-7KQ2X9AB"): short enough to type
from a phone screen, and nobody can make a valid code for a registration they did not get (40
bits of HMAC-SHA256, checked in constant time). It names only an id, so it is no secret worth
keeping: the image route is public, which email clients need to load it.
"""

import base64
import hashlib
import hmac
import io
import re

import segno
from flask import current_app

SIGNATURE_LENGTH = 8  # base32 characters: 40 bits
CODE_PATTERN = re.compile(r"^(\d{1,12})-([A-Z2-7]{8})$")


def _signature(registration_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"check-in:{registration_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def checkin_code(registration_id: int) -> str:
    return f"{registration_id}-{_signature(registration_id)}"


def registration_id_from(code: str | None) -> int | None:
    """The registration a typed or scanned code names; None when it is not a valid code.
    Spaces, a lower-case typing and the O/0 and I/1 mix-ups of base32 are forgiven."""
    if not code:
        return None
    number, _, signature = re.sub(r"\s+", "", code).upper()[:40].partition("-")
    signature = signature.translate(str.maketrans("01", "OI"))
    match = CODE_PATTERN.match(f"{number}-{signature}")
    if match is None:
        return None
    registration_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _signature(registration_id)):
        return None
    return registration_id


def qr_svg(code: str) -> str:
    """An inline SVG of the code (for pages), with a title screen readers announce."""
    return segno.make(code, error="m").svg_inline(
        scale=6, border=2, title=f"Check-in QR code {code}")


def qr_png(code: str) -> bytes:
    """A PNG of the code (for emails, where SVG is often blocked)."""
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()
