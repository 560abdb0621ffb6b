"""Data retention: the daily runs of each rule, and when an email's bodies were emptied

Revision ID: d6f0b2a8c4e1
Revises: e5a9c3b7d1f2
Create Date: 2026-11-23 15:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd6f0b2a8c4e1'
down_revision = 'e5a9c3b7d1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'retention_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('ran_at', sa.DateTime(), nullable=False),
        sa.Column('affected', sa.Integer(), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('rule', 'day', name='uq_retention_runs_rule_day'),
    )
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_runs_day'), ['day'], unique=False)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_erased_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('body_erased_at')
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_runs_day'))
    op.drop_table('retention_runs')
