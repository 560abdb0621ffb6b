"""The schema comes only from Alembic migrations, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.pledges.models import Measure, ProxyValue


def test_models_and_migrations_agree(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_measure_catalogue_is_loaded_with_sourced_example_values(app_ctx):
    themes = set(db.session.scalars(select(Measure.theme)))
    assert themes == {"jobs", "growth", "social", "environment", "innovation"}
    nt29 = db.session.scalar(select(Measure).where(Measure.national_toms_code == "NT29"))
    value = nt29.proxy_values[0]
    assert (value.financial_year, str(value.value), value.is_example) == (2026, "17.4800", True)
    assert "as read by a third party" in value.source
    assert db.session.scalar(
        select(func.count()).select_from(ProxyValue).where(ProxyValue.source == "")) == 0
