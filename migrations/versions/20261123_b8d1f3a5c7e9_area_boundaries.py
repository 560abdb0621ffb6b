"""Local needs map: small areas' boundaries

Revision ID: b8d1f3a5c7e9
Revises: a7c9e2d4f1b3
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b8d1f3a5c7e9'
down_revision = 'a7c9e2d4f1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'area_boundaries',
        sa.Column('edition', sa.String(length=10), nullable=False),
        sa.Column('code', sa.String(length=9), nullable=False),
        sa.Column('shape', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('edition', 'code', name=op.f('pk_area_boundaries')),
    )


def downgrade():
    op.drop_table('area_boundaries')
