"""Counting attempts per key in a fixed window, in the database, so every worker and every web
node shares one count (an in-memory limiter would give each process its own allowance).

Each counter is a table with a key column (the primary key), a count and the start of the
current window. Adding one is atomic under concurrency: the row is created if missing
(`INSERT ... ON CONFLICT DO NOTHING`), reset when its window has ended, then incremented in the
database (`count = count + 1`), so two requests at once both count. It only flushes: the
caller's transaction commits it, or rolls it back with everything else it refused.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute

from charter_app.extensions import db


@dataclass(frozen=True)
class WindowCounter:
    """A count per key within a window, kept in the table that owns these three columns."""

    key: InstrumentedAttribute
    count: InstrumentedAttribute
    window_started: InstrumentedAttribute

    @property
    def _model(self):
        return self.key.class_

    def add(self, key: str, *, window: timedelta, now: datetime) -> int:
        """Count one attempt for `key` in its current window (a new window when the last has
        ended); returns the count, this attempt included."""
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(
            dialect.insert(self._model)
            .values({self.key.key: key, self.count.key: 0, self.window_started.key: now})
            .on_conflict_do_nothing(index_elements=[self.key.key])
        )
        # A window that has ended starts again, so nobody is held back for long.
        db.session.execute(
            update(self._model)
            .where(self.key == key, self.window_started <= now - window)
            .values({self.count.key: 0, self.window_started.key: now})
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(self._model).where(self.key == key)
            .values({self.count.key: self.count + 1})
            .execution_options(synchronize_session=False)
        )
        return self.count_within(key, window=window, now=now)

    def count_within(self, key: str, *, window: timedelta, now: datetime) -> int:
        """Attempts counted for `key` in a window that has not ended (0 when none)."""
        return db.session.scalar(
            select(self.count).where(self.key == key, self.window_started > now - window)
        ) or 0
