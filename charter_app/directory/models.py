from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from charter_app.extensions import db


class ContentVersion(db.Model):
    """A counter bumped in the same transaction as any change to what the directory shows, so
    every web worker knows at once that its cached pages are out of date."""

    __tablename__ = "content_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
