"""Keeping the search index in step with what it indexes, in the same transaction.

A source is a model whose rows can be found by search. It is registered once (search/sources.py)
with a function giving a row's `Document`, or None while the row must not be public (a draft
page, an unlisted signatory). Two session listeners then do the rest, so no service has to
remember the index:

- after each flush, every new, changed (in a field the document reads) or deleted row of a
  source has its document rewritten or removed, on the flush's own connection;
- an ORM bulk UPDATE or DELETE on a source's model (the compare-and-set saves in hub/pages.py)
  re-reads the rows it touched and does the same.

`rebuild()` (the `charter reindex-search` command) remakes the whole index from the sources.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, insert, inspect, select, text
from sqlalchemy.orm import Session

from charter_app.extensions import db
from charter_app.search.models import (
    DETAIL_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    SearchDocument,
)

# Highlights are marked with these private-use characters, then the text is escaped and they
# become <mark>; so they must never come from the indexed text itself.
MARK_START, MARK_END = "\ue000", "\ue001"
_UNMARK = str.maketrans("", "", MARK_START + MARK_END)


@dataclass(frozen=True)
class Document:
    title: str
    body: str
    slug: str
    detail: str = ""


@dataclass(frozen=True)
class Source:
    """One kind of thing search finds. `kind` is also the `?kind=` of its "see all" page."""

    kind: str
    label: str  # the group's heading: "Signatories"
    model: type
    document: Callable[[Any], Document | None]
    # The result's address, from the document's slug (called in a request).
    link: Callable[[str], str]
    # The attributes `document` reads: a flush changing none of them leaves the index alone.
    fields: tuple[str, ...]
    # A number of the source's own, 1 to 15: a document's id is key x 16 + code, so a source's
    # matches are told apart in the full-text index alone (no lookup in search_documents).
    code: int = 0
    # Where the group comes on the results page (lower first).
    order: int = 100


SOURCES: dict[str, Source] = {}
_BY_MODEL: dict[type, Source] = {}


KIND_CODES = 16


def document_id(source: Source, key: int) -> int:
    return key * KIND_CODES + source.code


def register(source: Source) -> Source:
    taken = {other.code for other in SOURCES.values() if other.kind != source.kind}
    if not 0 < source.code < KIND_CODES or source.code in taken:
        raise ValueError(f"{source.kind}: code must be 1 to 15 and not used by another source")
    SOURCES[source.kind] = source
    _BY_MODEL[source.model] = source
    return source


def ordered_sources() -> list[Source]:
    return sorted(SOURCES.values(), key=lambda source: (source.order, source.label))


def _row(source: Source, key: int, document: Document) -> dict:
    return {
        "id": document_id(source, key),
        "kind": source.kind,
        "key": key,
        "title": document.title.translate(_UNMARK)[:TITLE_MAX_LENGTH],
        "body": document.body.translate(_UNMARK),
        "slug": document.slug[:SLUG_MAX_LENGTH],
        "detail": document.detail.translate(_UNMARK)[:DETAIL_MAX_LENGTH],
    }


def write(connection, source: Source, rows: dict[int, Any]) -> None:
    """Replace the documents of these rows (by id); a row given as None, or whose document is
    None, is only removed."""
    if not rows:
        return
    table = SearchDocument.__table__
    connection.execute(delete(table).where(table.c.kind == source.kind,
                                           table.c.key.in_(list(rows))))
    documents = []
    for key, obj in rows.items():
        document = source.document(obj) if obj is not None else None
        if document is not None:
            documents.append(_row(source, key, document))
    if documents:
        connection.execute(insert(table), documents)


def _changed(obj, fields: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "after_flush")
def _keep_in_step(session: Session, flush_context) -> None:
    if not _BY_MODEL:
        return
    stale: dict[Source, dict[int, Any]] = {}
    for obj in session.new:
        source = _BY_MODEL.get(type(obj))
        if source is not None:
            stale.setdefault(source, {})[obj.id] = obj
    for obj in session.dirty:
        source = _BY_MODEL.get(type(obj))
        if source is not None and _changed(obj, source.fields):
            stale.setdefault(source, {})[obj.id] = obj
    for obj in session.deleted:
        source = _BY_MODEL.get(type(obj))
        if source is not None:
            stale.setdefault(source, {})[obj.id] = None
    if stale:
        connection = session.connection()
        for source, rows in stale.items():
            write(connection, source, rows)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statements(state) -> Any:
    """An ORM UPDATE or DELETE statement on a source's model bypasses the flush: note which rows
    it may touch, run it, then rewrite (or remove) their documents."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return None
    source = _BY_MODEL.get(state.bind_mapper.class_)
    if source is None:
        return None
    model = source.model
    criteria = state.statement.whereclause
    if criteria is None and isinstance(state.parameters, list):
        # A bulk UPDATE by primary key: the rows are named in its parameters.
        ids = [row["id"] for row in state.parameters if "id" in row]
    else:
        ids_query = select(model.id) if criteria is None else select(model.id).where(criteria)
        ids = list(state.session.scalars(ids_query))
    result = state.invoke_statement()
    if ids:
        if state.is_update:
            fresh = state.session.scalars(
                select(model).where(model.id.in_(ids))
                .execution_options(populate_existing=True))
            rows = dict.fromkeys(ids) | {obj.id: obj for obj in fresh}
        else:
            rows = dict.fromkeys(ids)
        write(state.session.connection(), source, rows)
    return result


REBUILD_BATCH = 1000


def rebuild() -> dict[str, int]:
    """Remake every document from its source; how many documents each kind now has. Flushes,
    does not commit."""
    session = db.session
    session.flush()
    connection = session.connection()
    connection.execute(delete(SearchDocument.__table__))
    counts = {}
    for source in ordered_sources():
        model = source.model
        ids = list(session.scalars(select(model.id).order_by(model.id)))
        for start in range(0, len(ids), REBUILD_BATCH):
            chunk = ids[start:start + REBUILD_BATCH]
            rows = session.scalars(select(model).where(model.id.in_(chunk)))
            write(connection, source, {obj.id: obj for obj in rows})
        counts[source.kind] = session.scalar(
            select(db.func.count()).select_from(SearchDocument)
            .where(SearchDocument.kind == source.kind)) or 0
    if connection.dialect.name == "sqlite":
        # Also repairs an FTS5 index that has drifted from its content table.
        connection.execute(text("INSERT INTO search_index(search_index) VALUES ('rebuild')"))
    return counts
