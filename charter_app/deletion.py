"""Deleting rows with what their foreign keys promise, on every database.

The schema says what happens to the rows that refer to a deleted row (`ondelete="CASCADE"` or
`"SET NULL"`). PostgreSQL acts on it; SQLite only does when `PRAGMA foreign_keys` is on for the
connection, which this service leaves off (Alembic's batch migrations rebuild tables and would
cascade). So erasure walks the schema itself: children first, the same on both databases, and a
table added tomorrow with a foreign key is covered without anyone remembering it here.
"""

from sqlalchemy import Table, delete, select, update
from sqlalchemy.sql import Select

from charter_app.extensions import db


def _referring(table: Table):
    """(child table, its foreign key column, ondelete) for every key pointing at `table`."""
    for child in db.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is table:
                yield child, key.parent, (key.ondelete or "").upper()


def delete_where(table: Table, ids: Select) -> int:
    """Delete the rows of `table` whose primary key `ids` selects, acting on every reference as
    its foreign key says; return how many rows of `table` went."""
    chosen = [row[0] for row in db.session.execute(ids)]
    if not chosen:
        return 0
    primary = table.primary_key.columns.values()[0]
    for child, column, action in _referring(table):
        if child is table:
            continue  # a row pointing at its own kind (none yet) would need an order of its own
        if action == "CASCADE":
            child_primary = child.primary_key.columns.values()[0]
            delete_where(child, select(child_primary).where(column.in_(chosen)))
        elif action == "SET NULL":
            db.session.execute(update(child).where(column.in_(chosen)).values({column.name: None}))
        else:
            # No action declared: the database would refuse; say which reference stops us.
            raise ValueError(f"{child.name}.{column.name} refers to {table.name} without "
                             "ondelete; decide what erasing it means before deleting")
    return db.session.execute(delete(table).where(primary.in_(chosen))).rowcount
