"""One search: search_documents, with SQLite FTS5 or a PostgreSQL tsvector and GIN index over it

Revision ID: b7d4e2a9c6f1
Revises: a9d3c5e7f1b2
Create Date: 2026-11-23 15:45:00

The full-text structures are this migration's alone (the models do not describe them; see
charter_app/search/models.py). Both use the 'simple' configuration (no stemming, no stop words):
people search for names, and live search matches the start of each word as it is typed, which
a stemmed index cannot do (English stems "engineering" to "engin", so the typed prefix
"engineeri" would find nothing). SQLite's unicode61 tokenizer behaves the same way.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7d4e2a9c6f1'
down_revision = 'a9d3c5e7f1b2'
branch_labels = None
depends_on = None

FTS5_TRIGGERS = {
    "search_documents_ai": """
        CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
          INSERT INTO search_index(rowid, title, body) VALUES (new.id, new.title, new.body);
        END""",
    "search_documents_ad": """
        CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
          INSERT INTO search_index(search_index, rowid, title, body)
          VALUES ('delete', old.id, old.title, old.body);
        END""",
    "search_documents_au": """
        CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
          INSERT INTO search_index(search_index, rowid, title, body)
          VALUES ('delete', old.id, old.title, old.body);
          INSERT INTO search_index(rowid, title, body) VALUES (new.id, new.title, new.body);
        END""",
}

# What the application's sources index (charter_app/search/sources.py), for rows that exist
# before this migration (a document's id is the row's id x 16 + its source's code); `flask --app wsgi charter reindex-search` remakes it exactly.
BACKFILL = [
    """INSERT INTO search_documents (id, kind, key, title, body, slug, detail)
       SELECT id * 16 + 1, 'signatories', id, name, COALESCE(town, '') || ' ' || COALESCE(description, ''),
              slug, COALESCE(town, '')
       FROM organisations WHERE status IN ('approved', 'lapsed') AND slug IS NOT NULL""",
    """INSERT INTO search_documents (id, kind, key, title, body, slug, detail)
       SELECT id * 16 + 2, 'guidance', id, title, summary || ' ' || body, slug,
              CASE WHEN kind = 'measure-note' THEN 'A note in the County Durham TOMs guide'
                   ELSE 'Guidance' END
       FROM hub_pages WHERE published""",
    """INSERT INTO search_documents (id, kind, key, title, body, slug, detail)
       SELECT id * 16 + 4, 'news', id, title, summary || ' ' || body, slug, ''
       FROM news_posts WHERE published_at IS NOT NULL""",
    """INSERT INTO search_documents (id, kind, key, title, body, slug, detail)
       SELECT id * 16 + 5, 'partners', id, name, COALESCE(description, '') || ' ' ||
              COALESCE(what_it_buys, '') || ' ' || COALESCE(tenders_text, ''),
              slug, 'County Durham Pound partner'
       FROM partners WHERE published AND slug IS NOT NULL""",
]


def upgrade():
    op.create_table(
        'search_documents',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
        sa.UniqueConstraint('kind', 'key', name=op.f('uq_search_documents_kind')),
    )
    if op.get_bind().dialect.name == "sqlite":
        # External content: the text is stored once, in search_documents; prefix indexes make
        # the as-you-type prefix queries ("eng*") as cheap as whole words.
        op.execute("""
            CREATE VIRTUAL TABLE search_index USING fts5(
              title, body, content='search_documents', content_rowid='id',
              tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""")
        for statement in FTS5_TRIGGERS.values():
            op.execute(statement)
    else:
        op.execute("""
            ALTER TABLE search_documents ADD COLUMN search_vector tsvector
            GENERATED ALWAYS AS (
              setweight(to_tsvector('simple'::regconfig, title), 'A') ||
              setweight(to_tsvector('simple'::regconfig, body), 'B')) STORED""")
        # fastupdate off: each write updates the index itself, instead of queueing in a pending
        # list that every search then reads in full until a vacuum merges it (at 10,000 fresh
        # signatories, 30 ms per search instead of under 1). Writes here are few.
        op.execute("CREATE INDEX ix_search_documents_search_vector ON search_documents "
                   "USING gin (search_vector) WITH (fastupdate = off)")
    for statement in BACKFILL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in FTS5_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_index")
    op.drop_table('search_documents')
