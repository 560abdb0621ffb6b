"""Throwaway benchmark databases: a new PostgreSQL database on a server, dropped afterwards."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def throwaway_postgres(base: str, log=print) -> Iterator[str]:
    """A new, empty database on the server `base` points at; its URL, for SQLAlchemy."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"charter_bench_{secrets.token_hex(4)}"
    admin = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(base).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")
