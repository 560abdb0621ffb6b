"""One row per changed record: who changed it, through what action, when, and the changed
fields before and after (secrets redacted)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from charter_app.extensions import db
from charter_app.personal_data import personal
from charter_app.timeutil import UTCDateTime, utcnow

ACTOR_MAX_LENGTH = 254
ACTION_MAX_LENGTH = 120
TARGET_LABEL_MAX_LENGTH = 200


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The account, while it exists; `actor` keeps who it was after the account is deleted.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(ACTOR_MAX_LENGTH), info=personal(email=True))
    # staff, administrator or operator (a command run on the server)
    role: Mapped[str] = mapped_column(String(20))
    # The page's endpoint (organisations_staff.approve) or the command (charter create-staff).
    action: Mapped[str] = mapped_column(String(ACTION_MAX_LENGTH), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(10))  # created, updated or deleted
    target_type: Mapped[str] = mapped_column(String(60))
    target_id: Mapped[str] = mapped_column(String(60))
    target_label: Mapped[str] = mapped_column(String(TARGET_LABEL_MAX_LENGTH), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
