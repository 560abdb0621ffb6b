"""Searching the index: safe queries from typed words, ranking, groups and highlights.

What a visitor types never reaches the full-text syntax: it is cut to words of letters and
digits, each matched as the start of a word (so live search finds "Engineering" from "eng"),
and every word must match. A query of punctuation alone has no words and finds nothing.
Ranking puts a title equal to the whole query first (ignoring case), then the full-text rank
(FTS5's bm25, PostgreSQL's ts_rank, with titles weighted above the text).
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql.expression import column, table

from charter_app.extensions import db
from charter_app.search.index import (
    KIND_CODES,
    MARK_END,
    MARK_START,
    SOURCES,
    Source,
    ordered_sources,
)
from charter_app.search.models import FTS_TABLE, PG_VECTOR_COLUMN, SearchDocument

MAX_QUERY_LENGTH = 100
MAX_WORDS = 8
PER_GROUP = 5
PER_PAGE = 20
WORD = re.compile(r"[^\W_]+")
_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
_vector = literal_column(f"search_documents.{PG_VECTOR_COLUMN}")
_SIMPLE = literal_column("'simple'::regconfig")


def clean_query(text: str | None) -> str:
    """The query as shown back and compared with titles: spaces collapsed, length capped."""
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH]


def words(text: str) -> list[str]:
    return WORD.findall(clean_query(text).lower())[:MAX_WORDS]


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _tsquery(found: list[str]):
    # Words are letters and digits only, so nothing in them is tsquery syntax.
    return func.to_tsquery(_SIMPLE, " & ".join(f"{w}:*" for w in found))


def _fts5_query(found: list[str]) -> str:
    # Quoted strings: whatever the word, FTS5 reads it as text, never as an operator.
    return " ".join(f'"{w}"*' for w in found)


def _matching(found: list[str]) -> tuple[Select, ColumnElement]:
    """Documents matching every word, and their rank (smaller is better)."""
    if _is_postgres():
        query = _tsquery(found)
        return (select(SearchDocument).where(_vector.op("@@")(query)),
                -func.ts_rank(_vector, query, type_=Float))
    statement = (select(SearchDocument)
                 .join(_fts, _fts.c.rowid == SearchDocument.id)
                 .where(_fts.c[FTS_TABLE].op("MATCH")(_fts5_query(found))))
    # bm25 is negative, lower is better; a word in the title counts ten times one in the text.
    return statement, func.bm25(literal_column(FTS_TABLE), 10.0, 1.0)


def _kind_matches(kind: str, found: list[str], column) -> Select:
    if _is_postgres():
        return (select(column(SearchDocument)).where(
            SearchDocument.kind == kind, _vector.op("@@")(_tsquery(found))))
    # The index alone: the kind is in the document id (key x 16 + code), so no lookup in
    # search_documents per match (6 ms for 4,500 matches at 100,000 signatories).
    code = SOURCES[kind].code
    return (select(column(None)).where(_fts.c[FTS_TABLE].op("MATCH")(_fts5_query(found)),
                                       _fts.c.rowid.op("%")(KIND_CODES) == code))


def matching_keys(kind: str, text: str) -> Select | None:
    """The ids (in the source's table) of that kind's documents matching every word, for an
    `IN (...)` filter; None when the text has no words (it then matches nothing)."""
    found = words(text)
    if not found:
        return None
    return _kind_matches(kind, found, lambda documents: (
        documents.key if documents is not None else _fts.c.rowid.op("/")(KIND_CODES)))


def matching_count(kind: str, text: str) -> int:
    """How many of that kind's documents match every word (0 when the text has no words)."""
    found = words(text)
    if not found:
        return 0
    return db.session.scalar(_kind_matches(kind, found, lambda _documents: func.count())) or 0


@dataclass(frozen=True)
class Hit:
    kind: str
    title: Markup
    snippet: Markup
    detail: str
    slug: str

    @property
    def url(self) -> str:
        """The result's address (needs a request, or SERVER_NAME)."""
        return SOURCES[self.kind].link(self.slug)


@dataclass
class Group:
    source: Source
    total: int
    hits: list[Hit]


def _ranked(found: list[str], text: str) -> Select:
    statement, rank = _matching(found)
    exact = case((func.lower(SearchDocument.title) == clean_query(text).lower(), 0), else_=1)
    return statement.with_only_columns(
        SearchDocument.id, SearchDocument.kind, exact.label("exact"), rank.label("rank"))


def grouped(text: str, per_group: int = PER_GROUP) -> list[Group]:
    """Every source's matches counted, with its best `per_group`; two statements in all."""
    found = words(text)
    if not found:
        return []
    ranked = _ranked(found, text).subquery()
    numbered = select(
        ranked.c.id, ranked.c.kind,
        func.count().over(partition_by=ranked.c.kind).label("total"),
        func.row_number().over(partition_by=ranked.c.kind,
                               order_by=(ranked.c.exact, ranked.c.rank, ranked.c.id))
        .label("position"),
    ).subquery()
    rows = db.session.execute(
        select(numbered).where(numbered.c.position <= per_group)
        .order_by(numbered.c.kind, numbered.c.position)).all()
    hits = _hits(found, [row.id for row in rows])
    groups = {}
    for row in rows:
        source = SOURCES.get(row.kind)
        if source is None:
            continue
        group = groups.setdefault(row.kind, Group(source, row.total, []))
        if row.id in hits:
            group.hits.append(hits[row.id])
    return [groups[source.kind] for source in ordered_sources() if source.kind in groups]


@dataclass
class KindPage:
    source: Source
    hits: list[Hit]
    total: int
    page: int
    pages: int


def one_kind(text: str, kind: str, page: int, per_page: int = PER_PAGE) -> KindPage | None:
    """One page of one source's matches, best first; None for an unknown kind."""
    source = SOURCES.get(kind)
    if source is None:
        return None
    found = words(text)
    if not found:
        return KindPage(source, [], 0, 1, 1)
    ranked = _ranked(found, text).where(SearchDocument.kind == kind).subquery()
    total = db.session.scalar(select(func.count()).select_from(ranked)) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    ids = list(db.session.scalars(
        select(ranked.c.id).order_by(ranked.c.exact, ranked.c.rank, ranked.c.id)
        .limit(per_page).offset((page - 1) * per_page)))
    hits = _hits(found, ids)
    return KindPage(source, [hits[i] for i in ids if i in hits], total, page, pages)


def _hits(found: list[str], ids: list[int]) -> dict[int, Hit]:
    """The shown results, with the matching words highlighted (one statement)."""
    if not ids:
        return {}
    if _is_postgres():
        query = _tsquery(found)
        marks = f"StartSel={MARK_START}, StopSel={MARK_END}"
        title = func.ts_headline(_SIMPLE, SearchDocument.title, query,
                                 marks + ", HighlightAll=true")
        snippet = func.ts_headline(
            _SIMPLE, SearchDocument.body, query,
            marks + ', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')
        statement = select(SearchDocument, title, snippet).where(SearchDocument.id.in_(ids))
    else:
        fts = literal_column(FTS_TABLE)
        title = func.highlight(fts, 0, MARK_START, MARK_END)
        snippet = func.snippet(fts, 1, MARK_START, MARK_END, "…", 24)
        statement = (select(SearchDocument, title, snippet)
                     .join(_fts, _fts.c.rowid == SearchDocument.id)
                     .where(and_(_fts.c[FTS_TABLE].op("MATCH")(_fts5_query(found)),
                                 SearchDocument.id.in_(ids))))
    hits = {}
    for document, title_text, snippet_text in db.session.execute(statement):
        source = SOURCES.get(document.kind)
        if source is None:
            continue
        hits[document.id] = Hit(kind=document.kind, title=marked(title_text or document.title),
                                snippet=marked(plain(snippet_text or "")),
                                detail=document.detail, slug=document.slug)
    return hits


_MARKDOWN_LINK = re.compile(r"\]\([^)\s]*\)")
# Emphasis, code and link brackets anywhere; headings and quotes only where a line starts.
_MARKDOWN_MARKS = re.compile(r"[*`\[\]]|^\s*(?:#+|>+)\s*|(?<!\w)_|_(?!\w)", re.MULTILINE)


def plain(text: str) -> str:
    """A snippet of Markdown as plain words: link targets and emphasis marks dropped."""
    return _MARKDOWN_MARKS.sub("", _MARKDOWN_LINK.sub("", text))


def marked(text: str) -> Markup:
    """Escape everything, then turn the private markers into <mark> (balanced, so a cut
    snippet cannot leave a tag open)."""
    html = str(escape(text))
    out, open_mark = [], False
    for character in html:
        if character == MARK_START and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif character == MARK_END and open_mark:
            out.append("</mark>")
            open_mark = False
        elif character not in (MARK_START, MARK_END):
            out.append(character)
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704 - escaped above; only <mark> added
