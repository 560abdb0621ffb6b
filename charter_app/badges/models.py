"""Badge awards: each one a record kept for ever, valid, expired or revoked.

An award is current while it can still be valid: `current_key` names its slot (one Charter
Signatory and one level per organisation, one Reported badge per pledge year) under a unique
constraint, so two requests earning the same badge at once write it once. Ending or revoking an
award clears the key (an expired Reported badge keeps it: that year is reported, for good).
"""

import re
import secrets
import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow

REASON_MAX_LENGTH = 300


class BadgeKind(StrEnum):
    SIGNATORY = "signatory"
    REPORTED = "reported"
    LEVEL = "level"


class AwardState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


PUBLIC_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,32}")


def is_public_id(value: object) -> bool:
    """Whether a value from a URL or an upload can be an award id at all: checked before any
    query, so a NUL byte or 10,000 characters never reach the database (PostgreSQL refuses
    NUL in text, which would be a 500)."""
    return isinstance(value, str) and PUBLIC_ID_PATTERN.fullmatch(value) is not None


def new_public_id() -> str:
    # 128 random bits: the award's address, which nobody can guess or enumerate.
    return secrets.token_urlsafe(16)


def new_credential_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


class BadgeAward(db.Model):
    __tablename__ = "badge_awards"
    # The directory and profiles list valid badges: a change bumps their cache's version.
    feeds_public_content = ("directory",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True,
                                               default=new_credential_id)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    level: Mapped[str | None] = mapped_column(String(10))
    # The pledge year a Reported badge is for, and its label ("2026–27").
    pledge_period_id: Mapped[int | None] = mapped_column(
        ForeignKey("pledge_periods.id", ondelete="SET NULL"))
    year_label: Mapped[str] = mapped_column(String(20))
    current_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    # The salt of the recipient's hashed email in the Open Badges documents (never the email).
    recipient_salt: Mapped[str] = mapped_column(String(32),
                                                default=lambda: secrets.token_hex(16))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When it ended before its time (a level replaced or its evidence aged out), and why.
    ended_reason: Mapped[str | None] = mapped_column(String(REASON_MAX_LENGTH))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(String(REASON_MAX_LENGTH))
    # The last UK day a level award was confirmed by the rules: the nightly re-check walks on
    # from here, so a level drops on the day its evidence aged out, however late the job runs.
    checked_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821

    def state(self, now: datetime | None = None) -> AwardState:
        now = now or utcnow()
        if self.revoked_at is not None:
            return AwardState.REVOKED
        if self.valid_until is not None and self.valid_until <= now:
            return AwardState.EXPIRED
        return AwardState.VALID

    @property
    def name(self) -> str:
        if self.kind == BadgeKind.SIGNATORY:
            return "Charter Signatory"
        if self.kind == BadgeKind.REPORTED:
            return f"Reported {self.year_label}"
        return f"{(self.level or '').title()} level"

    def __repr__(self) -> str:
        return f"<BadgeAward {self.id} {self.name} org={self.organisation_id}>"


class BadgeRecheck(db.Model):
    """One row per UK day the nightly re-check finished: the scheduler ticks every minute, and
    this is how the job knows today's is done."""

    __tablename__ = "badge_rechecks"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
