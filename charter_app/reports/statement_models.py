"""Bid-ready social value statements: each one generated is a frozen snapshot, kept for ever,
at an address nobody can guess. Generating another supersedes the one before."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.badges.models import new_public_id
from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow


class SocialValueStatement(db.Model):
    __tablename__ = "social_value_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 128 random bits: whoever holds the link may read the statement, nobody else finds it.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Everything the statement shows, as plain JSON; amounts as decimal strings.
    snapshot: Mapped[dict] = mapped_column(JSON)
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_value_statements.id", ondelete="SET NULL",
                   name="fk_social_value_statements_superseded_by"))

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    generated_by: Mapped["User | None"] = relationship()  # noqa: F821
    superseded_by: Mapped["SocialValueStatement | None"] = relationship(remote_side=[id])

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None
