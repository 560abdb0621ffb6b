"""The Knowledge Hub's own writing: guidance pages (with every saved version) and news posts.

A page's text lives on the page row (what is shown) and in a PageVersion row per save (who,
when, why), so the history is complete and any version can be restored as a new one. `version`
on the page is the number of its latest version and the compare-and-set token for edits: a
save names the version it started from and is refused if another was saved since.

A page of kind "measure-note" is staff's note on one measure of the TOMs guide, versioned the
same way; it is shown in the guide, not listed as a page of its own.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter_app.extensions import db
from charter_app.timeutil import UTCDateTime, utcnow

SLUG_MAX_LENGTH = 80
TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 50_000
CHANGE_NOTE_MAX_LENGTH = 300
SUMMARY_MAX_LENGTH = 300
NEWS_BODY_MAX_LENGTH = 20_000


class PageKind(StrEnum):
    GUIDANCE = "guidance"
    MEASURE_NOTE = "measure-note"


class Page(db.Model):
    __tablename__ = "hub_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=PageKind.GUIDANCE)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX_LENGTH), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list["PageVersion"]] = relationship(
        back_populates="page", cascade="all, delete-orphan", order_by="PageVersion.number.desc()")

    def __repr__(self) -> str:
        return f"<Page {self.slug} v{self.version}>"


class PageVersion(db.Model):
    """One saved version of a page, exactly as it was saved; never changed afterwards."""

    __tablename__ = "hub_page_versions"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("hub_pages.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX_LENGTH), default="")
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean)
    change_note: Mapped[str] = mapped_column(String(CHANGE_NOTE_MAX_LENGTH))
    # None for the text installed with the service.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    restored_from: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    page: Mapped[Page] = relationship(back_populates="versions")
    author: Mapped["User | None"] = relationship()  # noqa: F821


class NewsPost(db.Model):
    """A short news post. Unpublished until `published_at` is set; `version` is bumped on each
    save, for compare-and-set between two staff editing at once."""

    __tablename__ = "news_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<NewsPost {self.slug}>"
