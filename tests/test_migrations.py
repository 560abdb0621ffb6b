"""The schema comes only from Alembic migrations, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.pledges.models import Measure, ProxyValue

# Made by the search migration and unknown to the models, named one by one so nothing else can
# hide here: the FTS5 table and its shadow tables on SQLite, the tsvector column and its GIN
# index on PostgreSQL (charter_app/search/models.py).
FULL_TEXT_TABLES = {"search_index", "search_index_data", "search_index_idx",
                    "search_index_docsize", "search_index_config"}
FULL_TEXT_IN_SEARCH_DOCUMENTS = {("column", "search_vector"),
                                 ("index", "ix_search_documents_search_vector")}


def _not_full_text(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return name not in FULL_TEXT_TABLES
    table = getattr(getattr(obj, "table", None), "name", None)
    return not (table == "search_documents" and (type_, name) in FULL_TEXT_IN_SEARCH_DOCUMENTS)


def test_models_and_migrations_agree(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _not_full_text})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_full_text_structures_exist_and_are_only_the_migrations(app_ctx):
    """The exclusions above hide exactly what the search migration made, and it did make it."""
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    if db.engine.dialect.name == "sqlite":
        assert set(inspector.get_table_names()) >= FULL_TEXT_TABLES
    else:
        columns = {column["name"] for column in inspector.get_columns("search_documents")}
        indexes = {index["name"] for index in inspector.get_indexes("search_documents")}
        assert "search_vector" in columns
        assert "ix_search_documents_search_vector" in indexes
    assert not FULL_TEXT_TABLES & set(db.metadata.tables)


def test_the_measure_catalogue_is_loaded_with_sourced_example_values(app_ctx):
    themes = set(db.session.scalars(select(Measure.theme)))
    assert themes == {"jobs", "growth", "social", "environment", "innovation"}
    nt29 = db.session.scalar(select(Measure).where(Measure.national_toms_code == "NT29"))
    value = nt29.proxy_values[0]
    assert (value.financial_year, str(value.value), value.is_example) == (2026, "17.4800", True)
    assert "as read by a third party" in value.source
    assert db.session.scalar(
        select(func.count()).select_from(ProxyValue).where(ProxyValue.source == "")) == 0
