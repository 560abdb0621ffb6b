"""Row locks for state changes that two requests may try at once.

`lock_for_update(Model, id)` returns the row, re-read from the database, and holds it until the
transaction ends, so a check made on it ("is this still submitted?") stays true while the change
is made. On PostgreSQL that is `SELECT ... FOR UPDATE`. SQLite has no row locks: there a no-op
UPDATE of the row takes the database's write lock, which a second writer waits for (its busy
timeout), and the row is read after that, so it sees what the first writer committed.

`compare_and_set` is the lock-free alternative for a single column: one conditional UPDATE whose
row count says whether this request won.

Both only flush: the request, command or job that called them commits (or rolls back), which is
what releases the lock.
"""

from typing import Any, TypeVar

from sqlalchemy import select, text, update

from charter_app.extensions import db

ModelT = TypeVar("ModelT")


class StateConflict(Exception):
    """Someone else changed the row first; tell the user what it is now, never a 500."""


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def lock_for_update(model: type[ModelT], row_id: int) -> ModelT | None:
    """The row with this id, fresh from the database and locked until commit; None if absent."""
    # Flush first: pending changes must not be overwritten by the fresh read below.
    db.session.flush()
    if _dialect() == "sqlite":
        table = model.__table__.name  # type: ignore[attr-defined]
        # Plain SQL on purpose: an ORM/Core update would also fire `onupdate` (updated_at).
        db.session.execute(
            text(f'UPDATE "{table}" SET id = id WHERE id = :id'),  # noqa: S608 - table name from our own model
            {"id": row_id},
        )
        statement = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    else:
        statement = (
            select(model).where(model.id == row_id).with_for_update()  # type: ignore[attr-defined]
        )
    return db.session.scalars(
        statement.execution_options(populate_existing=True)
    ).one_or_none()


def compare_and_set(model: type, row_id: int, column: str, expected: Any, new: Any) -> bool:
    """Set `column` to `new` only if it still holds `expected`; True when this call changed it.

    Atomic on both databases: the UPDATE's WHERE is evaluated under the row (PostgreSQL) or
    database (SQLite) write lock, so of two concurrent callers exactly one sees a row count of 1.
    """
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, getattr(model, column) == expected)
        .values({column: new})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
