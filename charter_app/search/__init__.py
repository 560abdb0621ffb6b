"""One search across the directory and the Knowledge Hub, on a full-text index.

`models.SearchDocument` holds one row per public thing (a listed signatory, a published page,
news post or partner page); `index` keeps those rows in step with their sources inside the same
transaction; `query` turns what a visitor typed into a safe full-text query (SQLite FTS5, or
PostgreSQL's tsvector with a GIN index) and ranks, groups and highlights the results.
"""
