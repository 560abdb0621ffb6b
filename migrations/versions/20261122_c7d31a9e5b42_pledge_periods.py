"""pledge periods: every pledge belongs to a year of pledging, kept for ever

Revision ID: c7d31a9e5b42
Revises: c7a1e5d3b902
Create Date: 2026-11-22 20:50:00

Each organisation that has pledges gets period 1, dated from its approval (UK date) to the day
before the first anniversary, or undated while it is not yet approved; all its pledges move into
that period, which becomes its current one. No pledge is lost.
"""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import charter_app.timeutil

# revision identifiers, used by Alembic.
revision = 'c7d31a9e5b42'
down_revision = 'c7a1e5d3b902'
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _london_date(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON).date()


def upgrade():
    op.create_table('pledge_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_pledge_periods_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_periods')),
    sa.UniqueConstraint('organisation_id', 'number', name=op.f('uq_pledge_periods_organisation_id'))
    )
    with op.batch_alter_table('pledge_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_periods_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('current_pledge_period_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisations_current_pledge_period_id_pledge_periods'), 'pledge_periods', ['current_pledge_period_id'], ['id'], ondelete='SET NULL', use_alter=True)
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_id', sa.Integer(), nullable=True))

    _move_pledges_into_first_periods()

    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.alter_column('period_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_pledges_organisation_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_pledges_organisation_id'))
        batch_op.drop_constraint(batch_op.f('fk_pledges_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('organisation_id')
        batch_op.create_index(batch_op.f('ix_pledges_period_id'), ['period_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_pledges_period_id'), ['period_id', 'measure_id'])
        batch_op.create_foreign_key(batch_op.f('fk_pledges_period_id_pledge_periods'), 'pledge_periods', ['period_id'], ['id'], ondelete='CASCADE')


def _move_pledges_into_first_periods():
    connection = op.get_bind()
    organisations = connection.execute(sa.text(
        "SELECT id, approved_at FROM organisations "
        "WHERE id IN (SELECT DISTINCT organisation_id FROM pledges) ORDER BY id"
    )).all()
    now = datetime.now(UTC)
    for organisation_id, approved_at in organisations:
        starts_on = ends_on = None
        if approved_at is not None:
            starts_on = _london_date(approved_at)
            ends_on = _add_years(starts_on, 1) - timedelta(days=1)
        connection.execute(
            sa.text("INSERT INTO pledge_periods (organisation_id, number, starts_on, ends_on, "
                    "created_at) VALUES (:organisation_id, 1, :starts_on, :ends_on, :now)"),
            {"organisation_id": organisation_id, "starts_on": starts_on, "ends_on": ends_on,
             "now": now.replace(tzinfo=None)},  # stored as naive UTC, like UTCDateTime
        )
        period_id = connection.execute(
            sa.text("SELECT id FROM pledge_periods WHERE organisation_id = :organisation_id "
                    "AND number = 1"), {"organisation_id": organisation_id}
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE pledges SET period_id = :period_id "
                    "WHERE organisation_id = :organisation_id"),
            {"period_id": period_id, "organisation_id": organisation_id},
        )
        connection.execute(
            sa.text("UPDATE organisations SET current_pledge_period_id = :period_id "
                    "WHERE id = :organisation_id"),
            {"period_id": period_id, "organisation_id": organisation_id},
        )


def downgrade():
    # Only the current period's pledges fit the old one-set-per-organisation shape.
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE pledges SET organisation_id = (SELECT organisation_id FROM pledge_periods "
        "WHERE pledge_periods.id = pledges.period_id)"
    )
    op.execute(
        "DELETE FROM pledges WHERE period_id NOT IN (SELECT current_pledge_period_id "
        "FROM organisations WHERE current_pledge_period_id IS NOT NULL)"
    )
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pledges_period_id_pledge_periods'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_pledges_period_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_pledges_period_id'))
        batch_op.drop_column('period_id')
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_pledges_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_pledges_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_pledges_organisation_id'), ['organisation_id', 'measure_id'])
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisations_current_pledge_period_id_pledge_periods'), type_='foreignkey')
        batch_op.drop_column('current_pledge_period_id')
    with op.batch_alter_table('pledge_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_periods_organisation_id'))
    op.drop_table('pledge_periods')
