"""Counted totals: the collective report's sums by quarter, measure, area, typed location and
checked state, kept in step with the reports (charter_app/reporting/summary.py); a partial index
counting a quarter's submitted reports

Revision ID: c3e8a1f5d7b9
Revises: b7d4e2a9c6f1
Create Date: 2026-11-23 19:20:00

Backfilled here from the counted revisions with the same grouping the application adds with,
written out as SQL so the migration does not depend on the application's code as it changes.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3e8a1f5d7b9'
down_revision = 'b7d4e2a9c6f1'
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO counted_totals
    (financial_year, quarter, measure_id, area, location, checked, gross, net, entries)
SELECT r.financial_year, r.quarter, e.measure_id, coalesce(e.area, ''),
       coalesce(upper(replace(e.location, ' ', '')), ''), r.status = 'checked',
       coalesce(sum(e.gross), 0), coalesce(sum(e.net), 0), count(*)
FROM report_entries e JOIN quarterly_reports r ON r.submitted_revision_id = e.revision_id
GROUP BY r.financial_year, r.quarter, e.measure_id, coalesce(e.area, ''),
         coalesce(upper(replace(e.location, ' ', '')), ''), r.status = 'checked'
"""


def upgrade():
    op.create_table(
        'counted_totals',
        sa.Column('financial_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('quarter', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('measure_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('area', sa.String(length=40), nullable=False),
        sa.Column('location', sa.String(length=60), nullable=False),
        sa.Column('checked', sa.Boolean(), nullable=False),
        sa.Column('gross', sa.BigInteger(), nullable=False),
        sa.Column('net', sa.BigInteger(), nullable=False),
        sa.Column('entries', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['measure_id'], ['measures.id'],
                                name=op.f('fk_counted_totals_measure_id_measures')),
        sa.PrimaryKeyConstraint('financial_year', 'quarter', 'measure_id', 'area', 'location',
                                'checked', name=op.f('pk_counted_totals')),
    )
    op.execute(BACKFILL)
    counted = sa.text("submitted_revision_id IS NOT NULL")
    op.create_index('ix_quarterly_reports_counted', 'quarterly_reports',
                    ['financial_year', 'quarter', 'id'], sqlite_where=counted,
                    postgresql_where=counted)


def downgrade():
    op.drop_index('ix_quarterly_reports_counted', table_name='quarterly_reports')
    op.drop_table('counted_totals')
