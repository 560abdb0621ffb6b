"""The search index's rows. The full-text structures over them belong to the migration:

- SQLite: the FTS5 table `search_index` (external content: the text stays in search_documents)
  kept by triggers on search_documents, and FTS5's own shadow tables;
- PostgreSQL: the generated `search_vector` column and its GIN index.

The models know neither, so the models-versus-migrations comparison leaves out exactly the names
below (tests/test_migrations.py and migrations/env.py).
"""

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from charter_app.extensions import db

FTS_TABLE = "search_index"
# FTS5 makes these beside an external-content table (no _content: the content is ours).
FTS_TABLES = frozenset({FTS_TABLE, *(f"{FTS_TABLE}_{suffix}"
                                     for suffix in ("data", "idx", "docsize", "config"))})
PG_VECTOR_COLUMN = "search_vector"
PG_VECTOR_INDEX = "ix_search_documents_search_vector"

TITLE_MAX_LENGTH = 200
DETAIL_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 200


def owned_by_migrations(name: str | None, type_: str, parent: str | None = None) -> bool:
    """True for the full-text structures the migration makes and the models do not describe."""
    if type_ == "table":
        return name in FTS_TABLES
    if parent == SearchDocument.__tablename__:
        return (type_, name) in {("column", PG_VECTOR_COLUMN), ("index", PG_VECTOR_INDEX)}
    return False


class SearchDocument(db.Model):
    """What search finds for one public row of a source: `kind` names the source (see
    search/index.py) and `key` is the row's id there."""

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    # The source row's id x 16 + the source's code (search/index.py), never generated.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text, default="")
    # What the result links to (its meaning is the source's) and a line shown under the title.
    slug: Mapped[str] = mapped_column(String(SLUG_MAX_LENGTH), default="")
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX_LENGTH), default="")
