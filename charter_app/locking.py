"""Row locks for state changes that two requests may try at once.

`lock_for_update(Model, id)` returns the row, re-read from the database, and holds it until the
transaction ends, so a check made on it ("is this still submitted?") stays true while the change
is made. On PostgreSQL that is `SELECT ... FOR UPDATE`. SQLite has no row locks: there a no-op
UPDATE of the row takes the database's write lock, which a second writer waits for (its busy
timeout), and the row is read after that, so it sees what the first writer committed.

Lock, then check, then change: the check can look at anything on the row (or count rows that
belong to it, such as places left on an event), which a compare-and-set on one column cannot.
Applications use it today; registrations, waiting lists and awards are meant to use it too.

It only flushes: the request, command or job that called it commits (or rolls back), which is
what releases the lock.
"""

from typing import TypeVar

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from charter_app.extensions import db

ModelT = TypeVar("ModelT")


class StateConflict(Exception):
    """Someone else changed the row first; tell the user what it is now, never a 500."""


class StateChangeRefused(StateConflict):
    """The row is not in a state this change can start from; perhaps it has made it already
    (a double click, or two people at once), which the page says plainly."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"{current} -> {wanted}")
        self.current = current
        self.wanted = wanted

    @property
    def already_done(self) -> bool:
        return self.current == self.wanted


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



def insert_unless_taken(model: type[ModelT], unique_column: str | tuple[str, ...],
                        **values) -> ModelT | None:
    """Insert a row unless one with the same unique value exists (or another request inserts it
    at the same moment); the new row, or None when the value was taken.

    `INSERT ... ON CONFLICT DO NOTHING`, not a savepoint: under pysqlite, releasing a savepoint
    opened before any write commits the whole transaction, so a request that failed afterwards
    would still have saved the row.
    """
    dialect = postgresql if _dialect() == "postgresql" else sqlite
    table = model.__table__  # type: ignore[attr-defined]
    # One unique column, or the columns of one composite unique constraint, in its order.
    columns = [unique_column] if isinstance(unique_column, str) else list(unique_column)
    new_id = db.session.execute(
        dialect.insert(table).values(**values)
        .on_conflict_do_nothing(index_elements=columns)
        .returning(table.c.id)
    ).scalar_one_or_none()
    return None if new_id is None else db.session.get(model, new_id)
