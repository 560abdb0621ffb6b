"""A proxy-value import waiting for an administrator's confirmation.

The uploaded CSV is parsed once and its rows kept here, under a random key, between the preview
and the confirmation: every web node sees the same rows, and nothing touches the catalogue until
the administrator confirms. Each preview and the confirmation compare the rows with the
catalogue as it is then, so a change made meanwhile is seen.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow


class CatalogueImport(db.Model):
    __tablename__ = "catalogue_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, for addresses; it is also the batch id of the changes the import makes.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    filename: Mapped[str] = mapped_column(String(120))
    # [{"line": 2, "measure_code": ..., "financial_year": 2026, "value": "12.5", "source": ...,
    #   "edition": ..., "problems": [...]}, ...]: values as strings, as parsed from the file.
    rows: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {"new": 3, "changed": 5, "unchanged": 4}, counted when it was applied.
    applied_counts: Mapped[dict | None] = mapped_column(JSON)

    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    applied_by: Mapped["User | None"] = relationship(foreign_keys=[applied_by_id])  # noqa: F821

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None
