"""The measure catalogue survives every test (conftest keeps its tables), so a test that changes
it through the catalogue pages has it put back afterwards. Those pages record every change in
catalogue_changes, which tells us when to."""

from sqlalchemy import delete, func, insert, select, update

from charter_app.extensions import db
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting.models import CatalogueChange

_saved: dict[str, list[dict]] = {}


def save_catalogue() -> None:
    """Remember the catalogue as the migrations loaded it."""
    for model in (Measure, ProxyValue):
        table = model.__table__
        _saved[table.name] = [dict(row._mapping) for row in db.session.execute(select(table))]


def restore_catalogue_if_changed() -> None:
    """Put the catalogue back if a test changed it; the caller commits."""
    if _saved and db.session.scalar(select(func.count()).select_from(CatalogueChange)):
        restore_catalogue()


def restore_catalogue() -> None:
    proxy_values, measures = ProxyValue.__table__, Measure.__table__
    db.session.execute(delete(proxy_values))
    for row in _saved[measures.name]:
        db.session.execute(update(measures).where(measures.c.id == row["id"]).values(**row))
    if _saved[proxy_values.name]:
        db.session.execute(insert(proxy_values), _saved[proxy_values.name])
