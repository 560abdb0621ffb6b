"""The collective quarterly progress report: versions, drafts and frozen published figures

Revision ID: f1a2c3d4e5b6
Revises: e3b7a1c04d52
Create Date: 2026-11-23 07:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f1a2c3d4e5b6'
down_revision = 'e3b7a1c04d52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'collective_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('financial_year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('commentary', sa.Text(), nullable=False),
        sa.Column('highlights', sa.Text(), nullable=False),
        sa.Column('change_note', sa.String(length=500), nullable=True),
        sa.Column('snapshot', sa.JSON(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                                name=op.f('fk_collective_reports_published_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_collective_reports')),
    )
    with op.batch_alter_table('collective_reports', schema=None) as batch_op:
        batch_op.create_index('uq_collective_reports_quarter_version',
                              ['financial_year', 'quarter', 'version'], unique=True)


def downgrade():
    with op.batch_alter_table('collective_reports', schema=None) as batch_op:
        batch_op.drop_index('uq_collective_reports_quarter_version')
    op.drop_table('collective_reports')
