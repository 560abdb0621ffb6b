"""The pledge-periods migration moves every existing pledge into a first period, losing none."""

import os
import secrets
from datetime import date

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from charter_app import create_app
from charter_app.extensions import db
from tests.conftest import _admin_dsn, _postgres_url

BEFORE_PERIODS = "6bbf5478dbad"


@pytest.fixture
def old_database(tmp_path, request):
    """An empty database of its own, to migrate step by step."""
    if request.config.getoption("--db") == "sqlite":
        yield f"sqlite:///{tmp_path / 'before-periods.sqlite3'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    name = f"charter_migration_{secrets.token_hex(4)}"
    with psycopg.connect(_admin_dsn(base), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _postgres_url(base, name)
    with psycopg.connect(_admin_dsn(base), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_existing_pledges_move_into_a_dated_first_period(old_database):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=old_database)
    with app.app_context():
        upgrade(revision=BEFORE_PERIODS)
        db.engine.dispose()
    engine = create_engine(old_database)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organisations (id, name, name_key, status, search_text, created_at, "
            "updated_at, approved_at) VALUES "
            # 23:30 UTC on 31 March is 00:30 on 1 April in London (summer time).
            "(1, 'Approved Ltd', 'approved', 'approved', '', '2026-01-01', '2026-01-01', "
            "'2026-03-31 23:30:00'), "
            "(2, 'Draft Ltd', 'draft', 'draft', '', '2026-01-01', '2026-01-01', NULL), "
            "(3, 'No Pledges Ltd', 'no pledges', 'draft', '', '2026-01-01', '2026-01-01', NULL)"))
        measure_ids = connection.execute(text("SELECT id FROM measures ORDER BY id LIMIT 2"))
        first, second = [row[0] for row in measure_ids]
        connection.execute(
            text("INSERT INTO pledges (organisation_id, measure_id, target, created_at) "
                 "VALUES (:organisation, :measure, :target, '2026-01-01')"),
            [{"organisation": 1, "measure": first, "target": 52},
             {"organisation": 1, "measure": second, "target": 1000.5},
             {"organisation": 2, "measure": first, "target": 7}])

    with app.app_context():
        upgrade()
        db.engine.dispose()
    with engine.connect() as connection:
        periods = connection.execute(text(
            "SELECT organisation_id, number, starts_on, ends_on, id FROM pledge_periods "
            "ORDER BY organisation_id")).all()
        pledges = connection.execute(text(
            "SELECT period_id, measure_id, target FROM pledges ORDER BY id")).all()
        current = dict(connection.execute(text(
            "SELECT id, current_pledge_period_id FROM organisations")).all())
    engine.dispose()

    assert [(org, number, str(starts), str(ends)) for org, number, starts, ends, _id in periods] \
        == [(1, 1, str(date(2026, 4, 1)), str(date(2027, 3, 31))), (2, 1, "None", "None")]
    period_of = {org: period_id for org, _n, _s, _e, period_id in periods}
    assert [(period_id, measure, float(target)) for period_id, measure, target in pledges] == [
        (period_of[1], first, 52.0), (period_of[1], second, 1000.5), (period_of[2], first, 7.0)]
    assert current == {1: period_of[1], 2: period_of[2], 3: None}
